"""``pykis quote``, ``book``, ``ohlcv`` and ``search``: market data as tables, or as JSON
or CSV for scripts; ``pykis watch``: a live board from the real-time stream.

A symbol KIS does not know is one line on stderr and exit 1 for every one of them,
whether KIS said so (a quote of zeros) or only gave nothing (an empty chart)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.live import Live

from pykis import KIS
from pykis.api.quote import MINUTES, TIMEFRAMES
from pykis.cli.output import Csv, Json, emit, fields, mode, progress, say
from pykis.cli.plainhelp import PlainCommand
from pykis.cli.session import BaseUrl, Paper, Sim, client
from pykis.cli.tables import book_table, listings_table, ohlcv_table, quotes_table, watch_table
from pykis.exceptions import NotFoundError
from pykis.models import OHLCV, Listing, Ticker

__all__ = ["register"]

PANEL = "Market data"
Symbol = Annotated[str, typer.Argument(help="KRX short code, e.g. 005930.", show_default=False)]
Symbols = Annotated[list[str], typer.Argument(help="One or more KRX short codes, e.g. 005930.",
                                              show_default=False)]
FIND = "`pykis search NAME` finds the code of a name"
BOOK_FIELDS = ["symbol", "datetime", "side", "level", "price", "amount"]


def quote(symbols: Symbols, as_json: Json = False, as_csv: Csv = False, paper: Paper = None,
          base_url: BaseUrl = None, sim: Sim = False) -> None:
    """Current price, change, volume and daily limits of each symbol, with its name."""
    form = mode(as_json, as_csv)
    with client(paper, base_url, sim) as kis, _known(symbols):
        # Several symbols: one batched call per 30 where KIS allows, not one call each.
        tickers = kis.fetch_tickers(symbols) if len(symbols) > 1 else [kis.fetch_ticker(symbols[0])]
    if form:
        emit(form, list(tickers), fields(Ticker))
    else:
        say(quotes_table(tickers))


def book(symbol: Symbol, as_json: Json = False, as_csv: Csv = False, paper: Paper = None,
         base_url: BaseUrl = None, sim: Sim = False) -> None:
    """The order book: ten ask and ten bid levels."""
    form = mode(as_json, as_csv)
    with client(paper, base_url, sim) as kis, _known([symbol]):
        order_book = kis.fetch_order_book(symbol)
    if form == "csv":  # a row a level, asks then bids, best first
        levels = [{"symbol": order_book.symbol, "datetime": order_book.datetime, "side": side,
                   "level": n, "price": price, "amount": amount}
                  for side, rows in (("ask", order_book.asks), ("bid", order_book.bids))
                  for n, (price, amount) in enumerate(rows, 1)]
        emit(form, levels, BOOK_FIELDS)
    elif form:
        emit(form, order_book)
    else:
        say(book_table(order_book))


def ohlcv(
    symbol: Symbol,
    timeframe: Annotated[str, typer.Option(
        "--timeframe", "-t", help=f"Candle length: {', '.join(TIMEFRAMES)}.")] = "1d",
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Candles to show.")] = 20,
    as_json: Json = False, as_csv: Csv = False,
    paper: Paper = None, base_url: BaseUrl = None, sim: Sim = False,
) -> None:
    """Candles (open, high, low, close, volume), oldest first."""
    form = mode(as_json, as_csv)
    with client(paper, base_url, sim) as kis, _known([symbol]):
        candles = _candles(kis, symbol, timeframe, limit)
    if form:
        emit(form, list(candles), fields(OHLCV))
    elif candles:
        say(ohlcv_table(candles, symbol, timeframe))
    else:  # a listing without trades in the window (paper: minute candles of today only)
        today = " today (KIS's paper server has today's minute candles only)" \
            if timeframe in MINUTES and kis.is_paper else ""
        say(f"{symbol} {timeframe}: no candles{today}.")


def _candles(kis: KIS, symbol: str, timeframe: str, limit: int) -> list[OHLCV]:
    # Minute candles come 30 (today) or 120 (earlier days) a call: a long wait may follow.
    if timeframe in MINUTES:
        with progress(f"{symbol}: {limit:,} {timeframe} candles"):
            candles = kis.fetch_ohlcv(symbol, timeframe, limit=limit)
    else:
        candles = kis.fetch_ohlcv(symbol, timeframe, limit=limit)
    if not candles:
        kis.fetch_ticker(symbol)  # KIS's charts of an unknown code are empty, not refused
    return candles


def search(
    query: Annotated[str, typer.Argument(
        metavar="NAME", help="A name, Korean or English, or part of one; or a code or ISIN.",
        show_default=False)],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Listings to show.")] = 20,
    as_json: Json = False, as_csv: Csv = False,
    paper: Paper = None, base_url: BaseUrl = None, sim: Sim = False,
) -> None:
    """Find a symbol's code by its name, in KIS's list of KOSPI, KOSDAQ and KONEX listings.

    English names are known on real accounts only: the first English search reads them
    from KIS, one call a listing (minutes), and keeps them for 30 days."""
    form = mode(as_json, as_csv)
    with client(paper, base_url, sim) as kis:
        found = _search(kis, query, limit)
    if form:
        emit(form, found, fields(Listing))
    else:
        say(listings_table(found, f"Listings matching {query!r}"))


def _search(kis: KIS, query: str, limit: int) -> list[Listing]:
    """Listings matching ``query``; none is a NotFoundError, as an unknown symbol is."""
    found = list(kis.search_markets(query, limit))
    english = query.isascii() and any(c.isalpha() for c in query)
    if not found and english and not kis.is_paper:
        # KIS's master files have Korean names only; English ones come from product
        # information, one call a listing the first time (then kept 30 days).
        with progress("English names of every listing, once a month"):
            kis.fetch_markets(english=True)
        found = list(kis.search_markets(query, limit))
    if not found:
        hint = (" (English names need a real account: KIS's paper server has no product "
                "information)") if english and kis.is_paper else ""
        raise NotFoundError(f"no listing matches {query!r}{hint}")
    return found


def watch(
    symbols: Symbols,
    seconds: Annotated[float | None, typer.Option(
        "--seconds", min=0, help="Stop after this long. Default: until Ctrl-C.")] = None,
    updates: Annotated[int | None, typer.Option(
        "--updates", min=1, help="Stop after this many trades.")] = None,
    paper: Paper = None, base_url: BaseUrl = None, sim: Sim = False,
) -> None:
    """A live board of last price, change and best bid and ask, trade by trade, from KIS's
    real-time stream (it reconnects on its own). Ctrl-C stops it."""
    try:
        with client(paper, base_url, sim) as kis, _known(symbols):
            _board(kis, symbols, seconds, updates)
    except KeyboardInterrupt:  # before the board was up, or while closing the stream
        raise typer.Exit(130) from None


def _board(kis: KIS, symbols: list[str], seconds: float | None, updates: int | None) -> None:
    deadline = time.monotonic() + seconds if seconds is not None else None
    count, board, names = 0, {}, {}
    with kis.watch_tickers(symbols) as stream, \
            Live(console=Console(), auto_refresh=False) as live:
        try:
            while updates is None or count < updates:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                try:
                    ticker: Ticker = stream.next(timeout=min(left, 1.0) if left else 1.0)
                except TimeoutError:
                    continue
                if ticker.symbol in board:  # the first of each is the REST snapshot
                    count += 1
                names.setdefault(ticker.symbol, ticker.name)  # trades carry no name
                board[ticker.symbol] = ticker
                live.update(watch_table(list(board.values()), count, names), refresh=True)
        except KeyboardInterrupt:
            pass  # the way to stop it: the board stays on screen, exit 0


@contextmanager
def _known(symbols: list[str]) -> Iterator[None]:
    """KIS's not-found errors, said the same way for every command: which symbol, and
    how to find the right code."""
    try:
        yield
    except NotFoundError as error:
        named = [s for s in symbols if repr(s) in error.message or s in error.message.split()]
        what = f"KIS has no symbol {named[0]!r}" if named else error.message
        raise NotFoundError(f"{what}; {FIND}", error.code, rt_cd=error.rt_cd,
                            msg1=error.msg1, tr_id=error.tr_id,
                            status_code=error.status_code) from None


def register(app: typer.Typer) -> None:
    for command in (quote, book, ohlcv, search, watch):
        app.command(rich_help_panel=PANEL, cls=PlainCommand)(command)
