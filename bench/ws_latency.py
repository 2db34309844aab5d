"""Real-time latency (issue 4): from the moment the simulator's market makes a trade to
the moment a PyKIS user has it, over a real socket, p50 / p99 / max.

    python bench/ws_latency.py [--rounds 5] [--seconds 30] [--symbols 40]

What is measured, and why this way:

* **Start: the trade's own time.** The simulator (``SimConfig(always_open=True)``, on the
  running wall clock) makes trades at the times of each symbol's intraday path; its
  WebSocket writer sleeps until the next trade of a subscribed symbol is due, then sends
  it (``pykis.sim.serve.asgi_ws``). A trade's path time is therefore the moment it is
  "emitted" by the market, and everything after it is latency: the writer's wake-up, its
  work (``RealtimeHub.pump``/``next_due``), the socket, and the client. No control-plane
  request sits in the path (moving a price by HTTP would add the request and the
  simulator's re-walk of the day to every sample), and nothing in ``src`` is wrapped.
* **End: the user's code.** The first statement of the ``async for`` body
  (``AsyncKIS.watch_trades(symbol)``, one iterator per symbol) or of the callback
  (``KIS.on_trades(symbol, callback)``, which runs on the client's callback thread).
* **One clock, no skew.** The simulator runs in a spawned process on this machine; its
  clock is ``time.time()`` plus an offset it reports itself (0 here: ``always_open``
  keeps the wall clock), and every receive time is ``time.time()`` in the client's
  process. Each received trade is found again in the simulator by symbol, date and
  cumulative volume (``ACML_VOL``, strictly increasing along a day's path), which gives
  its trade time to the millisecond (the frame itself carries only HHMMSS).
* **Baseline.** A bare ``websockets`` client (the library PyKIS's stream uses) on the
  same loop type, subscribing the same symbols and stamping each frame as ``recv()``
  returns it: the simulator's and the socket's share. PyKIS's own share is the
  difference.

Load: the ``--symbols`` symbols of the universe (68 listings + 300 synthetic) that trade
most often (a mean gap of 1.5–2 s each, about 23 trades a second in all, as a Poisson
stream each), all subscribed by each contender (40 is PyKIS's per-session cap). The
contenders take turns, one at a time, each in its own spawned process with its own app
key, ``--seconds`` per round after a ``--warmup`` (connect, subscribe) that is not
counted, the order rotating; samples of all rounds are pooled. "received / made"
compares the trades a contender received with those the market made in its window, to
show nothing was lost.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import datetime as dt
import json
import multiprocessing as mp
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _client_common import HOST, machine, median, percentile

Sample = tuple[float, str, str, str]  # received (time.time()), symbol, BSOP_DATE, ACML_VOL
CONTENDERS = {
    "bare": "bare `websockets` client (baseline)",
    "async": "PyKIS `AsyncKIS.watch_trades` (async iterator)",
    "sync": "PyKIS `KIS.on_trades` (sync callback)",
}


# --- the simulator, in a spawned process ----------------------------------------------------
def _serve(options: dict[str, Any], conn: Any) -> None:
    serve(options, conn)


def serve(options: dict[str, Any], conn: Any,
          more: Callable[[Any], dict[str, Callable[[Any], Any]]] | None = None) -> None:
    """Run the simulator and answer ``conn``'s questions about it (``lookup``, ``made``
    and those ``more(sim)`` adds) until ``stop``."""
    from pykis.sim import AccountSpec, Env, SimConfig, SimServer, Simulator

    sim = Simulator(SimConfig(
        always_open=True,  # trades all day and night, on the wall clock
        extra_listings=options["listings"],
        rate_limits={Env.REAL: 0, Env.PAPER: 0},  # REST is not what is measured
        accounts=[AccountSpec(Env.REAL) for _ in range(options["accounts"])],  # a key each
    ))
    universe = sim.market.universe
    symbols = sorted(universe, key=lambda c: (universe[c].tick_interval, c))[:options["symbols"]]
    prime(sim, symbols)
    cost = wake_cost(sim, symbols)
    server = SimServer(sim)
    server.start()
    conn.send({"port": server.port, "symbols": symbols,
               "offset": sim.clock.timestamp() - time.time(),
               "rate": sum(1 / universe[c].tick_interval for c in symbols),
               "wake_cost": cost,
               "credentials": [{"app_key": a.app_key, "app_secret": a.app_secret,
                                "account_no": a.number, "hts_id": a.hts_id}
                               for a in sim.accounts]})
    commands = {"lookup": lambda a: lookup(sim, a), "made": lambda a: made(sim, *a),
                **(more(sim) if more else {})}
    try:
        while True:
            command, argument = conn.recv()
            if command == "stop":
                break
            with sim.lock:
                answer = commands[command](argument)
            conn.send(answer)
    finally:
        server.stop()


class SimProcess:
    """The simulator in a spawned process (``target`` runs :func:`serve`), asked over a
    pipe; ``info`` is what it sent on starting."""

    def __init__(self, target: Callable[[dict[str, Any], Any], None],
                 options: dict[str, Any]) -> None:
        context = mp.get_context("spawn")
        server_end, self._pipe = context.Pipe()
        self.process = context.Process(target=target, args=(options, server_end), daemon=True)
        self.process.start()
        if not self._pipe.poll(180):
            raise SystemExit("the simulator process did not start")
        self.info: dict[str, Any] = self._pipe.recv()
        self.base_url = f"http://{HOST}:{self.info['port']}"

    def ask(self, command: str, argument: Any) -> Any:
        self._pipe.send((command, argument))
        return self._pipe.recv()

    def stop(self) -> None:
        self._pipe.send(("stop", None))
        self.process.join(timeout=15)


def start_workers(target: Callable[..., None], options: dict[str, dict[str, Any]]
                  ) -> dict[str, tuple[Any, Any]]:
    """A spawned process per contender, running ``target(kind, options, conn)``, each
    with its own scratch folder; (process, conn) by kind."""
    context = mp.get_context("spawn")
    workers = {}
    for kind, given in options.items():
        ours, theirs = context.Pipe()
        Path(given["scratch"]).mkdir()
        process = context.Process(target=target, args=(kind, given, theirs), daemon=True)
        process.start()
        workers[kind] = (process, ours)
    return workers


def stop_workers(workers: dict[str, tuple[Any, Any]], timeout: float) -> None:
    for process, conn in workers.values():
        conn.send(None)
        process.join(timeout=timeout)
        if process.is_alive():
            process.terminate()


def prime(sim: Any, symbols: list[str]) -> None:
    """Build each symbol's day (and the previous day, which a trade record reads) before
    serving: a one-off cost of the simulator, not of streaming."""
    from pykis.sim.wire import records

    with sim.lock:
        now = sim.clock.now()
        for code in symbols:
            quote = sim.market.quote(code, now)
            path = sim.market.path(code, quote.day)
            records.trade(sim, quote, path.trade(quote.index))


def wake_cost(sim: Any, symbols: list[str], repeats: int = 50) -> dict[str, float]:
    """The simulator's own work each time a session's writer wakes, measured in-process on
    a session subscribed to ``symbols`` (not connected, closed afterwards): ``pump`` (new
    frames; nothing or one trade new here) and ``next_due`` (when to wake next), which the
    writer computes before it sends the frames. Medians in ms."""
    hub = sim.realtime
    with sim.lock:
        session = hub.open()
        key = sim.auth.approve(sim.accounts[0])
        for code in symbols:
            hub.receive(session, json.dumps({
                "header": {"approval_key": key, "custtype": "P", "tr_type": "1",
                           "content-type": "utf-8"},
                "body": {"input": {"tr_id": "H0STCNT0", "tr_key": code}}}))
    pumps, dues = [], []
    try:
        for _ in range(repeats):
            with sim.lock:
                started = time.perf_counter()
                hub.pump(session)
                pumped = time.perf_counter()
                hub.next_due(session)
                done = time.perf_counter()
            pumps.append((pumped - started) * 1e3)
            dues.append((done - pumped) * 1e3)
            time.sleep(0.002)
    finally:
        with sim.lock:
            hub.close(session)
    return {"pump": median(pumps), "next_due": median(dues)}


def lookup(sim: Any, samples: list[tuple[str, str, str]]) -> list[float | None]:
    """The simulator time of each (symbol, YYYYMMDD, cumulative volume) trade."""
    paths: dict[tuple[str, str], Any] = {}
    times: list[float | None] = []
    for code, day, volume in samples:
        path = paths.get((code, day))
        if path is None:
            path = paths[(code, day)] = sim.market.path(
                code, dt.date(int(day[:4]), int(day[4:6]), int(day[6:])))
        wanted = int(volume)
        index = bisect.bisect_left(range(len(path)), wanted, key=lambda i: path.summary(i)[4])
        found = index < len(path) and path.summary(index)[4] == wanted
        times.append(path.trade(index).ts if found else None)
    return times


def made(sim: Any, symbols: list[str], start: float, end: float) -> int | None:
    """Trades the market made for ``symbols`` with times in [start, end] (simulator time);
    None if the window crosses a market day."""
    from pykis.market import KST

    first, last = (sim.market.market_day(dt.datetime.fromtimestamp(t, KST)) for t in (start, end))
    if first != last:
        return None
    total = 0
    for code in symbols:
        path = sim.market.path(code, first)
        before = int(bisect.bisect_left(range(len(path)), start, key=lambda i: path.trade(i).ts))
        total += path.index_at(end) + 1 - before
    return total


# --- the contenders, each in a spawned process ----------------------------------------------
def _contender(kind: str, options: dict[str, Any], conn: Any) -> None:
    run = {"bare": bare_round, "async": async_round, "sync": sync_round}[kind]
    while True:
        message = conn.recv()
        if message is None:
            return
        seconds, warmup = message
        samples, window = run(options, seconds, warmup)
        conn.send({"samples": samples, "window": window})


def _client_arguments(options: dict[str, Any]) -> tuple[tuple[str, str, str], dict[str, Any]]:
    from pykis.utils.ratelimit import MemoryStore, Rate

    creds = options["credentials"]
    return (creds["app_key"], creds["app_secret"], creds["account_no"]), {
        "base_url": options["base_url"], "hts_id": creds["hts_id"],
        "token_path": Path(options["scratch"]) / "tokens.json",  # never the user's cache
        "rate": Rate(1e9, 1000), "rate_store": MemoryStore(),
    }


def _window(samples: list[Sample], start: float, end: float) -> list[Sample]:
    return [s for s in samples if start <= s[0] <= end]


def async_round(options: dict[str, Any], seconds: float, warmup: float
                ) -> tuple[list[Sample], tuple[float, float]]:
    from pykis import AsyncKIS

    async def main() -> tuple[list[Sample], tuple[float, float]]:
        samples: list[Sample] = []
        positional, keywords = _client_arguments(options)

        async def consume(kis: AsyncKIS, symbol: str) -> None:
            async with kis.watch_trades(symbol) as trades:
                async for trade in trades:
                    received = time.time()  # first: the user has the trade now
                    info = trade.info
                    samples.append((received, trade.symbol, info["BSOP_DATE"], info["ACML_VOL"]))

        async with AsyncKIS(*positional, **keywords) as kis:
            tasks = [asyncio.create_task(consume(kis, s)) for s in options["symbols"]]
            await asyncio.sleep(warmup)
            start = time.time()
            await asyncio.sleep(seconds)
            end = time.time()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        return _window(samples, start, end), (start, end)

    return asyncio.run(main())


def sync_round(options: dict[str, Any], seconds: float, warmup: float
               ) -> tuple[list[Sample], tuple[float, float]]:
    from pykis import KIS

    samples: list[Sample] = []
    positional, keywords = _client_arguments(options)

    def on_trade(trade: Any) -> None:
        received = time.time()  # first: the user has the trade now
        info = trade.info
        samples.append((received, trade.symbol, info["BSOP_DATE"], info["ACML_VOL"]))

    with KIS(*positional, **keywords) as kis:
        began = time.time()
        # on_trades returns once KIS (the simulator) confirmed the subscription.
        subscriptions = [kis.on_trades(s, on_trade) for s in options["symbols"]]
        time.sleep(max(0.0, warmup - (time.time() - began)))
        start = time.time()
        time.sleep(seconds)
        end = time.time()
        for subscription in subscriptions:
            subscription.close()
    return _window(samples, start, end), (start, end)


def bare_round(options: dict[str, Any], seconds: float, warmup: float
               ) -> tuple[list[Sample], tuple[float, float]]:
    import httpx
    from websockets.asyncio.client import connect

    creds = options["credentials"]
    approval = httpx.post(options["base_url"] + "/oauth2/Approval", json={
        "grant_type": "client_credentials", "appkey": creds["app_key"],
        "secretkey": creds["app_secret"]}).json()["approval_key"]
    url = options["base_url"].replace("http://", "ws://") + "/tryitout"

    async def main() -> tuple[list[Sample], tuple[float, float]]:
        samples: list[Sample] = []
        async with connect(url, ping_interval=None, max_size=2 ** 23) as ws:
            for symbol in options["symbols"]:
                await ws.send(json.dumps({
                    "header": {"approval_key": approval, "custtype": "P", "tr_type": "1",
                               "content-type": "utf-8"},
                    "body": {"input": {"tr_id": "H0STCNT0", "tr_key": symbol}}}))
            start = time.time() + warmup
            end = start + seconds
            try:
                async with asyncio.timeout(end - time.time()):
                    while True:
                        text = await ws.recv()
                        received = time.time()
                        if text.startswith("0|H0STCNT0|"):
                            _flag, _tr, count, payload = text.split("|", 3)
                            values = payload.split("^")
                            size = len(values) // int(count)
                            samples += [(received, values[i], values[i + 33], values[i + 13])
                                        for i in range(0, len(values), size)]
                        elif '"PINGPONG"' in text:
                            await ws.send(text)  # as KIS expects (PyKIS does it too)
            except TimeoutError:
                pass
        return _window(samples, start, end), (start, end)

    return asyncio.run(main())


# --- the run --------------------------------------------------------------------------------
HELD_GAP = 0.010  # s: a later trade this much younger, arriving together (see held_back)
TOGETHER = 0.002  # s


def held_back(matched: list[tuple[float, float]]) -> list[bool]:
    """Which (received, trade time) samples the simulator sent late: those received
    within ``TOGETHER`` of a trade made at least ``HELD_GAP`` after them. Such a trade went
    out with a later one, on the writer's next wake-up, instead of when it was due (see
    the run's notes in bench/RESULTS.md); a slow client delays neighbours alike instead."""
    order = sorted(range(len(matched)), key=lambda i: matched[i][0])
    held = [False] * len(matched)
    for rank, i in enumerate(order):
        received, made_at = matched[i]
        for other in order[max(0, rank - 8):rank + 9]:
            if (abs(matched[other][0] - received) <= TOGETHER
                    and matched[other][1] - made_at >= HELD_GAP):
                held[i] = True
                break
    return held


