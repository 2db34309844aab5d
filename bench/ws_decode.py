"""Decode throughput of H0STCNT0 trade records (issue 4): PyKIS's codec vs. python-kis's
parser, on the same frames, in one run.

    python bench/ws_decode.py [--rounds 15] [--records 1,4,20] [--batch 0.25] [--profile]

Frames: the two genuine H0STCNT0 records in ``tests/fixtures/captures/ws`` (066570 on
2024-10-14, 005930 on 2023-03-24; 46 values each), put into frames of 1, 4 and 20
records (``0|H0STCNT0|NNN|`` + the records joined by ``^``, as KIS and the simulator send
several trades at once), 64 frames per size alternating which record leads. Every
contender decodes the very same frame texts: they are written to a temporary file that
python-kis's worker reads.

Contenders, each timed over whole batches of ``--batch`` seconds or so:

* **PyKIS decode**: ``Codec.decode(frame)``, the events built and nothing read. Events
  keep the values as text and convert a field when it is read, so this is the floor.
* **PyKIS decode + read price, volume**: the same, then ``event.price`` and
  ``event.volume`` of every event (two ``int`` conversions), the least a consumer does.
* **PyKIS decode → Trade**: the same, then the ``Trade`` model ``watch_trades`` hands to
  users (``pykis.websocket.watch._trade``: time, price, volume, side, ``info`` dict).
* **python-kis parse**: ``KisWebsocketResponse.parse`` into ``KisDomesticRealtimePrice``
  objects, called as python-kis's own frame handler calls it
  (``bench/_python_kis_ws_worker.py``); it converts every field it maps eagerly
  (``Decimal`` prices, four ``strptime`` times).
* **python-kis parse + read price, volume**: the same, then ``record.price`` and
  ``record.volume`` (plain attributes there; its ``volume`` is the cumulative one, since
  it does not parse the per-trade volume).

Rounds: in each round every (contender, frame size) pair runs one batch, the order
rotating from round to round, so machine noise falls on all alike; figures are medians
over rounds. Rates are records per wall second and per CPU second of the decoding
process (``time.process_time``): each side runs in one single-threaded process, so the
CPU figure is "on one core" and, on a shared machine, the steadier of the two.

python-kis also imports as ``pykis``, so it runs in ``bench/.venvs/python-kis`` (made on
first use, see ``_client_common.python_kis_python``) and times its own loops.
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
from pathlib import Path

from _client_common import BENCH, PythonKisWorker, machine, median, python_kis_python

from pykis.websocket.protocol import Codec, TradeEvent
from pykis.websocket.watch import _trade  # the model watch_trades yields, built as it does

CAPTURES = BENCH.parent / "tests" / "fixtures" / "captures" / "ws"
CAPTURE_FILES = ("H0STCNT0.066570.20241014.true-project.txt",
                 "H0STCNT0.005930.20230324.kinvest-go.txt")
FRAMES_PER_SIZE = 64


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
    batch: Callable[[int, int], tuple[float, float, int]]  # (size, repeat) -> wall, cpu, n
    repeat: dict[int, int] = field(default_factory=dict)  # per size, set by calibration
    wall: dict[int, list[float]] = field(default_factory=dict)  # records/s, one per round
    cpu: dict[int, list[float]] = field(default_factory=dict)


def ours(frames: dict[int, list[str]], mode: str) -> Callable[[int, int], tuple[float, float, int]]:
    codec = Codec()  # the stream's codec; no day lookup happens unless a time is read

    def batch(size: int, repeat: int) -> tuple[float, float, int]:
        decode, texts, records = codec.decode, frames[size], 0
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        if mode == "decode":
            for _ in range(repeat):
                for text in texts:
                    records += len(decode(text))
        elif mode == "read":
            for _ in range(repeat):
                for text in texts:
                    for event in decode(text):
                        event.price  # noqa: B018  (the read is the point)
                        event.volume  # noqa: B018
                        records += 1
        else:  # "trade"
            for _ in range(repeat):
                for text in texts:
                    for event in decode(text):
                        _trade(event)
                        records += 1
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        return wall, cpu, records

    return batch


def theirs(worker: WsWorker, read: bool) -> Callable[[int, int], tuple[float, float, int]]:
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
    """Where PyKIS's decode spends its time on ``size``-record frames (cProfile)."""
    codec = Codec()
    texts = frames[size]
    repeat = max(1, int(seconds * 200_000 / size / len(texts)))
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        for text in texts:
            codec.decode(text)
    profiler.disable()
    print(f"\ncProfile of Codec.decode, {size}-record frames, {repeat * len(texts):,} frames:")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(8)


