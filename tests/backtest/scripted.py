"""A strategy that says what a test tells it to, and remembers what it saw."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pykis.engine.strategy import Holding, Signal, Tick
from pykis.history.ticks import bar_ticks, span_of


@dataclass
class Script:
    """Signals at the n-th tick it sees (an int key, from 1) or at the first tick of a
    day (a date key)."""

    plan: dict[Any, list[Signal]] = field(default_factory=dict)
    name: str = "script"
    seen: list[tuple[Tick, Holding | None]] = field(default_factory=list)
    _days: set[dt.date] = field(default_factory=set)

    def on_tick(self, tick: Tick, holding: Holding | None) -> list[Signal]:
        self.seen.append((tick, holding))
        signals = list(self.plan.get(len(self.seen), ()))
        day = tick.time.date()
        if day not in self._days:
            self._days.add(day)
            signals += self.plan.get(day, [])
        return signals


def ticks_of(frame: pd.DataFrame, timeframe: str = "1m") -> list[tuple[dt.datetime, int, int]]:
    """(time, price, volume) of every tick of ``frame``'s bars, by ``bar_ticks``."""
    span = span_of(timeframe)
    return [(t.time, t.price, t.volume) for row in frame.itertuples(index=False)
            for t in bar_ticks(row.time.to_pydatetime(), row.open, row.high, row.low, row.close,
                               row.volume, span=span)]
