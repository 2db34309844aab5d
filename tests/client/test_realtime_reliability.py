"""Reliability of the real-time stream: for several minutes the simulator drops every
connection a few seconds after it opens, while orders are placed, fill (at once, and
later as the market moves), and are cancelled. At the end every subscription is active
again, the approval key was issued once, and every fill KIS's ledger shows reached
``watch_my_trades`` exactly once: per order, the delivered shares and their value equal
the ledger's, and no fill was delivered twice.

The minutes are simulated: client and simulator share one event loop on a simulated
clock (``VirtualTimeLoop``), the REST calls go through the in-process transport and the
real-time sessions through the in-process endpoint (``SimWebSocket``, the code a socket
reaches), so every backoff, timeout, heartbeat, drop and market move happens on that
clock, in a fraction of the time, the same way every run.

``PYKIS_RELIABILITY_SECONDS`` changes the simulated length (default 180).
"""

from __future__ import annotations

import asyncio
import os
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import pytest

from clients import FAST_RETRY, NO_LIMIT
from pykis import AsyncKIS
from pykis import exceptions as ex
from pykis.market import tick_size
from pykis.sim import AccountSpec, Env, SimConfig, Simulator
from pykis.sim.serve.ws_transport import SimWebSocket
from pykis.utils.clock import ManualClock, run_virtual
from pykis.utils.ratelimit import MemoryStore
from pykis.websocket.client import StreamSettings
from support import MORNING

SECONDS = float(os.environ.get("PYKIS_RELIABILITY_SECONDS", "180"))
DROP_EVERY = 3.0


@pytest.mark.slow
def test_every_fill_once_while_connections_keep_dropping(tmp_path: Path) -> None:
    sim = Simulator(SimConfig(
        start=MORNING, frozen=False,  # a running market: trades and fills as time passes
        rate_limits={Env.REAL: 0, Env.PAPER: 0},
        accounts=[AccountSpec(Env.REAL, cash=5_000_000_000)]))
    clock = ManualClock()
    sim.clock.follow(clock)  # the market, the sessions' faults and heartbeats
    state = random.getstate()
    random.seed(13)  # the stream's backoff jitter: the same run every time
    try:
        run_virtual(_scenario(sim, tmp_path), clock)
    finally:
        random.setstate(state)


async def _scenario(sim: Simulator, tmp_path: Path) -> None:
    creds = sim.credentials(Env.REAL)
    settings = StreamSettings(backoff_base=0.2, backoff_cap=1.0, recovery_grace=0.3,
                              answer_timeout=5.0, idle_timeout=10.0,
                              connect=SimWebSocket(sim))
    kis = AsyncKIS(creds.app_key, creds.app_secret, creds.account_no,
                   base_url="http://sim", transport=sim.transport(), hts_id=creds.hts_id,
                   token_path=tmp_path / "tokens.json", rate=NO_LIMIT,
                   rate_store=MemoryStore(), clock=sim.clock.timestamp, retry=FAST_RETRY,
                   stream_settings=settings)
    control = httpx.AsyncClient(transport=sim.transport(), base_url="http://sim")
    symbols = list(sim.market.universe)[:3]
    async with kis, control:
        fills = kis.watch_my_trades()
        orders = kis.watch_orders()
        trades = kis.watch_trades_for_symbols(symbols)
        book = kis.watch_order_book(symbols[0])
        delivered: list[Any] = []
        updates: list[Any] = []
        prints: dict[str, int] = defaultdict(int)
        readers = [
            asyncio.ensure_future(_collect(fills, delivered.append)),
            asyncio.ensure_future(_collect(orders, updates.append)),
            asyncio.ensure_future(_collect(trades, lambda t: prints.__setitem__(
                t.symbol, prints[t.symbol] + 1))),
            asyncio.ensure_future(_collect(book, lambda b: None)),
        ]
        await asyncio.wait_for(fills._start(), 10)
        await _control(control, "ws/faults", {"drop_every": DROP_EVERY})
        placed = await _trade_for(kis, symbols, SECONDS)
        await _control(control, "ws/faults", {"drop_every": None})

        for order in await kis.fetch_open_orders():  # the market keeps filling them
            try:
                await kis.cancel_order(order)
            except (ex.OrderError, ex.NotFoundError):
                pass

        stream = kis.realtime.stream
        await _until(lambda: stream.connected, 15)
        expected = await _ledger_totals(control, creds.account_no)
        await _until(lambda: _totals(delivered) == expected, 30,
                     lambda: f"delivered {_totals(delivered)} != ledger {expected}")
        await asyncio.sleep(1.5)  # nothing more may come
        assert _totals(delivered) == await _ledger_totals(control, creds.account_no)

        # Each fill once: unique ids, and per order never more than the ledger.
        ids = [t.id for t in delivered]
        assert len(ids) == len(set(ids))
        # The drops happened, and every reconnect restored everything with one key.
        drops = SECONDS / DROP_EVERY
        assert stream.stats.connects >= drops * 0.5, stream.stats
        assert sim.auth.stats[creds.app_key].approvals == 1
        [session] = (await control.get("/_sim/ws")).json()["sessions"]
        assert sorted(map(tuple, session["registrations"])) == sorted(stream.subscriptions)
        assert len(stream.subscriptions) == 5  # 3 trade feeds, a book, the notices
        assert all(prints[s] > 0 for s in symbols)
        assert placed >= SECONDS  # orders kept coming throughout
        assert updates and {u.id for u in updates} >= {t.order_id for t in delivered}
        for reader in readers:
            reader.cancel()


