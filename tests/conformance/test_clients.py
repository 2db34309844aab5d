"""Community KIS clients run unmodified, but for the host, against the simulator.

Each test is one call of a client's public API (python-kis 2.1.6, mojito2 0.1.6), in the
real and the paper environment, checked against the simulator's own state: the market
(``sim.market``) and the client's account (``sim.account_by_number``). A call a client
does not offer (or refuses in an environment, by design) is skipped with the reason;
a call that fails because of the client's own bug, one it would hit against KIS too, is
an ``xfail(strict=True)`` whose reason cites the KIS fact that proves it.

The first run builds each client's virtual environment from PyPI (``tests/.venvs/``).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

from conformance.support import (
    SYMBOL,
    Client,
    advance,
    registered,
    session_open,
    wait_until,
)
from pykis.market import KST, shift_ticks

pytestmark = pytest.mark.conformance

# --- what a client does not offer --------------------------------------------------------
NOT_OFFERED = {
    ("mojito2", "orderbook"): "mojito2 0.1.6 has no call for the domestic order book "
                              "(inquire-asking-price-exp-ccn)",
    ("mojito2", "daily_orders"): "mojito2 0.1.6 has no call for daily orders "
                                 "(inquire-daily-ccld)",
    ("python-kis", "paper", "modify"): "python-kis refuses to amend in paper by design "
                                       "(domestic_modify_order raises NotImplementedError)",
    ("python-kis", "paper", "pending_orders"): "python-kis refuses pending orders in paper "
                                               "(NotImplementedError): KIS has no paper "
                                               "inquire-psbl-rvsecncl",
    ("mojito2", "paper", "pending_orders"): "KIS has no paper inquire-psbl-rvsecncl "
                                            "(portal: 모의투자 미지원)",
    ("mojito2", "paper", "realtime"): "mojito2's KoreaInvestmentWS has no paper mode (real "
                                      "host and H0STCNI0 only)",
}

# --- the clients' own bugs (xfail strict), keyed like NOT_OFFERED ----------------------------
CLIENT_BUGS: dict[tuple[str, ...], str] = {
    ("python-kis", "paper", "daily_orders"): (
        "python-kis 2.1.6: KisDomesticDailyOrder.__pre_init__ reads "
        "DOMESTIC_EXCHANGE_CODE_MAP[row['excg_dvsn_cd']] and raises KeyError '' on KIS's "
        "paper rows, whose excg_dvsn_cd is blank (genuine VTS capture of inquire-daily-ccld, "
        "kis-reference captures/rest/inquire-daily-ccld.output1-rows.vts.20260422: all 15 "
        "rows have excg_dvsn_cd \"\"; real rows carry \"02\")"),
    ("python-kis", "realtime_executions"): (
        "python-kis 2.1.6 parses execution notices with the old 23-field layout and drops "
        "any frame whose field count is not a multiple of 23 ('Invalid data length: 26'): "
        "KIS sends 26 fields on H0STCNI0/H0STCNI9 (koreainvestment/open-trading-api "
        "examples_llm/domestic_stock/ccnl_notice/ccnl_notice.py: CUST_ID ... ODER_PRC, 26 "
        "columns; kis-reference websocket.md section 12)"),
}


@pytest.fixture
def call(request, client: Client) -> str:
    """The call a test makes (its name without ``test_``): skipped when the client does
    not offer it, an xfail(strict) when the client's own bug breaks it."""
    name = request.node.originalname.removeprefix("test_")
    family = "realtime" if name.startswith("realtime") else name
    keys = ((client.name, name), (client.name, client.env, name),
            (client.name, client.env, family))
    for key in keys:
        if key in NOT_OFFERED:
            pytest.skip(NOT_OFFERED[key])
        if key in CLIENT_BUGS:
            request.node.add_marker(pytest.mark.xfail(strict=True, reason=CLIENT_BUGS[key]))
    return name


