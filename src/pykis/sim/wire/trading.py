"""Order APIs: new cash orders, and amendments and cancellations of their remainders.

KIS: 주식주문(현금) [v1_국내주식-001] TTTC0012U buy / TTTC0011U sell (paper VTTC...;
legacy TTTC0802U / TTTC0801U), 주식주문(정정취소) [v1_국내주식-003] TTTC0013U (paper
VTTC0013U; legacy TTTC0803U). The answer's keys are upper case.
"""

from __future__ import annotations

from pykis.models import OrderSide
from pykis.sim.accounts import Order
from pykis.sim.env import Env, Reason
from pykis.sim.errors import SimError
from pykis.sim.exchange import OrderRequest
from pykis.sim.wire.protocol import Call, Reply, hhmmss, is_digits

__all__ = ["order_cash", "order_rvsecncl"]

EXCHANGES = {Env.REAL: ("KRX", "NXT", "SOR"), Env.PAPER: ("KRX",)}


def _exchange(call: Call) -> str:
    exchange = call.field("EXCG_ID_DVSN_CD", required=False) or "KRX"
    if exchange not in EXCHANGES[call.account.env]:
        raise SimError("OPSQ2001", text="ERROR INVALID EXCG_ID_DVSN_CD")
    return exchange


def _answer(call: Call, order: Order, code: str) -> Reply:
    output = {
        "KRX_FWDG_ORD_ORGNO": call.profile.branch,
        "ODNO": call.profile.odno(order.number, in_order_answer=True),
        "ORD_TMD": hhmmss(order.ts),
    }
    return Reply({"output": output}, code)


def order_cash(call: Call) -> Reply:
    call.check_account(call.body)
    side = OrderSide.BUY if call.variant == "buy" else OrderSide.SELL
    code = call.field("PDNO")
    dvsn = call.field("ORD_DVSN")
    qty = call.number("ORD_QTY", allow_zero=False)
    price = call.number("ORD_UNPR")
    call.field("SLL_TYPE", required=False)
    request = OrderRequest(code, side, dvsn, qty, price, call.tr_id, _exchange(call))
    order = call.state.exchange.place(call.account, request, call.now)
    ok = call.profile.buy_ok if side is OrderSide.BUY else call.profile.sell_ok
    return _answer(call, order, ok)


def order_rvsecncl(call: Call) -> Reply:
    call.check_account(call.body)
    branch = call.field("KRX_FWDG_ORD_ORGNO")
    original = call.field("ORGN_ODNO")
    dvsn = call.field("ORD_DVSN")
    action = call.field("RVSE_CNCL_DVSN_CD")
    qty = call.number("ORD_QTY")
    price = call.number("ORD_UNPR")
    every = call.field("QTY_ALL_ORD_YN")
    if action not in ("01", "02") or every not in ("Y", "N") or not is_digits(original):
        raise SimError("IGW00007")
    _exchange(call)
    if branch.lstrip("0") != call.profile.branch.lstrip("0"):
        raise SimError(call.profile.rejections[Reason.UNKNOWN_ORDER])
    amount = None if every == "Y" else qty
    exchange = call.state.exchange
    if action == "02":
        order = exchange.cancel(call.account, int(original), amount, call.now, call.tr_id)
        return _answer(call, order, call.profile.cancel_ok)
    order = exchange.amend(call.account, int(original), amount, dvsn, price, call.now,
                           call.tr_id)
    return _answer(call, order, call.profile.amend_ok)
