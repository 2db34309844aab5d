"""Which of KIS's booked orders is the one we sent? One rule, for the client's
``find_order`` and the engine's reconciliation.

KIS keeps no id of the caller's, so a request is recognised by what it asked for: the
symbol, side, order type, quantity and price of a new order, or the order an amendment
or cancellation points at. A candidate must have been booked no earlier than ``window``
seconds before the request left (the clocks of the caller and of KIS may differ by that
much), no later than ``late`` seconds after it when that is given, and must not be
claimed already by another request. Requests are taken oldest
first and each takes the lowest-numbered candidate: KIS numbers orders in the order it
books them, so two identical requests get their orders in order. Orders placed by hand
on the same account with the very same figures could be taken for the caller's: one
program should have an account to itself.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from pykis.models import Order, OrderSide
from pykis.models.base import KST
from pykis.models.order import order_kind

__all__ = ["SELL_TR_IDS", "WINDOW", "Sent", "match_sent"]

WINDOW = 30.0  # seconds of clock skew between the caller and KIS
# order-cash TR IDs that sell, current and legacy, real and paper (the rest buy)
SELL_TR_IDS = frozenset({"TTTC0011U", "TTTC0801U", "VTTC0011U", "VTTC0801U"})


@dataclass(frozen=True, slots=True)
class Sent:
    """What one order request asked for."""

    key: Hashable  # the caller's name for the request (the engine's order id)
    symbol: str
    side: OrderSide
    dvsn: str  # ORD_DVSN
    quantity: int
    price: int  # 0 for orders without a price
    sent_at: float  # epoch seconds, when the request left
    original_id: str | None = None  # an amendment's or cancellation's order
    cancel: bool = False

    @classmethod
    def from_request(cls, request: dict[str, Any], key: Hashable = None) -> Sent:
        """From ``OrderOutcomeUnknownError.request``: its path, TR ID and body."""
        body = request.get("body") or {}
        original = str(body.get("ORGN_ODNO") or "").lstrip("0") or None
        return cls(
            key=key, symbol=str(body.get("PDNO", "")),
            side=OrderSide.SELL if request.get("tr_id") in SELL_TR_IDS else OrderSide.BUY,
            dvsn=str(body.get("ORD_DVSN", "")), quantity=_whole(body.get("ORD_QTY")),
            price=_whole(body.get("ORD_UNPR")), sent_at=float(request.get("sent_at") or 0),
            original_id=original, cancel=body.get("RVSE_CNCL_DVSN_CD") == "02")

    def matches(self, order: Order) -> bool:
        if self.original_id is not None:  # an amendment or cancellation: its own record
            return (order.original_id == self.original_id
                    and order.info.get("cncl_yn", "") in (("Y",) if self.cancel else ("", "N")))
        return (order.original_id is None and order.symbol == self.symbol
                and order.side == self.side and order.amount == self.quantity
                and (order.type, order.time_in_force) == order_kind(self.dvsn)
                and (order.price or 0) == self.price)


def match_sent(sent: Iterable[Sent], booked: Iterable[Order],
               claimed: Iterable[tuple[dt.date, str]] = (), *, window: float = WINDOW,
               late: float | None = None) -> dict[Hashable, Order]:
    """The booked order each request became, by its ``key`` (requests KIS never booked
    are left out). ``claimed``: (KST day, order id) of orders already taken."""
    taken = set(claimed)
    candidates = sorted(booked, key=lambda o: (_day(o), int(o.id)))
    found: dict[Hashable, Order] = {}
    for request in sorted(sent, key=lambda s: s.sent_at):
        earliest = (request.sent_at - window) * 1000
        latest = math.inf if late is None else (request.sent_at + late) * 1000
        for order in candidates:
            key = (_day(order), order.id)
            if key not in taken and earliest <= order.timestamp <= latest \
                    and request.matches(order):
                found[request.key] = order
                taken.add(key)
                break
    return found


def _day(order: Order) -> dt.date:
    return order.datetime.astimezone(KST).date()


def _whole(value: Any) -> int:
    text = str(value or "0").strip()
    return int(text) if text.isascii() and text.isdigit() else -1  # -1 matches nothing