# --- helpers ---------------------------------------------------------------------------------
def now(client: Client) -> dt.datetime:
    return client.sim.clock.now()


def market_quote(client: Client):
    return client.sim.market.quote(SYMBOL, now(client))


def lowest_price(client: Client) -> int:
    """Today's lower limit: a buy there rests on the book and never fills."""
    return market_quote(client).limits.lower


def sim_order(client: Client, number: Any):
    return client.account.orders[int(number)]


def n(value: Any) -> int:
    return int(str(value).replace(",", "").split(".")[0])


# --- REST ---------------------------------------------------------------------------------
def test_token(client: Client, call: str) -> None:
    answer = client.ask("token")
    sim, key = client.sim, client.creds.app_key
    issued = sim.auth.authenticate(f"Bearer {answer['token']}", key, sim.clock.timestamp())
    assert issued.app_key == key  # a live token of the environment's app key
    assert answer["type"] == "Bearer"
    assert sim.auth.stats_of(key).tokens_issued == 1


def test_quote(client: Client, call: str) -> None:
    quote = client.ask("quote", symbol=SYMBOL)
    truth = market_quote(client)
    assert (n(quote["price"]), n(quote["open"]), n(quote["high"]), n(quote["low"]),
            n(quote["volume"])) == (truth.price, truth.open, truth.high, truth.low,
                                    truth.volume)


def test_orderbook(client: Client, call: str) -> None:
    book = client.ask("orderbook", symbol=SYMBOL)
    truth = client.sim.market.book(market_quote(client))
    assert [[n(p), n(q)] for p, q in book["asks"]][:10] == [list(a) for a in truth.asks]
    assert [[n(p), n(q)] for p, q in book["bids"]][:10] == [list(b) for b in truth.bids]


def test_daily_candles(client: Client, call: str) -> None:
    candles = client.ask("daily_candles", symbol=SYMBOL, days=30)
    moment = now(client)
    today = client.sim.market.market_day(moment)
    truth = {b.date: b for b in client.sim.market.daily_bars(
        SYMBOL, today - dt.timedelta(days=30), today, moment)}
    got = {_day(c): c for c in candles}
    assert len(got) >= 15 and today in got
    assert set(got) <= set(truth)
    for day, candle in got.items():
        bar = truth[day]
        assert (n(candle["open"]), n(candle["high"]), n(candle["low"]), n(candle["close"]),
                n(candle["volume"])) == (bar.open, bar.high, bar.low, bar.close, bar.volume), day
    assert n(got[today]["close"]) == market_quote(client).price


def _day(candle: dict) -> dt.date:
    if "date" in candle:
        return dt.datetime.strptime(candle["date"], "%Y%m%d").date()
    return dt.datetime.fromisoformat(candle["time"]).date()


def test_minute_candles(client: Client, call: str) -> None:
    bars = client.ask("minute_candles", symbol=SYMBOL)
    assert bars, "no minute bars"
    moment = now(client)
    for bar in bars:
        # A bar is labelled by its end; its close is the price at that end (now, for the
        # minute in progress). mojito2 stops at 15:30, KRX's close, whatever the time.
        end = min(_bar_end(bar), moment)
        assert n(bar["close"]) == client.sim.market.quote(SYMBOL, end).price, bar
        assert n(bar["low"]) <= min(n(bar["open"]), n(bar["close"])), bar
        assert max(n(bar["open"]), n(bar["close"])) <= n(bar["high"]), bar


def _bar_end(bar: dict) -> dt.datetime:
    if "date" in bar:  # mojito2: KIS's fields
        return dt.datetime.strptime(bar["date"] + bar["time"], "%Y%m%d%H%M%S").replace(
            tzinfo=KST)
    return dt.datetime.fromisoformat(bar["time"])


