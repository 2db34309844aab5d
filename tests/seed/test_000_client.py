"""Seed 000 §3.1, the main client: ``KIS`` and ``AsyncKIS`` as the seed constructs and
calls them (keyword or positional, its argument order), against the simulator in both
environments."""

from __future__ import annotations

import asyncio

import pytest

from pykis import KIS, AsyncKIS
from pykis.exceptions import InvalidInputError
from pykis.models.balance import Balance
from pykis.models.ohlcv import OHLCV
from pykis.models.order import Order, OrderSide, OrderStatus, OrderType
from pykis.models.orderbook import OrderBook
from pykis.models.ticker import Ticker
from pykis.sim import Credentials, Simulator


@pytest.fixture(params=["real", "paper"])
def creds(request, sim: Simulator, base_url: str) -> Credentials:
    return sim.credentials(request.param)


def test_the_constructor_keeps_what_it_was_given(creds: Credentials) -> None:
    kis = KIS(app_key=creds.app_key, app_secret=creds.app_secret,
              account_no=creds.account_no, is_paper=creds.env.value == "paper")
    with kis:
        assert (kis.app_key, kis.app_secret, kis.account_no.replace("-", "")) == \
            (creds.app_key, creds.app_secret, creds.account_no)
        assert kis.is_paper is (creds.env.value == "paper")
        assert creds.app_secret not in repr(kis)


def test_the_seeds_market_data_calls(creds: Credentials, sim: Simulator) -> None:
    with KIS(creds.app_key, creds.app_secret, creds.account_no,
             creds.env.value == "paper") as kis:
        ticker = kis.fetch_ticker("005930")
        assert isinstance(ticker, Ticker) and ticker.symbol == "005930"
        assert ticker.name == "삼성전자"
        assert ticker.last == sim.market.quote("005930", sim.clock.now()).price
        book = kis.fetch_order_book("005930")
        assert isinstance(book, OrderBook) and book.asks[0][0] > book.bids[0][0]
        candles = kis.fetch_ohlcv("005930", "1d", 30)  # limit third, as the seed orders it
        assert len(candles) == 30 and all(isinstance(c, OHLCV) for c in candles)
        assert [c.timestamp for c in candles] == sorted(c.timestamp for c in candles)
        if not kis.is_paper:  # every day since 2020, paged: too many calls at paper's 2/s
            assert kis.fetch_ohlcv("005930")[-1].datetime.date() == sim.clock.now().date()


def test_the_seeds_trading_and_account_calls(creds: Credentials) -> None:
    with KIS(creds.app_key, creds.app_secret, creds.account_no,
             creds.env.value == "paper") as kis:
        low = kis.fetch_order_book("005930").bids[-1][0]
        order = kis.create_limit_order("005930", "buy", 2, low)
        assert isinstance(order, Order)
        assert (order.side, order.type, order.status) == (OrderSide.BUY, OrderType.LIMIT,
                                                          OrderStatus.OPEN)
        assert (order.amount, order.price, order.filled, order.remaining) == (2, low, 0, 2)
        assert [o.id for o in kis.fetch_open_orders()] == [order.id]
        canceled = kis.cancel_order(order.id, "005930")  # the seed's (order_id, symbol)
        assert canceled.status is OrderStatus.CANCELED and canceled.status == "canceled"
        assert kis.fetch_open_orders() == []
        bought = kis.create_market_order("005930", "buy", 3)
        assert (bought.type, bought.price) == (OrderType.MARKET, None)
        balance = kis.fetch_balance()
        assert isinstance(balance, Balance)
        assert balance.get_position("005930").amount == 3


def test_cancel_order_checks_the_symbol_before_sending(creds: Credentials, sim) -> None:
    with KIS(creds.app_key, creds.app_secret, creds.account_no,
             creds.env.value == "paper") as kis:
        low = kis.fetch_order_book("005930").bids[-1][0]
        order = kis.create_limit_order("005930", "buy", 1, low)
        served = sim.auth.stats[creds.app_key].requests
        with pytest.raises(InvalidInputError) as wrong:
            kis.cancel_order(order, "000660")
        assert wrong.value.argument == "symbol"
        assert sim.auth.stats[creds.app_key].requests == served  # nothing was sent
        assert kis.fetch_order(order.id).status == "open"


def test_the_async_client_answers_the_same_calls(creds: Credentials) -> None:
    async def run() -> None:
        async with AsyncKIS(creds.app_key, creds.app_secret, creds.account_no,
                            creds.env.value == "paper") as kis:
            ticker = await kis.fetch_ticker("005930")
            assert ticker.name == "삼성전자" and ticker.close == ticker.last
            assert len(await kis.fetch_ohlcv("005930", "1d", 5)) == 5
            low = (await kis.fetch_order_book("005930")).bids[-1][0]
            order = await kis.create_limit_order("005930", "buy", 1, low)
            assert [o.id for o in await kis.fetch_open_orders()] == [order.id]
            assert (await kis.cancel_order(order.id, "005930")).status == "canceled"
            await kis.create_market_order("005930", "buy", 1)
            assert (await kis.fetch_balance()).get_position("005930").amount == 1

    asyncio.run(run())


def test_a_ccxt_style_since_in_the_limit_place_is_refused_by_name(creds) -> None:
    with KIS(creds.app_key, creds.app_secret, creds.account_no,
             creds.env.value == "paper") as kis:
        with pytest.raises(InvalidInputError) as caught:
            kis.fetch_ohlcv("005930", "1d", 1_767_225_600_000)
        assert caught.value.argument == "limit" and "since=" in str(caught.value)
        since = kis.fetch_ohlcv("005930", "1d", 3)[0].timestamp
        assert kis.fetch_ohlcv("005930", "1d", since=since)[0].timestamp == since
