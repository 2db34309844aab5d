"""``pykis balance`` and ``orders`` (tables, or JSON and CSV for scripts); ``buy``,
``sell``, ``edit`` and ``cancel``. An order on a real account is confirmed first unless
``--yes``; "REAL money" is said only when the server is KIS's real one."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated

import typer

from pykis import KIS
from pykis.api import validate
from pykis.cli.output import Csv, Json, emit, fields, mode, progress, say
from pykis.cli.plainhelp import PlainCommand
from pykis.cli.session import BaseUrl, Paper, Sim, client, spends_real_money
from pykis.cli.tables import balance_table, orders_table, positions_table, won
from pykis.models import Order, Position
from pykis.models.base import KST

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
    "--yes", "-y", help="Do not ask before an order on a real account (not --paper, not --sim).")]
OrderId = Annotated[str, typer.Argument(help="Order number, as `pykis orders` shows it.",
                                        show_default=False)]


def balance(as_json: Json = False, as_csv: Csv = False, paper: Paper = None,
            base_url: BaseUrl = None, sim: Sim = False) -> None:
    """Cash (now, D+1, D+2), what the account is worth, and its positions.

    --json gives all of it; --csv the positions, a row each."""
    form = mode(as_json, as_csv)
    with client(paper, base_url, sim) as kis:
        with progress("The balance"):
            account = kis.fetch_balance()
        number = kis.account_no
    if form == "csv":
        emit(form, list(account.positions), fields(Position))
    elif form:
        emit(form, account)
    else:
        say(balance_table(account, number))
        say(positions_table(account) if account.positions else "No positions.")


def orders(
    open_only: Annotated[bool, typer.Option("--open", help="Only orders not yet done.")] = False,
    symbol: Annotated[str | None, typer.Option(help="Only this symbol.", show_default=False)]
    = None,
    since: Annotated[str | None, typer.Option(
        metavar="DATE", help="Orders from this day (YYYY-MM-DD, KST) to today. Default: "
        "today's.", show_default=False)] = None,
    as_json: Json = False, as_csv: Csv = False,
    paper: Paper = None, base_url: BaseUrl = None, sim: Sim = False,
) -> None:
    """Today's orders (or since a day), or only the open ones."""
    form = mode(as_json, as_csv)
    start = _day(since) if since is not None else None
    if open_only and start is not None:
        raise typer.BadParameter("only today's orders can be open", param_hint="'--since'")
    title = "Open orders" if open_only else "Today's orders" if since is None \
        else f"Orders since {since}"
    with client(paper, base_url, sim) as kis:
        with progress(title):
            found = kis.fetch_open_orders(symbol) if open_only \
                else kis.fetch_orders(symbol, since=start)
    if form:
        emit(form, list(found), fields(Order))
    else:
        say(orders_table(found, title) if found else f"{title}: none.")


def _day(text: str) -> int:
    """Milliseconds of KST midnight of ``text`` (YYYY-MM-DD)."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date such as 2025-01-31",
                                 param_hint="'--since'") from None
    return int(dt.datetime.combine(day, dt.time(), KST).timestamp() * 1000)


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
            # Check what can be checked here, so nobody is asked about an order KIS
            # cannot take.
            validate.symbol(symbol)
            if price is not None:
                validate.price(price)
            at = f"at {won(price)} KRW" if price is not None else "at market"
            _confirm(kis, f"{side.upper()} {qty:,} x {symbol} {at} on {exchange.value}")
        order = kis.create_order(symbol, kind, side, qty, price, exchange=exchange.value)
    say(orders_table([order], f"{side.capitalize()} order {order.id} accepted"))


def _confirm(kis: KIS, what: str) -> None:
    """Ask before an order on a real account. "REAL money" only at KIS's real server;
    elsewhere (a simulator run apart, a test server) the question names the server."""
    stake = f"with REAL money (account {kis.account_no})" if spends_real_money(kis) \
        else f"on account {kis.account_no} at {kis.base_url} (not KIS's real server)"
    if not typer.confirm(f"{what}, {stake}?"):
        typer.echo("No order placed.")
        raise typer.Exit(1)


def edit(
    order_id: OrderId,
    price: Annotated[int | None, typer.Option(
        help="The new limit price in KRW.", show_default=False)] = None,
    qty: Annotated[int | None, typer.Option(
        "--qty", min=1, help="Shares of the remainder to move. Default: all that remain.",
        show_default=False)] = None,
    order_type: Annotated[OrderType, typer.Option(
        "--type", help="The new order type (market needs no --price).")] = OrderType.limit,
    yes: Yes = False, paper: Paper = None, base_url: BaseUrl = None, sim: Sim = False,
) -> None:
    """Amend an open order: a new price for what remains of it, or for --qty shares of it.

    KIS books the amendment as an order of its own, with a number of its own."""
    if price is None and order_type is OrderType.limit:
        raise typer.BadParameter("the new price is needed (or --type market)",
                                 param_hint="'--price'")
    with client(paper, base_url, sim) as kis:
        original = kis.fetch_order(order_id)
        if not (sim or kis.is_paper or yes):
            at = f"{won(price)} KRW" if price is not None else "market"
            shares = f"{qty:,} of its" if qty else f"its {original.remaining:,}"
            _confirm(kis, f"Move {shares} remaining shares of order {original.id} "
                     f"({original.side.value.upper()} {original.symbol} at "
                     f"{won(original.price) if original.price else 'market'}) to {at}")
        order = kis.edit_order(original, amount=qty, price=price, type=order_type.value)
    say(orders_table([order], f"Amendment {order.id} of order {original.id} accepted"))


def cancel(
    order_id: OrderId,
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
    say(orders_table([order], f"Cancellation {record} of order {order.id} accepted"))


def register(app: typer.Typer) -> None:
    for command in (balance, orders, buy, sell, edit, cancel):
        app.command(rich_help_panel=PANEL, cls=PlainCommand)(command)
