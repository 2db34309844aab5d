"""A snapshot of 300 symbols at KIS's real rate limit (issues 3 and 12): ``fetch_tickers``
with each rate limiter against the same 10 multi-quote calls sent at once, side by side in
one run; then one call per symbol and python-kis.

    python bench/client_snapshot.py [--symbols 300] [--rounds 15] [--server-window sliding]

One simulator server (``SimServer`` in a spawned process) with ``extra_listings`` so the
universe holds ``--symbols`` distinct codes, and **KIS's real limit on**: 20 calls per
second per app key, in a sliding one-second window (``--server-window fixed``: whole clock
seconds), EGW00201 beyond it. Each contender has an app key of its own (its own token, its
own 20/s, its own counters in ``/_sim/stats``) and makes one whole snapshot before the
clock starts (token issued, connections open). In the order printed:

1. the pair, like for like (the same client, the same 10 calls, 300 ``Ticker``\\s back):
   * ``KIS.fetch_tickers`` with the **window** limiter (the default, 20 calls in any
     1.05 s; ``pykis.utils.ratelimit``);
   * the same with a limit it never reaches (``Window(1_000_000)``): the 10 calls sent at
     once, as ``fetch_tickers`` sends them (8 threads);
2. the floor: the 10 prebuilt requests sent at once from 10 threads on one
   ``httpx.Client``, each answer through ``json.loads``;
3. ``fetch_tickers`` with the **spaced** limiter (``rate="spaced"``: 19/s, evenly);
4. wider (``--wide-rounds``, 0 to leave out): ``KIS.fetch_ticker(s)`` for each symbol in a
   loop, and python-kis 2.1.6 (its own venv, a subprocess) ``quote(kis, s, "KRX")`` for
   each symbol, the one-request quote behind ``kis.stock(s).quote()``.

Every client keeps its rate state in a ``FileStore`` and its token in a temporary
directory. The contenders take turns ``--rounds`` times (the order rotating each round),
1.1 s apart so each key's window is empty when its turn comes; seconds are wall time per
snapshot. Prints the load average before and after (the machine may be shared), and a
markdown table with the simulator's request and EGW00201 counts and the ratios.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from _client_common import (
    KIS_PAPER_RATE,
    KIS_REAL_RATE,
    MULTI_PATH,
    PythonKisWorker,
    ServerProcess,
    _build,
    api_headers,
    machine,
    median,
    sent,
)

from pykis import KIS
from pykis.utils.ratelimit import FileStore, Window

BATCH = 30  # symbols per intstock-multprice call
NEVER = Window(1_000_000, 1.0)  # a limit no snapshot reaches: the calls go at once


# --- the server, with the window kind asked for ---------------------------------------------
def _serve(options: dict[str, Any], ready: mp.Queue, stop: mp.Event) -> None:
    from pykis.sim.ratelimit import RateLimiter

    server, symbols = _build(options)
    server.sim.limiter = RateLimiter(options["window"])
    server.start()
    ready.put({"port": server.port, "symbols": symbols})
    stop.wait()
    server.stop()


class Server(ServerProcess):
    """``ServerProcess`` whose simulator counts in a ``window`` ("sliding" or "fixed")."""

    def __init__(self, window: str, symbols: int) -> None:
        super().__init__(real_limit=KIS_REAL_RATE, symbols=symbols, extra_listings=symbols)
        options = {"real_limit": KIS_REAL_RATE, "paper_limit": KIS_PAPER_RATE,
                   "symbols": symbols, "extra_listings": symbols, "window": window}
        self._process = mp.get_context("spawn").Process(
            target=_serve, args=(options, self._ready, self._stop), daemon=True)


# --- contenders ------------------------------------------------------------------------------
@dataclass
class Contender:
    name: str
    how: str
    app_key: str
    run: Callable[[], tuple[int, str]]  # () -> (errors, first error)
    seconds: list[float] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)
    throttled: list[int] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""


def pykis_client(server: ServerProcess, directory: Path, rate: Any) -> KIS:
    creds = server.new_account()
    return KIS(creds["app_key"], creds["app_secret"], creds["account_no"],
               base_url=server.base_url, token_path=directory / "tokens.json",
               rate_store=FileStore(directory / "rate"), rate=rate)


def snapshot(client: KIS, symbols: list[str]) -> Callable[[], tuple[int, str]]:
    def run() -> tuple[int, str]:
        got = {t.symbol for t in client.fetch_tickers(symbols)}
        return len(set(symbols) - got), "" if got == set(symbols) else "missing symbols"
    return run


def loop(client: KIS, symbols: list[str]) -> Callable[[], tuple[int, str]]:
    def run() -> tuple[int, str]:
        errors, first = 0, ""
        for symbol in symbols:
            try:
                client.fetch_ticker(symbol)
            except Exception as error:  # noqa: BLE001  (counted; the run goes on)
                errors += 1
                first = first or repr(error)
        return errors, first
    return run


class AtOnce:
    """The floor: ``fetch_tickers``'s requests, built once, sent together from one thread
    each (started before the clock), each answer read with ``json.loads``."""

    def __init__(self, server: ServerProcess, symbols: list[str]) -> None:
        creds = server.new_account()
        self.app_key = creds["app_key"]
        self.http = httpx.Client(base_url=server.base_url, timeout=30)
        token = self.http.post("/oauth2/tokenP", json={
            "grant_type": "client_credentials", "appkey": creds["app_key"],
            "appsecret": creds["app_secret"]}).json()["access_token"]
        headers = api_headers(creds["app_key"], creds["app_secret"], token, "FHKST11300006")
        self.requests = []
        for i in range(0, len(symbols), BATCH):
            params: dict[str, str] = {}
            for n, code in enumerate(symbols[i:i + BATCH], 1):
                params |= {f"FID_COND_MRKT_DIV_CODE_{n}": "J", f"FID_INPUT_ISCD_{n}": code}
            self.requests.append(self.http.build_request("GET", MULTI_PATH, params=params,
                                                         headers=headers))
        self.pool = ThreadPoolExecutor(len(self.requests))
        self.wanted = len(symbols)

    def _one(self, request: httpx.Request) -> int:
        body = json.loads(self.http.send(request).content)
        return len(body.get("output", [])) if body.get("rt_cd") == "0" else 0

    def run(self) -> tuple[int, str]:
        answered = sum(self.pool.map(self._one, self.requests))
        return self.wanted - answered, "" if answered == self.wanted else "missing symbols"

    def close(self) -> None:
        self.pool.shutdown()
        self.http.close()


def contenders(server: ServerProcess, directory: Path, worker: PythonKisWorker | None,
               symbols: list[str], wide: bool) -> tuple[list[Contender], list[Any]]:
    window = pykis_client(server, directory, "window")
    at_once = pykis_client(server, directory, NEVER)
    spaced = pykis_client(server, directory, "spaced")
    floor = AtOnce(server, symbols)
    out = [
        Contender("PyKIS", "`fetch_tickers`, window limiter (default)", window.app_key,
                  snapshot(window, symbols)),
        Contender("PyKIS", "`fetch_tickers`, no wait: the 10 calls at once",
                  at_once.app_key, snapshot(at_once, symbols)),
        Contender("floor", "10 prebuilt requests at once + `json.loads`", floor.app_key,
                  floor.run),
        Contender("PyKIS", "`fetch_tickers`, spaced limiter (`rate=\"spaced\"`)",
                  spaced.app_key, snapshot(spaced, symbols)),
    ]
    closers: list[Any] = [window, at_once, spaced, floor]
    if wide:
        single = pykis_client(server, directory, "window")
        single.fetch_ticker(symbols[0])
        closers.append(single)
        out.append(Contender("PyKIS", "`fetch_ticker` × N, a loop (window)", single.app_key,
                             loop(single, symbols)))
        if worker is not None:
            out.append(python_kis(server, worker, symbols))
    for contender in out[:4]:
        contender.run()  # warm: token, connections, the whole path once
    return out, closers


def python_kis(server: ServerProcess, worker: PythonKisWorker,
               symbols: list[str]) -> Contender:
    creds = server.new_account()
    version = worker.ask("setup", url=server.base_url, warm=symbols[0], **{
        k: creds[k] for k in ("app_key", "app_secret", "account_no", "hts_id")})["version"]

    def run() -> tuple[int, str]:
        answer = worker.ask("quotes", symbols=symbols)
        return answer["errors"], answer["first_error"]

    return Contender(f"python-kis {version}", '`quote(kis, s, "KRX")` × N, a loop',
                     creds["app_key"], run)


def measure(server: ServerProcess, contender: Contender) -> None:
    before = server.stats(contender.app_key)
    started = time.perf_counter()
    errors, first = contender.run()
    contender.seconds.append(time.perf_counter() - started)
    after = server.stats(contender.app_key)
    contender.requests.append(sent(before, after))
    contender.throttled.append(after["rate_limited"] - before["rate_limited"])
    contender.errors += errors
    contender.first_error = contender.first_error or first


# --- the report ------------------------------------------------------------------------------
def table(results: list[Contender], symbols: int) -> str:
    at_once, floor = median(results[1].seconds), median(results[2].seconds)
    rows = [("| # | client | how | seconds (median) | min – max | rounds | HTTP requests "
             "| EGW00201 | errors | ÷ no wait (same calls at once) | ÷ floor |"),
            "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n, c in enumerate(results, 1):
        seconds = median(c.seconds)
        rows.append(
            f"| {n} | {c.name} | {c.how} | {seconds:.4f} "
            f"| {min(c.seconds):.4f} – {max(c.seconds):.4f} | {len(c.seconds)} "
            f"| {median(c.requests):g} | {sum(c.throttled)} | {c.errors} "
            f"| {seconds / at_once:.2f}× | {seconds / floor:.2f}× |")
    return "\n".join(rows)


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--symbols", type=int, default=300, help="distinct symbols per snapshot")
    parser.add_argument("--rounds", type=int, default=15, help="snapshots per fast contender")
    parser.add_argument("--wide-rounds", type=int, default=1,
                        help="rounds of the one-call-per-symbol loops (0: leave them out)")
    parser.add_argument("--server-window", choices=["sliding", "fixed"], default="sliding")
    parser.add_argument("--no-python-kis", action="store_true", help="leave python-kis out")
    args = parser.parse_args()
    if args.symbols < 1 or args.rounds < 1 or args.wide_rounds < 0:
        parser.error("--symbols and --rounds must be at least 1, --wide-rounds at least 0")

    started_load = load()
    wide = args.wide_rounds > 0
    worker = None if args.no_python_kis or not wide else PythonKisWorker()
    with tempfile.TemporaryDirectory(prefix="pykis-bench-") as tmp, \
            Server(args.server_window, args.symbols) as server:
        symbols = server.symbols
        if len(set(symbols)) < args.symbols:
            sys.exit(f"the simulator has only {len(set(symbols))} symbols")
        closers: list[Any] = []
        try:
            results, closers = contenders(server, Path(tmp), worker, symbols, wide)
            fast, slow = results[:4], results[4:]
            time.sleep(1.1)  # the warm-up calls leave every key's window
            for round_ in range(args.rounds):
                shift = round_ % len(fast)
                for contender in fast[shift:] + fast[:shift]:
                    measure(server, contender)
                time.sleep(1.1)
            for _ in range(args.wide_rounds):
                for contender in slow:
                    measure(server, contender)
                    time.sleep(1.1)
        finally:
            for closer in closers:
                closer.close()
            if worker is not None:
                worker.close()
    ended_load = load()

    calls = math.ceil(args.symbols / BATCH)
    print(f"{args.symbols} distinct symbols ({calls} multi-quote calls), order rotating; "
          f"simulator over a socket with KIS's real limit on ({KIS_REAL_RATE}/s per app key, "
          f"{args.server_window} window); {machine()}; {started_load} before, "
          f"{ended_load} after\n")
    print(table(results, args.symbols))
    window, at_once, floor = (median(c.seconds) for c in results[:3])
    print(f"\nTarget (issue 12): the window limiter within 1.2× of the same {calls} calls "
          f"sent at once, 0 EGW00201: {window / at_once:.2f}× the no-wait client, "
          f"{window / floor:.2f}× the prebuilt floor; EGW00201 {sum(results[0].throttled)}. "
          f"HTTP requests and EGW00201 are the simulator's counts for that contender's key "
          f"(median per snapshot; EGW00201 summed over all snapshots).")
    for c in results:
        if c.first_error:
            print(f"\n{c.name} {c.how}: first error: {c.first_error}")


if __name__ == "__main__":
    main()
