"""Engine processes for ``test_crash_safety.py``, which kills them with SIGKILL and checks
that the next one's reconciliation puts the database right. Not a test module: the test
runs it once, with ``sys.executable``:

    crash_worker.py HOST:PORT

It imports PyKIS once and forks one engine process per ``spawn CONFIG`` line on stdin,
answering ``{"pid": N}`` (a fresh interpreter would cost seconds per restart, and the
test restarts the engine dozens of times); ``reap PID`` waits for a process the test
killed and answers ``{"status": S}``. Each engine process connects to HOST:PORT and
reads commands there, one a line, and writes events, as JSON lines:

    reconcile [step]   {"event": "reconciled", "report": ReconcileReport}
    trade N [step]     {"event": "trading"}, then one {"event": "step"} per buy or sale
                       (N = 0: until killed), then {"event": "traded"}
    stop               the process closes the engine and exits

With ``step``, the process also pauses at each log record of the engine
(``{"event": "log", "text": ...}``) until it reads an empty line: so the test can kill it
at an exact moment of an order's life (the intent committed but not sent, the answer
recorded but not the fills) instead of hoping a random kill lands there.
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import sys
import time
import traceback
from itertools import count

from pykis import KIS
from pykis.api.base import RetryPolicy
from pykis.engine import EngineSettings, ExecutionSettings, KISTradingEngine
from pykis.utils.ratelimit import MemoryStore, Rate

TICKERS = ("005930", "035720", "000660")  # ~78,500, ~65,000 and ~257,500 KRW


class Link:
    """The connection to the test: events out, commands in."""

    def __init__(self, address: str) -> None:
        host, port = address.rsplit(":", 1)
        self.socket = socket.create_connection((host, int(port)))
        self.reader = self.socket.makefile("r", encoding="utf-8")
        self.writer = self.socket.makefile("w", encoding="utf-8")

    def emit(self, **event: object) -> None:
        self.writer.write(json.dumps(event, default=str) + "\n")
        self.writer.flush()

    def read(self) -> str:
        return self.reader.readline()


class Pauses(logging.Handler):
    """Sends the engine's log records to the test and, while ``active``, waits for its
    go-ahead after each: the engine code runs unchanged, only stopped at its logs."""

    def __init__(self, link: Link) -> None:
        super().__init__(logging.INFO)
        self.link, self.active = link, False

    def emit(self, record: logging.LogRecord) -> None:
        self.link.emit(event="log", text=record.getMessage(), pause=self.active)
        if self.active:
            self.link.read()


def step(engine: KISTradingEngine, rng: random.Random) -> dict[str, object]:
    """One buy or sale of a random kind; sales of more than is free to sell are asked
    for on purpose (the engine must refuse them itself)."""
    ticker = rng.choice(TICKERS)
    held = sum(t.open_quantity for t in engine.store.open_trades(ticker=ticker))
    roll = rng.random()
    if held == 0 or roll < 0.4:
        if rng.random() < 0.6:
            action = "buy"
            result = engine.execute_buy_order(ticker, quantity=rng.randint(1, 3))
        else:
            action = "buy_amount"  # a limit at the best ask: it may rest
            result = engine.execute_buy_order(ticker, amount_krw=rng.choice((300_000, 600_000)))
    elif roll < 0.6:
        action = "sell_part"
        result = engine.execute_sell_order(ticker, rng.randint(1, held))
    elif roll < 0.8:
        action = "sell_all"
        result = engine.execute_sell_order(ticker)
    else:
        action = "sell_limit"  # a little above the market: it rests, and may fill later
        price = engine.get_current_price(ticker) * rng.choice((1.001, 1.003, 1.01))
        result = engine.execute_sell_order(ticker, rng.randint(1, held), price)
    return {"action": action, "ticker": ticker, "success": result.success,
            "status": result.status, "message": result.message}


def run_engine(config: dict) -> None:
    link = Link(config["address"])
    pauses = Pauses(link)
    logger = logging.getLogger("pykis.engine")
    logger.setLevel(logging.INFO)
    logger.addHandler(pauses)
    offset = config["clock_offset"]  # the simulator's timeline: its clock runs ahead
    kis = KIS(config["app_key"], config["app_secret"], config["account_no"],
              base_url=config["base_url"], token_path=config["token_path"],
              rate=Rate(10_000.0, 100), rate_store=MemoryStore(),
              retry=RetryPolicy(base=0.01, cap=0.05), clock=lambda: time.time() + offset)
    execution = ExecutionSettings(settle_seconds=config["settle_seconds"], poll_interval=0.05,
                                  fill_timeout=0.3)
    engine = KISTradingEngine(kis, config["database"],
                              settings=EngineSettings(execution=execution))
    rng = random.Random(config["seed"])
    link.emit(event="ready", pid=os.getpid())
    while line := link.read():
        command, *arguments = line.split() or [""]
        pauses.active = "step" in arguments
        if command == "reconcile":
            link.emit(event="reconciled", report=engine.reconcile().model_dump(mode="json"))
        elif command == "trade":
            link.emit(event="trading")
            steps = count() if arguments[0] == "0" else range(int(arguments[0]))
            for _ in steps:
                link.emit(event="step", **step(engine, rng))
            link.emit(event="traded")
        elif command == "stop":
            break
        pauses.active = False
    engine.close()


def serve(address: str) -> None:
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command == "spawn":
            pid = os.fork()
            if pid == 0:  # the engine process: never back into this loop
                status = 0
                try:
                    run_engine({**json.loads(argument), "address": address})
                except BaseException:
                    traceback.print_exc()
                    status = 1
                finally:
                    sys.stderr.flush()
                    os._exit(status)
            print(json.dumps({"pid": pid}), flush=True)
        elif command == "reap":
            _, status = os.waitpid(int(argument), 0)
            print(json.dumps({"status": status}), flush=True)


if __name__ == "__main__":
    serve(sys.argv[1])
