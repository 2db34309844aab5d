"""Reserved orders (예약주문): orders KIS keeps and sends to the exchange at the open of
their trading day; real only.

KIS: 주식예약주문 CTSC0008U (order-resv), 주식예약주문정정취소 CTSC0009U cancel /
CTSC0013U amend (order-resv-rvsecncl), 주식예약주문조회 CTSC0004R (order-resv-ccnl, 20 a
page, ``CTX_AREA_FK200``/``NK200``). Like every order, a reservation's POST is never
sent twice: after an uncertain failure it raises ``OrderOutcomeUnknownError`` and the
caller looks at ``fetch_reserved_orders`` before trying again.
"""

from __future__ import annotations

import datetime as dt

from pykis import exceptions as ex
from pykis.api import accountx_endpoints as X
from pykis.api import validate
from pykis.api.base import Context, call, pages
from pykis.api.calendar import _day
from pykis.api.flow import Flow
from pykis.api.quote import _rows, parse
from pykis.models import ModelList, OrderSide
from pykis.models.accountx import ReservedOrder

__all__ = ["cancel_reserved_order", "create_reserved_order", "edit_reserved_order",
           "fetch_reserved_orders"]

SIDES = {OrderSide.SELL: "01", OrderSide.BUY: "02"}
HISTORY_DAYS = 90  # how far back fetch_reserved_orders looks by default
MAX_PERIOD_DAYS = 31  # an end date at most this far ahead (KIS: 30 days after the next
# trading day); KIS has the last word


def _terms(ctx: Context, symbol: object, side: object, amount: object, price: object,
           end_date: object) -> dict[str, str]:
    code = validate.symbol(symbol)
    direction = OrderSide(validate.choice(side, ("buy", "sell"), "side"))
    quantity = validate.amount(amount)
    unit = validate.price(price) if price is not None else 0
    if unit:
        validate.order_value(quantity, unit)
    terms = {"PDNO": code, "ORD_QTY": str(quantity), "ORD_UNPR": str(unit),
             "SLL_BUY_DVSN_CD": SIDES[direction], "ORD_DVSN_CD": "00" if unit else "01",
             "ORD_OBJT_CBLC_DVSN_CD": "10"}
    if end_date is not None:
        today = _day(None, "end_date", ctx.clock)
        end = _day(end_date, "end_date", ctx.clock)
        if not today < end <= today + dt.timedelta(days=MAX_PERIOD_DAYS + 7):
            raise validate.refuse("end_date", end_date, "a day after today, at most about "
                                  "30 days ahead (KIS: 30 days after the next trading day)")
        terms["RSVN_ORD_END_DT"] = end.strftime("%Y%m%d")
    return terms


def create_reserved_order(ctx: Context, symbol: str, side: str, amount: int,
                          price: int | None = None, end_date: object = None
                          ) -> Flow[ReservedOrder]:
    """Reserve a limit order (``price``) or a market order (None), sent at the next
    open; with ``end_date`` (기간예약), what stays unfilled is sent again each trading
    day until then."""
    body = {**ctx.account, **_terms(ctx, symbol, side, amount, price, end_date)}
    answer = yield from call(ctx, X.RESERVE, body=body)
    output = {k.upper(): v for k, v in answer.section("output", dict).items()}
    seq = str(output.get("RSVN_ORD_SEQ", "")).strip()
    if not seq.isdigit():
        raise ex.APIError("KIS accepted the reservation without its number",
                                   tr_id=answer.tr_id)
    today = _day(None, "today", ctx.clock).strftime("%Y%m%d")
    return parse(ReservedOrder, {
        "rsvn_ord_seq": seq, "pdno": body["PDNO"], "sll_buy_dvsn_cd": body["SLL_BUY_DVSN_CD"],
        "ord_rsvn_qty": body["ORD_QTY"], "ord_rsvn_unpr": body["ORD_UNPR"],
        "ord_dvsn_cd": body["ORD_DVSN_CD"], "rsvn_ord_ord_dt": today,
        "rsvn_end_dt": body.get("RSVN_ORD_END_DT", ""), "prcs_rslt": "미처리"},
        answer.tr_id).model_copy(update={"info": answer.body})


