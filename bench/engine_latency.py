"""Tick-to-decision latency of the trading engine (issue 5, issue 12 §3): from the moment
a frame comes off the socket (and, separately, from the moment the simulator's market
makes the trade) to the moment ``pykis.engine.Monitor`` has recorded its decision on it,
over a real socket, with 40 watched symbols and the periodic sync running; p50 / p99 /
max.

    python bench/engine_latency.py [--rounds 6] [--seconds 20] [--symbols 40] [--held 10]

**The target's measure (issue 12): frame off the socket → decision recorded.** In the
engine's process (``stamp_frames``) ``perf_counter`` is read when asyncio hands bytes
read from the socket to the WebSocket connection (``data_received``); each data frame
parsed from them takes that stamp, and each trade record of the frame PyKIS's stream
decodes is logged with it. The end is ``perf_counter`` read first thing in
``on_decision``, which the monitor calls once the decision is made (for ``Hold``: on the
stream's loop, right after deciding). A symbol's decisions are paired with its trade
records in order (the monitor decides every tick, in order), checked by price and shares.
Every stream decision inside the measured window counts; the stamping hooks' own cost
(a few µs a frame) is inside the figure. Rows split it at the start of decoding.

Measured as ``bench/ws_latency.py`` measures trade → user (its helpers are reused):

* **Start: the trade's own time.** The simulator (``SimConfig(always_open=True)``, wall
  clock) runs in a spawned process and sends each trade of a subscribed symbol when it is
  due. A ``Decision`` carries its ``Tick``, whose ``time`` is the trade's KST time to the
  second only (and no cumulative volume), so each decided tick is found again in the
  simulator by symbol, market day, that second, price and shares traded. A few percent of
  ticks match several trades (the same price and size twice in a second); as the
  simulator sends a symbol's trades in order, a symbol's ticks, in the order received
  (the round's ticks before the window included), each take the earliest such trade made
  after the previous tick's and before this one was received; ticks matching none are
  left out; both are counted. The bare baseline's frames are
  found by symbol, date and cumulative volume, as in ``ws_latency.py``.
* **End: the decision.** ``Decision.decided`` (``perf_counter`` when the monitor decided,
  before any order) and ``Decision.tick.received`` (``perf_counter`` when the stream's
  callback handed the trade to the engine) are read in ``on_decision``; ``perf_counter``
  is turned into wall time with an offset taken (smallest bracket of five readings) at
  the start and at the end of each round, whose difference is printed as the drift.
* **Figures.** (a) trade made → decision; (b) tick received by the engine → decision
  (the engine's own share: the queue hop to the monitor thread and the step); and
  trade made → tick received (the client's share: socket, decoding, the callback
  thread). The simulator's clock offset (0 under ``always_open``) is applied.
* **Baseline.** A bare ``websockets`` client (``ws_latency.bare_round``) subscribing the
  same symbols on the same server, stamping each frame as ``recv()`` returns it, measured
  in the same run, rounds alternating with the engine's.

The engine: ``KIS`` with ``stream_settings=StreamSettings(max_subscriptions=41)`` and its
HTS ID, so the monitor's 40 trade registrations plus the execution-notice registration
(41, KIS's limit per session) fit one session (``--no-notices``: no HTS ID, 40
registrations, default settings); default REST rate, rate state in memory, token cache
in a temporary directory. ``KISTradingEngine`` on a SQLite file (``Store(path)``, WAL),
``RiskLimits(stop_loss=0.5, take_profit=5, trailing_stop=0.5)`` (wide: never fire). Before
the first round it buys 1 share of each of the first ``--held`` symbols with
``execute_buy_order`` (market orders, filled by the simulator), so the risk rules' exit
checks (and the trailing stop's high-price mark, a store write when a held symbol trades
above its high) run on those symbols' ticks. ``Monitor(engine, symbols, Hold(),
MonitorSettings(sessions="always"))``: its ``run()`` loop (the sync every
``--sync-interval`` s: the highs stored, working orders read back over REST) on a thread
of its own, its decisions on the stream's loop; ``Hold`` decides on every tick and never
orders. A fresh client, engine and monitor per round, on the same
store (the positions carry over). The set-up's buys are timed and printed: the monitor
sends orders on its loop thread, off the decision path (``Monitor._act``): an order keeps
only the next order waiting that long, not the ticks (not measured here: Hold never
orders and the limits never fire; ``tests/engine/test_monitor_step.py`` shows it).

Conflation: the monitor decides every tick (none is dropped or merged); ticks received
minus decisions (``Monitor.report``, read at the window's edges) show it (0 expected).

Load: the ``--symbols`` symbols of the universe that trade most often (as
``ws_latency.py`` picks them). The contenders take turns, one at a time, each in its own
spawned process with its own app key, ``--seconds`` per round after a ``--warmup`` that
is not counted, the order rotating; samples of all rounds are pooled. The rest of the
machine's CPU over each round (``/proc/stat`` less the simulator's and the contender's
processes) is printed, to show a disturbed run. ``--sync-interval`` and
``--switch-interval`` (``sys.setswitchinterval`` in the engine's process) are diagnostics
of the engine's share.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from _client_common import machine, median
from engine_store import cpu_busy, process_cpu
from ws_latency import (
    SimProcess,
    bare_round,
    held_back,
    percentile,
    serve,
    start_workers,
    stop_workers,
)

CONTENDERS = {
    "bare": "bare `websockets` client (baseline)",
    "engine": "PyKIS engine `Monitor` (Hold)",
}
SLOW_MS = 1.0  # an engine share (received → decision) above this is looked into
# (decided, received: perf_counter; symbol; trade second (epoch); price; shares; action;
#  held; wrote the high mark; recorded: perf_counter in on_decision; the frame's arrival
#  off the socket and its decoding by PyKIS's stream: perf_counter, nan for a polled tick or
#  a frame not found)
Decision = tuple[float, float, str, int, int, int, str, bool, bool, float, float, float]


# --- the simulator, in a spawned process ------------------------------------------------------
def _serve(options: dict[str, Any], conn: Any) -> None:
    serve(options, conn, lambda sim: {"ticks": lambda a: lookup_ticks(sim, a)})


def lookup_ticks(sim: Any, ticks: list[tuple[str, int, int, int]]) -> list[list[float]]:
    """The simulator times of the trades that could be each (symbol, trade second, price,
    shares) tick: those of that symbol in that second at that price and size."""
    from pykis.market import KST

    answers: list[list[float]] = []
    for code, second, price, volume in ticks:
        day = sim.market.market_day(dt.datetime.fromtimestamp(second, KST))
        path = sim.market.path(code, day)
        first = bisect.bisect_left(range(len(path)), second, key=lambda i: path.trade(i).ts)
        found = []
        for index in range(first, len(path)):
            trade = path.trade(index)
            if trade.ts >= second + 1:
                break
            if trade.price == price and trade.volume == volume:
                found.append(trade.ts)
        answers.append(found)
    return answers


def assign(ticks: list[tuple[str, float]], candidates: list[list[float]]
           ) -> tuple[list[float | None], int]:
    """Each tick's trade time, given the (symbol, received) ticks and their candidate
    trades. The simulator sends a symbol's trades in the order made, so a symbol's ticks,
    taken in the order received, each take the earliest candidate made after the trade
    the previous tick took and before this tick was received. Also how many ticks had more
    than one candidate."""
    times: list[float | None] = [None] * len(ticks)
    last: dict[str, float] = {}
    for i in sorted(range(len(ticks)), key=lambda i: ticks[i][1]):
        symbol, received = ticks[i]
        after = last.get(symbol, float("-inf"))
        free = [ts for ts in candidates[i] if after < ts <= received]
        if free:
            times[i] = last[symbol] = min(free)
    return times, sum(1 for c in candidates if len(c) > 1)


# --- the contenders, each in a spawned process ------------------------------------------------
def _contender(kind: str, options: dict[str, Any], conn: Any) -> None:
    run = {"bare": bare_round, "engine": engine_round}[kind]
    while True:
        message = conn.recv()
        if message is None:
            return
        seconds, warmup = message
        try:
            answer = run(options, seconds, warmup)
        except Exception as error:  # the main process reports it
            import traceback

            conn.send({"failed": traceback.format_exc() or repr(error)})
            continue
        if kind == "bare":
            samples, window = answer
            answer = {"samples": samples, "window": window}
        conn.send(answer)


def perf_offset() -> tuple[float, float]:
    """``time.time() - time.perf_counter()``, from the tightest of five brackets, and the
    bracket's width (s)."""
    best = (0.0, float("inf"))
    for _ in range(5):
        before = time.time()
        perf = time.perf_counter()
        after = time.time()
        if after - before < best[1]:
            best = ((before + after) / 2 - perf, after - before)
    return best


