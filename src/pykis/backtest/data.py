"""The bars a backtest runs over, and the tape of ticks made from them.

Bars come from the history store (``pykis.history.HistoryStore``, or its directory) or
from a dict ``{symbol: DataFrame}`` in the store's format: columns ``time, open, high,
low, close, volume`` (``value`` optional), ``time`` the tz-aware start of each bar,
prices and volume whole numbers. The tape is every bar's ticks (``pykis.history.ticks``,
the path the replaying simulator streams), all symbols merged in time order (a tie goes
to the symbol listed first).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pykis.exceptions import InvalidInputError
from pykis.history.ticks import Tape, in_hours, span_of, tape
from pykis.market import KST, TradingCalendar, validate_symbol

__all__ = ["Bars", "TickTape", "as_date", "load_bars", "make_tape"]

COLUMNS = ("time", "open", "high", "low", "close", "volume")
TIMEFRAMES = ("1m", "1d")
# Bars read before ``start``: the last close before it is the first day's base price
# (its price limits); two weeks cover any run of KRX holidays.
LOOKBACK = dt.timedelta(days=14)


def as_date(value: object, argument: str) -> dt.date | None:
    """A date given as a ``datetime.date`` or ``"YYYY-MM-DD"`` (None stays None)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(KST).date() if value.tzinfo else value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInputError(argument, value, 'a date, e.g. "2024-01-02"')


@dataclass(frozen=True)
class Bars:
    """One symbol's bars from ``start`` on (``frame``, time in KST) and the close before
    ``start`` (``previous_close``: 0 when the data does not reach back that far)."""

    symbol: str
    frame: pd.DataFrame
    previous_close: int


def load_bars(data: Any, symbols: Sequence[str] | None, timeframe: str,
              start: dt.date | None, end: dt.date | None) -> list[Bars]:
    """The bars of ``symbols`` (default: every symbol of a dict) between ``start`` and
    ``end`` (both included; None: all)."""
    if timeframe not in TIMEFRAMES:
        raise InvalidInputError("timeframe", timeframe, '"1m" or "1d"')
    if start is not None and end is not None and end < start:
        raise InvalidInputError("end", end, f"a date on or after start ({start})")
    frames = _frames(data, symbols, timeframe, start, end)
    loaded = []
    for symbol, frame in frames.items():
        frame = _checked(symbol, frame)
        days = frame["time"].dt.date
        before = frame[days < start] if start is not None else frame.iloc[:0]
        keep = np.ones(len(frame), dtype=bool)
        if start is not None:
            keep &= (days >= start).to_numpy()
        if end is not None:
            keep &= (days <= end).to_numpy()
        previous = int(before["close"].iloc[-1]) if len(before) else 0
        loaded.append(Bars(symbol, frame[keep].reset_index(drop=True), previous))
    if not any(len(b.frame) for b in loaded):
        raise InvalidInputError("data", _described(data), f"{timeframe} bars of "
                                f"{', '.join(frames)} between {start or 'the first'} and "
                                f"{end or 'the last'} day")
    return loaded


def _frames(data: Any, symbols: Sequence[str] | None, timeframe: str,
            start: dt.date | None, end: dt.date | None) -> dict[str, pd.DataFrame]:
    if isinstance(data, (str, os.PathLike)):
        from pykis.history import HistoryStore

        data = HistoryStore(data)
    if isinstance(data, Mapping):
        chosen = list(data) if symbols is None else list(symbols)
        missing = [s for s in chosen if s not in data]
        if missing:
            raise InvalidInputError("symbols", missing, f"symbols the data holds: "
                                    f"{', '.join(map(str, data))}")
        return {s: data[s] for s in _symbols(chosen)}
    if hasattr(data, "bars"):  # a HistoryStore
        if not symbols:
            raise InvalidInputError("symbols", symbols, "the symbols to read from the store")
        since = None if start is None else _start_of(start - LOOKBACK)
        until = None if end is None else _start_of(end + dt.timedelta(days=1))
        return {s: data.bars(s, timeframe, start=since, end=until) for s in _symbols(symbols)}
    raise InvalidInputError("data", _described(data), "a HistoryStore, its directory, or a "
                            "dict {symbol: DataFrame of bars}")


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=KST)


def _symbols(symbols: Sequence[str]) -> list[str]:
    if isinstance(symbols, str) or not symbols:
        raise InvalidInputError("symbols", symbols, "a list of KRX codes")
    for symbol in symbols:
        validate_symbol(symbol, "symbols")
    return list(dict.fromkeys(symbols))


def _described(data: Any) -> str:
    return data if isinstance(data, str) else f"<{type(data).__name__}>"


