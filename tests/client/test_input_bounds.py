"""Bounds on what goes out and what comes in (issue 10 §6): an order KRX would refuse is
refused before it is sent, each with an ``InvalidInputError`` naming the argument; an
answer with a value KIS cannot have sent is an ``APIError``, never a model with it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from clients import build, requests_made
from pykis import APIError, InvalidInputError, OrderOutcomeUnknownError
from pykis.market import InstrumentKind, is_on_grid, tick_size
from pykis.sim import Env
from support import make_sim

HUGE = 10**5000  # Python refuses to print an int of over 4,300 digits
# The KRX's bounds on one order (pykis.api.validate says why): fewer than a billion
# shares, and at most 100 billion KRW.
MAX_ORDER_QUANTITY = 999_999_999
MAX_ORDER_VALUE = 100_000_000_000


def short(value: Any) -> str:
    """A test id for ``value``, which may be too long or too large to print."""
    if isinstance(value, int) and value.bit_length() > 64:
        return f"int of {value.bit_length()} bits"
    text = repr(value)
    return text if len(text) <= 20 else text[:12] + f"...({len(text)})"


# The clients of this module start no stream: AsyncKIS runs on a loop in the test's own
# thread (``Awaiting``), a thousand tests over.
@pytest.fixture
def kis(sim, env, kind, tmp_path):
    client = build(sim, env, kind, tmp_path, threaded=False)
    yield client
    client.close()


@pytest.fixture
def paper(sim, kind, tmp_path):
    client = build(sim, Env.PAPER, kind, tmp_path, threaded=False)
    yield client
    client.close()


def last(kis, symbol: str = "005930") -> int:
    return int(kis.fetch_ticker(symbol).last)


def resting(kis) -> Any:
    """An open buy order, ten ticks under the market."""
    price = last(kis)
    return kis.create_limit_order("005930", "buy", 1, price - 10 * tick_size(price))


def refused(kis, sim, call: Callable[[Any], Any]) -> InvalidInputError:
    """The error ``call`` raises, checked to have sent nothing and to print."""
    before = requests_made(sim, kis)
    with pytest.raises(InvalidInputError) as caught:
        call(kis)
    assert requests_made(sim, kis) == before, "a refused call reached KIS"
    assert str(caught.value) and repr(caught.value)  # printable, whatever the value
    return caught.value


# --- orders ------------------------------------------------------------------------------
def test_the_bounds_are_the_ones_documented() -> None:
    from pykis.api import validate

    assert (validate.MAX_ORDER_QUANTITY, validate.MAX_ORDER_VALUE) == (MAX_ORDER_QUANTITY,
                                                                       MAX_ORDER_VALUE)


@pytest.mark.parametrize("amount", [10**9, 2**63, 10**30, HUGE, MAX_ORDER_QUANTITY + 1, 0, -1,
                                    True, 1.5, 1e9, 1e30, float("nan"), "10", None], ids=short)
def test_an_order_quantity_past_what_the_krx_takes_is_refused(kis, sim, amount) -> None:
    error = refused(kis, sim, lambda k: k.create_market_order("005930", "buy", amount))
    assert error.argument == "amount" and f"{MAX_ORDER_QUANTITY:,}" in error.allowed
    assert sim.accounts[0].orders == {}


def test_the_largest_quantity_goes_to_kis(kis) -> None:
    from pykis import InsufficientBalanceError

    with pytest.raises(InsufficientBalanceError):  # KIS's answer, not the client's
        kis.create_market_order("005930", "buy", MAX_ORDER_QUANTITY)


def test_an_order_worth_more_than_the_krx_cap_is_refused(kis, sim) -> None:
    price = last(kis)
    shares = MAX_ORDER_VALUE // price + 1
    error = refused(kis, sim, lambda k: k.create_limit_order("005930", "buy", shares, price))
    assert error.argument == "amount" and "100,000,000,000" in error.allowed


@pytest.mark.parametrize("price", [10**30, HUGE, MAX_ORDER_VALUE + 5, 1e30, float("inf"),
                                   True, 0, -100, "70000"], ids=short)
def test_an_order_price_out_of_range_is_refused(kis, sim, price) -> None:
    error = refused(kis, sim, lambda k: k.create_limit_order("005930", "buy", 1, price))
    assert error.argument == "price"


def test_a_stock_price_off_the_stock_grid_is_refused_before_sending(kis, sim) -> None:
    # 70,005 is on the ETF/ETN grid (5 KRW) but not on a 70,000-KRW stock's (100 KRW).
    price = last(kis) + 5
    assert is_on_grid(price, InstrumentKind.ETF) and not is_on_grid(price)
    error = refused(kis, sim, lambda k: k.create_limit_order("005930", "buy", 1, price))
    assert error.argument == "price" and "stocks" in error.allowed
    refused(kis, sim, lambda k: k.fetch_buying_power("005930", price))
    order = resting(kis)
    error = refused(kis, sim, lambda k: k.edit_order(order, price=price))
    assert error.argument == "price"
    assert kis.fetch_order(order.id).price == order.price  # unchanged at KIS


def test_an_etf_price_off_the_stock_grid_is_sent(kis) -> None:
    market = last(kis, "069500")  # KODEX 200: an ETF, in 5 KRW steps
    price = market - market % tick_size(market) - 5  # a stock's tick is 50 KRW there
    assert not is_on_grid(price) and is_on_grid(price, InstrumentKind.ETF)
    order = kis.create_limit_order("069500", "buy", 1, price)
    assert kis.fetch_order(order.id).price == price


@pytest.mark.parametrize("number", [0, -1, True, 10**30, HUGE, "0", "0000000000", 1.0, None,
                                    "12345678901", " ", ["1001"]], ids=short)
def test_order_numbers_that_kis_cannot_have_given_are_refused(kis, sim, number) -> None:
    resting(kis)
    for call, argument in ((lambda k: k.cancel_order(number), "order_id"),
                           (lambda k: k.edit_order(number, price=1000), "order"),
                           (lambda k: k.fetch_order(number), "order_id")):
        assert refused(kis, sim, call).argument == argument


@pytest.mark.parametrize("field, value", [
    ("id", "garbage"), ("id", "0"), ("id", 10**30), ("id", None), ("symbol", "xx"),
    ("symbol", None), ("org_no", "'; drop"), ("org_no", 6010), ("exchange", "XXX"),
    ("side", "hold"), ("remaining", -5), ("amount", 2**63), ("remaining", HUGE),
], ids=short)
def test_an_order_changed_by_hand_is_refused(kis, sim, field, value) -> None:
    order = resting(kis)
    changed = order.model_copy(update={field: value})
    error = refused(kis, sim, lambda k: k.cancel_order(changed))
    assert error.argument == f"order_id.{field}"
    error = refused(kis, sim, lambda k: k.edit_order(changed, price=order.price))
    assert error.argument == f"order.{field}"
    assert kis.fetch_order(order.id).status == "open"


def test_an_order_as_given_is_cancelled(kis) -> None:
    order = resting(kis)
    assert kis.cancel_order(order).status == "canceled"


def test_a_paper_order_cannot_name_another_exchange(paper, sim) -> None:
    order = resting(paper).model_copy(update={"exchange": "NXT"})
    assert refused(paper, sim, lambda k: k.cancel_order(order)).argument == "order_id.exchange"


# --- other arguments ---------------------------------------------------------------------
@pytest.mark.parametrize("call, argument", [
    (lambda k: k.fetch_tickers(None), "symbols"),
    (lambda k: k.fetch_tickers([HUGE]), "symbols"),
    (lambda k: k.fetch_ticker(HUGE), "symbol"),
    (lambda k: k.fetch_ohlcv("005930", since=10**17), "since"),
    (lambda k: k.fetch_ohlcv("005930", since=HUGE), "since"),
    (lambda k: k.fetch_ohlcv("005930", limit=True), "limit"),
    (lambda k: k.fetch_orders(since=10**17), "since"),
    (lambda k: k.fetch_orders(until=-1), "until"),
    (lambda k: k.fetch_my_trades(since=1e12), "since"),
    (lambda k: k.fetch_trades("005930", limit=0), "limit"),
    (lambda k: k.fetch_markets("yes"), "english"),
    (lambda k: k.fetch_markets(None), "english"),
    (lambda k: k.search_markets("삼성", limit=-HUGE), "limit"),
    (lambda k: k.create_order("005930", ["limit"], "buy", 1, 70_000), "type"),
    (lambda k: k.create_order("005930", "limit", "buy", 1, 70_000, time_in_force=["IOC"]),
     "time_in_force"),
    (lambda k: k.create_order("005930", "limit", "buy", 1, 70_000, exchange=None),
     "exchange"),
    (lambda k: k.find_order(None), "error"),
    (lambda k: k.find_order(ValueError("not ours")), "error"),
    (lambda k: k.find_order(OrderOutcomeUnknownError("?", request={"body": [1]})), "error"),
    (lambda k: k.find_order(OrderOutcomeUnknownError("?", request={"sent_at": "noon"})),
     "error"),
    (lambda k: k.find_order(OrderOutcomeUnknownError("?", request={"tr_id": ["TTTC0012U"]})),
     "error"),
    (lambda k: k.find_order(OrderOutcomeUnknownError(
        "?", request={"body": {"PDNO": "'; drop"}, "sent_at": 1.0})),
     "error.request['body']['PDNO']"),
])
def test_other_arguments_are_refused_by_name(kis, sim, call, argument) -> None:
    assert refused(kis, sim, call).argument == argument


# --- answers -----------------------------------------------------------------------------
class Rewriting(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """The simulator, with ``change(path, body)`` applied to each API answer's JSON."""

    def __init__(self, sim, change: Callable[[str, dict[str, Any]], None]) -> None:
        self.inner, self.change = sim.transport(), change

    def _rewrite(self, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        path = request.url.path
        if path.startswith("/oauth2/") or "/master/" in path:
            return response
        body = json.loads(response.content)
        self.change(path, body)
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return httpx.Response(response.status_code, headers=headers,
                              content=json.dumps(body).encode(), request=request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        return self._rewrite(request, response)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        await response.aread()
        return self._rewrite(request, response)


def rows_of(section: str, *values: Any) -> Callable[[str, dict[str, Any]], None]:
    """Put ``values`` before the rows of list section ``section``."""
    def change(path: str, body: dict[str, Any]) -> None:
        if isinstance(body.get(section), list):
            body[section] = [*values, *body[section]]
    return change


def field(name: str, value: Any) -> Callable[[str, dict[str, Any]], None]:
    """Set field ``name`` wherever it is, in objects and in rows."""
    def change(path: str, body: Any) -> None:
        for node in body.values() if isinstance(body, dict) else body:
            if isinstance(node, (dict, list)):
                change(path, node)
        if isinstance(body, dict) and name in body:
            body[name] = value
    return change


def prepare(sim, env, tokens) -> None:
    """The account has a filled order and an open one. One token file for all of its
    clients: on the simulator's frozen clock a second token of the same app key would wait
    for the next minute for ever."""
    with build(sim, env, "sync", tokens) as setup:
        setup.create_market_order("005930", "buy", 3)
        resting(setup)


def rewriting(sim, env, kind, tokens):
    """``client(change)``: a client of ``sim`` whose answers ``change`` rewrites."""
    made = []

    def client(change):
        made.append(build(sim, env, kind, tokens, transport=Rewriting(sim, change),
                          threaded=False))
        return made[-1]

    yield client
    for kis in made:
        kis.close()


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """``prepared(env)``: a prepared simulator of ``env`` and its token directory, made
    once for the module. The tests of ``broken`` only read from it, and on its frozen
    clock nothing fills or moves, so what one test sees no other has changed."""
    made = {}

    def get(env):
        if env not in made:
            sim, tokens = make_sim(), tmp_path_factory.mktemp(f"broken-{env.value}")
            prepare(sim, env, tokens)
            made[env] = sim, tokens
        return made[env]

    return get


def unchanged(path: str, body: dict[str, Any]) -> None:
    """No change: what a shared client's transport does between tests."""


@pytest.fixture(scope="module")
def readers(prepared):
    """``readers(env, kind)``: a client of the shared prepared simulator of ``env`` and its
    rewriting transport, built once for the module (a fresh client's first calls load its
    token and the master files: more than most of these tests' own call costs). A client
    keeps nothing a test's change could reach: the token and the master files pass
    through unchanged, and nothing else read is kept."""
    made = {}

    def get(env, kind):
        if (env, kind) not in made:
            sim, tokens = prepared(env)
            transport = Rewriting(sim, unchanged)
            made[env, kind] = build(sim, env, kind, tokens, transport=transport,
                                    threaded=False), transport
        return made[env, kind]

    yield get
    for client, _ in made.values():
        client.close()


@pytest.fixture
def broken(readers, env, kind):
    """``broken(change)``: the module's client of ``env`` and ``kind`` on the shared prepared
    simulator, its answers rewritten by ``change`` until the next ``broken`` call or the
    test's end; for tests that only read."""
    client, transport = readers(env, kind)

    def rewritten(change):
        transport.change = change
        return client

    yield rewritten
    transport.change = unchanged


@pytest.fixture
def broken_own(sim, env, kind, tmp_path):
    """``broken`` on a simulator of the test's own, for a test that places orders."""
    prepare(sim, env, tmp_path)
    yield from rewriting(sim, env, kind, tmp_path)


NULL_ROWS = [  # (section, call, whether paper has the list)
    ("output1", lambda k: k.fetch_orders(), True),
    ("output1", lambda k: k.fetch_my_trades(), True),
    ("output2", lambda k: k.fetch_ohlcv("005930", "1d", limit=3), True),
    ("output2", lambda k: k.fetch_ohlcv("005930", "1m", limit=3), True),
    ("output", lambda k: k.fetch_tickers(["005930", "000660"]), False),  # multi-quotes
    ("output", lambda k: k.fetch_trades("005930"), True),
    ("output1", lambda k: k.fetch_balance(), True),
    ("output", lambda k: k.fetch_open_orders(), False),
]


@pytest.mark.parametrize("row", [None, 7, "row", []], ids=["null", "number", "text", "list"])
@pytest.mark.parametrize("section, call, paper", NULL_ROWS,
                         ids=["orders", "my_trades", "ohlcv_1d", "ohlcv_1m", "tickers", "trades",
                              "balance", "open_orders"])
def test_a_row_that_is_not_an_object_is_an_api_error(broken, env, row, section, call,
                                                     paper) -> None:
    if env is Env.PAPER and not paper:
        pytest.skip("paper answers this call from other TRs")
    kis = broken(rows_of(section, row))
    with pytest.raises(APIError):
        call(kis)


def test_an_answer_of_null_rows_only_is_not_an_empty_list(broken) -> None:
    def nulls(path: str, body: dict[str, Any]) -> None:
        for name in ("output", "output1", "output2"):
            if isinstance(body.get(name), list):
                body[name] = [None]

    kis = broken(nulls)
    for call in (lambda k: k.fetch_orders(), lambda k: k.fetch_ohlcv("005930", "1d", 3),
                 lambda k: k.fetch_open_orders()):
        with pytest.raises(APIError):
            call(kis)


NUMBERS = [
    ("stck_clpr", lambda k: k.fetch_ohlcv("005930", "1d", limit=3)),  # a candle's close
    ("acml_vol", lambda k: k.fetch_ohlcv("005930", "1d", limit=3)),
    ("stck_prpr", lambda k: k.fetch_ticker("005930")),
    ("acml_vol", lambda k: k.fetch_ticker("005930")),
    ("askp1", lambda k: k.fetch_order_book("005930")),
    ("bidp_rsqn1", lambda k: k.fetch_order_book("005930")),
    ("cntg_vol", lambda k: k.fetch_trades("005930")),
    ("ord_qty", lambda k: k.fetch_orders()),
    ("tot_ccld_amt", lambda k: k.fetch_orders()),
    ("hldg_qty", lambda k: k.fetch_balance()),
    ("prpr", lambda k: k.fetch_balance()),
    ("nrcvb_buy_qty", lambda k: k.fetch_buying_power("005930")),
    ("ord_psbl_cash", lambda k: k.fetch_buying_power("005930")),
]
NUMBER_IDS = ["candle_close", "candle_volume", "ticker_price", "ticker_volume", "book_price",
              "book_quantity", "trade_volume", "order_quantity", "order_value",
              "position_quantity", "position_price", "buying_power_quantity",
              "buying_power_cash"]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1E+4400", "9" * 5000,
                                   "9" * 30, "-3", "2.5", "1_000", "١٢٣", 1e300, True], ids=short)