_FRAMES: dict[str, Any] = {}


def stamp_frames() -> dict[str, Any]:
    """Stamp every data frame as its bytes come off the socket, in this process: the
    ``perf_counter`` when asyncio hands the bytes to the WebSocket connection
    (``data_received``), given to each data frame parsed from them, in order; each frame
    PyKIS's stream decodes takes the oldest stamp, and each trade record in it is logged
    with it (the record itself: it is read after the round, off the hot path). Hooks on
    ``websockets`` and on ``Codec.decode``, installed once; they add a few µs per frame,
    counted in the figures."""
    if _FRAMES:
        return _FRAMES
    from collections import deque

    from websockets.asyncio.client import ClientConnection
    from websockets.frames import Frame, Opcode

    from pykis.websocket.protocol import Codec, TradeEvent

    arrivals: deque[float] = deque()
    trades: list[tuple[float, Any, float]] = []
    read_at = [float("nan")]
    data_received, process_event = ClientConnection.data_received, ClientConnection.process_event
    decode = Codec.decode
    data = (Opcode.TEXT, Opcode.BINARY)

    def on_data(self: Any, chunk: bytes) -> None:
        read_at[0] = time.perf_counter()
        data_received(self, chunk)

    def on_event(self: Any, event: Any) -> None:
        if isinstance(event, Frame) and event.opcode in data:
            arrivals.append(read_at[0])
        process_event(self, event)

    def on_decode(self: Any, frame: Any) -> Any:
        stamp = arrivals.popleft() if arrivals else float("nan")
        decoding = time.perf_counter()
        events = decode(self, frame)
        for event in events:
            if type(event) is TradeEvent:
                trades.append((stamp, event, decoding))
        return events

    ClientConnection.data_received = on_data  # type: ignore[method-assign]
    ClientConnection.process_event = on_event  # type: ignore[method-assign]
    Codec.decode = on_decode  # type: ignore[method-assign]
    _FRAMES.update(arrivals=arrivals, trades=trades)
    return _FRAMES


