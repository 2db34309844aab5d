"""``pykis rank``, ``index`` and ``flows``: rankings, index levels and who traded a
symbol, as tables or as JSON/CSV (flows and indices in ``pykis.api.marketdata``)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from pykis.cli.output import Csv, Json, emit, fields, mode, say
from pykis.cli.plainhelp import PlainCommand
from pykis.cli.session import BaseUrl, Paper, Sim, client
from pykis.cli.tables import kst_time, percent, signed, trend, won
from pykis.models.marketdata import Index, InvestorFlow, Ranking

__all__ = ["register"]

PANEL = "Market data"
KINDS = {"volume": "volume", "change": "change", "market-cap": "market_cap",
         "losers": "losers"}


def _table(title: str) -> Table:
    return Table(title=Text(title, style="italic"), box=box.SIMPLE_HEAD, pad_edge=False,
                 padding=0)


def _numbers(table: Table, *names: str) -> None:
    for name in names:
        table.add_column(name, justify="right", no_wrap=True)


def rank(
    kind: Annotated[str, typer.Argument(help="volume, change, losers or market-cap.",
                                        show_default=False)],
    market: Annotated[str, typer.Option(help="ALL, KOSPI, KOSDAQ or KOSPI200.")] = "ALL",
    limit: Annotated[int, typer.Option(help="Rows to show (KIS ranks 30).")] = 30,
    as_json: Json = False, as_csv: Csv = False, paper: Paper = None,
    base_url: BaseUrl = None, sim: Sim = False,
) -> None:
    """The top of a KIS ranking: by volume, by change or by market capitalisation."""
    if kind not in KINDS:
        raise typer.BadParameter(f"{kind!r}: one of {', '.join(KINDS)}", param_hint="KIND")
    form = mode(as_json, as_csv)
    with client(paper, base_url, sim) as kis:
        rows = kis.fetch_rankings(KINDS[kind], market=market.upper(), limit=limit)
    if form:
        emit(form, list(rows), fields(Ranking))
        return
    table = _table(f"Top {len(rows)} by {kind} ({market.upper()})")
    _numbers(table, "#")
    table.add_column("Symbol", no_wrap=True)
    table.add_column("Name", overflow="fold", min_width=8)
    _numbers(table, "Last", "Change", "%", "Volume", "Cap (억)")
    for r in rows:
        cap = won(r.market_cap // 100_000_000) if r.market_cap else "—"
        table.add_row(str(r.rank), r.symbol, r.name, trend(r.change, won(r.last)),
                      signed(r.change), percent(r.change_percent), won(r.volume), cap)
    say(table)


def index(
    codes: Annotated[list[str] | None, typer.Argument(
        help="KOSPI, KOSDAQ, KOSPI200 (or 0001, 1001, 2001); all three if none.",
        show_default=False)] = None,
    as_json: Json = False, as_csv: Csv = False, paper: Paper = None,
    base_url: BaseUrl = None, sim: Sim = False,
) -> None:
    """Index levels now, with the day's range and how many members rose and fell."""
    form = mode(as_json, as_csv)
    with client(paper, base_url, sim) as kis:
        levels = [kis.fetch_index(code) for code in codes or ["KOSPI", "KOSDAQ", "KOSPI200"]]
    if form:
        emit(form, levels, fields(Index))
        return
    table = _table(f"Indices at {kst_time(levels[0].datetime)} KST")
    table.add_column("Index", no_wrap=True)
    _numbers(table, "Level", "Change", "%", "High", "Low", "Up", "Down")
    for i in levels:
        table.add_row(i.name, trend(i.change, f"{i.last:,.2f}"), signed(i.change),
                      percent(i.change_percent), f"{i.high:,.2f}", f"{i.low:,.2f}",
                      str(i.advancers), str(i.decliners))
    say(table)


def flows(
    symbol: Annotated[str, typer.Argument(help="KRX short code, e.g. 005930.",
                                          show_default=False)],
    days: Annotated[int, typer.Option(help="Days to show (KIS keeps 30).")] = 10,
    as_json: Json = False, as_csv: Csv = False, paper: Paper = None,
    base_url: BaseUrl = None, sim: Sim = False,
) -> None:
    """Net buying by individuals, foreigners and institutions, day by day."""
    form = mode(as_json, as_csv)
    with client(paper, base_url, sim) as kis:
        rows = kis.fetch_investor_flows(symbol, limit=days)
    if form:  # dates as ISO text: the JSON writer knows datetimes only
        emit(form, [{**r.to_dict(), "date": r.date.isoformat()} for r in rows],
             fields(InvestorFlow))
        return
    table = _table(f"Investor flows of {symbol} (net shares)")
    table.add_column("Date", no_wrap=True)
    _numbers(table, "Close", "Individuals", "Foreigners", "Institutions")
    for r in rows:
        table.add_row(r.date.isoformat(), won(r.close), signed(r.individual_net),
                      signed(r.foreign_net), signed(r.institution_net))
    say(table)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `pykis` app."""
    for command in (rank, index, flows):
        app.command(rich_help_panel=PANEL, cls=PlainCommand)(command)
