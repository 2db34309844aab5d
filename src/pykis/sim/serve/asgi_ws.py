"""The KIS WebSocket endpoint (``/tryitout``, ``/tryitout/<TR>``, or any path) over ASGI.

One task per connection moves texts between the socket and the simulator's
``RealtimeHub``: client messages in, answers out; new trades, books and notices out as
they become due (it sleeps until the next trade of a subscribed symbol or a wake-up, so
a trade reaches the socket when it happens rather than on a polling tick); a PINGPONG
heartbeat; and the network faults (drop, stall) the control plane sets.

Heartbeats and faults keep the hub's network time (``RealtimeHub.monotonic``), so that a
test running the simulator on a simulated clock, with this endpoint on an event loop of
the same clock (``pykis.utils.clock.VirtualTimeLoop``), sees them in simulated time.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from starlette.types import Receive, Scope, Send

if TYPE_CHECKING:
    from pykis.sim.realtime import WsSession
    from pykis.sim.simulator import Simulator

__all__ = ["serve_websocket"]

MAX_WAIT = 1.0  # look again at least this often (faults, a clock moved by hand)
DROP_CODE = 1011  # what a dropped session is closed with


class _Connection:
    def __init__(self, sim: Simulator, receive: Receive, send: Send) -> None:
        self.sim, self.hub = sim, sim.realtime
        self.receive, self.send = receive, send
        self.wake = asyncio.Event()
        self.closed = False
        loop = asyncio.get_running_loop()
        with sim.lock:
            self.session: WsSession = self.hub.open(
                lambda: loop.call_soon_threadsafe(self.wake.set))

    async def read(self) -> None:
        """Client messages: their answers go to the session's outbox, sent in order."""
        while True:
            message = await self.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            if text is None and message.get("bytes") is not None:
                text = message["bytes"].decode("utf-8", "replace")
            if text is None:
                continue  # (a pong control frame never reaches ASGI: the server takes it)
            with self.sim.lock:
                self.session.outbox += self.hub.receive(self.session, text)
            self.wake.set()
        self.closed = True
        self.wake.set()

    async def write(self) -> None:
        heartbeat = self.sim.config.ws_heartbeat
        next_beat = self.hub.monotonic() + heartbeat
        while not self.closed:
            with self.sim.lock:  # never held across an await: other tasks share the thread
                drop = self.hub.should_drop(self.session)
                stalled = drop or self.hub.stalled()
                frames = [] if stalled else self.hub.pump(self.session)
                due = self.hub.next_due(self.session)
                beat = "" if stalled or self.hub.monotonic() < next_beat else self.hub.heartbeat()
                now = self.sim.clock.timestamp()
                frozen = self.sim.clock.frozen
            if drop:
                await self.send({"type": "websocket.close", "code": DROP_CODE})
                return
            for frame in frames:
                await self.send({"type": "websocket.send", "text": frame})
            if beat:
                await self.send({"type": "websocket.send", "text": beat})
                next_beat = self.hub.monotonic() + heartbeat
            await self._sleep(self._wait(due, now, frozen, next_beat))

    def _wait(self, due: float | None, now: float, frozen: bool, next_beat: float) -> float:
        waits = [MAX_WAIT, max(0.0, next_beat - self.hub.monotonic())]
        if frozen:
            waits.append(self.sim.config.ws_pump_interval)  # the clock moves by hand
        elif due is not None:
            waits.append(max(0.0, due - now))
        every = self.hub.faults.drop_every
        if every is not None:
            waits.append(max(0.0, self.session.opened + every - self.hub.monotonic()))
        return min(waits)

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self.wake.wait(), seconds)
        except asyncio.TimeoutError:
            pass
        self.wake.clear()

    def close(self) -> None:
        with self.sim.lock:
            self.hub.close(self.session)


async def serve_websocket(sim: Simulator, scope: Scope, receive: Receive, send: Send) -> None:
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    # Any path: KIS's older samples connect to the root, newer ones to /tryitout, others
    # to /tryitout/<TR>; one socket carries every TR all the same.
    await send({"type": "websocket.accept"})
    connection = _Connection(sim, receive, send)
    reader = asyncio.create_task(connection.read())
    try:
        await connection.write()
    except OSError:
        pass  # the client went away while we were writing
    finally:
        connection.close()
        reader.cancel()
        try:
            await reader
        except (asyncio.CancelledError, OSError):
            pass
