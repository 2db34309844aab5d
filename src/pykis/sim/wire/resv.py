"""Reserved orders (예약주문) on the KIS wire; the book itself is ``pykis.sim.reserved``.

KIS: 주식예약주문 [v1_국내주식-017] CTSC0008U (order-resv), 주식예약주문정정취소
[v1_국내주식-018/019] CTSC0009U cancel / CTSC0013U amend (order-resv-rvsecncl),
주식예약주문조회 [v1_국내주식-020] CTSC0004R (order-resv-ccnl, 20 rows a page with
``CTX_AREA_FK200``/``NK200``); all real only. Acceptance answers APBK2938 "예약주문이
접수되었습니다." with ``output.RSVN_ORD_SEQ`` (upper case, as the portal shows);
amendments and cancellations KIOK0430 with ``output.nrml_prcs_yn``.

[U] choices: ``prcs_rslt`` reads 미처리 (waiting), 처리 (sent), 거부 (refused when sent,
the reason in ``rjct_rson2``), 취소 (cancelled); ``PRCS_DVSN_CD`` 0 all, 1 sent,
2 waiting; ``CNCL_YN`` N leaves cancelled ones out; ``RSVN_ORD_ORGNO`` is not checked;
``RSVN_ORD_ORD_DT`` must be the day the reservation was taken.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pykis.models import OrderSide
from pykis.sim.env import Reason
from pykis.sim.errors import CODES, KisCode, SimError
from pykis.sim.exchange import ORDER_TYPES
from pykis.sim.reserved import SENDABLE, Reservation
from pykis.sim.wire.paging import paginate
from pykis.sim.wire.protocol import Call, Reply, hhmmss, is_digits, yyyymmdd

__all__ = ["order_resv", "order_resv_ccnl", "order_resv_rvsecncl"]

ACCEPTED, CHANGED = "APBK2938", "KIOK0430"
CODES.setdefault(ACCEPTED, KisCode(ACCEPTED, "예약주문이 접수되었습니다.", rt_cd="0"))  # [V]
CODES.setdefault(CHANGED, KisCode(CHANGED, "정상적으로 처리되었습니다", rt_cd="0"))  # [V]
PAGE = 20  # rows a call (portal: "한 번의 호출에 최대 20건") [V]
SIDES = {"01": OrderSide.SELL, "02": OrderSide.BUY}
UNSIMULATED = ("02", "05")  # 조건부지정가, 장전 시간외


def _day(call: Call, name: str) -> dt.date | None:
    value = call.field(name, required=False)
    if not value:
        return None
    try:
        return dt.datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        raise SimError("OPSQ2001", text=f"ERROR INVALID {name}") from None


def _terms(call: Call) -> tuple[str, OrderSide, int, int, str, dt.date | None]:
    """What a reservation says: symbol, side, quantity, price, type, end day."""
    code = call.field("PDNO")
    side = SIDES.get(call.field("SLL_BUY_DVSN_CD"))
    qty = call.number("ORD_QTY", allow_zero=False)
    price = call.number("ORD_UNPR")
    dvsn = call.field("ORD_DVSN_CD")
    balance = call.field("ORD_OBJT_CBLC_DVSN_CD")
    if side is None:
        raise SimError("OPSQ2001", text="ERROR INVALID SLL_BUY_DVSN_CD")
    if dvsn in UNSIMULATED:
        raise SimError("SIM00501", text=f"시뮬레이터가 지원하지 않는 주문구분입니다 ({dvsn})")
    if dvsn not in SENDABLE:
        raise SimError("OPSQ2001", text="ERROR INVALID ORD_DVSN_CD")
    if balance != "10":  # 10 현금; 12-28 are credit and loan balances, not simulated
        raise SimError("SIM00501", text=f"시뮬레이터가 지원하지 않는 잔고구분입니다 ({balance})")
    if code not in call.state.market.universe:
        raise SimError(call.profile.rejections[Reason.UNKNOWN_SYMBOL])
    if (dvsn == "00") != (price > 0):
        raise SimError("OPSQ2001", text="ERROR INVALID ORD_UNPR")
    return code, side, qty, price, dvsn, _day(call, "RSVN_ORD_END_DT")


def order_resv(call: Call) -> Reply:
    call.check_account(call.body)
    code, side, qty, price, dvsn, end_day = _terms(call)
    item = call.state.extras.reserved.reserve(call.account, code, side, qty, price, dvsn,
                                              end_day, call.now)
    return Reply({"output": {"RSVN_ORD_SEQ": str(item.seq)}}, ACCEPTED)


def order_resv_rvsecncl(call: Call) -> Reply:
    call.check_account(call.body)
    seq = call.field("RSVN_ORD_SEQ")
    call.field("RSVN_ORD_ORGNO")
    made = _day(call, "RSVN_ORD_ORD_DT")
    book = call.state.extras.reserved
    item = book.find(call.account, int(seq)) if is_digits(seq) else None
    if item is None or made != item.made.date():
        raise SimError(call.profile.rejections[Reason.UNKNOWN_ORDER])
    if call.variant == "cancel":
        book.cancel(item, call.now)
    else:
        code, side, qty, price, dvsn, end_day = _terms(call)
        if code != item.code or side is not item.side:
            raise SimError("OPSQ2001", text="ERROR INVALID PDNO")
        book.amend(item, qty, price, dvsn, end_day)
    return Reply({"output": {"nrml_prcs_yn": "Y"}}, CHANGED)


def order_resv_ccnl(call: Call) -> Reply:
    call.check_account()
    start, end = call.date("RSVN_ORD_ORD_DT"), call.date("RSVN_ORD_END_DT")
    call.param("TMNL_MDIA_KIND_CD")
    state = call.choice("PRCS_DVSN_CD", ("0", "1", "2"))
    with_canceled = call.choice("CNCL_YN", ("Y", "N")) == "Y"
    seq = call.param("RSVN_ORD_SEQ", required=False).strip()
    code = call.param("PDNO", required=False).strip()
    side = call.choice("SLL_BUY_DVSN_CD", ("", "00", "01", "02"), required=False)
    items = [
        r for r in call.state.extras.reserved.of(call.account)
        if start <= r.made.date() <= end and (with_canceled or r.canceled_at is None)
        and (not seq or str(r.seq) == seq) and (not code or r.code == code)
        and side in ("", "00", _side_code(r)) and _state_matches(r, state)
    ]
    items.sort(key=lambda r: r.seq, reverse=True)
    conditions = f"{yyyymmdd(start)}^{yyyymmdd(end)}^{state}^"
    page = paginate(call, items, PAGE, lambda r: f"{r.seq:010d}", conditions,
                    descending=True, suffix="200")
    return Reply({"output": [_row(call, r) for r in page.rows]},
                 page.code(call.profile.inquiry_ok, True), tr_cont=page.tr_cont,
                 extra=page.extra, pad=True)


def _side_code(item: Reservation) -> str:
    return "01" if item.side is OrderSide.SELL else "02"


def _state_matches(item: Reservation, state: str) -> bool:
    return state == "0" or (state == "1") == (not item.pending)


def _result(item: Reservation) -> str:
    if item.canceled_at is not None and not item.orders:
        return "취소"
    if item.refusal:
        return "거부"
    return "처리" if item.orders else "미처리"


def _row(call: Call, item: Reservation) -> dict[str, Any]:
    last = item.orders[-1] if item.orders else None
    kind = ORDER_TYPES.get(item.dvsn)
    canceled = item.canceled_at
    return {
        "rsvn_ord_seq": str(item.seq), "rsvn_ord_ord_dt": yyyymmdd(item.made.date()),
        "rsvn_ord_rcit_dt": yyyymmdd(item.made.date()), "pdno": item.code,
        "ord_dvsn_cd": item.dvsn, "ord_rsvn_qty": item.qty, "tot_ccld_qty": item.filled,
        "cncl_ord_dt": yyyymmdd(canceled.date()) if canceled else "",
        "ord_tmd": hhmmss(last.ts) if last else "", "rjct_rson2": item.refusal,
        "odno": call.profile.odno(last.number) if last else "",
        "rsvn_ord_rcit_tmd": item.made.strftime("%H%M%S"),
        "kor_item_shtn_name": call.state.market.universe[item.code].name,
        "sll_buy_dvsn_cd": _side_code(item), "ord_rsvn_unpr": item.price,
        "tot_ccld_amt": item.filled_value,
        "cncl_rcit_tmd": canceled.strftime("%H%M%S") if canceled else "",
        "prcs_rslt": _result(item), "ord_dvsn_name": kind.name if kind else "",
        "tmnl_mdia_kind_cd": "00",
        "rsvn_end_dt": yyyymmdd(item.end_day) if item.end_day else "",
    }
