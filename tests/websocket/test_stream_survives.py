"""One bad frame never ends the real-time stream: the clients against the simulator on a
real socket, with frames KIS could garble put on the wire next to good ones.

The simulator has no control-plane call that sends a raw frame, so these tests put the
frames in the sessions' outboxes (``RealtimeHub.sessions[...].outbox``, what the
simulator's own answers and notices go through) and wake the sessions; binary frames,
which the simulator never sends, come from a bare KIS WebSocket written here with the
``websockets`` library. After each bad frame a good one must reach the same watcher, over
the same connection, with every subscription still in place; and watchers end only as
documented: closed by their owner they stop, left by the stream they raise."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.server import ServerConnection, serve

from clients import FAST_RETRY, NO_LIMIT
from pykis import KIS, AsyncKIS
from pykis import exceptions as ex
from pykis.sim import Env
from pykis.sim.serve.server import SimServer
from pykis.utils.ratelimit import MemoryStore
from pykis.websocket.client import StreamSettings
from pykis.websocket.fields import FIELDS
from support import make_sim

QUICK = StreamSettings(backoff_base=0.05, backoff_cap=0.2, recovery_grace=0.2,
                       answer_timeout=5.0, session_retries=2)
CAPTURES = Path(__file__).parent.parent / "fixtures" / "captures" / "ws"


def capture(name: str) -> list[str]:
    text = (CAPTURES / name).read_text(encoding="utf-8").strip()
    return text.split("|", 3)[3].split("^")


TRADE = capture("H0STCNT0.066570.20241014.true-project.txt")
BOOK = capture("H0STASP0.066570.true-project.txt")


# --- frames ----------------------------------------------------------------------------------
def values(base: list[str], tr_id: str, **changes: str) -> list[str]:
    row = list(base)
    for name, value in changes.items():
        row[FIELDS[tr_id].index(name)] = value
    return row


def trade(price: int | str = 12345, symbol: str = "005930", **changes: str) -> str:
    row = values(TRADE, "H0STCNT0", **{"MKSC_SHRN_ISCD": symbol, "STCK_PRPR": str(price),
                                        "CNTG_VOL": "7", **changes})
    return "0|H0STCNT0|001|" + "^".join(row)


def book(ask: int | str = 12400, symbol: str = "005930", **changes: str) -> str:
    row = values(BOOK, "H0STASP0", MKSC_SHRN_ISCD=symbol, ASKP1=str(ask), **changes)
    return "0|H0STASP0|001|" + "^".join(row)


def notice_row(creds: Any, **changes: str) -> str:
    row = dict.fromkeys(FIELDS["H0STCNI0"], "")
    row.update({
        "CUST_ID": creds.hts_id, "ACNT_NO": creds.account_no, "ODER_NO": "0000999999",
        "SELN_BYOV_CLS": "02", "RCTF_CLS": "0", "ODER_KIND": "00", "ODER_COND": "0",
        "STCK_SHRN_ISCD": "005930", "CNTG_QTY": "10", "CNTG_UNPR": "70000",
        "STCK_CNTG_HOUR": "103005", "RFUS_YN": "0", "CNTG_YN": "2", "ACPT_YN": "2",
        "BRNC_NO": "06010", "ODER_QTY": "10", "ACNT_NAME": "SIM", "ODER_PRC": "70000",
    })
    row.update(changes)
    return "^".join(row.values())


def encrypt(text: str, key: str, iv: str) -> str:
    padder = padding.PKCS7(128).padder()
    data = padder.update(text.encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key.encode()), modes.CBC(iv.encode())).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()


NESTED = '{"header":' + "[" * 100_000  # deeper than any JSON parser goes

# Every one of them used to end the stream or the watcher (or both).
BAD_MARKET_FRAMES = [
    trade(price="abc"),  # a non-numeric price
    trade(CNTG_VOL="²"),  # a digit to str.isdigit, not to int()
    trade(PRDY_CTRT="n/a"),  # read by tickers only
    trade(price=55555, BSOP_DATE="20261399"),  # no such day: timed today, delivered
    book(ask="99,100"),
    NESTED,
    '{"header": {"tr_id": "H0STCNT0"',  # cut short
    "0|H0STCNT0|001|" + "^".join(TRADE[:45]),  # a record cut short
    "0|H0STCNT0|002|" + "^".join(TRADE),  # fewer values than the count says
    "0|H0STCNT9|001|" + "^".join(TRADE),  # a TR nobody asked for
    "1|H0STCNT0|001|not base64!",
    "not a KIS frame",
]


# --- the simulator, and a way to put frames on its sockets ------------------------------------
@pytest.fixture
def server() -> Iterator[SimServer]:
    with SimServer(make_sim()) as running:
        yield running


def client(server: SimServer, tmp_path: Path, kind: str = "async", **options: Any) -> Any:
    creds = server.sim.credentials(Env.REAL)
    cls = AsyncKIS if kind == "async" else KIS
    arguments = {"base_url": server.base_url, "token_path": tmp_path / f"tokens-{kind}.json",
                 "rate": NO_LIMIT, "rate_store": MemoryStore(),
                 "clock": server.sim.clock.timestamp, "retry": FAST_RETRY,
                 "hts_id": creds.hts_id, "stream_settings": QUICK, **options}
    return cls(creds.app_key, creds.app_secret, creds.account_no, **arguments)


def inject(server: SimServer, *frames: str) -> None:
    """Send ``frames``, in order, on every open real-time session of the simulator."""
    hub = server.sim.realtime
    with server.sim.lock:
        for session in hub.sessions.values():
            session.outbox.extend(frames)
    hub.wake()


def registrations(server: SimServer) -> list[tuple[str, str]]:
    with server.sim.lock:
        return sorted(key for s in server.sim.realtime.sessions.values()
                      for key in s.registrations)


def notice_cipher(server: SimServer) -> tuple[str, str]:
    with server.sim.lock:
        [session] = server.sim.realtime.sessions.values()
        return session.ciphers["H0STCNI0"]


async def next_of(watch: Any, timeout: float = 5.0) -> Any:
    return await asyncio.wait_for(watch.__anext__(), timeout)


async def until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "pykis.websocket" and r.levelno == logging.WARNING]


# --- async watchers ---------------------------------------------------------------------------
def test_bad_market_frames_are_skipped_and_watchers_go_on(
        server: SimServer, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "pykis.websocket")

    async def main() -> None:
        async with client(server, tmp_path) as kis:
            trades, levels = kis.watch_trades("005930"), kis.watch_order_book("005930")
            await asyncio.wait_for(asyncio.gather(trades._start(), levels._start()), 5)
            stream = kis.realtime.stream
            await until(lambda: len(registrations(server)) == 2)
            inject(server, *BAD_MARKET_FRAMES, trade(price=12345), book(ask=12400))
            undated = await next_of(trades)  # the one bad only in its day
            assert undated.price == 55555
            assert undated.datetime.date() == server.sim.clock.now().date()
            good = await next_of(trades)
            assert (good.symbol, good.price, good.amount) == ("005930", 12345, 7)
            assert (await next_of(levels)).asks[0][0] == 12400
            for round_ in range(3):  # and again: nothing was left broken
                inject(server, *BAD_MARKET_FRAMES[:3], NESTED, trade(price=20000 + round_))
                assert (await next_of(trades)).price == 20000 + round_
            assert stream.stats.connects == 1 and stream.connected
            assert sorted(stream.subscriptions) == [("H0STASP0", "005930"),
                                                    ("H0STCNT0", "005930")]
            assert registrations(server) == sorted(stream.subscriptions)
            assert stream.stats.protocol_errors == len(BAD_MARKET_FRAMES) - 1 + 3 * 4

    asyncio.run(main())
    logged = warnings_of(caplog)
    assert len(logged) == len(BAD_MARKET_FRAMES) - 1 + 3 * 4
    assert any("STCK_PRPR" in m and "'abc'" in m for m in logged)
    assert any("unreadable control frame" in m for m in logged)


def test_a_bad_execution_notice_is_skipped_and_notices_go_on(
        server: SimServer, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "pykis.websocket")
    creds = server.sim.credentials(Env.REAL)
    secrets: list[str] = [creds.account_no, "'ten'", "7만"]

    async def main() -> None:
        async with client(server, tmp_path) as kis:
            orders, fills = kis.watch_orders(), kis.watch_my_trades()
            trades = kis.watch_trades("005930")
            await asyncio.wait_for(asyncio.gather(orders._start(), fills._start(),
                                                  trades._start()), 5)
            stream = kis.realtime.stream
            await until(lambda: stream.stats.recoveries == 1)  # notices live from here
            key, iv = notice_cipher(server)
            secrets.extend((key, iv))
            bad = [
                "1|H0STCNI0|001|" + encrypt(notice_row(creds, CNTG_QTY="ten"), key, iv),
                "1|H0STCNI0|001|" + encrypt(notice_row(creds, CNTG_UNPR="7만"), key, iv),
                "1|H0STCNI0|001|" + encrypt(notice_row(creds, ODER_NO="none"), key, iv),
                "0|H0STCNI0|001|" + notice_row(creds, ODER_QTY="x"),  # not encrypted
                "1|H0STCNI0|001|" + encrypt(notice_row(creds), "z" * 32, iv),  # another key
                "1|H0STCNI0|001|" + encrypt(notice_row(creds), key, iv)[:-7],  # cut short
                "1|H0STCNI0|001|" + encrypt(notice_row(creds)[:40], key, iv),  # too few fields
                "1|H0STCNI0|001|not base64 at all!",
            ]
            inject(server, *bad)
            await until(lambda: stream.stats.protocol_errors == len(bad))
            price = (await kis.fetch_ticker("005930")).last
            placed = await kis.create_limit_order("005930", "buy", 3, price + 500)  # fills
            fill = await next_of(fills)
            assert (fill.order_id, fill.amount) == (placed.id, 3)
            accepted = await next_of(orders)
            assert (accepted.id, accepted.status) == (placed.id, "open")
            inject(server, trade(price=54321))
            assert (await next_of(trades)).price == 54321
            assert stream.stats.connects == 1 and len(stream.subscriptions) == 2

    asyncio.run(main())
    logged = "\n".join(warnings_of(caplog))
    assert logged.count("H0STCNI0") >= 8
    for secret in secrets:
        assert secret not in logged


def test_a_watcher_left_by_a_closed_client_raises(server: SimServer, tmp_path: Path) -> None:
    async def main() -> None:
        kis = client(server, tmp_path)
        trades = kis.watch_trades("005930")
        await trades._start()
        waiting = asyncio.ensure_future(trades.__anext__())
        await asyncio.sleep(0)  # it waits for an item now
        await kis.aclose()
        with pytest.raises(ex.StreamError, match="closed"):
            await asyncio.wait_for(waiting, 5)
        with pytest.raises(StopAsyncIteration):  # and then it is over
            await next_of(trades)

    asyncio.run(main())


def test_a_watcher_closed_by_its_owner_stops_even_while_awaited(
        server: SimServer, tmp_path: Path) -> None:
    async def main() -> None:
        async with client(server, tmp_path) as kis:
            trades, others = kis.watch_trades("005930"), kis.watch_trades("005930")
            await asyncio.wait_for(asyncio.gather(trades._start(), others._start()), 5)
            waiting = asyncio.ensure_future(trades.__anext__())
            await asyncio.sleep(0)
            await trades.aclose()  # from another task than the one waiting
            with pytest.raises(StopAsyncIteration):
                await asyncio.wait_for(waiting, 5)
            inject(server, trade(price=777))
            assert (await next_of(others)).price == 777  # the stream is not affected

    asyncio.run(main())


# --- a bare KIS WebSocket: binary frames, and a session KIS will not give back ----------------
# The bare server's own frame log would hold the client's approval key: kept to itself.
BARE_LOG = logging.getLogger("tests.bare_kis")
BARE_LOG.propagate = False


class BareKis:
    """Enough of KIS's WebSocket for one client: every subscription is answered as KIS
    answers it (with a key and iv), or refused with OPSP8996 once ``busy`` is set; the
    test sends what it likes with ``send``."""

    def __init__(self) -> None:
        self.connections: list[ServerConnection] = []
        self.subscribed = asyncio.Event()
        self.busy = False

    async def handle(self, ws: ServerConnection) -> None:
        self.connections.append(ws)
        async for message in ws:
            request = json.loads(message)
            if request["header"].get("tr_id") == "PINGPONG":
                continue
            entry = request["body"]["input"]
            rt_cd, msg_cd, msg1 = ("9", "OPSP8996", "ALREADY IN USE appkey") if self.busy \
                else ("0", "OPSP0000", "SUBSCRIBE SUCCESS")
            await ws.send(json.dumps({
                "header": {"tr_id": entry["tr_id"], "tr_key": entry["tr_key"], "encrypt": "N"},
                "body": {"rt_cd": rt_cd, "msg_cd": msg_cd, "msg1": msg1,
                         "output": {"iv": "i" * 16, "key": "k" * 32}}}))
            if not self.busy:
                self.subscribed.set()

    async def send(self, *frames: str | bytes) -> None:
        for frame in frames:
            await self.connections[-1].send(frame)


def test_binary_frames_that_are_not_utf8_are_skipped(server: SimServer, tmp_path: Path) -> None:
    async def main() -> None:
        bare = BareKis()
        async with serve(bare.handle, "127.0.0.1", 0, logger=BARE_LOG) as ws_server:
            port = ws_server.sockets[0].getsockname()[1]
            async with client(server, tmp_path, ws_url=f"ws://127.0.0.1:{port}") as kis:
                trades = kis.watch_trades("005930")
                await asyncio.wait_for(trades._start(), 5)
                good = trade(price=34567).encode()
                await bare.send(good.replace(b"34567", b"\xff\xfe"),  # a price, not UTF-8
                                b"\x80\x81\x82", b"\xc3(", trade(price=34568))
                assert (await next_of(trades)).price == 34568
                await bare.send(good)  # a binary frame of UTF-8 text reads as text
                assert (await next_of(trades)).price == 34567
                stream = kis.realtime.stream
                assert stream.stats.connects == 1 and stream.stats.protocol_errors == 3

    asyncio.run(main())


def test_a_stream_that_gives_up_makes_watchers_raise(server: SimServer, tmp_path: Path) -> None:
    """The connection is lost and KIS no longer gives the app key's session back: once
    the retries are spent, a watcher raises why instead of ending like a closed one."""
    async def main() -> None:
        bare = BareKis()
        async with serve(bare.handle, "127.0.0.1", 0, logger=BARE_LOG) as ws_server:
            port = ws_server.sockets[0].getsockname()[1]
            async with client(server, tmp_path, ws_url=f"ws://127.0.0.1:{port}") as kis:
                trades = kis.watch_trades("005930")
                await asyncio.wait_for(trades._start(), 5)
                waiting = asyncio.ensure_future(next_of(trades, 10))
                bare.busy = True
                await bare.connections[-1].close()
                with pytest.raises(ex.SubscriptionError) as error:
                    await waiting
                assert error.value.msg_cd == "OPSP8996"

    asyncio.run(main())


# --- the sync client --------------------------------------------------------------------------
def test_sync_callbacks_and_iterators_outlive_bad_frames(
        server: SimServer, tmp_path: Path) -> None:
    with client(server, tmp_path, kind="sync") as kis:
        received: list[Any] = []
        arrived = threading.Event()

        def on_trade(trade: Any) -> None:  # the monitor's path
            received.append(trade)
            if len(received) == 2:
                arrived.set()

        subscription = kis.on_trades("005930", on_trade)
        trades = kis.watch_trades("005930")
        inject(server, *BAD_MARKET_FRAMES[:3], trade(price=11111), *BAD_MARKET_FRAMES[4:],
               trade(price=22222))
        assert arrived.wait(5), received
        assert [t.price for t in received] == [11111, 22222]
        assert subscription.running and subscription.exception() is None
        assert [trades.next(timeout=5).price for _ in range(2)] == [11111, 22222]
        assert kis.realtime.stream.stats.connects == 1
        subscription.close()
        trades.close()


def test_sync_callbacks_go_on_after_one_raises(
        server: SimServer, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with client(server, tmp_path, kind="sync") as kis:
        received: list[int] = []
        arrived = threading.Event()

        def on_trade(trade: Any) -> None:
            if trade.price == 1000:
                raise RuntimeError("a bug in the caller's code")
            received.append(trade.price)
            arrived.set()

        subscription = kis.on_trades("005930", on_trade)
        inject(server, trade(price=1000), trade(price=1001))
        assert arrived.wait(5)
        assert received == [1001] and subscription.running
        assert "a real-time callback failed" in caplog.text
        subscription.close()


def test_sync_callbacks_stopped_by_the_stream_say_why(server: SimServer, tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    with client(server, tmp_path, kind="sync") as kis:
        subscription = kis.on_trades("005930", lambda trade: None)
        kis.realtime._call(kis.realtime.stream.aclose())  # the stream ends under it
        deadline = time.monotonic() + 5
        while subscription.running:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert isinstance(subscription.exception(), ex.StreamError)
        assert "real-time callbacks" in caplog.text and "stopped" in caplog.text


# --- any frame at all, end to end -------------------------------------------------------------
FRAME = st.one_of(
    st.text(max_size=300),
    st.lists(st.text(alphabet="0123456789-.²xN ", max_size=6), min_size=40, max_size=50)
    .map(lambda row: "0|H0STCNT0|001|005930^" + "^".join(row)),
    st.lists(st.text(alphabet="0123456789-.²xN ", max_size=6), min_size=55, max_size=65)
    .map(lambda row: "0|H0STASP0|001|005930^" + "^".join(row)),
    st.integers(1, 5000).map(lambda depth: '{"header":' + "[" * depth),
    st.text(max_size=80).map(lambda text: "1|H0STCNI0|001|" + text),
    st.text(max_size=80).map(lambda text: "0|H0STCNI0|001|" + text),
)


def test_any_frame_is_read_or_skipped_and_the_stream_goes_on(
        server: SimServer, tmp_path: Path) -> None:
    with client(server, tmp_path, kind="sync") as kis:
        trades = kis.watch_trades("005930")
        kis.realtime._call(trades.watch._start(), 5)  # KIS confirmed it: frames flow
        markers = itertools.count(900_001)
        frames: list[str] = []

        @settings(max_examples=60, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow])
        @given(frame=FRAME)
        def survives(frame: str) -> None:
            marker = next(markers)
            frames.append(frame)
            inject(server, frame, trade(price=marker))
            while True:  # a frame that was a good trade comes first
                seen = trades.next(timeout=5)
                if (seen.price, seen.amount) == (marker, 7):
                    return

        survives()
        assert len(frames) >= 50
        stream = kis.realtime.stream
        assert stream.stats.connects == 1 and stream.stats.protocol_errors >= 25
        assert registrations(server) == [("H0STCNT0", "005930")]
