"""The one rule that recognises a request among KIS's booked orders (pykis.api.booked),
as a table: what matches, what does not, and who takes which when several could."""

from __future__ import annotations

import datetime as dt

import pytest

from pykis.api.booked import Sent, match_sent
from pykis.models import Order
from pykis.models.base import KST, millis

T0 = dt.datetime(2026, 11, 20, 10, 0, tzinfo=KST)


def booked(number: int, *, at: float = 0.0, symbol: str = "005930", side: str = "buy",
           dvsn_type: str = "limit", tif: str | None = None, amount: int = 10,
           price: int | None = 70_000, original: str | None = None, cncl: str = "",
           day: dt.datetime = T0) -> Order:
    moment = day + dt.timedelta(seconds=at)
    return Order(id=str(number), symbol=symbol, side=side, type=dvsn_type,
                 time_in_force=tif, status="open", amount=amount, price=price,
                 remaining=amount, timestamp=millis(moment), datetime=moment,
                 original_id=original, info={"cncl_yn": cncl})


def sent(key: object = "mine", *, at: float = 0.0, symbol: str = "005930",
         side: str = "buy", dvsn: str = "00", quantity: int = 10, price: int = 70_000,
         original: str | None = None, cancel: bool = False) -> Sent:
    return Sent(key, symbol, side, dvsn, quantity, price, T0.timestamp() + at, original,
                cancel)


@pytest.mark.parametrize(("order", "found"), [
    (booked(1001), True),
    (booked(1001, at=-29), True),  # KIS's clock up to 30 s behind ours
    (booked(1001, at=-31), False),  # booked before the request could have arrived
    (booked(1001, at=600), True),  # KIS may book it late
    (booked(1001, symbol="000660"), False),
    (booked(1001, side="sell"), False),
    (booked(1001, amount=11), False),
    (booked(1001, price=70_100), False),
    (booked(1001, dvsn_type="market", price=None), False),
    (booked(1001, tif="IOC"), False),  # ORD_DVSN 11, not 00
    (booked(1001, original="900"), False),  # an amendment is not a new order
])
def test_a_new_order_matches_on_its_figures(order: Order, found: bool) -> None:
    assert (match_sent([sent()], [order]) == {"mine": order}) is found


def test_the_ioc_and_price_less_types_match_their_own_codes() -> None:
    ioc = booked(1001, tif="IOC")
    market = booked(1002, dvsn_type="market", price=None)
    assert match_sent([sent("a", dvsn="11"), sent("b", dvsn="01", price=0)],
                      [ioc, market]) == {"a": ioc, "b": market}


def test_identical_requests_take_orders_in_kis_order_and_claims_are_respected() -> None:
    first, second, third = booked(1003, at=2), booked(1001, at=1), booked(1002, at=1.5)
    requests = [sent("later", at=1), sent("earlier", at=0)]
    assert match_sent(requests, [first, second, third]) == {"earlier": second,
                                                          "later": third}
    claimed = {(T0.date(), "1001")}
    assert match_sent([sent("x")], [second, third], claimed) == {"x": third}


def test_the_same_number_on_another_day_is_another_order() -> None:
    yesterday = booked(1001, day=T0 - dt.timedelta(days=1))
    today = booked(1001)
    claimed = {(yesterday.datetime.date(), "1001")}
    assert match_sent([sent()], [yesterday, today], claimed) == {"mine": today}


def test_amendments_and_cancellations_match_their_records() -> None:
    amended = booked(1002, original="1001")
    cancelled = booked(1003, original="1001", cncl="Y")
    assert match_sent([sent("amend", original="1001")], [cancelled, amended]) == {
        "amend": amended}
    assert match_sent([sent("cancel", original="1001", cancel=True)],
                      [amended, cancelled]) == {"cancel": cancelled}


def test_from_the_request_an_unknown_outcome_carries() -> None:
    request = {"path": "/uapi/domestic-stock/v1/trading/order-cash", "tr_id": "VTTC0011U",
               "body": {"PDNO": "005930", "ORD_DVSN": "00", "ORD_QTY": "3",
                        "ORD_UNPR": "70000"}, "sent_at": T0.timestamp()}
    made = Sent.from_request(request)
    assert (made.side, made.quantity, made.price, made.original_id) == ("sell", 3, 70_000,
                                                                        None)
    cancel = Sent.from_request({"tr_id": "TTTC0013U", "sent_at": 0, "body": {
        "ORGN_ODNO": "0000001001", "RVSE_CNCL_DVSN_CD": "02"}})
    assert (cancel.original_id, cancel.cancel) == ("1001", True)


@pytest.mark.parametrize(("at", "found"), [(0, True), (29, True), (31, False)])
def test_a_bound_on_lateness_leaves_out_orders_booked_long_after(at: float, found: bool
                                                                  ) -> None:
    order = booked(1001, at=at)
    assert (match_sent([sent()], [order], late=30) == {"mine": order}) is found
