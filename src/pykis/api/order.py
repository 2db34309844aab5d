"""Order flows: place, amend, cancel, and read orders back.

KIS: 주식주문(현금) TTTC0012U buy / TTTC0011U sell, 주식주문(정정취소) TTTC0013U,
주식일별주문체결조회 TTTC0081R (3 months) / CTSC9215R (before), 정정취소가능주문조회
TTTC0084R (real only; on paper, open orders are derived from today's orders).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from pykis import exceptions as ex
from pykis.api import endpoints as E
from pykis.api import listing, validate
from pykis.api.base import Context, call, pages
from pykis.api.booked import Sent, match_sent
from pykis.api.errors import reading
from pykis.api.flow import Flow
from pykis.api.quote import now
from pykis.market import KST
from pykis.models import ModelList, Order, OrderSide, OrderStatus, Trade
from pykis.models.base import kst, millis, whole
from pykis.models.order import order_kind

__all__ = [
    "ORDER_TYPES", "cancel_order", "create_order", "edit_order", "fetch_my_trades",
    "fetch_open_orders", "fetch_order", "fetch_orders", "find_order",
]

# What create_order sends: (type, time in force) -> ORD_DVSN
ORDER_TYPES: dict[tuple[str, str | None], str] = {
    ("limit", None): "00", ("market", None): "01", ("best", None): "03",
    ("priority", None): "04", ("limit", "IOC"): "11", ("limit", "FOK"): "12",
    ("market", "IOC"): "13", ("market", "FOK"): "14",
}
_PRICED = {"00", "11", "12"}
EXCHANGES = ("KRX", "NXT", "SOR")
RECENT_MONTHS = 3  # TTTC0081R covers this much; CTSC9215R what came before


def create_order(ctx: Context, symbol: str, type: str, side: str, amount: int,
                 price: int | None = None, time_in_force: str | None = None,
                 exchange: str = "KRX") -> Flow[Order]:
    symbol = validate.symbol(symbol)
    side = OrderSide(validate.choice(side, ("buy", "sell"), "side"))
    dvsn = _order_type(type, time_in_force)
    amount = validate.amount(amount)
    unit = _price(dvsn, price)
    exchange = _exchange(ctx, exchange)
    if unit:
        validate.order_value(amount, unit)
        yield from listing.check_tick(ctx, symbol, unit)
    body = {**ctx.account, "PDNO": symbol, "ORD_DVSN": dvsn, "ORD_QTY": str(amount),
            "ORD_UNPR": str(unit), "EXCG_ID_DVSN_CD": exchange}
    if side is OrderSide.SELL:
        body["SLL_TYPE"] = "01"
    answer = yield from call(ctx, E.BUY if side is OrderSide.BUY else E.SELL, body=body)
    return _accepted(ctx, answer, symbol=symbol, side=side, dvsn=dvsn, amount=amount,
                     price=unit or None, exchange=exchange)


def edit_order(ctx: Context, order: Order | str, amount: int | None = None,
               price: int | None = None, type: str = "limit",
               time_in_force: str | None = None) -> Flow[Order]:
    """Move the unfilled remainder (or ``amount`` shares of it) to a new price or type.
    KIS books the change as a new order; its ``original_id`` is the amended one."""
    if amount is not None:
        validate.amount(amount)
    dvsn = _order_type(type, time_in_force)
    unit = _price(dvsn, price)
    if unit and amount is not None:
        validate.order_value(amount, unit)
    original = yield from _resolve(ctx, order, "order")
    if unit:  # the order's symbol says which grid; its remainder, what it is worth
        validate.order_value(amount or original.remaining or original.amount, unit,
                             "amount" if amount else "price")
        yield from listing.check_tick(ctx, original.symbol, unit)
    body = _revise_body(ctx, original, "01", dvsn, amount, unit)
    answer = yield from call(ctx, E.MODIFY, body=body)
    return _accepted(ctx, answer, symbol=original.symbol, side=original.side, dvsn=dvsn,
                     amount=amount or original.remaining or original.amount,
                     price=unit or None, exchange=original.exchange, original=original.id)


def cancel_order(ctx: Context, order: Order | str, symbol: str | None = None,
                 amount: int | None = None) -> Flow[Order]:
    """Cancel the unfilled remainder (or ``amount`` shares of it) of ``order`` (an
    ``Order`` or its number); ``symbol``, when given, must be the order's. Returns the
    order as the cancellation leaves it (its own id; ``canceled``, or still ``open``
    with what a partial cancellation left). KIS books the cancellation under a number
    of its own: ``info["output"]["ODNO"]``."""
    if symbol is not None:
        validate.symbol(symbol)
    if amount is not None:
        validate.amount(amount)
    original = yield from _resolve(ctx, order, "order_id")
    if symbol is not None and symbol != original.symbol:
        raise validate.refuse("symbol", symbol, f"the symbol of order {original.id} "
                              f"({original.symbol!r})")
    body = _revise_body(ctx, original, "02", "00", amount, 0)
    answer = yield from call(ctx, E.MODIFY, body=body)
    _accepted(ctx, answer, symbol=original.symbol, side=original.side, dvsn="00",
              amount=amount or original.remaining or original.amount, price=None,
              exchange=original.exchange, original=original.id)  # KIS's answer, checked
    left = max(original.remaining - amount, 0) if amount else 0
    return original.model_copy(update={
        "status": OrderStatus.OPEN if left else OrderStatus.CANCELED, "remaining": left,
        "info": answer.body})


def _revise_body(ctx: Context, original: Order, action: str, dvsn: str, amount: int | None,
                 unit: int) -> dict[str, str]:
    return {**ctx.account, "KRX_FWDG_ORD_ORGNO": original.org_no,
            "ORGN_ODNO": original.id.zfill(10), "ORD_DVSN": dvsn,
            "RVSE_CNCL_DVSN_CD": action, "ORD_QTY": str(amount or 0), "ORD_UNPR": str(unit),
            "QTY_ALL_ORD_YN": "N" if amount else "Y", "EXCG_ID_DVSN_CD": original.exchange}


def _order_type(type: str, time_in_force: str | None) -> str:
    validate.choice(type, sorted({k for k, _ in ORDER_TYPES}), "type")
    key = (type, time_in_force.upper() if isinstance(time_in_force, str) else time_in_force)
    if not (time_in_force is None or isinstance(time_in_force, str)) or key not in ORDER_TYPES:
        raise validate.refuse("time_in_force", time_in_force,
                              f"None, 'IOC' or 'FOK' for a {type!r} order")
    return ORDER_TYPES[key]


def _price(dvsn: str, price: int | None) -> int:
    if dvsn in _PRICED:
        if price is None:
            raise ex.InvalidInputError("price", price, "a limit price for a limit order")
        return validate.price(price)
    if price is not None:
        raise validate.refuse("price", price, "None: this order type takes no price")
    return 0


def _exchange(ctx: Context, exchange: str, argument: str = "exchange") -> str:
    allowed = ("KRX",) if ctx.paper else EXCHANGES
    return validate.choice(exchange, allowed, argument)


def _accepted(ctx: Context, answer, *, symbol: str, side: OrderSide, dvsn: str, amount: int,
              price: int | None, exchange: str, original: str | None = None) -> Order:
    raw = answer.body.get("output")
    output = {str(k).upper(): v for k, v in raw.items()} if isinstance(raw, dict) else {}
    number, org_no = str(output.get("ODNO", "")).strip(), str(output.get("KRX_FWDG_ORD_ORGNO", ""))
    if not _branch(org_no):  # the order is booked all the same: its branch is unknown
        org_no = ""
    if not _digits(number) or not int(number):
        # KIS said yes, so the order is booked: it is found by what was sent.
        raise ex.OrderOutcomeUnknownError(
            "KIS accepted the order without a readable order number; look it up "
            "(find_order) before sending it again", request=answer.request or {},
            tr_id=answer.tr_id)
    moment = now(ctx)
    tmd = str(output.get("ORD_TMD", ""))
    try:  # KIS's time of the order, when it sent a readable one; ours otherwise
        moment = kst(moment.strftime("%Y%m%d"), tmd) if len(tmd) == 6 else moment
    except ValueError:
        pass
    kind, time_in_force = order_kind(dvsn)
    return Order(id=str(int(number)), org_no=org_no, symbol=symbol, side=side, type=kind,
                 time_in_force=time_in_force, status=OrderStatus.OPEN, price=price,
                 amount=amount, remaining=amount, timestamp=millis(moment), datetime=moment,
                 original_id=original, exchange=exchange, info=answer.body)


def _resolve(ctx: Context, order: Order | str, argument: str) -> Flow[Order]:
    """The order to amend: as given, or looked up by its number (KIS needs its branch)."""
    if isinstance(order, Order):
        return _given(ctx, order, argument)
    validate.order_id(order, argument)
    return (yield from fetch_order(ctx, order))


def _given(ctx: Context, order: Order, argument: str) -> Order:
    """An ``Order`` passed in, with the fields an amendment or cancellation sends or
    counts on checked: one changed by hand (``model_copy(update=...)``, assignment) was
    never validated."""
    return order.model_copy(update={
        "id": validate.order_id(order.id, f"{argument}.id"),
        "symbol": validate.symbol(order.symbol, f"{argument}.symbol"),
        "side": OrderSide(validate.choice(order.side, ("buy", "sell"), f"{argument}.side")),
        "org_no": validate.branch(order.org_no, f"{argument}.org_no"),
        "exchange": _exchange(ctx, order.exchange, f"{argument}.exchange"),
        "amount": validate.amount(order.amount, f"{argument}.amount", minimum=0),
        "remaining": validate.amount(order.remaining, f"{argument}.remaining", minimum=0),
    })


# --- reading orders back ----------------------------------------------------------------
def _ccld_params(ctx: Context, start: dt.date, end: dt.date, *, symbol: str = "",
                 odno: str = "", filled: str = "00") -> dict[str, str]:
    return {**ctx.account, "INQR_STRT_DT": start.strftime("%Y%m%d"),
            "INQR_END_DT": end.strftime("%Y%m%d"), "SLL_BUY_DVSN_CD": "00",
            "INQR_DVSN": "01", "PDNO": symbol, "CCLD_DVSN": filled, "ORD_GNO_BRNO": "",
            "ODNO": odno.zfill(10) if odno else "", "INQR_DVSN_3": "00", "INQR_DVSN_1": "",
            "EXCG_ID_DVSN_CD": "KRX" if ctx.paper else "ALL"}


def _ledger_rows(ctx: Context, start: dt.date, end: dt.date, **filters: str
                 ) -> Flow[list[dict[str, Any]]]:
    """Order rows from ``start`` to ``end``, oldest first, from both ledger TRs as the
    dates require."""
    today = now(ctx).date()
    split = _months_before(today, RECENT_MONTHS)
    rows: list[dict[str, Any]] = []
    if start < split:
        older = yield from pages(ctx, E.DAILY_ORDERS_BEFORE,
                                 _ccld_params(ctx, start, min(end, split), **filters))
        rows += [r for a in older for r in a.section("output1", list)]
    if end >= split:
        recent = yield from pages(ctx, E.DAILY_ORDERS,
                                  _ccld_params(ctx, max(start, split), end, **filters))
        rows += [r for a in recent for r in a.section("output1", list)]
    if not all(isinstance(r, dict) for r in rows):
        raise ex.APIError("KIS sent an order row that is not an object",
                          tr_id=E.DAILY_ORDERS.tr(ctx.paper))
    unique = {(str(r.get("ord_dt")), str(r.get("odno"))): r for r in rows}
    return list(unique.values())


def _months_before(day: dt.date, months: int) -> dt.date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    return dt.date(year, (month - 1) % 12 + 1, min(day.day, 28))


def _orders(ctx: Context, rows: list[dict[str, Any]], *, cancellations: bool = False
            ) -> list[Order]:
    """Orders from ledger rows. A cancellation record marks its original cancelled; it
    is an order of its own only if ``cancellations``."""
    today = now(ctx).strftime("%Y%m%d")
    canceled = {_number(r.get("orgn_odno")) for r in rows if r.get("cncl_yn") == "Y"}
    orders = []
    for row in rows:
        is_record = row.get("cncl_yn") == "Y"
        if is_record and not cancellations:
            continue
        number = _number(row.get("odno"))
        orders.append(_order(row, today, is_record or number in canceled, ""))
    return orders


def _number(value: Any) -> str:
    text = str(value or "").strip()
    return str(int(text)) if _digits(text) else text


def _branch(text: str) -> bool:
    """KRX_FWDG_ORD_ORGNO: up to 5 ASCII digits, or blank."""
    return text == "" or (text.isascii() and text.isdigit() and len(text) <= 5)


def _digits(text: str) -> bool:
    # ASCII: "²".isdigit() too, and int() refuses it; short: int() refuses 4,301 digits.
    return text.isascii() and text.isdigit() and len(text) <= 20


# The moments of order rows, parsed once: a day's order list is read again and again
# while orders are looked up, and strptime cost more than the rest of a row.
_moment = lru_cache(maxsize=4096)(kst)


def _order(row: dict[str, Any], today: str, canceled: bool, tr_id: str = "") -> Order:
    with reading("an order row", tr_id):
        return _read_order(row, today, canceled)


def _read_order(row: dict[str, Any], today: str, canceled: bool) -> Order:
    amount, filled = whole(row["ord_qty"]), whole(row["tot_ccld_qty"])
    remaining, price = whole(row["rmn_qty"]), whole(row["ord_unpr"])
    moment = _moment(str(row["ord_dt"]), str(row["ord_tmd"]))
    side = OrderSide.BUY if row["sll_buy_dvsn_cd"] == "02" else OrderSide.SELL
    number, original = _number(row["odno"]), _number(row.get("orgn_odno"))
    if not _digits(number):
        raise ValueError("odno")  # ids are compared and sorted as numbers
    org_no = str(row.get("ord_gno_brno") or row.get("ord_orgno") or "")
    if not _branch(org_no):
        raise ValueError("ord_gno_brno")  # sent back to amend or cancel the order
    if canceled and filled < amount:
        status = OrderStatus.CANCELED
    elif filled >= amount:
        status = OrderStatus.CLOSED
    elif remaining > 0 and str(row["ord_dt"]) == today:
        status = OrderStatus.OPEN
    else:
        status = OrderStatus.CANCELED
    kind, time_in_force = order_kind(str(row.get("ord_dvsn_cd", "")))
    return Order(
        id=number, org_no=org_no,
        symbol=str(row.get("pdno", "")), side=side, type=kind, time_in_force=time_in_force,
        status=status, price=price or None, amount=amount, filled=filled,
        remaining=remaining if status is OrderStatus.OPEN else 0,
        average=whole(row.get("avg_prvs") or 0) or None, cost=whole(row.get("tot_ccld_amt") or 0),
        timestamp=millis(moment), datetime=moment,
        original_id=original if original and original != number else None,
        exchange=str(row.get("excg_id_dvsn_cd") or "KRX"), info=row,
    )


def fetch_orders(ctx: Context, symbol: str | None = None, since: int | None = None,
                 until: int | None = None) -> Flow[ModelList[Order]]:
    """Orders of a date range (default: today), oldest first."""
    code = validate.symbol(symbol) if symbol is not None else ""
    today = now(ctx).date()
    start = _day(since, "since") if since is not None else today
    end = _day(until, "until") if until is not None else today
    if start > end:
        raise ex.InvalidInputError("since", since, "a moment before 'until'")
    rows = yield from _ledger_rows(ctx, start, end, symbol=code)
    return ModelList(sorted(_orders(ctx, rows), key=lambda o: (o.timestamp, int(o.id))))


def _day(millis_: Any, argument: str) -> dt.date:
    validate.timestamp(millis_, argument)
    return dt.datetime.fromtimestamp(millis_ / 1000, KST).date()


def fetch_order(ctx: Context, order_id: str, day: dt.date | None = None, *,
                symbol: str | None = None) -> Flow[Order]:
    """Order ``order_id`` of ``day`` (default: today); ``symbol``, when given, must be
    the order's."""
    number = validate.order_id(order_id, "order_id")
    if symbol is not None:
        validate.symbol(symbol)
    when = day or now(ctx).date()
    rows = yield from _ledger_rows(ctx, when, when, odno=number)
    found = [o for o in _orders(ctx, rows) if o.id == number]
    if not found:
        raise ex.NotFoundError(f"no order {number} on {when.isoformat()}")
    if symbol is not None and found[0].symbol != symbol:
        raise validate.refuse("symbol", symbol, f"the symbol of order {number} "
                              f"({found[0].symbol!r})")
    return found[0]


