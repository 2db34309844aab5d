"""What ``pykis engine run`` shows while it runs.

On a terminal, a live board redrawn a few times a second: each watched symbol with its
last price and time, the engine's position and its P&L, the last decision and why; the
orders in flight; ticks, decisions, orders and the day's realized P&L. The engine's log
lines scroll above it. Elsewhere (a pipe, a file, a service), plain log lines on stderr
and a status line every minute, for a log to be read later.

Times are KST, whatever the machine's zone: KRX's hours are KST. Everything that comes
from KIS, a strategy or a config file is shown as ``Text``, never read as rich markup.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from rich import box
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from pykis.engine import Decision, KISTradingEngine, Monitor
from pykis.engine.store import Order as StoredOrder
from pykis.exceptions import KISError
from pykis.market import KST

__all__ = ["RunView", "kst_clock", "logging_to"]

UP, DOWN = "red", "bright_blue"  # as on every Korean trading screen
QUIET_LOGGERS = ("httpx", "httpcore", "alembic", "websockets", "uvicorn", "uvicorn.error",
                 "uvicorn.access")


def kst_clock(moment: dt.datetime | float, shape: str = "%H:%M:%S") -> str:
    """A time on the KST clock: a datetime (naive ones are KST, as KIS sends them) or a
    POSIX timestamp (a log record's)."""
    if isinstance(moment, (int, float)):
        moment = dt.datetime.fromtimestamp(moment, KST)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=KST)
    return moment.astimezone(KST).strftime(shape)


class _KSTFormatter(logging.Formatter):
    def __init__(self, shape: str) -> None:
        super().__init__("%(asctime)s %(levelname)s %(message)s")
        self.shape = shape

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return kst_clock(record.created, self.shape)


class _ConsoleHandler(logging.Handler):
    """Log lines printed through a rich console (above a live board), as plain text."""

    def __init__(self, console: Console) -> None:
        super().__init__(logging.INFO)
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            style = "red" if record.levelno >= logging.ERROR else \
                "yellow" if record.levelno >= logging.WARNING else "dim"
            self.console.print(Text(line, style=style), soft_wrap=True)
        except Exception:  # noqa: BLE001 - a log line must never stop the engine
            self.handleError(record)


