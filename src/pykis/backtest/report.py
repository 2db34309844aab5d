"""A backtest's report: one self-contained HTML file a person can open anywhere.

Charts are plotly's (a well-kept library with interactive zoom and hover), with its
JavaScript inlined once, so the file needs no network: the equity beside the buy-and-hold
benchmark and the drawdown under it, and each symbol's price with the fills marked on it;
then the figures side by side and the configuration that ran. Long curves are thinned to
a few thousand points (each kept point a real one, the last always kept): a year of
minutes would otherwise make the page slow to open without showing more.
"""

from __future__ import annotations

import html
import json
import os
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from pykis.backtest.results import BacktestResult

__all__ = ["write_report"]

MOST_POINTS = 4000


def _thin(series: pd.Series, most: int = MOST_POINTS) -> pd.Series:
    if len(series) <= most:
        return series
    step = -(-len(series) // most)
    kept = series.iloc[::step]
    return pd.concat([kept, series.iloc[-1:]]) if kept.index[-1] != series.index[-1] else kept


def _kst(times: Any) -> pd.DatetimeIndex:
    """Times as KST wall-clock times without a zone: what the charts show, and what their
    range breaks are written in (plotly reads a zone-aware time in UTC)."""
    index = pd.DatetimeIndex(times)
    return index.tz_convert("Asia/Seoul").tz_localize(None) if index.tz else index


def _closed_time(index: pd.DatetimeIndex) -> list[dict[str, Any]]:
    """Plotly range breaks for the time the market is closed: weekends and, for intraday
    bars, the nights. Without them a chart of minutes is mostly straight lines across
    nights and weekends. (Holidays stay: plotly's breaks by date fold zone-less charts.)"""
    if len(index) < 2:
        return []
    breaks: list[dict[str, Any]] = []
    if not (index.day_of_week >= 5).any():  # a simulator that trades at weekends keeps them
        breaks.append({"bounds": ["sat", "mon"]})
    if index.normalize().nunique() < len(index):  # more than one bar a day: hide the nights
        hours = index.hour + index.minute / 60
        breaks.append({"pattern": "hour", "bounds": [float(hours.max()) + 0.05,
                                                      float(hours.min())]})
    return breaks


def _equity_figure(result: BacktestResult) -> Any:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3],
                           vertical_spacing=0.04, subplot_titles=("Equity (KRW)", "Drawdown"))
    equity, benchmark = _thin(result.equity), _thin(result.benchmark)
    figure.add_trace(go.Scatter(x=_kst(equity.index), y=equity.values, name="strategy",
                                line={"color": "#1f77b4"}), row=1, col=1)
    figure.add_trace(go.Scatter(x=_kst(benchmark.index), y=benchmark.values, name="buy and hold",
                                line={"color": "#999999", "dash": "dot"}), row=1, col=1)
    falls = _thin(result.drawdown)
    figure.add_trace(go.Scatter(x=_kst(falls.index), y=falls.values * 100, name="drawdown %",
                                fill="tozeroy", line={"color": "#d62728"}), row=2, col=1)
    figure.update_layout(height=560, margin={"l": 60, "r": 20, "t": 40, "b": 30},
                         legend={"orientation": "h"}, hovermode="x unified")
    figure.update_xaxes(rangebreaks=_closed_time(_kst(result.equity.index)))
    return figure


def _price_figure(result: BacktestResult, symbol: str) -> Any:
    import plotly.graph_objects as go

    closes = _thin(result.prices[symbol].dropna())
    figure = go.Figure(go.Scatter(x=_kst(closes.index), y=closes.values, name=f"{symbol} close",
                                  line={"color": "#444444", "width": 1}))
    fills = result.fills[result.fills["ticker"] == symbol]
    for side, colour, marker in (("buy", "#2ca02c", "triangle-up"),
                                 ("sell", "#d62728", "triangle-down")):
        mine = fills[fills["side"] == side]
        figure.add_trace(go.Scatter(
            x=_kst(mine["time"]), y=mine["price"], mode="markers", name=side,
            marker={"color": colour, "symbol": marker, "size": 9},
            text=[f"{side} {q:,} at {p:,}" for q, p in zip(mine["quantity"], mine["price"],
                                                          strict=True)],
            hoverinfo="text+x"))
    figure.update_layout(title=f"{symbol}: price and fills", height=420,
                         margin={"l": 60, "r": 20, "t": 50, "b": 30},
                         legend={"orientation": "h"})
    figure.update_xaxes(rangebreaks=_closed_time(_kst(closes.index)))
    return figure


def _shown(value: Any, name: str) -> str:
    if value is None:
        return "–"
    if name in ("total_return", "cagr", "max_drawdown", "win_rate", "exposure"):
        return f"{value:.2%}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _figures_table(result: BacktestResult) -> str:
    mine, theirs = result.metrics.as_dict(), result.benchmark_metrics.as_dict()
    rows = "".join(
        f"<tr><th>{html.escape(name.replace('_', ' '))}</th><td>{_shown(value, name)}</td>"
        f"<td>{_shown(theirs.get(name), name) if name in _BENCHMARK else ''}</td></tr>"
        for name, value in mine.items())
    return ("<table class='figures'><thead><tr><th></th><th>strategy</th>"
            f"<th>buy and hold</th></tr></thead><tbody>{rows}</tbody></table>")


_BENCHMARK = ("start_equity", "end_equity", "total_return", "cagr", "sharpe", "sortino",
              "max_drawdown")


def _trades_table(result: BacktestResult, most: int = 200) -> str:
    trades = result.trades.tail(most)
    if not len(trades):
        return "<p>No round trip closed.</p>"
    head = "".join(f"<th>{c.replace('_', ' ')}</th>" for c in trades.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
                   for row in trades.itertuples(index=False))
    note = f"<p>The last {most} of {len(result.trades)}.</p>" if len(result.trades) > most else ""
    return f"{note}<table class='trades'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        return f"{value:,.4f}" if abs(value) < 10 else f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 28px; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: right; }
th:first-child { text-align: left; }
pre { background: #f6f6f6; padding: 10px; }
.note { color: #666; font-size: 0.9em; max-width: 60em; }
"""


def write_report(result: BacktestResult, path: str | os.PathLike[str]) -> str:
    from plotly.offline import get_plotlyjs

    charts = [_equity_figure(result), *(_price_figure(result, s) for s in result.prices.columns)]
    divs = "".join(f.to_html(full_html=False, include_plotlyjs=False) for f in charts)
    config = html.escape(json.dumps(result.config, indent=2, default=str, ensure_ascii=False))
    warm = (f"Sharpe and Sortino count from {result.warmup_end:%Y-%m-%d %H:%M}, after the "
            "strategy's warm-up." if result.warmup_end is not None else "")
    title = html.escape(f"Backtest: {result.config.get('strategy', {}).get('name', '')} "
                        f"{', '.join(result.prices.columns)} "
                        f"{result.config.get('from', '')} to {result.config.get('to', '')}")
    page = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
            f"<style>{_STYLE}</style><script>{get_plotlyjs()}</script></head><body>"
            f"<h1>{title}</h1>{divs}<h2>Figures</h2>{_figures_table(result)}"
            f"<p class='note'>{html.escape(warm)} Equity is marked at each bar's close; costs "
            "are the engine's (commission and the sale tax of the settlement date). A "
            "backtest is not a forecast.</p>"
            f"<h2>Round trips</h2>{_trades_table(result)}"
            f"<h2>Configuration</h2><pre>{config}</pre></body></html>")
    target = os.fspath(path)
    with open(target, "w", encoding="utf-8") as file:
        file.write(page)
    return target
