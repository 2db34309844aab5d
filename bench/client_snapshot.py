"""A snapshot of many symbols at KIS's real rate limit (issue 3): PyKIS's ``fetch_tickers``
vs. one ``fetch_ticker`` per symbol vs. python-kis, side by side in one run.

    python bench/client_snapshot.py [--symbols 300] [--rounds 2]

One simulator server (``SimServer`` in a spawned process) with ``extra_listings`` so the
universe holds ``--symbols`` distinct codes, and **KIS's real limit on**: 20 calls per
second per app key, sliding one-second window, EGW00201 beyond it. Each contender has an
app key of its own (so its own token, its own 20/s and its own counters in
``/_sim/stats``) and is warmed up with one quote (token issued, connection open) before
the clock starts:

* ``KIS.fetch_tickers(symbols)``: intstock-multprice, 30 symbols a call (10 calls for 300);
* ``KIS.fetch_ticker(s)`` for each symbol in a loop (300 calls);
* python-kis 2.1.6 (its own venv, a subprocess): ``quote(kis, s, "KRX")`` for each symbol,
  the one-request quote behind ``kis.stock(s).quote()``.

PyKIS runs with its defaults for the real environment (``DEFAULT_RATES["real"]``, 19/s)
but with the token cache and the rate store in a temporary directory. The three take turns
``--rounds`` times (the order rotating each round); seconds are wall time per snapshot.
Prints a markdown table with requests per symbol (counted by the simulator) and ratios.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from _client_common import KIS_REAL_RATE, PythonKisWorker, ServerProcess, machine, median, sent

from pykis import KIS
from pykis.utils.ratelimit import DEFAULT_RATES, FileStore

BATCH = 30  # symbols per intstock-multprice call


@dataclass
class Contender:
    name: str
    how: str
    app_key: str
    run: object  # () -> (symbols answered, errors, first error)
    seconds: list[float] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)
    throttled: list[int] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""


def pykis_client(server: ServerProcess, directory: Path) -> KIS:
    creds = server.new_account()
    return KIS(creds["app_key"], creds["app_secret"], creds["account_no"],
               base_url=server.base_url, token_path=directory / "tokens.json",
               rate_store=FileStore(directory / "rate"))


def contenders(server: ServerProcess, directory: Path, worker: PythonKisWorker | None,
               symbols: list[str]) -> tuple[list[Contender], str]:
    batch, single = pykis_client(server, directory), pykis_client(server, directory)
    for client in (batch, single):
        client.fetch_ticker(symbols[0])  # warm: token, connection

    def run_batch():
        tickers = batch.fetch_tickers(symbols)
        got = {t.symbol for t in tickers}
        return len(got), len(symbols) - len(got), "" if got == set(symbols) else "missing symbols"

    def run_single():
        errors, first = 0, ""
        for symbol in symbols:
            try:
                single.fetch_ticker(symbol)
            except Exception as error:  # noqa: BLE001  (counted; the run goes on)
                errors += 1
                first = first or repr(error)
        return len(symbols) - errors, errors, first

    out = [Contender("PyKIS", "`fetch_tickers` (30 per call)", batch._ctx.app_key, run_batch),
           Contender("PyKIS", "`fetch_ticker` × N, a loop", single._ctx.app_key, run_single)]
    version = ""
    if worker is not None:
        creds = server.new_account()
        version = worker.ask("setup", url=server.base_url, warm=symbols[0], **{
            k: creds[k] for k in ("app_key", "app_secret", "account_no", "hts_id")})["version"]

        def run_python_kis():
            answer = worker.ask("quotes", symbols=symbols)
            return answer["calls"] - answer["errors"], answer["errors"], answer["first_error"]

        out.append(Contender(f"python-kis {version}", '`quote(kis, s, "KRX")` × N, a loop',
                             creds["app_key"], run_python_kis))
    return out, version


def measure(server: ServerProcess, contender: Contender) -> None:
    before = server.stats(contender.app_key)
    started = time.perf_counter()
    _answered, errors, first = contender.run()
    contender.seconds.append(time.perf_counter() - started)
    after = server.stats(contender.app_key)
    contender.requests.append(sent(before, after))
    contender.throttled.append(after["rate_limited"] - before["rate_limited"])
    contender.errors += errors
    contender.first_error = contender.first_error or first


def table(results: list[Contender], symbols: int) -> str:
    base = median(results[0].seconds)
    single = median(results[1].seconds)
    rows = [("| client | how | seconds (median) | min – max | HTTP requests "
             "| requests/symbol | EGW00201 | errors | ÷ fetch_tickers | ÷ fetch_ticker loop |"),
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for c in results:
        seconds = median(c.seconds)
        requests = median(c.requests)
        rows.append(
            f"| {c.name} | {c.how} | {seconds:.2f} | {min(c.seconds):.2f} – {max(c.seconds):.2f} "
            f"| {requests:g} | {requests / symbols:.2f} | {sum(c.throttled)} | {c.errors} "
            f"| {seconds / base:.1f}× | {seconds / single:.2f}× |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--symbols", type=int, default=300, help="distinct symbols per snapshot")
    parser.add_argument("--rounds", type=int, default=2, help="snapshots per contender")
    parser.add_argument("--no-python-kis", action="store_true", help="leave python-kis out")
    args = parser.parse_args()
    if args.symbols < 1 or args.rounds < 1:
        parser.error("--symbols and --rounds must be at least 1")

    worker = None if args.no_python_kis else PythonKisWorker()
    with tempfile.TemporaryDirectory(prefix="pykis-bench-") as tmp, \
            ServerProcess(real_limit=KIS_REAL_RATE, symbols=args.symbols,
                          extra_listings=args.symbols) as server:
        symbols = server.symbols
        if len(set(symbols)) < args.symbols:
            sys.exit(f"the simulator has only {len(set(symbols))} symbols")
        try:
            results, _version = contenders(server, Path(tmp), worker, symbols)
            time.sleep(1.1)  # the warm-up calls leave every key's one-second window
            for round_ in range(args.rounds):
                shift = round_ % len(results)
                for contender in results[shift:] + results[:shift]:
                    measure(server, contender)
                    time.sleep(1.1)
        finally:
            if worker is not None:
                worker.close()

    rate = DEFAULT_RATES["real"].per_second
    print(f"{args.symbols} distinct symbols, {args.rounds} snapshot(s) each, order rotating; "
          f"simulator over a socket with KIS's real limit on ({KIS_REAL_RATE}/s per app key, "
          f"sliding window); PyKIS at its default {rate:g}/s; {machine()}\n")
    print(table(results, args.symbols))
    calls = math.ceil(args.symbols / BATCH)
    print(f"\nFloor set by the rate alone at {rate:g}/s: fetch_tickers {calls} calls ≈ "
          f"{(calls - 1) / rate:.2f} s; one call per symbol ≈ {(args.symbols - 1) / rate:.2f} s. "
          "HTTP requests and EGW00201 are the simulator's counts for that contender's key "
          "(median per snapshot, EGW00201 summed over all snapshots).")
    for c in results:
        if c.first_error:
            print(f"\n{c.name} {c.how}: first error: {c.first_error}")


if __name__ == "__main__":
    main()