# --- report ------------------------------------------------------------------------------------
def table(contenders: list[Contender], sizes: list[int], reference: dict[str, str]) -> str:
    lines = ["| records/frame | contender | records/s (wall, median) | slowest – fastest round "
             "| records/s (CPU, median) | µs/record (CPU) | ÷ python-kis (CPU) |",
             "|---:|---|---:|---:|---:|---:|---:|"]
    by_name = {c.name: c for c in contenders}
    for size in sizes:
        for contender in contenders:
            wall, cpu = contender.wall[size], contender.cpu[size]
            base = by_name[reference[contender.name]]
            ratio = median(cpu) / median(base.cpu[size])
            lines.append(
                f"| {size} | {contender.name} | {median(wall):,.0f} | {min(wall):,.0f} – "
                f"{max(wall):,.0f} | {median(cpu):,.0f} | {1e6 / median(cpu):.2f} | "
                f"{ratio:.1f}× |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--records", default="1,4,20", help="records per frame, comma-separated")
    parser.add_argument("--batch", type=float, default=0.25, help="seconds per timed batch")
    parser.add_argument("--profile", action="store_true",
                        help="then profile PyKIS's decode on the smallest frames")
    args = parser.parse_args()
    sizes = [int(s) for s in args.records.split(",")]
    records = genuine_records()
    frames = {size: frames_of(size, records) for size in sizes}

    with WsWorker() as worker, tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "frames.json"
        path.write_text(json.dumps({str(s): f for s, f in frames.items()}), encoding="utf-8")
        loaded = worker.ask("load", path=str(path))
        check_same_records(frames, loaded["check"])

        names = {"decode": "PyKIS `Codec.decode`", "read": "PyKIS decode + read price, volume",
                 "trade": "PyKIS decode → `Trade` (watch_trades's model)",
                 "pk": f"python-kis {loaded['version']} `KisWebsocketResponse.parse`",
                 "pk_read": f"python-kis {loaded['version']} parse + read price, volume"}
        contenders = [Contender(names["decode"], ours(frames, "decode")),
                      Contender(names["read"], ours(frames, "read")),
                      Contender(names["trade"], ours(frames, "trade")),
                      Contender(names["pk"], theirs(worker, read=False)),
                      Contender(names["pk_read"], theirs(worker, read=True))]
        # What each is compared with: like with like (nothing read, fields read, a full
        # user-facing object: python-kis builds one with every field converted anyway).
        reference = {names["decode"]: names["pk"], names["read"]: names["pk_read"],
                     names["trade"]: names["pk"], names["pk"]: names["pk"],
                     names["pk_read"]: names["pk_read"]}
        for contender in contenders:
            calibrate(contender, sizes, args.batch)

        pairs = [(c, s) for s in sizes for c in contenders]
        started = time.monotonic()
        for round_ in range(args.rounds):
            shift = round_ % len(pairs)
            for contender, size in pairs[shift:] + pairs[:shift]:
                wall, cpu, count = contender.batch(size, contender.repeat[size])
                contender.wall.setdefault(size, []).append(count / wall)
                contender.cpu.setdefault(size, []).append(count / cpu if cpu > 0 else float("nan"))
        elapsed = time.monotonic() - started

    print(f"H0STCNT0 decode; frames of {args.records} records from the genuine captures "
          f"({', '.join(CAPTURE_FILES)}); {args.rounds} rounds, every contender and size once a "
          f"round, order rotating; batches of ~{args.batch:g} s; {elapsed:.0f} s in all; "
          f"{machine()}\n")
    print(table(contenders, sizes, reference))
    print("\n÷ python-kis: the median CPU rate over python-kis's in the same run, like with "
          "like: decode and decode → Trade over python-kis's parse, decode + read over "
          "python-kis's parse + read. Target: ≥ 250,000 records/s on one core, ≥ 3× "
          "python-kis.")
    if args.profile:
        profile(frames, min(sizes), 2.0)


if __name__ == "__main__":
    main()
