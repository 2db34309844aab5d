"""Sustained use of KIS's rate limit by many workers on one app key (issues 3 and 12):
achieved vs. allowed requests per second, and how often the server still said EGW00201.

    python bench/client_ratelimit.py [--seconds 30] [--layout mixed|split|both]
                                     [--limiter window|spaced|both] [--rate R]

One simulator server (``SimServer`` in a spawned process) with **KIS's real limit on**: 20
calls per second per app key in a sliding one-second window, EGW00201 beyond it. Two client
processes (spawned) share one app key, one token cache file and one ``FileStore``
directory (both in a temporary directory), each client with the ``--limiter`` asked for at
its default for real: ``window`` (the default, 20 calls in any 1.05 s) or ``spaced`` (19/s,
evenly); ``--rate R`` runs an evenly spaced ``Rate(R)`` instead. 16 asyncio tasks and 4
threads in all, each looping ``fetch_ticker`` over 20 symbols for ``--seconds``:

* ``mixed`` (default): each process runs an ``AsyncKIS`` with 8 tasks *and* a ``KIS`` with 2
  threads, so tasks, threads and processes all share the one limit with each other;
* ``split``: process A, an ``AsyncKIS`` with 16 tasks; process B, a ``KIS`` with 4 threads.

Every client starts cold: the first calls of all of them share one token issuance. After
every worker's first call the window opens; the simulator's ``/_sim/stats`` is read at its
start and end, so "achieved" is what the server answered in the window. EGW00201 is the
server's count over the whole run (the client retries those, so they would not show as
errors). Prints a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import queue
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _client_common import KIS_REAL_RATE, ServerProcess, machine

from pykis.utils.ratelimit import Rate, Window, limit_for

LAYOUTS = {  # per process: (asyncio tasks, threads)
    "mixed": [(8, 2), (8, 2)],
    "split": [(16, 0), (0, 4)],
}


# --- a client process ------------------------------------------------------------------------
def _client_process(setup: dict[str, Any], tasks: int, threads: int, commands: mp.Queue,
                    results: mp.Queue) -> None:
    from pykis import KIS, AsyncKIS
    from pykis.utils.ratelimit import FileStore, Rate, Window

    directory = Path(setup["directory"])
    arguments: dict[str, Any] = {"base_url": setup["base_url"],
                                 "token_path": directory / "tokens.json"}
    # A number: an evenly spaced Rate; a pair: a Window; a name: that limiter's default.
    rate = setup["rate"]
    arguments["rate"] = (Rate(rate) if isinstance(rate, float)
                         else Window(*rate) if isinstance(rate, tuple) else rate)
    creds = (setup["app_key"], setup["app_secret"], setup["account_no"])
    symbols = setup["symbols"]
    tally = {"ok": 0, "errors": 0, "late": 0, "first_error": "", "times": []}
    lock = threading.Lock()

    def record(done: float, window: tuple[float, float], error: Exception | None) -> None:
        with lock:
            if error is not None:
                tally["errors"] += 1
                tally["first_error"] = tally["first_error"] or repr(error)
            elif window[0] <= done < window[1]:
                tally["ok"] += 1
                tally["times"].append(done)
            else:
                tally["late"] += 1

    window: list[float] = []  # [start, end] once the parent says go
    go = threading.Event()

    def thread_worker(client: KIS, index: int) -> None:
        client.fetch_ticker(symbols[index % len(symbols)])  # cold start: token, connection
        warmed.release()
        go.wait()
        start, end = window
        time.sleep(max(0.0, start - time.monotonic()))
        i = index
        while time.monotonic() < end:
            i += 1
            try:
                client.fetch_ticker(symbols[i % len(symbols)])
                record(time.monotonic(), (start, end), None)
            except Exception as error:  # noqa: BLE001  (counted as a client error)
                record(time.monotonic(), (start, end), error)

    async def task_worker(client: AsyncKIS, index: int, started: asyncio.Event) -> None:
        await client.fetch_ticker(symbols[index % len(symbols)])
        warmed.release()
        await started.wait()
        start, end = window
        await asyncio.sleep(max(0.0, start - time.monotonic()))
        i = index
        while time.monotonic() < end:
            i += 1
            try:
                await client.fetch_ticker(symbols[i % len(symbols)])
                record(time.monotonic(), (start, end), None)
            except Exception as error:  # noqa: BLE001  (counted as a client error)
                record(time.monotonic(), (start, end), error)

    warmed = threading.Semaphore(0)

    async def run_tasks() -> None:
        started = asyncio.Event()
        store = FileStore(directory / "rate")
        async with AsyncKIS(*creds, rate_store=store, **arguments) as client:
            workers = [asyncio.create_task(task_worker(client, n, started)) for n in range(tasks)]
            await asyncio.to_thread(go.wait)
            started.set()
            await asyncio.gather(*workers)

    def parent_go() -> None:
        for _ in range(tasks + threads):
            warmed.acquire()
        results.put({"ready": True})
        window.extend(commands.get())  # [start, end] in time.monotonic(), machine-wide
        go.set()

    sync_client = KIS(*creds, rate_store=FileStore(directory / "rate"), **arguments)
    pool = [threading.Thread(target=thread_worker, args=(sync_client, n)) for n in range(threads)]
    pool.append(threading.Thread(target=parent_go))
    for thread in pool:
        thread.start()
    if tasks:
        asyncio.run(run_tasks())
    for thread in pool:
        thread.join()
    sync_client.close()
    results.put({"tally": tally})


# --- the run -------------------------------------------------------------------------------
def run(layout: str, seconds: float, rate: float | tuple[int, float] | str
        ) -> dict[str, Any]:
    context = mp.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="pykis-bench-") as tmp, \
            ServerProcess(real_limit=KIS_REAL_RATE, symbols=20) as server:
        creds = server.new_account()
        setup = {"base_url": server.base_url, "directory": tmp, "symbols": server.symbols,
                 "rate": rate,
                 **{k: creds[k] for k in ("app_key", "app_secret", "account_no")}}
        processes = []
        for tasks, threads in LAYOUTS[layout]:
            commands, results = context.Queue(), context.Queue()
            process = context.Process(target=_client_process,
                                      args=(setup, tasks, threads, commands, results))
            process.start()
            processes.append((process, commands, results))
        for process, _, results in processes:
            _wait(process, results, 120)  # every worker made its first (cold) call
        start = time.monotonic() + 1.5  # the warm-up calls leave the one-second window
        end = start + seconds
        for _, commands, _ in processes:
            commands.put([start, end])
        time.sleep(max(0.0, start - time.monotonic()))
        before = server.stats(creds["app_key"])
        time.sleep(max(0.0, end - time.monotonic()))
        after = server.stats(creds["app_key"])
        tallies = [_wait(process, results, seconds + 60)["tally"]
                   for process, _, results in processes]
        for process, _, _ in processes:
            process.join(timeout=10)
        final = server.stats(creds["app_key"])
    times = sorted(t for tally in tallies for t in tally["times"])
    return {
        "layout": layout, "seconds": seconds, "limiter": _limiter(rate),
        "configured": _limit(rate).per_second,
        "served": after["requests"] - before["requests"],
        "ok": sum(t["ok"] for t in tallies), "errors": sum(t["errors"] for t in tallies),
        "first_error": next((t["first_error"] for t in tallies if t["first_error"]), ""),
        "throttled": final["rate_limited"], "tokens_issued": final["tokens_issued"],
        "busiest": _busiest_second(times), "per_second": _per_second(times, start, seconds),
    }


def _limit(rate: float | tuple[int, float] | str) -> Rate | Window:
    if isinstance(rate, float):
        return Rate(rate)
    return Window(*rate) if isinstance(rate, tuple) else limit_for("real", rate)


def _limiter(rate: float | tuple[int, float] | str) -> str:
    """How the table names the limiter of a run."""
    limit = _limit(rate)
    named = "default" if isinstance(rate, str) else (
        f"`--rate {rate:g}`" if isinstance(rate, float) else f"`--window {rate[0]},{rate[1]:g}`")
    if isinstance(limit, Window):
        return f"window: {limit.calls} in {limit.seconds:g} s ({named})"
    return f"spaced: {limit.per_second:g}/s ({named})"


def _wait(process: mp.Process, results: mp.Queue, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return results.get(timeout=0.5)
        except queue.Empty:
            if not process.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("a client process failed (its traceback is on stderr)") \
                    from None


def _busiest_second(times: list[float]) -> int:
    """Most successful answers received within any one second (sliding), client side."""
    best, low = 0, 0
    for high, moment in enumerate(times):
        while times[low] <= moment - 1.0:
            low += 1
        best = max(best, high - low + 1)
    return best


def _per_second(times: list[float], start: float, seconds: float) -> list[int]:
    counts = [0] * int(seconds)
    for moment in times:
        index = int(moment - start)
        if 0 <= index < len(counts):
            counts[index] += 1
    return counts


def table(results: list[dict[str, Any]]) -> str:
    rows = [("| limiter | layout | window s | served in window | achieved req/s "
             "| configured sustained "
             "| KIS nominal | achieved ÷ configured | achieved ÷ nominal | EGW00201 "
             "| client errors | busiest 1 s | slowest – fastest whole second | tokens issued |"),
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        rate, configured = r["served"] / r["seconds"], r["configured"]
        per_second = r["per_second"]
        rows.append(
            f"| {r['limiter']} | {r['layout']} | {r['seconds']:g} | {r['served']} "
            f"| {rate:.2f} | {configured:.2f} "
            f"| {KIS_REAL_RATE} | {rate / configured:.1%} | {rate / KIS_REAL_RATE:.1%} "
            f"| {r['throttled']} | {r['errors']} | {r['busiest']} "
            f"| {min(per_second)} – {max(per_second)} | {r['tokens_issued']} |")
    return "\n".join(rows)


def _window(text: str) -> tuple[int, float]:
    calls, seconds = text.split(",")
    Window(int(calls), float(seconds))  # refuses nonsense
    return int(calls), float(seconds)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30, help="measured window")
    parser.add_argument("--layout", choices=[*LAYOUTS, "both"], default="mixed")
    parser.add_argument("--limiter", choices=["window", "spaced", "both"], default="window",
                        help="the client's limiter, at its default for real")
    parser.add_argument("--rate", type=float, default=None,
                        help="an evenly spaced rate per second instead of --limiter")
    parser.add_argument("--window", type=_window, default=None, metavar="CALLS,SECONDS",
                        help="a window of your own instead of --limiter, e.g. 19,1.05")
    args = parser.parse_args()
    if args.seconds < 1:
        parser.error("--seconds must be at least 1")
    layouts = list(LAYOUTS) if args.layout == "both" else [args.layout]
    limiters: list[float | tuple[int, float] | str] = (
        [args.rate] if args.rate is not None else [args.window] if args.window is not None
        else ["window", "spaced"] if args.limiter == "both" else [args.limiter])
    before = _load()
    results = [run(layout, args.seconds, limiter) for limiter in limiters
               for layout in layouts]
    print(f"2 client processes, 16 asyncio tasks + 4 threads in all, one app key, one "
          f"FileStore; simulator over a socket with KIS's real limit on ({KIS_REAL_RATE}/s "
          f"per app key, sliding window); {machine()}; load average {before} before, "
          f"{_load()} after\n")
    print(table(results))
    print("\nmixed: each process an AsyncKIS with 8 tasks and a KIS with 2 threads; split: "
          "process A an AsyncKIS with 16 tasks, process B a KIS with 4 threads. served: "
          "answers the simulator gave the key in the window; EGW00201: the simulator's "
          "refusals over the whole run (PyKIS retries them); busiest 1 s: most answers "
          "received in any sliding second, client side.")
    for r in results:
        if r["first_error"]:
            print(f"\n{r['layout']}: first client error: {r['first_error']}")


if __name__ == "__main__":
    main()