class Tally:
    """One contender's samples over all rounds."""

    def __init__(self) -> None:
        self.latencies: list[float] = []  # ms, every matched sample
        self.clean: list[float] = []  # ms, less those the simulator held back
        self.round_p50: list[float] = []
        self.unmatched = 0
        self.symbols: set[str] = set()
        self.made = self.received = 0

    def add(self, samples: list[Sample], stamps: list[float | None], offset: float) -> None:
        matched = [(s[0] + offset, ts) for s, ts in zip(samples, stamps) if ts is not None]
        latencies = [(received - ts) * 1e3 for received, ts in matched]
        self.latencies += latencies
        self.clean += [v for v, held in zip(latencies, held_back(matched)) if not held]
        self.round_p50.append(median(latencies) if latencies else float("nan"))
        self.unmatched += stamps.count(None)
        self.symbols.update(s[1] for s in samples)


def row(name: str, values: list[float], base: float, extra: str) -> str:
    ordered = sorted(values)
    if not ordered:
        return f"| {name} | 0 | | | | | | {extra} | |"
    p50 = percentile(ordered, 0.5)
    return (f"| {name} | {len(ordered):,} | {p50:.2f} | {percentile(ordered, 0.9):.2f} | "
            f"{percentile(ordered, 0.99):.2f} | {ordered[-1]:.2f} | {ordered[0]:.2f} | {extra} | "
            f"{p50 - base:+.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=30.0, help="measured, per round")
    parser.add_argument("--warmup", type=float, default=3.0,
                        help="seconds per round before measuring (connect, subscribe)")
    parser.add_argument("--symbols", type=int, default=40)
    parser.add_argument("--listings", type=int, default=300, help="synthetic listings")
    args = parser.parse_args()

    sims = SimProcess(_serve, {"symbols": args.symbols, "listings": args.listings,
                               "accounts": len(CONTENDERS)})
    info, ask, offset = sims.info, sims.ask, sims.info["offset"]
    tallies = {kind: Tally() for kind in CONTENDERS}
    workers: dict[str, tuple[Any, Any]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        try:
            workers = start_workers(_contender, {
                kind: {"base_url": sims.base_url, "symbols": info["symbols"],
                       "credentials": info["credentials"][n], "scratch": f"{scratch}/{kind}"}
                for n, kind in enumerate(CONTENDERS)})
            kinds = list(CONTENDERS)
            started = time.monotonic()
            for round_ in range(args.rounds):
                shift = round_ % len(kinds)
                for kind in kinds[shift:] + kinds[:shift]:
                    conn = workers[kind][1]
                    conn.send((args.seconds, args.warmup))
                    answer = conn.recv()
                    samples: list[Sample] = answer["samples"]
                    stamps = ask("lookup", [(s[1], s[2], s[3]) for s in samples])
                    tally = tallies[kind]
                    tally.add(samples, stamps, offset)
                    # Completeness: the trades the market made in the window (less its last
                    # 0.5 s, whose trades may arrive after it closes) against those of them
                    # received.
                    start, end = (t + offset for t in answer["window"])
                    count = ask("made", (info["symbols"], start, end - 0.5))
                    if count is not None:
                        tally.made += count
                        tally.received += sum(1 for ts in stamps
                                              if ts is not None and start <= ts <= end - 0.5)
                    time.sleep(0.5)  # the simulator closes the session
            elapsed = time.monotonic() - started
        finally:
            stop_workers(workers, timeout=15)
            sims.stop()

    print(f"Trade → user latency over a socket; {args.symbols} symbols (~{info['rate']:.0f} "
          f"trades/s in all); {args.rounds} rounds × {args.seconds:g} s per contender, one "
          f"contender at a time, order rotating; {elapsed:.0f} s in all; simulator clock "
          f"offset {offset * 1e3:+.3f} ms; {machine()}\n")
    header = ("| contender | samples | p50 ms | p90 ms | p99 ms | max ms | min ms | {} "
              "| p50 − baseline p50 |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    bare = tallies["bare"]
    print("All trades:\n")
    print(header.format("received / made; p50 per round, ms"))
    base = median(bare.latencies) if bare.latencies else float("nan")
    for kind, name in CONTENDERS.items():
        tally = tallies[kind]
        share = f"{tally.received:,} / {tally.made:,}" if tally.made else "–"
        rounds = ", ".join(f"{r:.2f}" for r in tally.round_p50)
        print(row(name, tally.latencies, base, f"{share}; {rounds}"))
    print("\nLess the trades the simulator held back (received within "
          f"{TOGETHER * 1e3:g} ms of a trade made ≥ {HELD_GAP * 1e3:g} ms after them):\n")
    print(header.format("held back"))
    base = median(bare.clean) if bare.clean else float("nan")
    for kind, name in CONTENDERS.items():
        tally = tallies[kind]
        held = len(tally.latencies) - len(tally.clean)
        share = f"{held:,} ({held / max(1, len(tally.latencies)):.1%})"
        print(row(name, tally.clean, base, share))
    for kind, name in CONTENDERS.items():
        tally = tallies[kind]
        if tally.unmatched or len(tally.symbols) != args.symbols:
            print(f"\n{name}: {tally.unmatched} trades not found in the simulator; "
                  f"{len(tally.symbols)} of {args.symbols} symbols seen")
    cost = info["wake_cost"]
    print(f"\nThe simulator's work per writer wake-up ({args.symbols} symbols, in-process, "
          f"median): pump {cost['pump']:.2f} ms, then next_due {cost['next_due']:.2f} ms, both "
          f"before the frames are sent.")


if __name__ == "__main__":
    main()
