"""Seed 000 §3.2, the data models: every field the seed names, on the seed's class, with
its meaning; the enums as the seed writes them; models built the way the seed's code
would build them; and the values the simulator's answers give them."""

from __future__ import annotations

import datetime as dt
import typing
from enum import Enum

import pytest
from pydantic import BaseModel, ValidationError

from pykis import KIS
from pykis.models.balance import Balance, Position
from pykis.models.order import Order, OrderSide, OrderStatus, OrderType
from pykis.models.ticker import Ticker
from pykis.sim import Credentials, Simulator

SEED_FIELDS = {
    Ticker: ["symbol", "name", "timestamp", "datetime", "open", "high", "low", "close", "last",
             "volume", "change", "change_percent", "info"],
    Order: ["id", "symbol", "side", "type", "status", "amount", "price", "filled", "remaining",
            "timestamp", "datetime"],
    Position: ["symbol", "name", "amount", "average_price", "current_price", "unrealized_pnl",
               "unrealized_pnl_percent"],
    Balance: ["total", "free", "deposit", "positions", "total_pnl", "total_pnl_percent"],
}
NOW = dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=9)))


@pytest.mark.parametrize("model", list(SEED_FIELDS), ids=lambda m: m.__name__)
def test_every_seed_field_is_a_field(model: type[BaseModel]) -> None:
    assert issubclass(model, BaseModel)
    assert set(SEED_FIELDS[model]) <= set(model.model_fields)


def test_the_enums_are_str_enums_with_the_seeds_members() -> None:
    for enum, members in ((OrderSide, {"BUY": "buy", "SELL": "sell"}),
                          (OrderType, {"LIMIT": "limit", "MARKET": "market"}),
                          (OrderStatus, {"OPEN": "open", "CLOSED": "closed",
                                         "CANCELED": "canceled"})):
        assert issubclass(enum, str) and issubclass(enum, Enum)
        for name, value in members.items():
            assert enum[name].value == value and enum[name] == value
            assert f"{enum[name]}" == value  # formats as its value, not Enum.NAME
    order_fields = typing.get_type_hints(Order)
    assert (order_fields["side"], order_fields["type"], order_fields["status"]) == \
        (OrderSide, OrderType, OrderStatus)


def test_models_build_from_the_seeds_own_field_values() -> None:
    ticker = Ticker(symbol="005930", name="삼성전자", timestamp=1_763_602_200_000, datetime=NOW,
                    open=70_000.0, high=71_000.0, low=69_500.0, close=70_500.0, last=70_500.0,
                    volume=1_234_567, change=500.0, change_percent=0.71)
    assert ticker.last == 70_500 and ticker.change_percent == 0.71 and ticker.info == {}
    assert isinstance(ticker.last, float) and ticker.last * 1.01 > ticker.last
    assert Ticker(**{**ticker.model_dump(), "info": None, "last": 70_500.5}).last == 70_500.5
    ticker.last = 71_000.0  # plain pydantic models, as the seed's: fields can be set
    order = Order(id="0000123456", symbol="005930", side=OrderSide.BUY, type=OrderType.LIMIT,
                  status=OrderStatus.OPEN, amount=10, price=70_000, remaining=10,
                  timestamp=1_763_602_200_000, datetime=NOW)
    assert (order.filled, order.side, order.status) == (0, "buy", "open")
    assert Order(id="1", symbol="005930", side="sell", type="market", status="closed",
                 amount=1, remaining=0, timestamp=0, datetime=NOW).price is None
    position = Position(symbol="005930", name="삼성전자", amount=10, average_price=70_000.5,
                        current_price=72_000.0, unrealized_pnl=19_995.0,
                        unrealized_pnl_percent=2.86)
    balance = Balance(total=10_719_995.0, free=9_299_995.0, deposit=9_299_995.0,
                      positions=[position], total_pnl=19_995.0, total_pnl_percent=0.19)
    assert balance.get_position("005930") is balance.positions[0]
    assert balance.get_position("000660") is None
    assert position.average_price * 1.5 > 0  # a float, as the seed types it


def test_a_value_that_is_no_price_is_refused() -> None:
    with pytest.raises(ValidationError):
        Ticker(symbol="005930", timestamp=0, datetime=NOW, open=float("nan"), high=1, low=1,
               close=1, last=1, volume=1, change=0, change_percent=0)


@pytest.fixture
def kis(sim: Simulator, real: Credentials):
    with KIS(real.app_key, real.app_secret, real.account_no) as client:
        yield client


def test_a_quote_carries_the_seeds_meanings(kis: KIS, sim: Simulator) -> None:
    ticker = kis.fetch_ticker("000660")
    quote = sim.market.quote("000660", sim.clock.now())
    assert (ticker.symbol, ticker.name) == ("000660", "SK하이닉스")
    assert ticker.last == ticker.close == quote.price
    assert ticker.change == quote.price - quote.base
    assert ticker.change_percent == pytest.approx((quote.price - quote.base) / quote.base * 100,
                                                  abs=0.01)
    assert ticker.percentage == ticker.change_percent  # CCXT's name, kept as an alias
    assert ticker.low <= ticker.last <= ticker.high and ticker.volume == quote.volume
    assert abs(ticker.timestamp / 1000 - dt.datetime.now().timestamp()) < 60
    assert ticker.datetime.utcoffset() == dt.timedelta(hours=9)
    assert ticker.info["stck_prpr"] == str(quote.price)  # what KIS sent


def test_an_order_and_a_position_carry_the_seeds_meanings(kis: KIS) -> None:
    low = kis.fetch_order_book("005930").bids[-1][0]
    resting = kis.create_limit_order("005930", "buy", 3, low)
    kis.create_market_order("005930", "buy", 2)
    [listed] = kis.fetch_open_orders()
    assert (listed.id, listed.amount, listed.filled, listed.remaining) == (resting.id, 3, 0, 3)
    balance = kis.fetch_balance()
    position = balance.get_position("005930")
    assert (position.symbol, position.name, position.amount) == ("005930", "삼성전자", 2)
    # the market moves on the wall clock: the price is the one KIS valued the holding at
    paid = round(2 * position.average_price)
    assert position.unrealized_pnl == 2 * position.current_price - paid
    assert position.unrealized_pnl_percent == pytest.approx(
        position.unrealized_pnl / paid * 100, abs=0.01)
    # free is what the account can spend on orders: KIS's orderable cash, which holds
    # back the resting buy's 3 shares (and their commission) from the D+2 deposit
    assert balance.free == kis.fetch_buying_power("000660").cash
    assert balance.deposit_d2 - 3 * low - 100 < balance.free < balance.deposit_d2 - 3 * low
    assert balance.total_pnl == position.unrealized_pnl
    assert balance.total_pnl_percent == pytest.approx(balance.total_pnl / paid * 100, abs=0.01)
