"""``pykis quote``, ``pykis book``, ``pykis ohlcv``: market data as tables; ``pykis watch``:
a live board from the real-time stream."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console
from rich.live import Live

from pykis.api.quote import TIMEFRAMES
from pykis.cli.session import BaseUrl, Paper, Sim, client
from pykis.cli.tables import book_table, ohlcv_table, quotes_table, watch_table

__all__ = ["register"]

PANEL = "Market data"
Symbol = Annotated[str, typer.Argument(help="KRX short code, e.g. 005930.", show_default=False)]


def quote(
    symbols: Annotated[list[str], typer.Argument(help="One or more KRX short codes.",
                                                 show_default=False)],
    paper: Paper = None, base_url: BaseUrl = None, sim: Sim = False,
) -> None:
    """Current price, change, volume and daily limits of each symbol."""
    with client(paper, base_url, sim) as kis:
        # Several symbols: one batched call per 30 where KIS allows, not one call each.
        tickers = kis.fetch_tickers(symbols) if len(symbols) > 1 else [kis.fetch_ticker(symbols[0])]
    Console().print(quotes_table(tickers))


def book(symbol: Symbol, paper: Paper = None, base_url: BaseUrl = None, sim: Sim = False) -> None:
    """The order book: ten ask and ten bid levels."""
    with client(paper, base_url, sim) as kis:
        order_book = kis.fetch_order_book(symbol)
    Console().print(book_table(order_book))


def ohlcv(
    symbol: Symbol,
    timeframe: Annotated[str, typer.Option(
        "--timeframe", "-t", help=f"Candle length: {', '.join(TIMEFRAMES)}.")] = "1d",
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Candles to show.")] = 20,
    paper: Paper = None, base_url: BaseUrl = None, sim: Sim = False,
) -> None:
    """Candles (open, high, low, close, volume), oldest first."""
    with client(paper, base_url, sim) as kis:
        candles = kis.fetch_ohlcv(symbol, timeframe, limit=limit)
    Console().print(ohlcv_table(candles, symbol, timeframe) if candles
                    else f"{symbol} {timeframe}: no candles.")


def watch(
    symbols: Annotated[list[str], typer.Argument(help="One or more KRX short codes.",
                                                 show_default=False)],
    seconds: Annotated[float | None, typer.Option(
        "--seconds", min=0, help="Stop after this long. Default: until Ctrl-C.")] = None,
    updates: Annotated[int | None, typer.Option(
        "--updates", min=1, help="Stop after this many trades.")] = None,
    paper: Paper = None, base_url: BaseUrl = None, sim: Sim = False,
) -> None:
    """A live board of last price, change and best bid/ask, trade by trade (KIS
    WebSocket; reconnects on its own)."""
    deadline = time.monotonic() + seconds if seconds is not None else None
    count = 0
    with client(paper, base_url, sim) as kis:
        board: dict[str, object] = {}
        with kis.watch_tickers(symbols) as stream, \
                Live(console=Console(), auto_refresh=False) as live:
            try:
                while updates is None or count < updates:
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        break
                    try:
                        ticker = stream.next(timeout=min(left, 1.0) if left else 1.0)
                    except TimeoutError:
                        continue
                    if ticker.symbol in board:  # the first of each is the REST snapshot
                        count += 1
                    board[ticker.symbol] = ticker
                    live.update(watch_table(list(board.values()), count), refresh=True)
            except KeyboardInterrupt:
                pass  # the board stays on screen


def register(app: typer.Typer) -> None:
    for command in (quote, book, ohlcv, watch):
        app.command(rich_help_panel=PANEL)(command)