def test_limit_order(client: Client, call: str) -> None:
    price = lowest_price(client)
    order = client.ask("limit_buy", symbol=SYMBOL, price=price, qty=1)
    booked = sim_order(client, order["number"])
    assert (booked.code, booked.side, booked.qty, booked.price, booked.dvsn) == \
        (SYMBOL, "buy", 1, price, "00")
    assert booked.is_open


def test_market_order(client: Client, call: str) -> None:
    held = client.account.positions[SYMBOL].qty
    order = client.ask("market_buy", symbol=SYMBOL, qty=1)
    booked = sim_order(client, order["number"])
    assert (booked.code, booked.side, booked.qty, booked.dvsn) == (SYMBOL, "buy", 1, "01")
    assert booked.filled == 1
    assert client.account.positions[SYMBOL].qty == held + 1


def test_modify(client: Client, call: str) -> None:
    price = lowest_price(client)
    order = client.ask("limit_buy", symbol=SYMBOL, price=price, qty=1)
    higher = shift_ticks(price, 1)
    amended = client.ask("modify", number=order["number"], price=higher)
    original, new = sim_order(client, order["number"]), sim_order(client, amended["number"])
    assert not original.is_open and original.amended == 1
    assert (new.kind, new.original, new.price, new.qty) == ("amend", original.number, higher, 1)
    assert new.is_open


def test_cancel(client: Client, call: str) -> None:
    order = client.ask("limit_buy", symbol=SYMBOL, price=lowest_price(client), qty=1)
    client.ask("cancel", number=order["number"])
    original = sim_order(client, order["number"])
    assert original.canceled == 1 and not original.is_open


def test_pending_orders(client: Client, call: str) -> None:
    order = client.ask("limit_buy", symbol=SYMBOL, price=lowest_price(client), qty=1)
    pending = client.ask("pending_orders")
    listed = {int(p["number"]): p for p in pending}
    with client.sim.lock:
        working = {o.number for o in client.account.open_orders()}
    assert int(order["number"]) in listed
    assert set(listed) == working
    mine = listed[int(order["number"])]
    assert (mine["symbol"], n(mine["qty"]), n(mine["price"])) == \
        (SYMBOL, 1, lowest_price(client))


def test_daily_orders(client: Client, call: str) -> None:
    order = client.ask("limit_buy", symbol=SYMBOL, price=lowest_price(client), qty=1)
    orders = client.ask("daily_orders")
    listed = {int(o["number"]): o for o in orders}
    today = client.sim.market.market_day(now(client))
    with client.sim.lock:
        booked = {o.number for o in client.account.orders.values() if o.day == today}
    assert int(order["number"]) in listed
    assert set(listed) == booked
    mine = listed[int(order["number"])]
    assert (mine["symbol"], n(mine["qty"]), n(mine["executed"])) == (SYMBOL, 1, 0)


def test_balance(client: Client, call: str) -> None:
    balance = client.ask("balance")
    account = client.account
    today = client.sim.market.market_day(now(client))
    held = {s["symbol"]: n(s["qty"]) for s in balance["stocks"] if n(s["qty"])}
    assert held == {code: p.qty for code, p in account.positions.items() if p.qty}
    assert n(balance["deposit"]) == account.cash(today)


def test_buying_power(client: Client, call: str) -> None:
    price = market_quote(client).price
    power = client.ask("buying_power", symbol=SYMBOL, price=price)
    with client.sim.lock:
        cash, unit, qty = client.sim.exchange.buying_power(client.account, SYMBOL, price,
                                                           now(client))
    assert (n(power["amount"]), n(power["quantity"]), n(power["unit_price"])) == \
        (cash, qty, unit)


# --- real time ----------------------------------------------------------------------------
def fresh_session(client: Client) -> None:
    """mojito2 opens one socket (a process) per KoreaInvestmentWS, and KIS allows one
    session per app key: the previous test's stream goes first."""
    if client.name == "mojito2":
        client.ask("quit_streams")
        wait_until(lambda: not session_open(client.sim, client.creds.app_key),
                   what="the previous session to close")


