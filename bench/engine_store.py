"""Order intents persisted per second (issue 5): the engine's store on SQLite and on
PostgreSQL, from one writer and from several at once, in one run.

    python bench/engine_store.py [--seconds 4] [--rounds 2] [--writers 4]

What is measured:

* **intent**: ``Store.record_intent(OrderIntent(...))``, the write the engine commits
  before it sends anything (``Executor.place``): one committed transaction per order
  (a look-up of the client order id, the insert, the commit). The ``OrderIntent`` is
  built inside the loop, as the engine builds one per order (its validation is in the
  figure; its cost alone is printed).
* **sequence**: the whole record of one order that KIS accepts, as ``Executor.send``
  commits it: ``record_intent``, ``mark_sent`` (just before the request leaves) and
  ``mark_accepted`` (KIS's order number), three committed transactions per order. No
  request is sent: the figure is the store's share only.

Each operation is timed on its own (``perf_counter``); an operation counts if it ends
inside the window. "orders/s" is orders completed per second in the window (all writers
together); "commits/s" is transactions committed per second (1 or 3 per order).

Writers: **1** (one thread in one process); **threads** (``--writers`` threads in one
process sharing one ``Store``, as the engine's threads share its store); **processes**
(``--writers`` processes, each with its own ``Store`` on the same database, as several
engine processes on one ledger). Writers run in spawned worker processes that live for
the whole run; each opens its ``Store`` and does two unmeasured orders per thread
(connections opened, statements compiled), then all start together at a time on the wall
clock set once every writer is ready.

Databases, each a fresh empty database (migrated by ``Store``) for every measurement:

* **SQLite**: a file, ``Store(path)`` as it is (WAL, ``BEGIN IMMEDIATE``,
  ``busy_timeout`` 30 s) and so SQLite's compiled-in ``synchronous`` (printed: FULL, 2, on
  Debian's build: under WAL the log is fsync'd at every commit).
* **SQLite, synchronous=NORMAL** (supplementary): the same with ``PRAGMA synchronous =
  NORMAL`` on every connection: under WAL a commit is not fsync'd (only checkpoints are),
  so the last commits can be lost on a power cut (not on a process crash).
* **PostgreSQL, test cluster**: ``tests/pgcluster.Cluster`` as the tests start it
  (``fsync=off``, ``synchronous_commit=off``, ``full_page_writes=off``: nothing is
  durable), over its unix socket, psycopg 3.
* **PostgreSQL, durable**: a second cluster of the same kind restarted with ``fsync=on``,
  ``synchronous_commit=on``, ``full_page_writes=on`` (PostgreSQL's defaults): a commit
  returns once its WAL is flushed to disk.

The SQLite files go in ``--dir`` (default: the system's temporary directory), the
clusters' data directories in the system's temporary directory (``Cluster`` makes them);
the file system of each is printed. The time of one 4 KiB write made durable in
``--dir`` (appended + ``fsync``; written over + ``fdatasync``) is measured first and
printed, as the floor of a durable commit. Measurements take turns: in each round every
(workload, writers) pair runs on every database, the database order rotating from round
to round, so machine noise falls on all alike; ratios compare figures of the same round.
CPU over each window is printed as a share of one core: the writing processes' own
(``process_time``), the PostgreSQL server's processes (``/proc/PID/task/*/schedstat``),
and the rest of the machine (``/proc/stat`` less those), which shows a disturbed run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _client_common import BENCH, machine, median, percentile

sys.path.insert(0, str(BENCH.parent / "tests"))

TICKERS = ("005930", "000660", "035420", "051910", "006400", "035720", "068270", "105560")
WORKLOADS = {"intent": 1, "sequence": 3}  # workload: commits per order
DATABASES = {
    "sqlite": "SQLite file, WAL (Store default)",
    "sqlite-normal": "SQLite file, WAL, synchronous=NORMAL",
    "pg-test": "PostgreSQL, test cluster (fsync off)",
    "pg-durable": "PostgreSQL, durable (fsync on)",
}
DURABLE_OPTIONS = ("-c fsync=on -c synchronous_commit=on -c full_page_writes=on")


# --- one writer's work ------------------------------------------------------------------------
def _intent(number: int):
    from pykis.engine.store import OrderIntent

    return OrderIntent(TICKERS[number % len(TICKERS)], "buy", 1 + number % 10,
                       limit_price=70_000, reason="bench", strategy="bench")


def _operation(store: Any, workload: str, prefix: int):
    """One order of ``workload`` on ``store``, numbered from ``prefix`` (broker order
    numbers must be unique per day)."""
    counter = iter(range(10**8))

    def intent() -> None:
        store.record_intent(_intent(next(counter)))

    def sequence() -> None:
        number = next(counter)
        order = store.record_intent(_intent(number))
        store.mark_sent(order.id)
        store.mark_accepted(order.id, f"{prefix:02d}{number:08d}", "06010")

    return {"intent": intent, "sequence": sequence}[workload]


def _open_store(database: dict[str, Any]):
    from sqlalchemy import event

    from pykis.engine.store import Store

    store = Store(database["url"], migrate=False)  # migrated once, by the main process
    if database.get("synchronous"):
        pragma = f"PRAGMA synchronous = {database['synchronous']}"

        def on_connect(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute(pragma)
            cursor.close()

        event.listen(store.engine, "connect", on_connect)
    return store


def _cell(database: dict[str, Any], workload: str, threads: int, writer: int,
          seconds: float, ready: Callable[[], float]) -> dict[str, Any]:
    """``threads`` threads on one store; ``ready()`` (once the store is open and warm)
    returns the common start time (wall clock); measured for ``seconds`` from it."""
    store = _open_store(database)
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors: list[str] = []
    operations = [_operation(store, workload, writer * 16 + t + 1) for t in range(threads)]
    for operation in operations:  # unmeasured: connections, compiled statements
        operation()
        operation()
    start_at = ready()
    begin = time.perf_counter() + (start_at - time.time())
    end = begin + seconds

    def loop(slot: int) -> None:
        operation, mine = operations[slot], latencies[slot]
        while time.perf_counter() < begin:
            time.sleep(min(0.01, max(0.0, begin - time.perf_counter())))
        while True:
            started = time.perf_counter()
            try:
                operation()
            except Exception as error:  # counted and shown, never fatal
                errors.append(f"{type(error).__name__}: {error}"[:200])
                if time.perf_counter() > end:
                    break
                continue
            finished = time.perf_counter()
            if finished > end:
                break
            mine.append(finished - started)

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    # CPU time of this process over the window (all its threads, user and system).
    time.sleep(max(0.0, begin - time.perf_counter()))
    cpu = time.process_time()
    time.sleep(max(0.0, end - time.perf_counter()))
    cpu = time.process_time() - cpu
    for worker in workers:
        worker.join()
    store.close()
    return {"latencies": [v for mine in latencies for v in mine], "errors": errors,
            "cpu": cpu}


def _worker(conn: Any) -> None:
    """One writing process: for each cell, open and warm its store, say so, wait for
    the start time, run, answer."""

    def ready() -> float:
        conn.send({"ready": True})
        return conn.recv()

    while True:
        message = conn.recv()
        if message is None:
            return
        try:
            conn.send(_cell(**message, ready=ready))
        except Exception as error:  # the main process reports it
            conn.send({"failed": f"{type(error).__name__}: {error}"})


# --- the databases ----------------------------------------------------------------------------
class Databases:
    """Fresh empty databases of each kind, migrated."""

    def __init__(self, folder: Path, kinds: list[str]) -> None:
        self.folder, self.kinds = folder, kinds
        self.clusters: dict[str, Any] = {}
        self._count = 0

    def __enter__(self) -> Databases:
        from pgcluster import PORT, Cluster

        for kind in self.kinds:
            if not kind.startswith("pg-"):
                continue
            cluster = Cluster().start()
            self.clusters[kind] = cluster
            if kind == "pg-durable":
                # pg_ctl's -o replaces the test options (fsync=off, ...) on restart.
                options = (f"-p {PORT} -k {cluster.socket} -c listen_addresses='' "
                           + DURABLE_OPTIONS)
                cluster._run("pg_ctl", "-D", str(cluster.data), "-l",
                             str(cluster.root / "server.log"), "-o", options, "-w", "-t",
                             "60", "restart")
        return self

    def __exit__(self, *exc: object) -> None:
        for cluster in self.clusters.values():
            cluster.stop()

    def fresh(self, kind: str) -> dict[str, Any]:
        from pykis.engine.store import Store

        self._count += 1
        if kind.startswith("sqlite"):
            url = f"sqlite:///{self.folder / f'bench-{self._count}.sqlite3'}"
        else:
            url = self.clusters[kind].create_database()
        Store(url).close()  # migrate
        return {"url": url, "synchronous": "NORMAL" if kind == "sqlite-normal" else None}

    def settings(self, kind: str) -> str:
        from sqlalchemy import create_engine

        database = self.fresh(kind)
        if kind.startswith("sqlite"):
            store = _open_store(database)
            with store.engine.connect() as connection:
                read = {p: connection.exec_driver_sql(f"PRAGMA {p}").scalar()
                        for p in ("journal_mode", "synchronous")}
            store.close()
            import sqlite3

            names = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
            return (f"SQLite {sqlite3.sqlite_version}: journal_mode={read['journal_mode']}, "
                    f"synchronous={names.get(read['synchronous'], read['synchronous'])}")
        engine = create_engine(database["url"])
        with engine.connect() as connection:
            read = {p: connection.exec_driver_sql(f"SHOW {p}").scalar()
                    for p in ("server_version", "fsync", "synchronous_commit",
                              "full_page_writes", "wal_sync_method", "commit_delay")}
        engine.dispose()
        return (f"PostgreSQL {read.pop('server_version').split()[0]}: "
                + ", ".join(f"{k}={v}" for k, v in read.items()))


def fsync_probe(folder: Path, count: int = 200) -> dict[str, tuple[float, float]]:
    """Median and p90 ms of one 4 KiB write made durable, in a file in ``folder``:
    appended + ``fsync`` (the file grows: its size is journalled too), and written over
    a block of a file already that size + ``fdatasync`` (as a reused log is)."""
    path = folder / "fsync-probe"
    block = b"x" * 4096
    found: dict[str, tuple[float, float]] = {}
    for name in ("append + fsync", "overwrite + fdatasync"):
        times = []
        with open(path, "r+b" if path.exists() else "wb") as file:
            for n in range(count):
                started = time.perf_counter()
                if name.startswith("append"):
                    file.write(block)
                    file.flush()
                    os.fsync(file.fileno())
                else:
                    os.pwrite(file.fileno(), block, (n % count) * 4096)
                    os.fdatasync(file.fileno())
                times.append((time.perf_counter() - started) * 1e3)
        times.sort()
        found[name] = (median(times), times[int(0.9 * len(times))])
    path.unlink()
    return found


def intent_cost(count: int = 5000) -> float:
    """µs to build and validate one ``OrderIntent`` (no database)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for n in range(count):
            _intent(n)
        best = min(best, (time.perf_counter() - started) / count * 1e6)
    return best


