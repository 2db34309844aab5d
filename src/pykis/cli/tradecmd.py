"""``pykis balance``, ``orders``, ``buy``, ``sell`` and ``cancel``: the account and its
orders. An order that spends real money is confirmed first unless ``--yes``."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer
from rich.console import Console

from pykis import KIS
from pykis.api import validate
from pykis.cli.session import BaseUrl, Paper, Sim, client
from pykis.cli.tables import balance_table, orders_table, positions_table, won

__all__ = ["register"]

PANEL = "Account and trading"


class OrderType(str, Enum):
    limit = "limit"
    market = "market"


class Exchange(str, Enum):
    KRX = "KRX"
    NXT = "NXT"  # Nextrade, real accounts only
    SOR = "SOR"  # smart routing between KRX and NXT, real accounts only


Symbol = Annotated[str, typer.Argument(help="KRX short code, e.g. 005930.", show_default=False)]
Quantity = Annotated[int, typer.Argument(min=1, help="Shares.", show_default=False)]
Price = Annotated[int | None, typer.Option(
    help="Limit price in KRW. Without it the order is a market order.", show_default=False)]
Kind = Annotated[OrderType | None, typer.Option(
    "--type", help="Order type. Default: limit with --price, market without.",
    show_default=False)]
Venue = Annotated[Exchange, typer.Option(help="Where to route the order.")]
Yes = Annotated[bool, typer.Option(
    "--yes", "-y", help="Do not ask before a real-money order (not --paper, not --sim).")]


def balance(paper: Paper = None, base_url: BaseUrl = None, sim: Sim = False) -> None:
    """Cash (now, D+1, D+2), what the account is worth, and its positions."""
    with client(paper, base_url, sim) as kis:
        account = kis.fetch_balance()
        number = kis.account_no
    console = Console()
    console.print(balance_table(account, number))
    console.print(positions_table(account) if account.positions else "No positions.")


def orders(
    open_only: Annotated[bool, typer.Option("--open", help="Only orders not yet done.")] = False,
    symbol: Annotated[str | None, typer.Option(help="Only this symbol.", show_default=False)]
    = None,
    paper: Paper = None, base_url: BaseUrl = None, sim: Sim = False,
) -> None:
    """Today's orders, or only the open ones."""
    with client(paper, base_url, sim) as kis:
        found = kis.fetch_open_orders(symbol) if open_only else kis.fetch_orders(symbol)
    title = "Open orders" if open_only else "Today's orders"
    Console().print(orders_table(found, title) if found else f"{title}: none.")


def buy(symbol: Symbol, qty: Quantity, price: Price = None, order_type: Kind = None,
        exchange: Venue = Exchange.KRX, yes: Yes = False, paper: Paper = None,
        base_url: BaseUrl = None, sim: Sim = False) -> None:
    """Buy QTY shares of SYMBOL, at --price or at market."""
    _place("buy", symbol, qty, price, order_type, exchange, yes, paper, base_url, sim)


def sell(symbol: Symbol, qty: Quantity, price: Price = None, order_type: Kind = None,
         exchange: Venue = Exchange.KRX, yes: Yes = False, paper: Paper = None,
         base_url: BaseUrl = None, sim: Sim = False) -> None:
    """Sell QTY shares of SYMBOL, at --price or at market."""
    _place("sell", symbol, qty, price, order_type, exchange, yes, paper, base_url, sim)


def _place(side: str, symbol: str, qty: int, price: int | None, order_type: OrderType | None,
           exchange: Exchange, yes: bool, paper: bool | None, base_url: str | None,
           sim: bool) -> None:
    kind = order_type.value if order_type else "limit" if price is not None else "market"
    with client(paper, base_url, sim) as kis:
        if not (sim or kis.is_paper or yes):
            _confirm(kis, side, symbol, qty, price, exchange.value)
        order = kis.create_order(symbol, kind, side, qty, price, exchange=exchange.value)
    Console().print(orders_table([order], f"{side.capitalize()} order {order.id} accepted"))


def _confirm(kis: KIS, side: str, symbol: str, qty: int, price: int | None,
             exchange: str) -> None:
    # Check what can be checked here, so nobody is asked about an order KIS cannot take.
    validate.symbol(symbol)
    if price is not None:
        validate.price(price)
    at = f"at {won(price)} KRW" if price is not None else "at market"
    question = (f"{side.upper()} {qty:,} x {symbol} {at} on {exchange}, with REAL money "
                f"(account {kis.account_no})?")
    if not typer.confirm(question):
        typer.echo("No order placed.")
        raise typer.Exit(1)


def cancel(
    order_id: Annotated[str, typer.Argument(help="Order number, as `pykis orders` shows it.",
                                            show_default=False)],
    qty: Annotated[int | None, typer.Option(
        "--qty", min=1, help="Shares to cancel. Default: all that remain.",
        show_default=False)] = None,
    paper: Paper = None, base_url: BaseUrl = None, sim: Sim = False,
) -> None:
    """Cancel an open order, or part of it."""
    with client(paper, base_url, sim) as kis:
        order = kis.cancel_order(order_id, amount=qty)
    # KIS books a cancellation as an order of its own, pointing at the one it cancels.
    record = str(order.info.get("output", {}).get("ODNO", "")).lstrip("0") or "?"
    title = f"Cancellation {record} of order {order.id} accepted"
    Console().print(orders_table([order], title))


def register(app: typer.Typer) -> None:
    for command in (balance, orders, buy, sell, cancel):
        app.command(rich_help_panel=PANEL)(command)
