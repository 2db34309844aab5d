"""Real-time data through the clients, against the simulator on a real socket: trades,
books and tickers; the account's orders and fills from encrypted notices; unsubscribe;
the subscription cap; one session per app key; heartbeats; reconnects that restore every
subscription with the approval key issued once; notices missed while disconnected,
recovered once; and the sync facade (iterators and callbacks)."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from clients import FAST_RETRY, NO_LIMIT
from pykis import KIS, AsyncKIS
from pykis import exceptions as ex
from pykis.sim import AccountSpec, Env
from pykis.sim.serve.server import SimServer
from pykis.utils.ratelimit import MemoryStore
from pykis.websocket.client import AsyncStream, StreamSettings
from pykis.websocket.watch import Realtime
from support import make_sim

QUICK = StreamSettings(backoff_base=0.05, backoff_cap=0.2, recovery_grace=0.2,
                       answer_timeout=5.0, session_retries=2)


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[SimServer]:
    cash = getattr(request, "param", {}).get("cash")
    accounts = [AccountSpec(Env.REAL, cash=cash), AccountSpec(Env.PAPER)]
    with SimServer(make_sim(accounts=accounts)) as running:
        yield running


def client(server: SimServer, tmp_path: Path, kind: str = "async", env: Env = Env.REAL,
           settings: StreamSettings = QUICK, **options: Any) -> Any:
    creds = server.sim.credentials(env)
    cls = AsyncKIS if kind == "async" else KIS
    arguments = {"is_paper": env is Env.PAPER, "base_url": server.base_url,
                 "token_path": tmp_path / f"tokens-{kind}.json", "rate": NO_LIMIT,
                 "rate_store": MemoryStore(), "clock": server.sim.clock.timestamp,
                 "retry": FAST_RETRY, "hts_id": creds.hts_id, "stream_settings": settings,
                 **options}
    return cls(creds.app_key, creds.app_secret, creds.account_no, **arguments)


def control(server: SimServer, path: str, body: dict[str, Any] | None = None) -> Any:
    answer = httpx.post(server.base_url + "/_sim/" + path, json=body or {})
    assert answer.status_code == 200, answer.text
    return answer.json()


def sessions(server: SimServer) -> list[dict[str, Any]]:
    return httpx.get(server.base_url + "/_sim/ws").json()["sessions"]


async def next_of(watch: Any, timeout: float = 5.0) -> Any:
    return await asyncio.wait_for(watch.__anext__(), timeout)


async def until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


# --- market data -----------------------------------------------------------------------------
def test_trades_books_and_tickers(server: SimServer, tmp_path: Path) -> None:
    async def main() -> None:
        async with client(server, tmp_path) as kis:
            trades, book = kis.watch_trades("005930"), kis.watch_order_book("005930")
            ticker = kis.watch_ticker("005930")
            first = await next_of(ticker)  # the REST snapshot, at once
            rest = await kis.fetch_ticker("005930")
            assert (first.last, first.volume, first.upper_limit) == (rest.last, rest.volume,
                                                                   rest.upper_limit)
            pending = asyncio.ensure_future(next_of(trades))
            await until(lambda: sessions(server) and len(sessions(server)[0]["registrations"])
                        == 2)
            control(server, "clock", {"advance": 60})
            trade = await pending
            assert trade.symbol == "005930" and trade.amount > 0
            assert trade.cost == trade.price * trade.amount and trade.side in ("buy", "sell")
            assert trade.datetime.date() == server.sim.clock.now().date()
            latest = trade
            while True:  # drain what the minute brought
                try:
                    latest = await next_of(trades, 0.3)
                except TimeoutError:
                    break
            now = await kis.fetch_ticker("005930")
            assert latest.price == now.last
            assert latest.info["ACML_VOL"] == str(now.volume)
            updated = await next_of(ticker)
            assert (updated.last, updated.volume) == (now.last, now.volume)
            assert updated.previous_close == first.previous_close
            levels = await next_of(book)
            rest_book = await kis.fetch_order_book("005930")
            assert (levels.asks, levels.bids) == (rest_book.asks, rest_book.bids)
            for watch in (trades, book, ticker):
                await watch.aclose()
            await until(lambda: sessions(server)[0]["registrations"] == [])

    asyncio.run(main())


def test_extra_fields_from_kis_are_kept(server: SimServer, tmp_path: Path) -> None:
    async def main() -> None:
        async with client(server, tmp_path) as kis:
            async with kis.watch_trades("000660") as trades:
                pending = asyncio.ensure_future(next_of(trades))
                # Registered, not just connected: the clock moved before the subscription
                # arrived would make its trades before anyone watched them.
                await until(lambda: any(["H0STCNT0", "000660"] in s["registrations"]
                                        for s in sessions(server)))
                control(server, "ws/faults", {"extra_fields": 3})
                control(server, "clock", {"advance": 30})
                trade = await pending
                assert trade.info["extra"] == ["0", "1", "2"] and trade.price > 0

    asyncio.run(main())


def test_bad_symbols_and_missing_hts_id_fail_before_anything_is_sent(
        server: SimServer, tmp_path: Path) -> None:
    async def main() -> None:
        async with client(server, tmp_path, hts_id=None) as kis:
            with pytest.raises(ex.InvalidInputError) as bad:
                kis.watch_trades("5930")
            assert bad.value.argument == "symbol"
            with pytest.raises(ex.InvalidInputError) as missing:
                kis.watch_my_trades()
            assert missing.value.argument == "hts_id"
            assert sessions(server) == []  # nothing connected

    asyncio.run(main())


# --- the account's notices ------------------------------------------------------------------------
def test_orders_and_fills_from_encrypted_notices(server: SimServer, tmp_path: Path) -> None:
    async def main() -> None:
        async with client(server, tmp_path) as kis:
            orders, fills = kis.watch_orders(), kis.watch_my_trades()
            await asyncio.wait_for(asyncio.gather(orders._start(), fills._start()), 5)
            await until(lambda: kis.realtime.stream.stats.recoveries == 1)  # live from here
            price = (await kis.fetch_ticker("005930")).last
            resting = await kis.create_limit_order("005930", "buy", 3, price - 1000)
            seen = await next_of(orders)
            assert (seen.id, seen.status, seen.amount) == (resting.id, "open", 3)
            taken = await kis.create_limit_order("005930", "buy", 10, price + 500)
            fill = await next_of(fills)
            assert fill.order_id == taken.id and fill.side == "buy"
            assert fill.amount == 10 and fill.cost == fill.price * 10
            assert fill.id == f"{taken.id}-1"
            accepted, done = await next_of(orders), await next_of(orders)
            assert (accepted.id, accepted.status, accepted.filled) == (taken.id, "open", 0)
            assert (done.id, done.status, done.filled, done.remaining) == (taken.id, "closed",
                                                                         10, 0)
            booked = await kis.fetch_order(taken.id)
            assert (booked.filled, booked.average) == (10, fill.price)
            await kis.cancel_order(resting)
            canceled = await next_of(orders)
            assert (canceled.id, canceled.status, canceled.remaining) == (resting.id,
                                                                           "canceled", 0)
            with pytest.raises(TimeoutError):
                await next_of(fills, 0.5)  # nothing more was filled

    asyncio.run(main())


def test_fills_while_disconnected_are_recovered_once(server: SimServer, tmp_path: Path) -> None:
    slow = StreamSettings(backoff_base=1.0, backoff_cap=1.0, recovery_grace=0.2)

    async def main() -> None:
        async with client(server, tmp_path, settings=slow) as kis:
            fills = kis.watch_my_trades()
            await asyncio.wait_for(fills._start(), 5)
            await until(lambda: kis.realtime.stream.stats.recoveries == 1)
            price = (await kis.fetch_ticker("005930")).last
            control(server, "ws/drop")
            await until(lambda: not kis.realtime.stream.connected)
            order = await kis.create_limit_order("005930", "buy", 4, price + 500)  # fills now
            fill = await next_of(fills, 10)  # after the reconnect, from today's orders
            assert (fill.order_id, fill.amount) == (order.id, 4)
            assert fill.info["source"] == "snapshot"
            with pytest.raises(TimeoutError):
                await next_of(fills, 1.0)  # and only once
            assert server.sim.auth.stats[kis._ctx.app_key].approvals == 1

    asyncio.run(main())


@pytest.mark.parametrize("server", [{"cash": 10_000_000_000}], indirect=True)
def test_a_fill_racing_the_recovery_counts_once(server: SimServer, tmp_path: Path) -> None:
    """A partly filled order fills a little more just as the stream, back from a drop,
    asks KIS for today's orders: that fill is in the answer *and* in a notice. It is
    delivered once (the stream's REST calls are the client's own, with a hook that makes
    the fill happen right before the request goes out)."""
    armed = asyncio.Event()

    async def main() -> None:
        async with client(server, tmp_path) as kis:
            async def rest(flow: Any) -> Any:
                if armed.is_set() and getattr(flow, "__name__", "") == "fetch_orders":
                    armed.clear()
                    await _fill_more(server, stream)
                return await kis._run(flow)

            stream = AsyncStream(kis._ctx, rest, hts_id=kis.hts_id,
                                 settings=kis._stream_settings)
            realtime = Realtime(stream, rest)
            fills = realtime.watch_my_trades()
            delivered: list[Any] = []
            reader = asyncio.ensure_future(_drain(fills, delivered))
            await until(lambda: stream.stats.recoveries == 1)
            last = (await kis.fetch_ticker("005930")).last
            order = await kis.create_limit_order("005930", "buy", 100_000, last + 300)
            booked = await kis.fetch_order(order.id)
            assert 0 < booked.filled < 100_000  # a remainder rests at the limit
            await until(lambda: sum(t.amount for t in delivered) == booked.filled)
            armed.set()
            control(server, "ws/drop")
            await until(lambda: stream.stats.recoveries == 2 and not armed.is_set())
            await asyncio.sleep(1.0)
            final = await kis.fetch_order(order.id)
            assert booked.filled < final.filled < 100_000  # the race happened, in part
            assert sum(t.amount for t in delivered) == final.filled
            assert sum(t.cost for t in delivered) == final.cost
            reader.cancel()
            await stream.aclose()

    asyncio.run(main())


async def _fill_more(server: SimServer, stream: AsyncStream) -> None:
    """Trade at the resting order's limit and wait for the fill's notice to arrive."""
    held = len(stream._buffer or [])
    quote = httpx.get(server.base_url + "/_sim/market/005930").json()
    limit_price = [o for o in httpx.get(server.base_url + "/_sim/ledger").json()["orders"]
                   if o["remaining"] > 0][-1]["price"]
    control(server, "market/005930/price", {"price": min(limit_price, quote["upper_limit"])})
    await until(lambda: len(stream._buffer or []) > held)


async def _drain(watch: Any, into: list[Any]) -> None:
    async for item in watch:
        into.append(item)


# --- subscriptions ------------------------------------------------------------------------------
def test_the_cap_is_enforced_before_kis_refuses(server: SimServer, tmp_path: Path) -> None:
    codes = list(server.sim.market.universe)[:41]

    async def main() -> None:
        async with client(server, tmp_path) as kis:
            watches = [kis.watch_trades(code) for code in codes[:39]]
            watches.append(kis.watch_my_trades())  # notices count too: 40
            with pytest.raises(ex.SubscriptionLimitError) as refused:
                kis.watch_trades(codes[40])
            assert refused.value.limit == 40 and "40" in str(refused.value)
            again = kis.watch_trades(codes[0])  # a symbol already watched costs nothing
            await asyncio.wait_for(asyncio.gather(*(w._start() for w in watches)), 10)
            await until(lambda: len(sessions(server)[0]["registrations"]) == 40)
            await watches[1].aclose()
            await until(lambda: len(sessions(server)[0]["registrations"]) == 39)
            await kis.watch_trades(codes[40])._start()  # room again
            await again.aclose()
            assert ("H0STCNT0", codes[0]) in kis.realtime.stream.subscriptions

    asyncio.run(main())


def test_settings_cannot_exceed_kis_limit() -> None:
    with pytest.raises(ex.InvalidInputError) as error:
        StreamSettings(max_subscriptions=42)
    assert error.value.argument == "max_subscriptions"


def test_one_session_per_app_key(server: SimServer, tmp_path: Path) -> None:
    async def main() -> None:
        async with client(server, tmp_path) as first, \
                client(server, tmp_path, token_path=tmp_path / "other.json") as second:
            held = first.watch_trades("005930")
            await held._start()
            refused = second.watch_trades("000660")
            with pytest.raises(ex.SubscriptionError) as error:
                await next_of(refused, 10)
            assert error.value.msg_cd == "OPSP8996"
            assert "one per app key" in str(error.value)
            assert [r for s in sessions(server) for r in s["registrations"]] == [
                ["H0STCNT0", "005930"]]

    asyncio.run(main())


# --- staying connected --------------------------------------------------------------------------
def test_heartbeats_are_answered(tmp_path: Path) -> None:
    with SimServer(make_sim(ws_heartbeat=0.1)) as server:
        async def main() -> None:
            async with client(server, tmp_path) as kis:
                await kis.watch_trades("005930")._start()
                await until(lambda: sessions(server)[0]["heartbeats_answered"] >= 3)

        asyncio.run(main())


def test_reconnects_restore_everything_with_one_approval_key(
        server: SimServer, tmp_path: Path) -> None:
    async def main() -> None:
        async with client(server, tmp_path) as kis:
            trades, fills = kis.watch_trades("005930"), kis.watch_my_trades()
            await asyncio.wait_for(asyncio.gather(trades._start(), fills._start()), 5)
            expected = sorted(map(list, kis.realtime.stream.subscriptions))
            for round_ in range(3):
                control(server, "ws/drop")
                await until(lambda: kis.realtime.stream.stats.connects == round_ + 2)
                await until(lambda: kis.realtime.stream.connected)
                [session] = sessions(server)
                assert sorted(session["registrations"]) == expected
            pending = asyncio.ensure_future(next_of(trades))
            control(server, "clock", {"advance": 30})
            assert (await pending).symbol == "005930"
            assert server.sim.auth.stats[kis._ctx.app_key].approvals == 1

    asyncio.run(main())


def test_a_silent_connection_is_replaced(server: SimServer, tmp_path: Path) -> None:
    settings = StreamSettings(idle_timeout=0.5, backoff_base=0.05, backoff_cap=0.1,
                              answer_timeout=5.0)

    async def main() -> None:
        async with client(server, tmp_path, settings=settings) as kis:
            trades = kis.watch_trades("005930")
            await trades._start()
            control(server, "ws/faults", {"stall": 1.5})
            await until(lambda: kis.realtime.stream.stats.connects >= 2, timeout=5)
            await until(lambda: kis.realtime.stream.connected, timeout=5)
            # the new connection has registered the subscription again
            await until(lambda: any(["H0STCNT0", "005930"] in s["registrations"]
                                    for s in sessions(server)), timeout=5)
            pending = asyncio.ensure_future(next_of(trades))
            control(server, "clock", {"advance": 30})
            assert (await pending).symbol == "005930"

    asyncio.run(main())


def test_the_approval_key_stays_out_of_logs(server: SimServer, tmp_path: Path,
                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    async def main() -> str:
        async with client(server, tmp_path) as kis:
            await kis.watch_trades("005930")._start()
            key = kis._ctx.auth._approval.value
            assert key not in repr(kis) and key not in repr(kis.realtime.stream.settings)
            return key

    key = asyncio.run(main())
    assert "> TEXT [" in caplog.text  # the frames were logged: their kind and size only
    assert key not in caplog.text and "approval_key" not in caplog.text


# --- the sync client ---------------------------------------------------------------------------
def test_sync_iterators_and_callbacks(server: SimServer, tmp_path: Path) -> None:
    with client(server, tmp_path, kind="sync") as kis:
        trades = kis.watch_trades("005930")
        received: list[Any] = []
        arrived = threading.Event()

        def on_fill(trade: Any) -> None:
            received.append(trade)
            arrived.set()

        subscription = kis.on_my_trades(on_fill)
        assert subscription.running
        books: list[Any] = []
        kis.on_order_book("005930", books.append)
        control(server, "clock", {"advance": 30})
        trade = trades.next(timeout=5)
        assert trade.symbol == "005930"
        order = kis.create_limit_order("005930", "buy", 2, trade.price + 500)
        assert arrived.wait(5)
        assert received[0].order_id == order.id and received[0].amount == 2
        deadline = time.monotonic() + 5
        while not books:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert books[-1].symbol == "005930" and books[-1].asks
        with pytest.raises(TimeoutError):
            kis.watch_trades("000660").next(timeout=0.3)  # nothing yet: the clock is frozen
        subscription.close()
        trades.close()
    assert not kis.realtime._thread.is_alive()  # closing the client stopped the stream


@pytest.mark.parametrize("slow", ["answer", "snapshot"])
def test_a_wait_that_times_out_leaves_the_start_to_the_next(
        server: SimServer, tmp_path: Path, slow: str) -> None:
    """``next(timeout=...)`` gives up while the watcher starts (``pykis watch`` asks
    once a second): KIS's answer, or the REST snapshot of a ticker, still comes, once,
    to the next call; the wait that gave up cancelled nothing the start needs."""
    with client(server, tmp_path, kind="sync") as kis:
        kis.fetch_ticker("000660")  # the token, taken: only the snapshot is sent below
        if slow == "answer":
            control(server, "ws/faults", {"stall": 2.0})
        else:
            control(server, "faults", {"rules": [{"kind": "delay", "seconds": 2.0, "count": 1,
                                                  "tr_ids": ["FHKST01010100"]}]})
        before = control_stats(server)
        with kis.watch_ticker("005930") as tickers:
            for _ in range(2):
                with pytest.raises(TimeoutError):
                    tickers.next(timeout=0.3)
            assert tickers.next(timeout=10).symbol == "005930"
        assert control_stats(server) - before == 1  # one snapshot, the first one


def control_stats(server: SimServer) -> int:
    """The REST calls the simulator answered, tokens aside."""
    apps = httpx.get(server.base_url + "/_sim/stats").json()["apps"]
    return sum(app["requests"] for app in apps.values())


def test_sync_refusals_raise_in_the_caller(server: SimServer, tmp_path: Path) -> None:
    with client(server, tmp_path, kind="sync") as first, \
            client(server, tmp_path, kind="sync", token_path=tmp_path / "b.json") as second:
        with first.watch_trades("005930") as held:
            held.watch  # registered
            first.on_trades("005930", lambda trade: None)
            with pytest.raises(ex.SubscriptionError):
                second.on_trades("000660", lambda trade: None)
            with pytest.raises(ex.SubscriptionLimitError):
                first.watch_trades_for_symbols(list(server.sim.market.universe)[:41])