def fetch_reserved_orders(ctx: Context, since: object = None, until: object = None,
                          symbol: str | None = None) -> Flow[ModelList[ReservedOrder]]:
    """Reservations taken from ``since`` (default: 90 days ago) to ``until`` (today),
    cancelled ones included, newest first."""
    end = _day(until, "until", ctx.clock)
    start = (_day(since, "since", ctx.clock) if since is not None
             else end - dt.timedelta(days=HISTORY_DAYS))
    if start > end:
        raise validate.refuse("since", since, f"a day on or before {end}")
    code = validate.symbol(symbol) if symbol is not None else ""
    answers = yield from pages(ctx, X.RESERVED_ORDERS, {
        **ctx.account, "RSVN_ORD_ORD_DT": start.strftime("%Y%m%d"),
        "RSVN_ORD_END_DT": end.strftime("%Y%m%d"), "TMNL_MDIA_KIND_CD": "00",
        "PRCS_DVSN_CD": "0", "CNCL_YN": "Y", "RSVN_ORD_SEQ": "", "PDNO": code,
        "SLL_BUY_DVSN_CD": ""}, suffix="200")
    return ModelList(parse(ReservedOrder, row, answer.tr_id)
                     for answer in answers for row in _rows(answer, "output")
                     if str(row.get("rsvn_ord_seq", "")).strip())


def _resolve(ctx: Context, reservation: object) -> Flow[ReservedOrder]:
    if isinstance(reservation, ReservedOrder):
        return reservation
    seq = validate.order_id(reservation, "reservation")
    found = yield from fetch_reserved_orders(ctx)
    for item in found:
        if item.id.lstrip("0") == seq.lstrip("0"):
            return item
    raise ex.NotFoundError(f"no reservation {seq} in the last {HISTORY_DAYS} days "
                           "(fetch_reserved_orders lists them)", tr_id=X.RESERVED_ORDERS.tr_id)


def _key(ctx: Context, item: ReservedOrder) -> dict[str, str]:
    return {**ctx.account, "RSVN_ORD_SEQ": item.id, "RSVN_ORD_ORGNO": item.org_no,
            "RSVN_ORD_ORD_DT": item.reserved_on.strftime("%Y%m%d")}


def cancel_reserved_order(ctx: Context, reservation: object) -> Flow[ReservedOrder]:
    """Cancel a reservation (a ``ReservedOrder`` or its id) that has not been sent; a
    period reservation stops being sent."""
    item = yield from _resolve(ctx, reservation)
    answer = yield from call(ctx, X.RESERVED_CANCEL, body=_key(ctx, item))
    return item.model_copy(update={"result": "취소", "info": answer.body})


def edit_reserved_order(ctx: Context, reservation: object, amount: int | None = None,
                        price: int | None = None, end_date: object = None
                        ) -> Flow[ReservedOrder]:
    """Change a waiting reservation's amount, price (None: a market order) or end date."""
    if amount is not None:
        validate.amount(amount)
    if price is not None:
        validate.price(price)
    if end_date is not None:
        _day(end_date, "end_date", ctx.clock)
    item = yield from _resolve(ctx, reservation)
    terms = _terms(ctx, item.symbol, item.side.value, amount or item.amount, price, end_date)
    answer = yield from call(ctx, X.RESERVED_MODIFY, body={**_key(ctx, item), **terms})
    return item.model_copy(update={
        "amount": int(terms["ORD_QTY"]), "price": int(terms["ORD_UNPR"]) or None,
        "order_type": terms["ORD_DVSN_CD"], "info": answer.body})
