"""``pykis demo``: the whole trading cycle on the embedded simulator, step by step, as a
program of yours would run it against KIS: price, a buy for an amount of KRW, the
position checked against the broker, the price watched on the real-time stream until
take-profit (the simulator's market is made to rally), the sale, the P&L with fees and
tax, and no position left.

Ctrl-C at any step ends it with one line saying so (exit 130), never as a failure of
the demo: while it monitors, the monitor turns the signal (SIGTERM too: exit 143) into a
stop of its own, told apart here from "no sale in time"."""

from __future__ import annotations

import logging
import threading
from decimal import Decimal

import httpx
import typer
from rich.console import Console

from pykis import KIS
from pykis.cli.session import embedded, interrupted, ledger, reporting
from pykis.exceptions import NotFoundError
from pykis.market import Rounding, round_to_tick

__all__ = ["run_demo"]

SIGNALS = {"SIGINT": 130, "SIGTERM": 143}  # a monitor stopped by these: the exit status


def _rally(base_url: str, symbol: str, start: int, stop: threading.Event) -> None:
    """The market rises a little every quarter second (the simulator's control plane
    trades the symbol there), until the demo has sold."""
    price = start
    while not stop.wait(0.25):
        price = round_to_tick(price * Decimal("1.004"), Rounding.UP)
        try:
            httpx.post(f"{base_url}/_sim/market/{symbol}/price", json={"price": price},
                       timeout=5)
        except httpx.HTTPError:
            return


def run_demo(seed: int, symbol: str, amount: int, take_profit: Decimal,
             database: str | None) -> None:
    # Imported here: the engine needs the "engine" extra, the other commands do not.
    from pykis.engine import KISTradingEngine, RiskLimits

    console = Console(highlight=False)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with reporting(": the demo stopped before its end"), embedded(seed=seed) as (kis, server), \
            ledger(database) as db:
        name = _name(server, symbol)
        console.print(f"[bold]PyKIS demo[/]: a trading cycle on the embedded KIS simulator "
                      f"at [cyan]{server.base_url}[/] (account {kis.account_no}; no KIS "
                      "account needed)")
        limits = RiskLimits(take_profit=take_profit, stop_loss=Decimal("0.05"))
        engine = KISTradingEngine(kis, db, limits=limits)
        try:
            _cycle(console, engine, kis, server, symbol, name, amount, take_profit)
        finally:
            engine.store.close()
        console.print(f"Ledger: {db}" if database else
                      "Ledger: a temporary SQLite file, now removed (--database FILE keeps it)")


def _name(server, symbol: str) -> str:
    listing = server.sim.market.universe.get(symbol)
    if listing is None:
        known = ", ".join(list(server.sim.market.universe)[:8])
        Console(stderr=True).print(f"unknown symbol {symbol!r}: try one of {known}", markup=False)
        raise typer.Exit(1)
    return f"{listing.name} ({symbol})"


def _step(console: Console, number: int, title: str, text: str) -> None:
    console.print(f"[bold]{number}. {title}[/]  {text}")


def _fail(message: str) -> None:
    Console(stderr=True).print(f"demo failed: {message}", markup=False)
    raise typer.Exit(1)


def _cycle(console: Console, engine, kis: KIS, server, symbol: str, name: str, amount: int,
           take_profit: Decimal) -> None:
    from pykis.engine import Monitor, MonitorSettings

    engine.reconcile()
    try:
        price = engine.get_current_price(symbol)
    except NotFoundError:
        _fail(f"no quote for {symbol}")
    _step(console, 1, "Current price", f"{name}: {price:,.0f} KRW")

    bought = engine.execute_buy_order(symbol, amount_krw=amount, reason="demo: buy")
    if not bought.success or not bought.quantity:
        _fail(f"the buy did not fill: {bought.message}")
    _step(console, 2, f"Buy for {amount:,} KRW",
          f"{bought.quantity} share(s) at {bought.price:,.0f} KRW, commission {bought.fees:,}"
          f" KRW (KIS order {bought.order_id})")

    [position] = engine.get_current_positions()
    at_broker = kis.get_position(symbol)
    if at_broker is None or at_broker.amount != position.quantity:
        _fail(f"the broker holds {at_broker}, the engine {position.quantity}")
    target = position.entry_price * (1 + float(take_profit))
    _step(console, 3, "Position verified",
          f"engine: {position.quantity} @ {position.entry_price:,.0f}; KIS balance: "
          f"{at_broker.amount} @ {at_broker.average_price:,.0f}")

    _step(console, 4, "Monitoring", f"real-time trades of {symbol}; take-profit at "
          f"+{take_profit:%} (>= {target:,.0f} KRW), stop-loss at -5%. The simulator's "
          "market now rallies:")
    stop = threading.Event()
    rally = threading.Thread(target=_rally, args=(server.base_url, symbol, int(price), stop),
                             daemon=True)

    def show(decision) -> None:
        if decision.action in ("hold", "sell"):
            console.print(f"   {decision.tick.time:%H:%M:%S}  {decision.tick.price:>9,}  "
                          + (decision.reason if decision.action == "sell" else "hold"))

    monitor = Monitor(engine, [symbol], settings=MonitorSettings(sessions="always"),
                      on_decision=show)
    rally.start()
    try:
        report = monitor.run(seconds=120, until=lambda m: not engine.store.open_trades())
    finally:
        stop.set()
        rally.join(5)
    sales = [r for r in report.orders if r.side == "sell" and r.quantity]
    if not sales and report.stopped in SIGNALS:
        interrupted(f" ({report.stopped}): the demo stopped before its end",
                    SIGNALS[report.stopped])
    if not sales:
        _fail(f"no sale within two minutes ({report.stopped})")
    sold = sales[-1]
    _step(console, 5, "Sold", f"{sold.quantity} share(s) at {sold.price:,.0f} KRW "
          f"(KIS order {sold.order_id})")
    [trade] = engine.trades()
    _step(console, 6, "P&L", f"{trade.pnl:+,} KRW ({trade.pnl_percent:+.2f}%) after "
          f"commission {trade.fees:,} KRW (both sides) and tax {trade.tax:,} KRW")
    left = engine.get_current_positions()
    at_broker = kis.get_position(symbol)
    if left or at_broker is not None:
        _fail(f"a position is left: engine {left}, KIS {at_broker}")
    _step(console, 7, "No open position left", "the engine's ledger and KIS's balance agree")