def fetch_open_orders(ctx: Context, symbol: str | None = None) -> Flow[ModelList[Order]]:
    """Orders that can still trade. Real: KIS's list of amendable orders. Paper has no
    such API: today's orders with an unfilled remainder."""
    code = validate.symbol(symbol) if symbol is not None else None
    if ctx.paper:
        today = yield from fetch_orders(ctx, code)
        return ModelList(o for o in today if o.status is OrderStatus.OPEN)
    answers = yield from pages(ctx, E.OPEN_ORDERS, {**ctx.account, "INQR_DVSN_1": "0",
                                                    "INQR_DVSN_2": "0"})
    day = now(ctx).strftime("%Y%m%d")
    orders = []
    for answer in answers:
        for row in answer.section("output", list):
            orders.append(_open_order(row, day, answer.tr_id))
    return ModelList(o for o in orders if code is None or o.symbol == code)


def _open_order(row: Any, today: str, tr_id: str) -> Order:
    with reading("an open order row", tr_id):
        filled, left = whole(row.get("tot_ccld_qty") or 0), whole(row.get("psbl_qty") or 0)
        average = whole(row.get("tot_ccld_amt") or 0) // filled if filled else 0
    merged = {**row, "ord_dt": today, "rmn_qty": left, "cncl_yn": "", "avg_prvs": average}
    return _order(merged, today, False, tr_id)


