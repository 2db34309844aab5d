"""``pykis demo``: the embedded simulator on a real socket, and a quote fetched from it
with the ``KIS`` client, as a program of yours would (token, then 주식현재가 시세)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from pykis.cli.session import embedded, reporting
from pykis.cli.tables import percent, signed, trend, won
from pykis.exceptions import NotFoundError

__all__ = ["run_demo"]


def run_demo(seed: int, symbol: str) -> None:
    console = Console()
    with reporting(), embedded(seed=seed) as (kis, server):
        console.print(f"Simulator listening on [cyan]{server.base_url}[/] "
                      f"(account {kis.account_no}, no KIS account needed)")
        universe = server.sim.market.universe
        try:
            ticker = kis.fetch_ticker(symbol)
        except NotFoundError:
            Console(stderr=True).print(
                f"unknown symbol {symbol!r}: try one of {', '.join(list(universe)[:8])}",
                markup=False)
            raise typer.Exit(1) from None
    # inquire-price carries no name; the simulator knows it.
    table = Table(title=f"{universe[symbol].name} ({symbol})", show_header=False)
    table.add_column("Field")
    table.add_column("Value", justify="right")
    for label, value in [("price", trend(ticker.change, won(ticker.last))),
                         ("change", signed(ticker.change)),
                         ("change %", percent(ticker.percentage)),
                         ("open", won(ticker.open)), ("high", won(ticker.high)),
                         ("low", won(ticker.low)), ("volume", won(ticker.volume)),
                         ("upper limit", won(ticker.upper_limit)),
                         ("lower limit", won(ticker.lower_limit))]:
        table.add_row(label, value)
    console.print(table)