def _checked(symbol: str, frame: object) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise InvalidInputError("data", f"<{type(frame).__name__}>",
                                f"a DataFrame of {symbol}'s bars")
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidInputError("data", list(frame.columns), f"{symbol}'s bars with the "
                                f"columns {', '.join(COLUMNS)} (missing {', '.join(missing)})")
    times = frame["time"]
    if not isinstance(times.dtype, pd.DatetimeTZDtype):
        raise InvalidInputError("data", str(times.dtype), f"{symbol}'s time: tz-aware "
                                "timestamps (Asia/Seoul)")
    frame = frame.loc[:, list(COLUMNS)].assign(time=times.dt.tz_convert(KST))
    prices = frame[["open", "high", "low", "close", "volume"]]
    if len(frame) and (not all(pd.api.types.is_integer_dtype(t) for t in prices.dtypes)
                       or (prices[["open", "high", "low", "close"]] <= 0).any().any()
                       or (prices["volume"] < 0).any()):
        raise InvalidInputError("data", symbol, "bars of positive whole-KRW prices and "
                                "whole volumes")
    if not frame["time"].is_monotonic_increasing:
        frame = frame.sort_values("time", kind="stable")
    return frame.reset_index(drop=True)


@dataclass(frozen=True)
class TickTape:
    """Every tick of every symbol in time order, as arrays, with what the engine's rules
    need around them: ``symbol`` indexes ``symbols``; ``day`` indexes ``days``."""

    symbols: tuple[str, ...]
    time: np.ndarray  # ns since the epoch
    price: np.ndarray
    volume: np.ndarray
    symbol: np.ndarray
    day: np.ndarray
    days: tuple[dt.date, ...]
    moments: list[dt.datetime]  # each tick's time as a KST datetime (for ``Tick``)


def make_tape(bars: list[Bars], timeframe: str, calendar: TradingCalendar | None = None
              ) -> TickTape:
    """The ticks of ``bars`` that trade: those of the documented path with volume, inside
    their day's regular hours on ``calendar`` (``pykis.history.ticks``), as the replaying
    simulator streams them."""
    span = span_of(timeframe)
    parts, moments_of = [], []
    for index, item in enumerate(bars):
        frame = item.frame
        if not len(frame):
            continue
        starts = frame["time"].dt.as_unit("ns").astype("int64").to_numpy()
        made = tape(starts, frame["open"].to_numpy(), frame["high"].to_numpy(),
                    frame["low"].to_numpy(), frame["close"].to_numpy(),
                    frame["volume"].to_numpy(), span=span)
        inside = in_hours(made.time, calendar)
        if not inside.all():
            made = Tape(made.time[inside], made.price[inside], made.volume[inside],
                        made.bar[inside])
        if not len(made.time):
            continue
        parts.append((made, np.full(len(made.price), index, dtype=np.int64)))
        moments_of.append((list(frame["time"].dt.to_pydatetime()), starts, made))
    if not parts:
        raise InvalidInputError("data", ", ".join(b.symbol for b in bars),
                                "bars that trade inside the regular hours")
    time = np.concatenate([p[0].time for p in parts])
    symbol = np.concatenate([p[1] for p in parts])
    order = np.lexsort((symbol, time))  # by time; a tie: the symbol listed first
    moments = _moments(moments_of)
    local = pd.to_datetime(time[order], unit="ns", utc=True).tz_convert(KST)
    days, day = np.unique(local.normalize().as_unit("ns").asi8, return_inverse=True)
    return TickTape(
        symbols=tuple(b.symbol for b in bars), time=time[order],
        price=np.concatenate([p[0].price for p in parts])[order],
        volume=np.concatenate([p[0].volume for p in parts])[order],
        symbol=symbol[order], day=day.astype(np.int64),
        days=tuple(d.date() for d in pd.to_datetime(days, unit="ns", utc=True).tz_convert(KST)),
        moments=[moments[i] for i in order.tolist()])


def _moments(parts: list[tuple[Any, np.ndarray, Any]]) -> list[dt.datetime]:
    """Each tick's datetime: its bar's start plus its offset (cheaper than converting
    every tick's nanoseconds)."""
    out: list[dt.datetime] = []
    for starts_dt, starts, made in parts:
        offsets = (made.time - starts[made.bar]) // 1000
        deltas = {int(o): dt.timedelta(microseconds=int(o)) for o in np.unique(offsets)}
        out.extend(starts_dt[b] + deltas[o] for b, o in zip(made.bar.tolist(),
                                                            offsets.tolist(), strict=True))
    return out