@contextmanager
def logging_to(console: Console | None) -> Iterator[None]:
    """The engine's log lines, in KST: through ``console`` (above the board), else on
    stderr with their date (plain lines for a log file)."""
    if console is not None:
        handler: logging.Handler = _ConsoleHandler(console)
        handler.setFormatter(_KSTFormatter("%H:%M:%S"))
    else:
        handler = logging.StreamHandler()
        handler.setFormatter(_KSTFormatter("%Y-%m-%d %H:%M:%S KST"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    quiet = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        for name, old in quiet.items():
            logging.getLogger(name).setLevel(old)


@dataclass
class _Symbol:
    price: int | None = None
    time: dt.datetime | None = None
    decision: str = ""


class RunView:
    """The board (``live``) or the plain lines of one ``engine run``. ``decided`` is the
    monitor's ``on_decision``; ``step`` runs after every step of its loop."""

    REDRAW = 0.25  # seconds between redraws
    REREAD = 1.0  # seconds between reads of the ledger (orders, P&L)
    LOG_EVERY = 60.0  # seconds between status lines when there is no board

    def __init__(self, engine: KISTradingEngine, symbols: list[str], *, where: str,
                 strategy: str, dry_run: bool, console: Console, live: bool) -> None:
        self.engine, self.console, self.live = engine, console, live
        self.where, self.strategy, self.dry_run = where, strategy, dry_run
        self.symbols = {symbol: _Symbol() for symbol in symbols}
        self.started = dt.datetime.now(KST)
        self.stopping = ""  # what was asked of the engine, once asked
        self._live: Live | None = None
        self._held: dict[str, tuple[int, float, int | None]] = {}  # qty, entry, P&L
        self._orders: list[str] = []
        self._realized: int | None = None
        self._drawn = self._read = self._logged = 0.0
        self._monitor: Monitor | None = None  # the last seen: the final frame's counts

    @contextmanager
    def showing(self) -> Iterator[RunView]:
        """The board on screen while the block runs; its last state stays."""
        if not self.live:
            logging.getLogger("pykis.engine").info(
                "watching %s with %s on %s%s", ", ".join(self.symbols), self.strategy,
                self.where, " (dry run: nothing is sent)" if self.dry_run else "")
            self._logged = time.monotonic()
            yield self
            return
        self._live = Live(self._board(None), console=self.console, auto_refresh=False,
                          redirect_stdout=False, redirect_stderr=False, transient=False)
        with self._live:
            try:
                yield self
            finally:
                with suppress(Exception):  # the last frame, as the engine left it
                    self._reread()
                    stopped = self._monitor.report.stopped if self._monitor else ""
                    self.stopping = f"Stopped ({stopped})" if stopped else "Stopped"
                    self._live.update(self._board(self._monitor), refresh=True)
        self._live = None

    # --- fed by the monitor ---------------------------------------------------------------
    def decided(self, decision: Decision) -> None:
        shown = self.symbols.get(decision.tick.ticker)
        if shown is None:
            return
        shown.price, shown.time = decision.tick.price, decision.tick.time
        if decision.action in ("buy", "sell"):
            outcome = decision.result.message if decision.result is not None else ""
            shown.decision = f"{decision.action}: {decision.reason}" + (
                f" → {outcome}" if outcome else "")
        elif decision.action != "hold" or not shown.decision:
            shown.decision = decision.action + (f": {decision.reason}" if decision.reason
                                                else "")

    def step(self, monitor: Monitor) -> None:
        self._monitor = monitor
        now = time.monotonic()
        if now - self._read >= self.REREAD:
            self._read = now
            self._reread()
        if self._live is not None and now - self._drawn >= self.REDRAW:
            self._drawn = now
            self._live.update(self._board(monitor), refresh=True)
        elif self._live is None and now - self._logged >= self.LOG_EVERY:
            self._logged = now
            logging.getLogger("pykis.engine").info("status: %s", self.summary(monitor))

    # --- what is shown ----------------------------------------------------------------------
    def _reread(self) -> None:
        """The engine's positions, orders in flight and realized P&L, from its ledger."""
        try:
            store = self.engine.store
            portfolio = self.engine.portfolio()
            today = dt.datetime.now(KST).date()
            held = {}
            for ticker, position in portfolio.positions.items():
                cost = position.cost
                price = self.symbols.get(ticker, _Symbol()).price
                pnl = portfolio.value(ticker, price, today).unrealized.pnl if price else None
                held[ticker] = (cost.quantity, float(cost.average_price or 0), pnl)
            self._held = held
            self._orders = [_order(row) for row in store.active_orders()]
            start = dt.datetime.combine(today, dt.time(), KST)
            self._realized = store.realized_pnl(start, start + dt.timedelta(days=1))
        except (KISError, ValueError):  # the board shows what it last knew
            pass

    def summary(self, monitor: Monitor | None) -> str:
        """One line of what the engine is doing (the plain output's status line)."""
        prices = ", ".join(f"{s} {v.price:,}" if v.price else f"{s} —"
                           for s, v in self.symbols.items())
        held = ", ".join(f"{t} x{q:,}" + (f" (P&L {p:+,})" if p is not None else "")
                         for t, (q, _, p) in self._held.items()) or "nothing"
        orders = "; ".join(self._orders) or "none"
        counts = ""
        if monitor is not None:
            report = monitor.report
            counts = (f"; {sum(report.ticks.values()):,} ticks, {report.decisions:,} "
                      f"decisions, {len(report.orders)} orders")
        realized = f"{self._realized:+,} KRW" if self._realized is not None else "—"
        return (f"last {prices}; held {held}; orders in flight: {orders}; realized today "
                f"{realized}{counts}")

    def _board(self, monitor: Monitor | None) -> RenderableType:
        return Group(self._header(), self._table(), self._footer(monitor))

    def _header(self) -> Text:
        header = Text.assemble(("pykis engine", "bold"), " · ", self.where, " · ",
                               self.strategy, f" · since {kst_clock(self.started)} KST")
        if self.dry_run:
            header.append(" · DRY RUN: no order is sent", style="bold yellow")
        return header

    def _table(self) -> Table:
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True, expand=True)
        table.add_column("Symbol", no_wrap=True)
        for name in ("Last", "Time (KST)", "Held", "Entry", "P&L"):
            table.add_column(name, justify="right", no_wrap=True)
        table.add_column("Last decision", overflow="fold", ratio=1)
        for symbol, shown in self.symbols.items():
            quantity, entry, pnl = self._held.get(symbol, (0, 0.0, None))
            table.add_row(
                Text(symbol), f"{shown.price:,}" if shown.price else "—",
                kst_clock(shown.time) if shown.time else "—",
                f"{quantity:,}" if quantity else "", f"{entry:,.0f}" if quantity else "",
                _signed(pnl), Text(shown.decision))
        return table

    def _footer(self, monitor: Monitor | None) -> Text:
        orders = "; ".join(self._orders) or "none"
        line = Text.assemble(("Orders in flight: ", "bold"), orders, "\n")
        if monitor is not None:
            report = monitor.report
            accepted = sum(r.success for r in report.orders)
            line.append(f"{sum(report.ticks.values()):,} ticks · {report.decisions:,} "
                        f"decisions · {len(report.orders)} orders ({accepted} accepted) · ")
        line.append("realized today ")
        line.append_text(_signed(self._realized, " KRW"))
        line.append("\n")
        line.append(self.stopping or "Ctrl-C or `pykis engine stop` stops it; "
                    "`pykis engine stop --kill-switch` also cancels its open orders",
                    style="yellow" if self.stopping else "dim")
        return line


def _order(row: StoredOrder) -> str:
    price = f" at {row.limit_price:,}" if row.limit_price else " at the market"
    filled = f", {row.filled_quantity:,} filled" if row.filled_quantity else ""
    return f"#{row.id} {row.side} {row.ticker} x{row.quantity:,}{price} ({row.state}{filled})"


def _signed(value: int | None, unit: str = "") -> Text:
    if value is None:
        return Text("—")
    return Text(f"{value:+,}{unit}", style=UP if value > 0 else DOWN if value < 0 else "")