def filesystem(path: Path) -> str:
    """The file system ``path`` is on, from /proc/mounts (the longest mount point)."""
    best, where = ("", "?", "?"), str(path.resolve())
    with open("/proc/mounts") as mounts:
        for line in mounts:
            device, point, kind = line.split()[:3]
            if where.startswith(point.rstrip("/") + "/") and len(point) >= len(best[0]):
                best = (point, kind, device)
    return f"{best[1]} on {best[2]} (mounted at {best[0]})"


def cpu_busy() -> float:
    """CPU seconds the whole machine has been busy (not idle, not waiting for I/O), all
    CPUs together, from /proc/stat."""
    with open("/proc/stat") as stat:
        values = [float(v) for v in stat.readline().split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """CPU seconds used so far by process ``pid``, all its threads (the scheduler's own
    account, /proc/PID/task/*/schedstat: exact, unlike the tick-sampled /proc/PID/stat;
    threads that have ended are not counted)."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0.0
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as schedstat:
                total += int(schedstat.read().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return total / 1e9


def server_cpu(data: Path | None) -> dict[int, float]:
    """CPU seconds used so far by each process of a PostgreSQL server (its postmaster and
    the processes it started: backends, WAL writer, checkpointer...); {} for None."""
    if data is None:
        return {}
    try:
        master = int((data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return {}
    found: dict[int, float] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if int(entry.name) == master or parent == master:
            found[int(entry.name)] = process_cpu(int(entry.name))
    return found


def used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds the processes alive at the end used since ``before`` (a backend that
    ended in between, e.g. the previous measurement's, does not count against it)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


# --- the run ----------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="measured, per cell")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--writers", type=int, default=4,
                        help="threads, and processes, of the concurrent layouts")
    parser.add_argument("--databases", default=",".join(DATABASES),
                        help=f"comma-separated, of {', '.join(DATABASES)}")
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--dir", default=None,
                        help="where the SQLite files go (default: the temporary directory)")
    args = parser.parse_args()
    kinds = [k for k in args.databases.split(",") if k]
    workloads = [w for w in args.workloads.split(",") if w]
    for kind in kinds:
        if kind not in DATABASES:
            raise SystemExit(f"unknown database {kind!r}")
    layouts = [("1", 1, 1), ("threads", 1, args.writers), ("processes", args.writers, 1)]

    context = mp.get_context("spawn")
    workers = []
    for _ in range(args.writers):
        ours, theirs = context.Pipe()
        process = context.Process(target=_worker, args=(theirs,), daemon=True)
        process.start()
        workers.append((process, ours))

    folder = Path(tempfile.mkdtemp(prefix="pykis-bench-store-", dir=args.dir))
    results: list[dict[str, Any]] = []
    started = time.monotonic()
    try:
        with Databases(folder, kinds) as databases:
            settings = {kind: databases.settings(kind) for kind in kinds}
            locations = {kind: filesystem(folder if kind.startswith("sqlite")
                                          else databases.clusters[kind].data)
                         for kind in kinds}
            probe = fsync_probe(folder)
            cost = intent_cost()
            for round_ in range(1, args.rounds + 1):
                order = kinds[(round_ - 1) % len(kinds):] + kinds[:(round_ - 1) % len(kinds)]
                for workload in workloads:
                    for layout, processes, threads in layouts:
                        for kind in order:
                            database = databases.fresh(kind)
                            for n in range(processes):
                                workers[n][1].send({
                                    "database": database, "workload": workload,
                                    "threads": threads, "writer": n, "seconds": args.seconds})
                            answers = [workers[n][1].recv() for n in range(processes)]
                            failed = [a["failed"] for a in answers if "failed" in a]
                            if not failed:
                                data = (databases.clusters[kind].data
                                        if kind in databases.clusters else None)
                                start_at = time.time() + 0.1
                                for n in range(processes):
                                    workers[n][1].send(start_at)
                                time.sleep(max(0.0, start_at - time.time()))
                                busy, server = cpu_busy(), server_cpu(data)
                                # read at the window's end, before connections close
                                time.sleep(max(0.0, start_at + args.seconds - time.time()))
                                busy, server = cpu_busy() - busy, used(server,
                                                                       server_cpu(data))
                                answers = [workers[n][1].recv() for n in range(processes)]
                                failed = [a["failed"] for a in answers if "failed" in a]
                            if failed:
                                raise SystemExit(f"{kind} {workload} {layout}: {failed[0]}")
                            latencies = sorted(v for a in answers for v in a["latencies"])
                            errors = [e for a in answers for e in a["errors"]]
                            results.append({
                                "round": round_, "database": kind, "workload": workload,
                                "layout": layout, "orders": len(latencies),
                                "rate": len(latencies) / args.seconds,
                                "latencies": latencies, "errors": errors,
                                # CPU over the window, in cores: the writers, the
                                # database server, and the rest of the machine
                                "cpu": sum(a["cpu"] for a in answers) / args.seconds,
                                "server": server / args.seconds,
                                "others": (busy - server - sum(a["cpu"] for a in answers))
                                / args.seconds,
                            })
                            print(f"round {round_} {workload:8} {layout:9} {kind:13} "
                                  f"{results[-1]['rate']:9,.0f} orders/s", file=sys.stderr)
    finally:
        for process, conn in workers:
            conn.send(None)
            process.join(timeout=15)
            if process.is_alive():
                process.terminate()
        shutil.rmtree(folder, ignore_errors=True)
    elapsed = time.monotonic() - started
    report(args, kinds, workloads, layouts, results, settings, locations, probe, cost, elapsed)


def report(args, kinds, workloads, layouts, results, settings, locations, probe, cost,
           elapsed) -> None:
    import psycopg
    import sqlalchemy

    print(f"Order intents persisted per second; {args.rounds} rounds × {args.seconds:g} s per "
          f"cell; {args.writers} writers in the concurrent layouts; {elapsed:.0f} s in all; "
          f"{machine()}; SQLAlchemy {sqlalchemy.__version__}, psycopg {psycopg.__version__}; "
          f"{platform.platform()}\n")
    for kind in kinds:
        print(f"- {DATABASES[kind]}: {settings[kind]}; {locations[kind]}")
    print("- one 4 KiB write made durable on that disk: " + "; ".join(
        f"{name} median {m:.2f} ms, p90 {p90:.2f} ms" for name, (m, p90) in probe.items()))
    print(f"- building one OrderIntent (validation, no database): {cost:.1f} µs\n")

    def base_of(r: dict[str, Any]) -> float | None:
        for other in results:
            if (other["database"] == "sqlite" and other["round"] == r["round"]
                    and other["workload"] == r["workload"] and other["layout"] == r["layout"]):
                return other["rate"]
        return None

    def writers(layout: str) -> str:
        return {"1": "1", "threads": f"{args.writers} threads",
                "processes": f"{args.writers} processes"}[layout]

    print("Every measurement:\n")
    print("| round | workload | writers | database | orders/s | commits/s | ÷ SQLite | "
          "p50 ms | p99 ms | max ms | errors | writers' CPU | server CPU | others' CPU |")
    print("|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        ordered = [v * 1e3 for v in r["latencies"]]
        base = base_of(r)
        ratio = f"{r['rate'] / base:.2f}×" if base else "–"
        if ordered:
            times = (f"{percentile(ordered, 0.5):.2f} | {percentile(ordered, 0.99):.2f} | "
                     f"{ordered[-1]:.1f}")
        else:
            times = "– | – | –"
        print(f"| {r['round']} | {r['workload']} | {writers(r['layout'])} | "
              f"{DATABASES[r['database']]} | {r['rate']:,.0f} | "
              f"{r['rate'] * WORKLOADS[r['workload']]:,.0f} | {ratio} | {times} | "
              f"{len(r['errors'])} | {r['cpu']:.0%} | "
              f"{r['server']:.0%} | {r['others']:.0%} |")
    errors = [e for r in results for e in r["errors"]]
    if errors:
        print(f"\nErrors ({len(errors)}), first: {errors[0]}")

    print("\nMedian over rounds, orders/s (÷ SQLite default in the same round, median):\n")
    print("| workload | writers | " + " | ".join(DATABASES[k] for k in kinds) + " |")
    print("|---|---|" + "---:|" * len(kinds))
    for workload in workloads:
        for layout, _, _ in layouts:
            cells = []
            for kind in kinds:
                mine = [r for r in results if r["database"] == kind
                        and r["workload"] == workload and r["layout"] == layout]
                if not mine:
                    cells.append("–")
                    continue
                rate = median([r["rate"] for r in mine])
                ratios = [r["rate"] / b for r in mine if (b := base_of(r))]
                cells.append(f"{rate:,.0f}" + (f" ({median(ratios):.2f}×)"
                                               if ratios and kind != "sqlite" else ""))
            print(f"| {workload} | {writers(layout)} | " + " | ".join(cells) + " |")
    print(f"\n(CPU over the window, as a share of one core ({os.cpu_count()} CPUs = 200 %): "
          "writers', the writing processes' own (user + system); server, PostgreSQL's "
          "processes; others', the rest of the machine's busy time in /proc/stat (sampled "
          "at the clock tick, so ±5 % or so): other processes, kernel threads (the file "
          "system's journal), interrupts. "
          f"Date {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.)")


if __name__ == "__main__":
    main()