def frame_stamps(samples: list[Decision], trades: list[tuple[float, Any, float]]
                 ) -> tuple[list[Decision], int]:
    """Each stream decision with its frame's arrival stamp: a symbol's decisions, in the
    order made, take its trade records in the order decoded (the monitor decides every
    tick, in order), checked by price and shares; records skipped that way are counted."""
    from collections import defaultdict, deque

    records: dict[str, deque[tuple[float, int, int]]] = defaultdict(deque)
    for stamp, event, decoding in trades:
        records[event.symbol].append((stamp, event.price, event.volume, decoding))
    out, skipped = [], 0
    for d in samples:
        stamp = decoded = float("nan")
        if not d[6].startswith("poll:"):
            queue = records[d[2]]
            while queue:
                at, price, volume, decoding = queue.popleft()
                if (price, volume) == (d[4], d[5]):
                    stamp, decoded = at, decoding
                    break
                skipped += 1
        out.append((*d[:10], stamp, decoded))
    return out, skipped


def engine_round(options: dict[str, Any], seconds: float, warmup: float) -> dict[str, Any]:
    from pykis import KIS
    from pykis.engine import Hold, KISTradingEngine, Monitor, MonitorSettings, RiskLimits
    from pykis.utils.ratelimit import MemoryStore
    from pykis.websocket.client import StreamSettings

    frames = stamp_frames()
    frames["arrivals"].clear()
    frames["trades"].clear()
    creds, scratch = options["credentials"], Path(options["scratch"])
    notices = options["notices"]
    if options["switch_interval"]:
        sys.setswitchinterval(options["switch_interval"])
    kis = KIS(creds["app_key"], creds["app_secret"], creds["account_no"],
              base_url=options["base_url"], hts_id=creds["hts_id"] if notices else None,
              token_path=scratch / "tokens.json", rate_store=MemoryStore(),
              stream_settings=StreamSettings(max_subscriptions=41) if notices else None)
    limits = RiskLimits(stop_loss=Decimal("0.5"), take_profit=Decimal("5"),
                        trailing_stop=Decimal("0.5"))
    engine = KISTradingEngine(kis, scratch / "engine.sqlite3", limits=limits)
    try:
        bought = []
        held = {t.ticker for t in engine.store.open_trades()}
        for symbol in options["held"]:
            if symbol not in held:
                began = time.perf_counter()
                result = engine.execute_buy_order(symbol, 1, reason="bench: a position")
                if not result.success:
                    raise RuntimeError(f"buying {symbol}: {result.message}")
                bought.append((symbol, time.perf_counter() - began))
        held_now = engine.store.open_trades()
        highs = {t.ticker: t.high_price for t in held_now}
        samples: list[Decision] = []
        monitor: Monitor

        def on_decision(decision: Any) -> None:  # the deciding thread, right after deciding
            recorded = time.perf_counter()
            tick = decision.tick
            mine = monitor._held.get(tick.ticker)  # noqa: SLF001 - read only
            high = mine.holding.high_price if mine is not None else None
            wrote = mine is not None and high != highs.get(tick.ticker)
            if wrote:
                highs[tick.ticker] = high
            samples.append((decision.decided, tick.received, tick.ticker,
                            int(tick.time.timestamp()), tick.price, tick.volume,
                            decision.action if tick.source == "stream" else "poll:" +
                            decision.action, mine is not None, wrote, recorded))

        settings = MonitorSettings(sessions="always", sync_interval=options["sync_interval"])
        monitor = Monitor(engine, options["symbols"], Hold(), settings, on_decision=on_decision)
        stop = threading.Event()
        runner = threading.Thread(target=monitor.run, kwargs={"stop": stop},
                                  name="bench-monitor")
        began = time.monotonic()
        runner.start()
        time.sleep(warmup)
        while monitor.report.ticks["stream"] == 0 and time.monotonic() - began < 60:
            time.sleep(0.1)  # not subscribed yet
        offset_start = perf_offset()
        ticks0, decisions0 = monitor.report.ticks["stream"], monitor.report.decisions
        start = time.time()
        time.sleep(seconds)
        end = time.time()
        ticks1, decisions1 = monitor.report.ticks["stream"], monitor.report.decisions
        offset_end = perf_offset()
        stop.set()
        runner.join(timeout=30)
        report = monitor.report
    finally:
        engine.close()
    offset = (offset_start[0] + offset_end[0]) / 2
    samples, skipped = frame_stamps(samples, list(frames["trades"]))
    # All of the round's decisions: those before the window help match the first ones in it.
    return {"decisions": samples, "window": (start, end), "offset": offset,
            "drift": offset_end[0] - offset_start[0],
            "ticks": ticks1 - ticks0, "decided": decisions1 - decisions0,
            "polled": report.ticks["poll"], "orders": len(report.orders),
            "bought": bought, "held": sorted(highs), "stopped": report.stopped,
            "skipped_records": skipped}


