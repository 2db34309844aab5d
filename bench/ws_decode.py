"""Real-time decoding of H0STCNT0 trade records (issues 4 and 12): what each library hands
its user per record, like for like; then PyKIS's codec against the floor of splitting
the frame; all on the same frames, in one run.

    python bench/ws_decode.py [--rounds 15] [--records 1,4,20] [--batch 0.25] [--profile]

Frames: the two genuine H0STCNT0 records in ``tests/fixtures/captures/ws`` (066570 on
2024-10-14, 005930 on 2023-03-24; 46 values each), put into frames of 1, 4 and 20
records (``0|H0STCNT0|NNN|`` + the records joined by ``^``, as KIS and the simulator send
several trades at once), 64 frames per size alternating which record leads. Every
contender decodes the very same frame texts: they are written to a temporary file that
python-kis's worker reads.

Contenders, in the order they are reported:

1. Like for like, what the user receives per record:

   * **PyKIS decode → Trade**: ``Codec.decode(frame)``, then the ``Trade`` that
     ``watch_trades`` yields for each event (``pykis.websocket.watch._trade``, a live
     model: each field is converted when first read), nothing read. Against
   * **python-kis parse**: ``KisWebsocketResponse.parse`` into
     ``KisDomesticRealtimePrice`` objects, called as python-kis's frame handler calls it
     (``bench/_python_kis_ws_worker.py``), every field it maps converted eagerly
     (``Decimal`` prices, four ``strptime`` times).
   * **PyKIS → Trade, read price, amount, datetime** against **python-kis, read price,
     volume, time**: the fields a consumer reads first (python-kis's ``volume`` is the
     cumulative one: it does not parse the trade's own).
   * **PyKIS → Trade, every field read** (all ten, ``info`` included) against python-kis's
     parse: both fully converted.

2. The floor of a lazy decode:

   * **split-only floor**: ``frame.split("|", 3)``, ``payload.split("^")`` and the values
     cut into records: what any reader of the frame must do, and nothing more.
   * **PyKIS ``Codec.decode``**: the events, nothing read. It checks every number a
     model will read, so that no reader ever meets one that does not convert (issue 10),
     on the record's text with one regular expression (over whole records, cutting the
     frame, for several), and leaves the split into values to the first read; the next
     row is that check alone.
   * **the number check alone**: ``TradeEvent.layout.one`` / ``.records`` over the
     frames' payloads, the header split off beforehand.

Rounds: in each round every (contender, frame size) pair runs one batch of about
``--batch`` seconds, the order rotating from round to round, so machine noise falls on
all alike; figures are medians over rounds of records per CPU second of the process that
decodes (``time.process_time``; each side is one single-threaded process, so this is "on
one core"). python-kis also imports as ``pykis``, so it runs in ``bench/.venvs/python-kis``
(made on first use, see ``_client_common.python_kis_python``) and times its own loops.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path

from _client_common import BENCH, PythonKisWorker, machine, median, python_kis_python

from pykis.models import Trade
from pykis.websocket.protocol import Codec, TradeEvent
from pykis.websocket.watch import _trade  # the model watch_trades yields, built as it does

CAPTURES = BENCH.parent / "tests" / "fixtures" / "captures" / "ws"
CAPTURE_FILES = ("H0STCNT0.066570.20241014.true-project.txt",
                 "H0STCNT0.005930.20230324.kinvest-go.txt")
FRAMES_PER_SIZE = 64
FIRST_READS = attrgetter("price", "amount", "datetime")
EVERY_FIELD = attrgetter(*Trade.model_fields)
THEIR_FIRST_READS = ["price", "volume", "time"]

Batch = Callable[[int, int], tuple[float, float, int]]  # (size, repeat) -> wall, cpu, records


def genuine_records() -> list[str]:
    """The '^'-joined values of each genuine H0STCNT0 capture (one record a frame)."""
    records = []
    for name in CAPTURE_FILES:
        text = (CAPTURES / name).read_text(encoding="utf-8").strip()
        _flag, tr_id, count, payload = text.split("|", 3)
        assert tr_id == "H0STCNT0" and count == "001", name
        records.append(payload)
    return records


def frames_of(size: int, records: list[str]) -> list[str]:
    return [f"0|H0STCNT0|{size:03d}|" + "^".join(records[(i + j) % len(records)]
                                                  for j in range(size))
            for i in range(FRAMES_PER_SIZE)]


# --- python-kis in its own venv ------------------------------------------------------------
class WsWorker(PythonKisWorker):
    """``_python_kis_ws_worker.py`` instead of the REST worker, under the same venv and
    the same JSON-lines protocol (``ask``/``close`` are inherited)."""

    def __init__(self) -> None:  # the parent's, with another script
        python = python_kis_python()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        self._process = subprocess.Popen(
            [str(python), "-I", str(BENCH / "_python_kis_ws_worker.py")], env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)


# --- the contenders -----------------------------------------------------------------------------
@dataclass
class Contender:
    name: str
    batch: Batch
    versus: str = ""  # the name of the contender its ratio is taken against
    repeat: dict[int, int] = field(default_factory=dict)  # per size, set by calibration
    cpu: dict[int, list[float]] = field(default_factory=dict)  # records/s, one per round


def timed(loop: Callable[[list[str], int], int], frames: dict[int, list[str]]) -> Batch:
    """A batch of ``loop(texts, repeat)`` (which returns the records it went through)."""
    def batch(size: int, repeat: int) -> tuple[float, float, int]:
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        records = loop(frames[size], repeat)
        return time.perf_counter() - wall, time.process_time() - cpu, records
    return batch


def trades(read: Callable[[Trade], object] | None) -> Callable[[list[str], int], int]:
    decode = Codec().decode  # the stream's codec; the day is looked up only when needed

    def loop(texts: list[str], repeat: int) -> int:
        records = 0
        for _ in range(repeat):
            for text in texts:
                for event in decode(text):
                    trade = _trade(event)
                    if read is not None:
                        read(trade)
                    records += 1
        return records
    return loop


def decode_only(texts: list[str], repeat: int) -> int:
    decode, records = Codec().decode, 0
    for _ in range(repeat):
        for text in texts:
            records += len(decode(text))
    return records


def split_floor(texts: list[str], repeat: int) -> int:
    """What any reader of the frame must do: split the header, split the values, cut
    them into records."""
    records = 0
    for _ in range(repeat):
        for text in texts:
            _, _, count_text, payload = text.split("|", 3)
            values = payload.split("^")
            count = int(count_text)
            if count == 1:
                records += 1
                continue
            size = len(values) // count
            records += len([values[i:i + size] for i in range(0, len(values), size)])
    return records


def check_only(frames: dict[int, list[str]]) -> Batch:
    """The codec's check over each frame's payload, the header split off beforehand:
    ``layout.one`` for a frame of one record, ``layout.records`` (which also cuts the
    frame into its records' texts) for several."""
    payloads = {size: [(int(count), payload) for _, _, count, payload
                       in (text.split("|", 3) for text in texts)]
                for size, texts in frames.items()}
    layout = TradeEvent.layout

    def batch(size: int, repeat: int) -> tuple[float, float, int]:
        records, frames_ = 0, payloads[size]
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(repeat):
            for count, payload in frames_:
                if count == 1:
                    layout.one(payload)
                else:
                    layout.records(payload, count, (payload.count("^") + 1) // count)
                records += count
        return time.perf_counter() - wall, time.process_time() - cpu, records
    return batch


def theirs(worker: WsWorker, read: bool | list[str]) -> Batch:
    def batch(size: int, repeat: int) -> tuple[float, float, int]:
        answer = worker.ask("decode", size=size, repeat=repeat, read=read)
        return answer["seconds"], answer["cpu"], answer["records"]
    return batch


def check_same_records(frames: dict[int, list[str]], seen: dict[str, list[list[str]]]) -> None:
    """Both parsers must read the same records out of the same frame."""
    codec = Codec()
    for size, texts in frames.items():
        mine = [[e.symbol, str(e.price), str(e.cumulative_volume)] for e in codec.decode(texts[0])
                if isinstance(e, TradeEvent)]
        if mine != seen[str(size)]:
            raise SystemExit(f"the parsers disagree on a {size}-record frame:\n"
                             f"  PyKIS      {mine}\n  python-kis {seen[str(size)]}")


def calibrate(contender: Contender, sizes: list[int], seconds: float) -> None:
    """Repeats per batch so that one batch takes about ``seconds`` (after a warm-up)."""
    for size in sizes:
        contender.batch(size, 1)  # warm: imports, caches, the worker's first call
        wall, _, _ = contender.batch(size, 2)
        contender.repeat[size] = max(1, round(seconds / max(wall / 2, 1e-9)))


def profile(frames: dict[int, list[str]], size: int, seconds: float) -> None:
    """Where decode → Trade spends its time on ``size``-record frames (cProfile)."""
    texts = frames[size]
    repeat = max(1, int(seconds * 200_000 / size / len(texts)))
    profiler = cProfile.Profile()
    profiler.enable()
    trades(None)(texts, repeat)
    profiler.disable()
    print(f"\ncProfile of decode → Trade, {size}-record frames, {repeat * len(texts):,} frames:")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(8)


# --- report ------------------------------------------------------------------------------------
def table(contenders: list[Contender], sizes: list[int]) -> str:
    lines = ["| records/frame | contender | records/s (CPU, median) | slowest – fastest round "
             "| µs/record (CPU) | compared with | ratio |",
             "|---:|---|---:|---:|---:|---|---:|"]
    by_name = {c.name: c for c in contenders}
    for size in sizes:
        for contender in contenders:
            rates = contender.cpu[size]
            rate = median(rates)
            if contender.versus:
                other = median(by_name[contender.versus].cpu[size])
                versus, ratio = contender.versus, f"**{rate / other:.2f}×**"
            else:
                versus = ratio = ""
            lines.append(f"| {size} | {contender.name} | {rate:,.0f} | {min(rates):,.0f} – "
                         f"{max(rates):,.0f} | {1e6 / rate:.2f} | {versus} | {ratio} |")
    return "\n".join(lines)


def contenders_of(frames: dict[int, list[str]], worker: WsWorker, version: str
                  ) -> list[Contender]:
    pk = f"python-kis {version} parse"
    pk_read = f"python-kis {version} parse, read price, volume, time"
    floor = "split-only floor"
    return [
        Contender("PyKIS decode → `Trade` (what watch_trades yields)", timed(trades(None), frames),
                  pk),
        Contender(pk, theirs(worker, False)),
        Contender("PyKIS → `Trade`, read price, amount, datetime",
                  timed(trades(FIRST_READS), frames), pk_read),
        Contender(pk_read, theirs(worker, THEIR_FIRST_READS)),
        Contender("PyKIS → `Trade`, every field read", timed(trades(EVERY_FIELD), frames), pk),
        Contender(floor, timed(split_floor, frames)),
        Contender("PyKIS `Codec.decode` (numbers checked)", timed(decode_only, frames), floor),
        Contender("the number check alone", check_only(frames)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--records", default="1,4,20", help="records per frame, comma-separated")
    parser.add_argument("--batch", type=float, default=0.25, help="seconds per timed batch")
    parser.add_argument("--profile", action="store_true",
                        help="then profile PyKIS's decode → Trade on the smallest frames")
    args = parser.parse_args()
    sizes = [int(s) for s in args.records.split(",")]
    records = genuine_records()
    frames = {size: frames_of(size, records) for size in sizes}

    with WsWorker() as worker, tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "frames.json"
        path.write_text(json.dumps({str(s): f for s, f in frames.items()}), encoding="utf-8")
        loaded = worker.ask("load", path=str(path))
        check_same_records(frames, loaded["check"])
        contenders = contenders_of(frames, worker, loaded["version"])
        for contender in contenders:
            calibrate(contender, sizes, args.batch)

        pairs = [(c, s) for s in sizes for c in contenders]
        started = time.monotonic()
        for round_ in range(args.rounds):
            shift = round_ % len(pairs)
            for contender, size in pairs[shift:] + pairs[:shift]:
                _, cpu, count = contender.batch(size, contender.repeat[size])
                contender.cpu.setdefault(size, []).append(count / cpu if cpu > 0 else
                                                          float("nan"))
        elapsed = time.monotonic() - started

    print(f"H0STCNT0 decode; frames of {args.records} records from the genuine captures "
          f"({', '.join(CAPTURE_FILES)}); {args.rounds} rounds, every contender and size once a "
          f"round, order rotating; batches of ~{args.batch:g} s; {elapsed:.0f} s in all; "
          f"{machine()}; load average {os.getloadavg()[0]:.2f} at the end\n")
    print(table(contenders, sizes))
    print("\nratio: the median CPU rate over the compared contender's, in the same run. "
          "Targets (issue 12): decode → Trade ≥ 18× python-kis's parse; Codec.decode ≥ 0.9× "
          "the split-only floor.")
    if args.profile:
        profile(frames, min(sizes), 2.0)


if __name__ == "__main__":
    main()
