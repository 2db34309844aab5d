"""Account commands beyond orders: trading calendar, conditional search, reserved orders,
realised P&L.

    pykis calendar [DATE]                     is DATE a trading day; the one before and after
    pykis search-condition [NAME]             the saved conditions, or the listings NAME finds
    pykis reserve buy|sell SYMBOL QTY         an order sent at the next open (--price, --until)
    pykis reserve list | cancel ID            the reservations; cancel one
    pykis pnl --since DATE [--by-symbol]      realised profit and loss
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from pykis.cli.output import Csv, Json, emit, fields, mode, progress, say
from pykis.cli.plainhelp import PlainCommand
from pykis.cli.session import BaseUrl, Paper, Sim, client
from pykis.cli.tables import _table, won
from pykis.cli.tradecmd import _confirm
from pykis.market import KST
from pykis.models.accountx import (
    Condition,
    ConditionMatch,
    DailyPnL,
    RealizedTrade,
    ReservedOrder,
)

__all__ = ["register"]

PANEL = "Account and trading"
Day = Annotated[str | None, typer.Argument(
    metavar="[DATE]", help="YYYY-MM-DD (KST). Default: today.", show_default=False)]
Yes = Annotated[bool, typer.Option(
    "--yes", "-y", help="Do not ask before a reservation on a real account.")]


def _json(data):
    """Models as JSON types, dates as ISO text (``output.plain`` knows datetimes only)."""
    if isinstance(data, list):
        return [_json(item) for item in data]
    return data.model_dump(mode="json", exclude={"info"})


def _date(text: str | None, hint: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date such as 2025-01-31",
                                 param_hint=hint) from None


# --- calendar ------------------------------------------------------------------------------
def calendar(date: Day = None, as_json: Json = False, paper: Paper = None,
             base_url: BaseUrl = None, sim: Sim = False) -> None:
    """Whether the market opens on DATE, and the trading days before and after it (KIS's
    calendar; on paper, the bundled KRX calendar)."""
    day = _date(date, "'DATE'")
    with client(paper, base_url, sim) as kis:
        day = day or dt.datetime.now(KST).date()
        facts = {"date": day.isoformat(), "trading_day": kis.is_trading_day(day),
                 "previous": kis.previous_trading_day(day).isoformat(),
                 "next": kis.next_trading_day(day).isoformat()}
    if as_json:
        emit("json", facts)
        return
    table = _table(f"Trading calendar, {facts['date']}")
    for name in ("date", "trading day", "previous trading day", "next trading day"):
        table.add_column(name)
    table.add_row(facts["date"], "yes" if facts["trading_day"] else "no (closed)",
                  facts["previous"], facts["next"])
    say(table)


# --- conditional search ------------------------------------------------------------------
def search_condition(
    name: Annotated[str | None, typer.Argument(
        help="A saved condition's name (or seq). Without it: the list of conditions.",
        show_default=False)] = None,
    as_json: Json = False, as_csv: Csv = False, paper: Paper = None,
    base_url: BaseUrl = None, sim: Sim = False,
) -> None:
    """Run a conditional search saved in the HTS (needs KIS_HTS_ID), or list them."""
    form = mode(as_json, as_csv)
    with client(paper, base_url, sim) as kis:
        with progress("Conditional search"):
            found = kis.run_condition(name) if name else kis.fetch_conditions()
    model = ConditionMatch if name else Condition
    if form:
        emit(form, _json(list(found)), fields(model))
    elif not found:
        say(f"{name}: no listing meets it now." if name else "No saved condition.")
    else:
        say(_matches_table(found, name) if name else _conditions_table(found))


def _conditions_table(conditions: list[Condition]) -> Table:
    table = _table("Saved conditions")
    for column in ("seq", "name", "group"):
        table.add_column(column)
    for item in conditions:
        table.add_row(item.seq, item.name, item.group)
    return table


def _matches_table(matches: list[ConditionMatch], name: str) -> Table:
    table = _table(f"{name}: {len(matches)} listings")
    for column in ("symbol", "name", "price", "change %", "volume"):
        table.add_column(column, justify="right" if column in ("price", "change %",
                                                                "volume") else "left")
    for m in matches:
        table.add_row(m.symbol, m.name, won(m.price), f"{m.percentage:+.2f}",
                      f"{int(m.volume):,}")
    return table


# --- reserved orders -------------------------------------------------------------------------
reserve_app = typer.Typer(help="Reserved orders: sent to the exchange at the next open "
                               "(real accounts only).", no_args_is_help=True)
Symbol = Annotated[str, typer.Argument(help="KRX short code, e.g. 005930.", show_default=False)]
Quantity = Annotated[int, typer.Argument(min=1, help="Shares.", show_default=False)]
Price = Annotated[int | None, typer.Option(
    help="Limit price in KRW. Without it: a market order at the open.", show_default=False)]
Until = Annotated[str | None, typer.Option(
    "--until", metavar="DATE", help="Send what stays unfilled every trading day until "
    "DATE (기간예약, at most about 30 days ahead).", show_default=False)]


def _reserve(side: str, symbol: str, qty: int, price: int | None, until: str | None,
             yes: bool, paper: bool | None, base_url: str | None, sim: bool) -> None:
    end = _date(until, "'--until'")
    with client(paper, base_url, sim) as kis:
        if not (sim or kis.is_paper or yes):
            at = f"at {won(price)} KRW" if price is not None else "at market"
            _confirm(kis, f"Reserve {side.upper()} {qty:,} x {symbol} {at} for the next open")
        made = kis.create_reserved_order(symbol, side, qty, price, end_date=end)
    say(_reservations_table([made], f"Reservation {made.id} taken"))


@reserve_app.command("buy", cls=PlainCommand)
def reserve_buy(symbol: Symbol, qty: Quantity, price: Price = None, until: Until = None,
                yes: Yes = False, paper: Paper = None, base_url: BaseUrl = None,
                sim: Sim = False) -> None:
    """Reserve a buy of QTY shares of SYMBOL for the next open."""
    _reserve("buy", symbol, qty, price, until, yes, paper, base_url, sim)


@reserve_app.command("sell", cls=PlainCommand)
def reserve_sell(symbol: Symbol, qty: Quantity, price: Price = None, until: Until = None,
                 yes: Yes = False, paper: Paper = None, base_url: BaseUrl = None,
                 sim: Sim = False) -> None:
    """Reserve a sale of QTY shares of SYMBOL for the next open."""
    _reserve("sell", symbol, qty, price, until, yes, paper, base_url, sim)


@reserve_app.command("list", cls=PlainCommand)
def reserve_list(as_json: Json = False, as_csv: Csv = False, paper: Paper = None,
                 base_url: BaseUrl = None, sim: Sim = False) -> None:
    """The reservations of the last 90 days, newest first."""
    form = mode(as_json, as_csv)
    with client(paper, base_url, sim) as kis:
        with progress("Reservations"):
            found = kis.fetch_reserved_orders()
    if form:
        emit(form, _json(list(found)), fields(ReservedOrder))
    else:
        say(_reservations_table(found, "Reservations") if found else "No reservation.")


@reserve_app.command("cancel", cls=PlainCommand)
def reserve_cancel(
    reservation: Annotated[str, typer.Argument(
        metavar="ID", help="The reservation's id, as `pykis reserve list` shows it.",
        show_default=False)],
    paper: Paper = None, base_url: BaseUrl = None, sim: Sim = False,
) -> None:
    """Cancel a reservation that has not been sent yet."""
    with client(paper, base_url, sim) as kis:
        done = kis.cancel_reserved_order(reservation)
    say(_reservations_table([done], f"Reservation {done.id} cancelled"))


def _reservations_table(items: list[ReservedOrder], title: str) -> Table:
    table = _table(title)
    for column in ("id", "reserved", "side", "symbol", "qty", "price", "until", "status",
                   "order", "filled"):
        table.add_column(column)
    for r in items:
        table.add_row(r.id, r.reserved_on.isoformat(), r.side.value, r.symbol,
                      f"{r.amount:,}", won(r.price) if r.price else "market",
                      r.end_date.isoformat() if r.end_date else "", r.status,
                      r.order_id.lstrip("0"), f"{r.filled:,}")
    return table


# --- realised P&L ----------------------------------------------------------------------------
def pnl(
    since: Annotated[str, typer.Option(metavar="DATE", help="First day (YYYY-MM-DD).",
                                       show_default=False)],
    until: Annotated[str | None, typer.Option(
        metavar="DATE", help="Last day. Default: today.", show_default=False)] = None,
    by_symbol: Annotated[bool, typer.Option(
        "--by-symbol", help="A row per day and symbol instead of per day.")] = False,
    as_json: Json = False, as_csv: Csv = False, paper: Paper = None,
    base_url: BaseUrl = None, sim: Sim = False,
) -> None:
    """Realised profit and loss (sales less their average cost, fees and taxes)."""
    form = mode(as_json, as_csv)
    start, end = _date(since, "'--since'"), _date(until, "'--until'")
    with client(paper, base_url, sim) as kis:
        with progress("Realised P&L"):
            if by_symbol:
                rows = kis.fetch_realized_trades(start, end)
            else:
                result = kis.fetch_realized_pnl(start, end)
                rows = result.days
    model = RealizedTrade if by_symbol else DailyPnL
    if form == "json" and not by_symbol:
        emit(form, _json(result))
    elif form:
        emit(form, _json(list(rows)), fields(model))
    elif not rows:
        say(f"No realised profit or loss since {since}.")
    else:
        say(_pnl_table(rows, by_symbol, since))


def _pnl_table(rows: list, by_symbol: bool, since: str) -> Table:
    table = _table(f"Realised P&L since {since}")
    columns = (["date", "symbol"] if by_symbol else ["date"]) + [
        "bought", "sold", "realised", "fee", "tax", "%"]
    for column in columns:
        table.add_column(column, justify="left" if column in ("date", "symbol") else "right")
    for r in rows:
        head = [r.date.isoformat()] + ([r.symbol] if by_symbol else [])
        table.add_row(*head, won(r.bought_value), won(r.sold_value), won(r.realized),
                      won(r.fee), won(r.tax), f"{r.percentage:+.2f}")
    total = sum(r.realized for r in rows)
    table.add_section()
    table.add_row(*(["total"] + ([""] if by_symbol else [])), "", "", won(total), "", "", "")
    return table


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `pykis` app."""
    app.command(rich_help_panel=PANEL, cls=PlainCommand)(calendar)
    app.command("search-condition", rich_help_panel=PANEL, cls=PlainCommand)(search_condition)
    app.command(rich_help_panel=PANEL, cls=PlainCommand)(pnl)
    app.add_typer(reserve_app, name="reserve", rich_help_panel=PANEL)