# --- the run ----------------------------------------------------------------------------------
class Series:
    """Latencies (ms) of one kind, pooled over rounds."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.clean: list[float] = []  # less the trades the simulator held back
        self.rounds: list[float] = []  # p50 of each round

    def add(self, values: list[float], held: list[bool] | None = None) -> None:
        self.values += values
        held = held or [False] * len(values)
        self.clean += [v for v, h in zip(values, held) if not h]
        self.rounds.append(median(values) if values else float("nan"))


def row(name: str, values: list[float], base: float | None, extra: str) -> str:
    ordered = sorted(values)
    if not ordered:
        return f"| {name} | 0 | | | | | | {extra} | |"
    p50 = percentile(ordered, 0.5)
    versus = (f"{p50 - base:+.2f} ms, {p50 / base:.2f}×" if base else "–")
    return (f"| {name} | {len(ordered):,} | {p50:.3f} | {percentile(ordered, 0.9):.3f} | "
            f"{percentile(ordered, 0.99):.3f} | {ordered[-1]:.2f} | {ordered[0]:.3f} | {extra} | "
            f"{versus} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured, per round")
    parser.add_argument("--warmup", type=float, default=3.0,
                        help="seconds per round before measuring (connect, subscribe)")
    parser.add_argument("--symbols", type=int, default=40)
    parser.add_argument("--held", type=int, default=10,
                        help="symbols the engine holds a position in (exit checks run)")
    parser.add_argument("--listings", type=int, default=300, help="synthetic listings")
    parser.add_argument("--sync-interval", type=float, default=5.0,
                        help="MonitorSettings.sync_interval (its default: 5 s)")
    parser.add_argument("--switch-interval", type=float, default=None,
                        help="sys.setswitchinterval in the engine's process (a diagnostic; "
                             "default: Python's, 0.005 s)")
    parser.add_argument("--no-notices", action="store_true",
                        help="no HTS ID: no execution-notice registration (40 in all)")
    args = parser.parse_args()

    sims = SimProcess(_serve, {"symbols": args.symbols, "listings": args.listings,
                               "accounts": len(CONTENDERS)})
    info, ask, sim_offset = sims.info, sims.ask, sims.info["offset"]
    symbols = info["symbols"]
    held_symbols = symbols[:args.held]
    bare_series = Series()
    series = {k: Series() for k in ("socket→decision", "socket→received", "socket→decoding",
                                    "decoding→decision",
                                    "trade→received", "trade→decision", "received→decision",
                                    "held: trade→decision", "held: received→decision",
                                    "wrote high: received→decision",
                                    "held, no write: received→decision",
                                    "not held: received→decision")}
    counts = {"made_bare": 0, "received_bare": 0, "made": 0, "ticks": 0, "decided": 0,
              "matched": 0, "ambiguous": 0, "unmatched": 0, "decided_in_made": 0,
              "polled": 0, "orders": 0, "wrote": 0, "unmatched_bare": 0, "slow": 0,
              "slow_own": 0, "slow_behind": 0, "slow_burst": 0, "socket": 0,
              "socket_missing": 0, "skipped_records": 0}
    notes: dict[str, Any] = {"drift": [], "bought": [], "held": None, "stopped": set(),
                             "others": {}, "socket_rounds": []}
    workers: dict[str, tuple[Any, Any]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        try:
            workers = start_workers(_contender, {
                kind: {"base_url": sims.base_url, "symbols": symbols,
                       "credentials": info["credentials"][n], "scratch": f"{scratch}/{kind}",
                       "held": held_symbols, "notices": not args.no_notices,
                       "sync_interval": args.sync_interval,
                       "switch_interval": args.switch_interval}
                for n, kind in enumerate(CONTENDERS)})
            kinds = list(CONTENDERS)
            started = time.monotonic()
            for round_ in range(args.rounds):
                shift = round_ % len(kinds)
                for kind in kinds[shift:] + kinds[:shift]:
                    conn = workers[kind][1]
                    pids = (sims.process.pid, workers[kind][0].pid)
                    began = (time.monotonic(), cpu_busy(), sum(map(process_cpu, pids)))
                    conn.send((args.seconds, args.warmup))
                    answer = conn.recv()
                    # CPU of the rest of the machine over the round (set-up included), cores
                    others = (cpu_busy() - began[1] - sum(map(process_cpu, pids)) + began[2]
                              ) / (time.monotonic() - began[0])
                    notes["others"].setdefault(kind, []).append(others)
                    if "failed" in answer:
                        raise SystemExit(f"{kind}, round {round_ + 1}:\n{answer['failed']}")
                    start, end = (t + sim_offset for t in answer["window"])
                    count = ask("made", (symbols, start, end - 0.5))
                    if kind == "bare":
                        samples = answer["samples"]
                        stamps = ask("lookup", [(s[1], s[2], s[3]) for s in samples])
                        matched = [(s[0] + sim_offset, ts) for s, ts in zip(samples, stamps)
                                   if ts is not None]
                        bare_series.add([(r - ts) * 1e3 for r, ts in matched],
                                        held_back(matched))
                        counts["unmatched_bare"] += stamps.count(None)
                        if count is not None:
                            counts["made_bare"] += count
                            counts["received_bare"] += sum(
                                1 for ts in stamps if ts is not None and start <= ts <= end - 0.5)
                    else:
                        tally_engine(answer, ask, sim_offset, series, counts, notes,
                                     count, start, end)
                    time.sleep(0.5)  # the simulator closes the session
            elapsed = time.monotonic() - started
        finally:
            stop_workers(workers, timeout=30)
            sims.stop()

    print_report(args, info, sim_offset, elapsed, bare_series, series, counts, notes)


def tally_engine(answer: dict[str, Any], ask: Any, sim_offset: float,
                 series: dict[str, Series], counts: dict[str, int], notes: dict[str, Any],
                 made_count: int | None, start: float, end: float) -> None:
    decisions: list[Decision] = answer["decisions"]
    offset = answer["offset"]
    stream = [d for d in decisions if not d[6].startswith("poll:")]
    candidates = ask("ticks", [(d[2], d[3], d[4], d[5]) for d in stream])
    # 0.1 ms of slack for the clocks' offsets (a bracket of a few µs, no drift seen).
    times, _ = assign([(d[2], d[1] + offset + sim_offset + 0.0001) for d in stream],
                      candidates)
    inside = [start - sim_offset <= d[0] + offset <= end - sim_offset for d in stream]
    # The target's measure: frame off the socket → decision recorded, every stream
    # decision in the window (no matching with the simulator needed).
    socket = [(d[9] - d[10]) * 1e3 for d, keep in zip(stream, inside)
              if keep and d[10] == d[10]]
    series["socket→decision"].add(socket)
    series["socket→received"].add([(d[1] - d[10]) * 1e3 for d, keep in zip(stream, inside)
                                   if keep and d[10] == d[10]])
    series["socket→decoding"].add([(d[11] - d[10]) * 1e3 for d, keep in zip(stream, inside)
                                   if keep and d[10] == d[10]])
    series["decoding→decision"].add([(d[9] - d[11]) * 1e3 for d, keep in zip(stream, inside)
                                     if keep and d[10] == d[10]])
    counts["socket"] += len(socket)
    counts["socket_missing"] += sum(1 for d, keep in zip(stream, inside)
                                    if keep and d[10] != d[10])
    counts["skipped_records"] += answer["skipped_records"]
    ordered = sorted(socket)
    notes["socket_rounds"].append(
        (percentile(ordered, 0.5), percentile(ordered, 0.99), ordered[-1]) if ordered
        else (float("nan"),) * 3)
    stream = [d for d, keep in zip(stream, inside) if keep]
    times = [t for t, keep in zip(times, inside) if keep]
    counts["ambiguous"] += sum(1 for c, keep in zip(candidates, inside)
                               if keep and len(c) > 1)
    rows = [(d, ts) for d, ts in zip(stream, times) if ts is not None]  # (decision, trade)
    counts["unmatched"] += times.count(None)
    counts["matched"] += len(rows)
    counts["ticks"] += answer["ticks"]
    counts["decided"] += answer["decided"]
    counts["polled"] += answer["polled"]
    counts["orders"] += answer["orders"]
    if made_count is not None:
        counts["made"] += made_count
        counts["decided_in_made"] += sum(1 for _, ts in rows if start <= ts <= end - 0.5)
    notes["drift"].append(answer["drift"])
    notes["bought"] += answer["bought"]
    notes["held"] = answer["held"]
    notes["stopped"].add(answer["stopped"])

    def wall(perf: float) -> float:
        return perf + offset + sim_offset

    received = [(wall(d[1]), ts) for d, ts in rows]
    held = held_back(received)
    series["trade→received"].add([(r - ts) * 1e3 for r, ts in received], held)
    series["trade→decision"].add([(wall(d[0]) - ts) * 1e3 for d, ts in rows], held)
    series["received→decision"].add([(d[0] - d[1]) * 1e3 for d, _ in rows], held)
    groups = {
        "held: trade→decision": [(i, (wall(d[0]) - ts) * 1e3) for i, (d, ts) in enumerate(rows)
                                 if d[7]],
        "held: received→decision": [(i, (d[0] - d[1]) * 1e3) for i, (d, _) in enumerate(rows)
                                    if d[7]],
        "wrote high: received→decision": [(i, (d[0] - d[1]) * 1e3)
                                          for i, (d, _) in enumerate(rows) if d[8]],
        "held, no write: received→decision": [(i, (d[0] - d[1]) * 1e3)
                                              for i, (d, _) in enumerate(rows)
                                              if d[7] and not d[8]],
        "not held: received→decision": [(i, (d[0] - d[1]) * 1e3)
                                        for i, (d, _) in enumerate(rows) if not d[7]],
    }
    for name, pairs in groups.items():
        series[name].add([v for _, v in pairs], [held[i] for i, _ in pairs])
    counts["wrote"] += sum(1 for d, _ in rows if d[8])
    # Slow engine shares: the decision's own high-mark write, another decision's write
    # that ran while this tick waited (one thread decides every tick in turn), other
    # decisions made while it waited (a burst), or none of these (the thread waited for
    # something else: the periodic sync, the GIL, the scheduler).
    writes = sorted(d[0] for d in stream if d[8])
    decided = sorted(d[0] for d in stream)
    for d in stream:
        if (d[0] - d[1]) * 1e3 <= SLOW_MS:
            continue
        counts["slow"] += 1
        ahead = bisect.bisect_left(decided, d[0]) - bisect.bisect_left(decided, d[1])
        if d[8]:
            counts["slow_own"] += 1
        elif bisect.bisect_left(writes, d[0]) > bisect.bisect_left(writes, d[1]):
            counts["slow_behind"] += 1
        elif ahead:
            counts["slow_burst"] += 1


def print_report(args: Any, info: dict[str, Any], sim_offset: float, elapsed: float,
                 bare: Series, series: dict[str, Series], counts: dict[str, int],
                 notes: dict[str, Any]) -> None:
    notices = ("HTS ID set, `StreamSettings(max_subscriptions=41)`: 40 trade registrations "
               "+ 1 execution-notice registration" if not args.no_notices else
               "no HTS ID (no execution notices), default stream settings: 40 registrations")
    print(f"Trade → engine decision over a socket; {args.symbols} symbols (~{info['rate']:.0f} "
          f"trades/s in all), {len(notes['held'] or [])} of them held; {notices}; "
          f"sync_interval {args.sync_interval:g} s; GIL switch interval "
          f"{args.switch_interval or sys.getswitchinterval():g} s; {args.rounds} rounds × "
          f"{args.seconds:g} s per contender, one at a time, order rotating; {elapsed:.0f} s in "
          f"all; simulator clock offset {sim_offset * 1e3:+.3f} ms; perf_counter→wall drift "
          f"per round {', '.join(f'{d * 1e6:+.0f}' for d in notes['drift'])} µs; {machine()}\n")
    header = ("| what | samples | p50 ms | p90 ms | p99 ms | max ms | min ms | {} "
              "| p50 vs baseline p50 |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    print("**Frame off the socket → decision recorded** (the target: p50 ≤ 0.25 ms, p99 ≤ 1 "
          "ms, max ≤ 5 ms), every stream decision in the measured windows:\n")
    print(header.format("p50 / p99 / max per round, ms"))
    per_round = "; ".join(f"{a:.3f} / {b:.3f} / {c:.2f}" for a, b, c in notes["socket_rounds"])
    print(row("**engine: frame read off the socket → decision recorded**",
              series["socket→decision"].values, None, per_round))
    print(row("engine: frame read off the socket → tick received by the monitor",
              series["socket→received"].values, None, ""))
    print(row("engine: frame read off the socket → PyKIS's stream decodes it "
              "(`websockets`, the event loop)", series["socket→decoding"].values, None, ""))
    print(row("engine: decoding begun → decision recorded (PyKIS's stream and the monitor)",
              series["decoding→decision"].values, None, ""))
    print(f"\n(stream decisions without a frame stamp: {counts['socket_missing']:,}; trade "
          f"records decoded but not decided in order: {counts['skipped_records']:,})\n")
    base = median(bare.values) if bare.values else None
    print("All matched trades:\n")
    print(header.format("p50 per round, ms"))

    def rounds(s: Series) -> str:
        return ", ".join(f"{r:.2f}" for r in s.rounds)

    print(row("baseline: trade → frame received, bare `websockets`", bare.values, None,
              rounds(bare)))
    labels = {
        "trade→received": "engine: trade → tick received (client's share)",
        "trade→decision": "**engine: trade → decision (a)**",
        "received→decision": "**engine: tick received → decision (b)**",
        "held: trade→decision": "engine, held symbols: trade → decision",
        "held: received→decision": "engine, held symbols: received → decision",
        "wrote high: received→decision": "engine, decisions that wrote the high mark: "
                                         "received → decision",
        "held, no write: received→decision": "engine, held, no write: received → decision",
        "not held: received→decision": "engine, symbols not held: received → decision",
    }
    for key, label in labels.items():
        compare = base if key.startswith(("trade→", "held: trade")) else None
        print(row(label, series[key].values, compare, rounds(series[key])))
    print("\nLess the trades the simulator held back (received within 2 ms of a trade made "
          "≥ 10 ms after them; see ws_latency.held_back):\n")
    print(header.format("left out"))
    base = median(bare.clean) if bare.clean else None
    print(row("baseline: trade → frame received, bare `websockets`", bare.clean, None,
              f"{len(bare.values) - len(bare.clean):,}"))
    for key in ("trade→received", "trade→decision", "received→decision"):
        s = series[key]
        compare = base if key.startswith("trade→") else None
        print(row(labels[key], s.clean, compare, f"{len(s.values) - len(s.clean):,}"))
    conflated = counts["ticks"] - counts["decided"]
    print("\n| counts over the measured windows | |\n|---|---:|")
    for label, value in (
        ("baseline: trades made (window less its last 0.5 s)", counts["made_bare"]),
        ("baseline: of them received", counts["received_bare"]),
        ("baseline: frames not found in the simulator", counts["unmatched_bare"]),
        ("engine: trades made (window less its last 0.5 s)", counts["made"]),
        ("engine: ticks received (`report.ticks['stream']`)", counts["ticks"]),
        ("engine: decisions (`report.decisions`)", counts["decided"]),
        ("engine: conflated ticks (received − decided)", conflated),
        ("engine: conflated share of received", f"{conflated / max(1, counts['ticks']):.2%}"),
        ("engine: decisions matched to a trade", counts["matched"]),
        ("engine: of the trades made, decided on (matched)", counts["decided_in_made"]),
        ("engine: decisions with several candidate trades (same second, price and "
         "size; matched in order, see `assign`)", counts["ambiguous"]),
        ("engine: decisions matching no trade (left out)", counts["unmatched"]),
        ("engine: decisions that wrote the high mark (a store commit)", counts["wrote"]),
        (f"engine: decisions with received → decision > {SLOW_MS:g} ms", counts["slow"]),
        ("engine: of them, the decision wrote the high mark itself", counts["slow_own"]),
        ("engine: of them, waited for another decision's high-mark write",
         counts["slow_behind"]),
        ("engine: of them, waited for other decisions only (no write)", counts["slow_burst"]),
        ("engine: of them, none of these", counts["slow"] - counts["slow_own"]
         - counts["slow_behind"] - counts["slow_burst"]),
        ("engine: polled ticks (stream stale)", counts["polled"]),
        ("engine: orders the monitor sent", counts["orders"]),
    ):
        print(f"| {label} | {value:,} |" if isinstance(value, int) else f"| {label} | {value} |")
    took = sorted(t * 1e3 for _, t in notes["bought"])
    print(f"\nHeld: {', '.join(notes['held'] or [])} (bought this run: "
          f"{', '.join(s for s, _ in notes['bought']) or 'none'}"
          + (f"; each `execute_buy_order` of 1 share at the market, filled, took "
             f"{median(took):.0f} ms median, {took[0]:.0f}–{took[-1]:.0f} ms" if took else "")
          + f"); monitor stopped: {', '.join(sorted(notes['stopped']))}.")
    print("Others' CPU (the machine's busy time less the simulator's and the contender's "
          "processes, over each round, set-up included; share of one core, 200 % = both "
          "CPUs): " + "; ".join(f"{k}: " + ", ".join(f"{v:.0%}" for v in values)
                                for k, values in notes["others"].items()) + ".")
    cost = info["wake_cost"]
    print(f"The simulator's work per writer wake-up ({args.symbols} symbols, in-process, "
          f"median): pump {cost['pump']:.2f} ms, then next_due {cost['next_due']:.2f} ms.")


if __name__ == "__main__":
    main()