def subscribed(client: Client, tr_id: str, key: str, app_key: str) -> None:
    """Wait until the client's subscription reaches the simulator; fail at once, with
    the client's traceback, if mojito2's stream process died on the way."""
    def arrived() -> bool:
        if registered(client.sim, tr_id, key, app_key):
            return True
        if client.name == "mojito2" and not all(client.ask("streams_alive")):
            raise AssertionError(f"mojito2's KoreaInvestmentWS died before subscribing "
                                 f"{tr_id}:\n{client.worker.stderr_tail(1500)}")
        return False

    wait_until(arrived, what=f"{tr_id} {key} subscribed")


def collect(client: Client, channel: str, done, timeout: float = 10.0) -> list:
    """Records of ``channel`` until ``done(records)`` holds, or ``timeout`` (seconds)."""
    records: list = []
    deadline = time.monotonic() + timeout
    while not done(records) and time.monotonic() < deadline:
        records += client.ask("events", channel=channel, count=1, wait=1.0)
        errors = [r for r in records if isinstance(r, dict) and "error" in r]
        assert not errors, errors[:3]
    return records


def test_realtime_trades(client: Client, call: str) -> None:
    fresh_session(client)
    client.ask("subscribe_trades", symbol=SYMBOL)
    subscribed(client, "H0STCNT0", SYMBOL, client.quoting_key)
    advance(client.sim, 120)
    last = market_quote(client).price
    # The 120 s may trade at ``last`` before their final trade: wait for the newest record
    # to stand at it, which holds once the final trade has arrived.
    records = collect(client, "trades", lambda rs: bool(rs) and _price(rs[-1]) == last)
    assert records, "no H0STCNT0 record reached the client"
    assert all(r.get("symbol", r.get("유가증권단축종목코드")) == SYMBOL for r in records)
    assert _price(records[-1]) == last


def _price(record: dict) -> int:
    return n(record["price"] if "price" in record else record["주식현재가"])


def test_realtime_orderbook(client: Client, call: str) -> None:
    fresh_session(client)
    client.ask("subscribe_orderbook", symbol=SYMBOL)
    subscribed(client, "H0STASP0", SYMBOL, client.quoting_key)
    advance(client.sim, 120)
    truth = client.sim.market.book(market_quote(client))
    best = (truth.asks[0][0], truth.bids[0][0])
    records = collect(client, "orderbook", lambda rs: any(_best(r) == best for r in rs))
    assert records, "no H0STASP0 record reached the client"
    assert _best(records[-1]) == best


def _best(record: dict) -> tuple[int, int]:
    if "asks" in record:
        return n(record["asks"][0][0]), n(record["bids"][0][0])
    return n(record["매도호가01"]), n(record["매수호가01"])


def test_realtime_executions(client: Client, call: str) -> None:
    fresh_session(client)
    notice_tr = "H0STCNI0" if client.env == "real" else "H0STCNI9"
    client.ask("subscribe_executions")
    subscribed(client, notice_tr, client.creds.hts_id, client.creds.app_key)
    order = client.ask("market_buy", symbol=SYMBOL, qty=1)
    number = int(order["number"])
    fill = sim_order(client, number).fills[0]
    records = collect(client, "executions",
                      lambda rs: any(_notice(r) == (number, 1, fill.price) for r in rs))
    assert (number, 1, fill.price) in [_notice(r) for r in records], records


def _notice(record: dict) -> tuple[int, int, int]:
    """(order number, executed quantity, price) of a fill notice; 0s for the rest."""
    if "number" in record:  # python-kis
        return (n(record["number"]), n(record["executed"]), n(record["price"] or 0))
    if record.get("체결여부") != "2":  # mojito2: the raw fields
        return (0, 0, 0)
    return (n(record["주문번호"]), n(record["체결수량"]), n(record["체결단가"]))