async def _collect(watch: Any, sink) -> None:
    async for item in watch:
        sink(item)


async def _trade_for(kis: AsyncKIS, symbols: list[str], seconds: float) -> int:
    """Marketable buys and sells (fill at once), resting buys a tick under the market
    (fill later, often while disconnected), and cancellations, for ``seconds``."""
    rng = random.Random(7)
    # Large orders take several book levels or fill over several market trades: orders
    # with fills on both sides of a reconnect, where a fill counted twice would show.
    sizes = [1, 2, 5, 300, 2000]
    resting: list[Any] = []
    placed = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        symbol = rng.choice(symbols)
        last = (await kis.fetch_ticker(symbol)).last
        tick = tick_size(last)
        step = placed % 4
        try:
            if step == 0:
                await kis.create_limit_order(symbol, "buy", rng.choice(sizes), last + 3 * tick)
            elif step == 1:
                resting.append(await kis.create_limit_order(symbol, "buy", rng.choice(sizes),
                                                            last - tick))
            elif step == 2:
                await kis.create_limit_order(symbol, "sell", rng.choice(sizes), last - 3 * tick)
            elif resting:
                await kis.cancel_order(resting.pop(0))
        except (ex.OrderError, ex.NotFoundError):
            pass  # nothing left to sell, or the order filled before the cancel
        placed += 1
        # Two a second: some six per connection. Each reconnect reads back the day's
        # orders, so the soak's work grows with the square of the pace, not its coverage.
        await asyncio.sleep(0.5)
    return placed


async def _ledger_totals(control: httpx.AsyncClient, account: str
                         ) -> dict[str, tuple[int, int]]:
    ledger = (await control.get("/_sim/ledger", params={"account": account})).json()
    totals: dict[str, tuple[int, int]] = {}
    for fill in ledger["fills"]:
        shares, value = totals.get(str(fill["odno"]), (0, 0))
        totals[str(fill["odno"])] = (shares + fill["qty"], value + fill["qty"] * fill["price"])
    return totals


def _totals(delivered: list[Any]) -> dict[str, tuple[int, int]]:
    totals: dict[str, tuple[int, int]] = {}
    for trade in delivered:
        shares, value = totals.get(trade.order_id, (0, 0))
        totals[trade.order_id] = (shares + trade.amount, value + trade.cost)
    return totals


async def _control(control: httpx.AsyncClient, path: str, body: dict[str, Any]) -> None:
    answer = await control.post("/_sim/" + path, json=body)
    assert answer.status_code == 200, answer.text


async def _until(condition, timeout: float, describe=lambda: "timed out") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, describe()
        await asyncio.sleep(0.05)