@pytest.mark.parametrize("name, call", NUMBERS, ids=NUMBER_IDS)
def test_a_number_kis_cannot_have_sent_is_an_api_error(broken, name, call, value) -> None:
    if value == "2.5" and name in ("stck_prpr", "prpr"):
        pytest.skip("a quote's price is a float: a fraction is a number there")
    kis = broken(field(name, value))
    if (name, value) == ("ord_psbl_cash", "-3"):  # a margin (미수) account's cash can be
        assert call(kis).cash == -3  # below zero: KIS may send it, it is read as it is
        return
    with pytest.raises(APIError):
        print(call(kis))  # a model that is made must print


def test_numbers_as_kis_writes_them_are_read(broken) -> None:
    kis = broken(field("prdy_vrss", "-1,500"))  # signed, with a thousands separator
    assert kis.fetch_ticker("005930").change == -1500
    kis = broken(field("acml_vol", " 000123 "))
    assert kis.fetch_ticker("005930").volume == 123


def test_a_malformed_branch_of_a_booked_order_is_an_api_error(broken) -> None:
    kis = broken(field("ord_gno_brno", "x" * 40))
    with pytest.raises(APIError):
        kis.fetch_orders()


@pytest.mark.parametrize("env", [Env.REAL], ids=["real"])
def test_an_order_accepted_with_an_unreadable_branch_is_kept(env, broken_own) -> None:
    def branch(path: str, body: dict[str, Any]) -> None:
        if path.endswith("order-cash") and isinstance(body.get("output"), dict):
            body["output"]["KRX_FWDG_ORD_ORGNO"] = "'; drop"

    kis = broken_own(branch)
    order = kis.create_market_order("005930", "buy", 1)  # KIS booked it: it is not lost
    assert order.id and order.org_no == ""