def fetch_my_trades(ctx: Context, symbol: str | None = None, since: int | None = None
                    ) -> Flow[ModelList[Trade]]:
    """The account's fills: one per order, with its filled quantity and average price."""
    orders = yield from fetch_orders(ctx, symbol, since)
    return ModelList(
        Trade(symbol=o.symbol, timestamp=o.timestamp, datetime=o.datetime,
              price=o.average or 0, amount=o.filled, cost=o.cost, side=o.side, id=o.id,
              order_id=o.id, info=o.info)
        for o in orders if o.filled
    )


def find_order(ctx: Context, error: ex.OrderOutcomeUnknownError) -> Flow[Order | None]:
    """After ``OrderOutcomeUnknownError``: the order KIS booked for that request, if any
    (today's orders, matched on what was sent: see ``pykis.api.booked``)."""
    sent = Sent.from_request(_request_of(error))
    day = now(ctx).date()
    rows = yield from _ledger_rows(ctx, day, day, symbol=sent.symbol)
    return match_sent([sent], _orders(ctx, rows, cancellations=True)).get(None)


def _request_of(error: object) -> dict[str, Any]:
    """What ``error`` says was sent, checked before it is matched or its symbol is sent."""
    request = getattr(error, "request", None) if isinstance(
        error, ex.OrderOutcomeUnknownError) else None
    body = request.get("body", {}) if isinstance(request, dict) else None
    if not isinstance(body, dict) or not _readable(request, body):
        raise validate.refuse("error", error, "the OrderOutcomeUnknownError an order raised "
                              "(its request: tr_id, body and sent_at as PyKIS set them)")
    if body.get("PDNO"):
        validate.symbol(body["PDNO"], "error.request['body']['PDNO']")
    return request


def _readable(request: dict[str, Any], body: dict[str, Any]) -> bool:
    sent_at, tr_id = request.get("sent_at", 0), request.get("tr_id", "")
    return (isinstance(tr_id, str) and all(isinstance(v, str) for v in body.values())
            and isinstance(sent_at, (int, float)) and not isinstance(sent_at, bool)
            and 0 <= sent_at < 1e11)
