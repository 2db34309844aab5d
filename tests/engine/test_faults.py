"""Faults: 1,000 orders through the engine while a fifth of the order requests meet a
fault (a 5xx before any work, latency past the client's timeout, the connection dropped
after the order was executed, a 500 after it was executed) and the reads meet theirs
too: zero duplicates, zero lost, and the database equal to the simulator's ledger.

Everything is real: the engine, its SQLite store, the client and the simulator. The
1,000 orders go to a real account through the simulator's in-process transport, which
honours a delay past the client's read timeout and a dropped connection the way a
socket does; a shorter run goes to a paper account over a real socket (``SimServer``)
to show the same there. The only addition is a transport that passes every request
through unchanged and notes, per order request, which fault the simulator applied and
which order it booked, so that each stored order is held to the request that made it.

The orders are spread over a few trading days (the engine reconciles at the start of
each, as a bot does at start-up, with the faults still on), so that orders left working
expire overnight, and an order of unknown outcome is looked up in a day's list of
several pages (KIS's 100 rows a page on the real server, 15 on paper). At the end the
faults stop, the simulator's clock is frozen (no resting order fills behind the
checks' back), the engine reconciles once, and the store is compared with the ledger.

Time is simulated: the simulator, the engine and the client share a ``ManualClock``, so
the engine's waits (for a fill, for an order to settle), the client's retry backoff and
the in-process transport's delays pass in no time, and the market moves only as they do. Only what a real socket does (the
client's read timeout on the socket run) takes real time.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from clients import FAST_RETRY, NO_LIMIT, SimTime
from pykis import KIS
from pykis import exceptions as ex
from pykis.engine import EngineSettings, KISTradingEngine
from pykis.engine.execution import ExecutionSettings
from pykis.engine.results import TradeResult
from pykis.engine.store import OrderState
from pykis.sim import AccountSpec, Env, SimConfig, SimServer, Simulator
from pykis.utils.clock import ManualClock
from pykis.utils.ratelimit import MemoryStore
from support import MORNING

TICKERS = ("005930", "000660", "035420", "105560", "055550", "000270", "005380", "068270",
           "034020", "028260")
ORDER_FAULTS = ("error_5xx", "delay", "drop", "error_after")  # each on Run.share of orders
# Shares of all reads (quotes, balance, buying power, the order list) by kind of fault.
READ_FAULTS = {"error_5xx": 0.06, "rate_limit": 0.03, "delay": 0.02, "drop": 0.02,
               "error_after": 0.02}
AFTER_WORK = {"delay", "drop", "error_after"}  # the order was executed, the answer lost

BOOKED = {OrderState.ACCEPTED, OrderState.PARTIALLY_FILLED, OrderState.FILLED,
          OrderState.CANCELED}
ORDER_CASH = "/uapi/domestic-stock/v1/trading/order-cash"


@dataclass(frozen=True)
class Run:
    wire: str  # "in-process" or "socket"
    env: Env  # KIS's order list comes 100 orders a page on the real server, 15 on paper
    orders: int
    days: int  # trading days the orders are spread over
    timeout: float  # the client's
    delay: float  # of a delay fault: past the timeout, so the client gives up
    settle: float  # the engine's settle_seconds
    share: float  # of the order requests that meet each kind of fault of ORDER_FAULTS
    reads: float = 1.0  # READ_FAULTS' shares times this
    read_delays: float | None = None  # the share of reads delayed, if not READ_FAULTS'


# In-process, 1,000 orders and a fifth of them faulted; on a socket, fewer orders and
# more faults, so that each kind still fires for certain (as near as dice allow), and
# timeouts with room for a busy machine: a request KIS takes longer than settle_seconds
# to book is taken for lost, in the simulator as at KIS. Each delayed request costs the
# socket run its read timeout in real time: 0.3 s is still some thirty times an answer's
# time on a busy machine, and a delay on one read in a hundred there (not three) is a
# dozen delayed reads: enough to fire for certain, not 40 waits of 0.3 s.
RUNS = [Run("in-process", Env.REAL, 1_000, 4, timeout=0.05, delay=5.0, settle=0.1,
            share=0.05),
        Run("socket", Env.PAPER, 120, 2, timeout=0.3, delay=1.0, settle=1.0, share=0.10,
            reads=1.5, read_delays=0.01)]


def bounds(calls: int, share: float) -> tuple[float, float]:
    """How often a fault of ``share`` fires on ``calls`` calls, give or take five
    standard deviations (a run outside fails once in millions)."""
    mean, spread = calls * share, 5 * (calls * share * (1 - share)) ** 0.5
    return max(mean - spread, 1), mean + spread


def chained(shares: dict[str, float]) -> list[float]:
    """Rates for rules tried in turn (the first that wins its roll applies), such that
    each kind takes its share of all calls: a later rule only sees what earlier missed."""
    rates, left = [], 1.0
    for share in shares.values():
        rates.append(share / left)
        left -= share
    return rates


def read_shares(run: Run) -> dict[str, float]:
    """The share of all reads that meets each kind of fault, on ``run``."""
    shares = {kind: share * run.reads for kind, share in READ_FAULTS.items()}
    if run.read_delays is not None:
        shares["delay"] = run.read_delays
    return shares


def fault_rules(run: Run) -> list[dict]:
    orders = dict.fromkeys(ORDER_FAULTS, run.share)
    reads = read_shares(run)
    rules = []
    for scope, shares in (("orders", orders), ("reads", reads)):
        for (kind, _), rate in zip(shares.items(), chained(shares), strict=True):
            rule = {"kind": kind, "rate": rate, "scope": scope}
            if kind == "delay":
                rule["seconds"] = run.delay
            rules.append(rule)
    return rules


@dataclass
class OrderRequest:
    """One order request as it happened: the fault the simulator applied (if any), the
    orders it booked meanwhile, and what the client got."""

    fault: str | None
    booked: list[int]
    outcome: str  # "HTTP <status>" or the transport error's class


@dataclass
class Observed(httpx.BaseTransport):
    """A transport to the simulator, watched: every request goes through unchanged,
    and its answer is read here, so that a connection dropped mid-answer is seen too."""

    sim: Simulator
    inner: httpx.BaseTransport
    account_no: str
    orders: list[OrderRequest] = field(default_factory=list)
    reads: int = 0
    read_faults: Counter = field(default_factory=Counter)
    # Reads of a page after the first (of KIS's order list): "requests", and "faults" met.
    next_pages: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.account = self.sim.account_by_number(self.account_no)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        applied = dict(self.sim.faults.applied)
        known = set(self.account.orders)
        outcome = "?"
        try:
            response = self.inner.handle_request(request)
            response.read()
            outcome = f"HTTP {response.status_code}"
            return response
        except httpx.TransportError as error:
            outcome = type(error).__name__
            raise
        finally:
            # The kinds of fault the simulator applied meanwhile (one at most).
            fired = "+".join(k for k, n in self.sim.faults.applied.items()
                             if n != applied.get(k, 0)) or None
            if request.url.path == ORDER_CASH:
                booked = sorted(set(self.account.orders) - known)
                self.orders.append(OrderRequest(fired, booked, outcome))
            elif request.url.path.startswith("/uapi/"):
                self.reads += 1
                if fired:
                    self.read_faults[fired] += 1
                if request.headers.get("tr_cont") == "N":
                    self.next_pages.update(["requests"] + ["faults"] * bool(fired))

    def close(self) -> None:
        self.inner.close()


class Bot:
    """Buys and sells a few tickers through the engine, in a seeded, varied pattern:
    market orders mostly, limit orders that fill at once or rest, buys by amount."""

    def __init__(self, engine: KISTradingEngine, control: httpx.Client) -> None:
        self.engine, self.control = engine, control
        self.rng = random.Random(20_260_301)
        self.results: list[TradeResult] = []

    def price(self, ticker: str) -> int:
        return self.control.get(f"/_sim/market/{ticker}").json()["price"]

    def step(self, ticker: str) -> None:
        rng, engine = self.rng, self.engine
        held = engine.store.open_trades(ticker=ticker)
        roll = rng.random()
        if held and roll < 0.7:
            quantity = None if rng.random() < 0.6 else rng.randint(1, held[0].open_quantity)
            price = None
            if rng.random() < 0.2:  # a limit: mostly marketable, sometimes resting
                price = self.price(ticker) * (0.99 if rng.random() < 0.85 else 1.03)
            result = engine.execute_sell_order(ticker, quantity, price, reason="fault test")
        elif roll < 0.85:
            price = None
            if rng.random() < 0.2:
                price = self.price(ticker) * (1.01 if rng.random() < 0.85 else 0.97)
            result = engine.execute_buy_order(ticker, rng.randint(1, 20), price)
        else:
            result = engine.execute_buy_order(ticker, amount_krw=rng.randint(1, 30) * 100_000)
        self.results.append(result)


def reconcile(engine: KISTradingEngine):
    """Reconciliation as a bot runs it: again, if KIS could not be asked just now."""
    for _ in range(50):
        try:
            return engine.reconcile()
        except ex.KISError:
            continue
    pytest.fail("reconciliation failed 50 times in a row")


@dataclass
class World:
    run: Run
    sim: Simulator
    observed: Observed
    engine: KISTradingEngine
    control: httpx.Client  # the simulator's control plane (never faulted)


@pytest.fixture(params=RUNS, ids=[r.wire for r in RUNS])
def world(request, tmp_path) -> Iterator[World]:
    run: Run = request.param
    sim = Simulator(SimConfig(start=MORNING, always_open=True,
                              rate_limits={Env.REAL: 0, Env.PAPER: 0},
                              accounts=[AccountSpec(run.env, cash=100_000_000_000)]))
    clock = ManualClock()
    sim.clock.follow(clock)
    server = SimServer(sim) if run.wire == "socket" else None
    base_url = server.start() if server else "http://sim"
    inner = httpx.HTTPTransport() if server else sim.transport()
    creds = sim.credentials(run.env)
    observed = Observed(sim, inner, creds.account_no)
    kis = KIS(creds.app_key, creds.app_secret, creds.account_no, run.env is Env.PAPER,
              base_url=base_url,
              transport=observed, token_path=tmp_path / "tokens.json", rate=NO_LIMIT,
              rate_store=MemoryStore(), clock=SimTime(sim, clock), retry=FAST_RETRY,
              timeout=run.timeout)
    settings = ExecutionSettings(settle_seconds=run.settle, poll_interval=0.05,
                                 fill_timeout=0.1)
    engine = KISTradingEngine(kis, tmp_path / "engine.sqlite3",
                              settings=EngineSettings(execution=settings), clock=clock)
    control = httpx.Client(transport=sim.transport(), base_url="http://sim")
    try:
        yield World(run, sim, observed, engine, control)
    finally:
        control.close()
        engine.close()
        if server:
            server.stop()


@pytest.mark.slow
def test_orders_through_faults_are_never_duplicated_nor_lost(world: World) -> None:
    run, sim, observed, engine, control = (world.run, world.sim, world.observed,
                                           world.engine, world.control)
    bot = Bot(engine, control)
    rules = control.post("/_sim/faults", json={"rules": fault_rules(run)})
    assert rules.status_code == 200 and len(rules.json()["rules"]) == 9

    # --- trade: run.orders orders sent by the engine, over run.days trading days -------
    per_day, opened, idle, steps, days = run.orders // run.days, 0, 0, 0, 1
    while (sent := len(observed.orders)) < run.orders:
        # The next trading day, at the same time of day: once the day's share of orders
        # is sent, or when every ticker is tied up by orders working until the close.
        if sent - opened >= per_day or idle >= 2 * len(TICKERS):
            opened, idle, days = sent, 0, days + 1
            control.post("/_sim/clock", json={"advance": 86_400})
            assert reconcile(engine).still_unknown == ()
        bot.step(TICKERS[steps % len(TICKERS)])
        steps += 1
        idle = 0 if len(observed.orders) > sent else idle + 1
        assert steps < 3 * run.orders, "the engine stopped sending orders"

    # --- settle: no more faults, the market stopped, one reconciliation -----------------
    # Every order's fate was settled as it was sent: none is left to look up.
    assert engine.store.unresolved_orders() == []
    applied = control.get("/_sim/faults").json()["applied"]
    assert control.delete("/_sim/faults").status_code == 200
    # A frozen clock: no resting order fills between the reconciliation and the checks.
    assert control.post("/_sim/clock", json={"frozen": True}).json()["frozen"] is True
    report = engine.reconcile()
    assert report.clean, report
    assert report.found == () and report.not_booked == ()  # all settled while trading

    account = sim.credentials(run.env).account_no
    ledger = control.get("/_sim/ledger", params={"account": account}).json()["orders"]
    stored = engine.store.orders()
    states = Counter(OrderState(o.state) for o in stored)

    # The engine answered every call, and never met an error it did not expect.
    assert len(bot.results) == steps
    assert not [r.message for r in bot.results if "unexpected error" in r.message]

    # Each order was sent exactly once: one order request per stored order.
    assert len(stored) == run.orders == len(observed.orders)
    # Nothing left in doubt, nothing dropped unsent.
    assert not states.keys() & {OrderState.INTENT, OrderState.SENT, OrderState.UNKNOWN,
                                OrderState.DROPPED}, states

    # Zero duplicates, zero lost: the store's orders and the simulator's are one to one.
    assert all(o["kind"] == "new" for o in ledger)
    theirs = {(dt.date.fromisoformat(o["day"]), o["odno"]): o for o in ledger}
    ours = {(o.broker_order_date, int(o.broker_order_id)): o
            for o in stored if o.broker_order_id is not None}
    assert len(theirs) == len(ledger)
    assert len(ours) == sum(o.broker_order_id is not None for o in stored)
    assert sorted(ours) == sorted(theirs)
    assert sum(states[s] for s in BOOKED) == len(ledger)
    assert all(OrderState(o.state) in BOOKED for o in ours.values())

    # The database equals the ledger, order by order, fill totals included.
    for key, mine in ours.items():
        booked = theirs[key]
        assert (mine.ticker, mine.side, mine.quantity) == (booked["code"], booked["side"],
                                                           booked["qty"]), key
        assert (mine.limit_price or 0) == booked["price"], key
        assert (mine.filled_quantity, mine.filled_value) == (booked["filled"],
                                                             booked["filled_value"]), key
        fills = engine.store.fills_of(mine.id)
        assert sum(f.quantity for f in fills) == booked["filled"], key
        assert sum(f.value for f in fills) == booked["filled_value"], key
        state = OrderState(mine.state)
        if booked["filled"] == booked["qty"]:
            assert state is OrderState.FILLED, key
        elif booked["expired"] or booked["canceled"]:
            assert state is OrderState.CANCELED, key
        else:
            assert state is (OrderState.PARTIALLY_FILLED if booked["filled"]
                             else OrderState.ACCEPTED), key

    # The engine's open trades hold what the simulator's account holds.
    positions = {code: p["qty"] for a in control.get("/_sim/accounts").json()
                 if a["account_no"] == account for code, p in a["positions"].items()
                 if p["qty"]}
    held = Counter()
    for trade in engine.store.open_trades():
        held[trade.ticker] += trade.open_quantity
    assert dict(held) == positions

    # Each stored order is exactly the one its request booked, or none if none was:
    # requests and stored orders go in the same order, one at a time.
    for request, mine in zip(observed.orders, stored, strict=True):
        if request.fault is None and not request.outcome.startswith("HTTP"):
            # No fault, yet no answer in time: only a socket on a busy machine does that
            # (the order may have been booked after this request's end was noted).
            assert run.wire == "socket", request
            continue
        assert len(request.booked) <= 1, request
        if request.booked:
            assert int(mine.broker_order_id) == request.booked[0], (request, mine.id)
        else:
            assert OrderState(mine.state) is OrderState.REJECTED, (request, mine.id)
            assert mine.broker_order_id is None
        if request.fault == "error_5xx":  # refused before any work: found missing
            assert request.booked == [] and request.outcome == "HTTP 500", request
            assert "never booked" in (mine.error or ""), mine.error
        elif request.fault in AFTER_WORK:  # executed, answer lost: found in KIS's books
            assert request.booked, request
            assert OrderState(mine.state) in BOOKED, (request, mine.state)

    # The faults happened, of every kind, on orders and on reads, and each as the client
    # sees it; the simulator's counters and the requests seen agree.
    on_orders = Counter(r.fault for r in observed.orders if r.fault)
    assert set(on_orders) == set(ORDER_FAULTS)
    for kind in ORDER_FAULTS:
        low, high = bounds(run.orders, run.share)
        assert low <= on_orders[kind] <= high, (kind, on_orders)
    low, high = bounds(run.orders, run.share * len(ORDER_FAULTS))
    assert low <= on_orders.total() <= high, on_orders
    outcomes = Counter((r.fault, r.outcome) for r in observed.orders if r.fault)
    assert outcomes == {("error_5xx", "HTTP 500"): on_orders["error_5xx"],
                        ("delay", "ReadTimeout"): on_orders["delay"],
                        ("drop", "RemoteProtocolError"): on_orders["drop"],
                        ("error_after", "HTTP 500"): on_orders["error_after"]}
    assert set(observed.read_faults) == set(READ_FAULTS)
    for kind, share in read_shares(run).items():
        low, high = bounds(observed.reads, share)
        assert low <= observed.read_faults[kind] <= high, (kind, observed.read_faults)
    assert applied == dict(on_orders + observed.read_faults)
    # The order list came in several pages, and faults met those pages too.
    assert observed.next_pages["faults"] >= 1, observed.next_pages

    by_state = {str(s): n for s, n in states.items()}
    print(f"\n{run.wire}: faults on {run.orders} orders {dict(on_orders)}, on "
          f"{observed.reads} reads {dict(observed.read_faults)}; orders by state {by_state}; "
          f"{steps} engine calls over {days} days; {observed.next_pages['requests']} "
          f"next pages read, {observed.next_pages['faults']} faulted")
