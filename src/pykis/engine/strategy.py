"""Strategies: ticks and the position in, order intents out. A strategy decides what it
would like to do; the engine checks the risk rules, sizes and sends.

    class MyStrategy:
        name = "mine"
        def on_tick(self, tick: Tick, holding: Holding | None) -> list[Signal]:
            if holding is None and tick.price < 70_000:
                return [Buy(tick.ticker, reason="cheap")]
            return []

Exits for stop-loss, take-profit and trailing stops are the engine's risk rules, not the
strategy's: they apply whatever the strategy says.
"""

from __future__ import annotations

import datetime as dt
import difflib
import inspect
import itertools
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol, runtime_checkable

from pykis.exceptions import InvalidInputError

__all__ = ["Buy", "DonchianBreakout", "Hold", "Holding", "MovingAverageCross", "STRATEGIES",
           "Sell", "Signal", "Strategy", "Tick", "strategy_named", "strategy_parameters"]


@dataclass(frozen=True, slots=True)
class Tick:
    """A trade (from the stream) or a quote (polled over REST when the stream is down)."""

    ticker: str
    price: int
    time: dt.datetime  # when it traded, KST (a polled quote: when it was read)
    volume: int = 0  # shares in this trade (0 for a polled quote)
    source: str = "stream"  # "stream" or "poll"
    received: float = 0.0  # time.perf_counter() when the engine got it


@dataclass(frozen=True, slots=True)
class Holding:
    """The engine's open trade of the ticker, as a strategy sees it."""

    ticker: str
    quantity: int
    entry_price: Decimal
    high_price: int | None = None


@dataclass(frozen=True, slots=True)
class Buy:
    """Buy ``quantity`` shares, or ``amount_krw`` worth (default: the engine's budget per
    position); at ``price`` (a limit) or at the market."""

    ticker: str
    amount_krw: int | None = None
    quantity: int | None = None
    price: int | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Sell:
    """Sell ``quantity`` shares (default: the whole position)."""

    ticker: str
    quantity: int | None = None
    price: int | None = None
    reason: str = ""


Signal = Buy | Sell


@runtime_checkable
class Strategy(Protocol):
    name: str

    def on_tick(self, tick: Tick, holding: Holding | None) -> Sequence[Signal]:
        ...


class Hold:
    """Never trades by itself: the risk rules' exits only (the demo's strategy)."""

    name = "hold"

    def on_tick(self, tick: Tick, holding: Holding | None) -> Sequence[Signal]:
        return ()


@dataclass
class MovingAverageCross:
    """Buys when the mean of the last ``short`` prices crosses above the mean of the last
    ``long`` ones, sells the position when it crosses back below; one position per
    ticker. An example to copy, not advice."""

    short: int = 5
    long: int = 20
    amount_krw: int | None = None  # None: the engine's budget per position
    name: str = "moving_average_cross"
    _prices: dict[str, deque[int]] = field(default_factory=dict, repr=False)
    _above: dict[str, bool] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for argument in ("short", "long"):
            value = getattr(self, argument)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidInputError(argument, value, "a whole number of prices >= 1")
        if self.short >= self.long:
            raise InvalidInputError("short", self.short, f"fewer prices than long ({self.long})")
        amount = self.amount_krw
        if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int)
                                   or amount <= 0):
            raise InvalidInputError("amount_krw", amount, "None or a whole number of KRW > 0")

    def on_tick(self, tick: Tick, holding: Holding | None) -> Sequence[Signal]:
        prices = self._prices.setdefault(tick.ticker, deque(maxlen=self.long))
        prices.append(tick.price)
        if len(prices) < self.long:
            return ()
        recent = list(prices)[-self.short:]
        above = sum(recent) * self.long > sum(prices) * self.short
        was = self._above.get(tick.ticker)
        self._above[tick.ticker] = above
        if was is None or was == above:
            return ()
        if above and holding is None:
            return (Buy(tick.ticker, amount_krw=self.amount_krw,
                        reason=f"MA{self.short} crossed above MA{self.long} at {tick.price:,}"),)
        if not above and holding is not None:
            return (Sell(tick.ticker,
                         reason=f"MA{self.short} crossed below MA{self.long} at {tick.price:,}"),)
        return ()


@dataclass
class DonchianBreakout:
    """Buys when the price trades above the highest of the previous ``entry`` prices (a
    breakout of the Donchian channel), sells the position when it trades below the lowest
    of the previous ``exit`` prices; one position per ticker. The classic turtle rule on
    ticks: it rides trends and pays for whipsaws. An example to copy, not advice."""

    entry: int = 20
    exit: int = 10
    amount_krw: int | None = None  # None: the engine's budget per position
    name: str = "donchian_breakout"
    _prices: dict[str, deque[int]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for argument in ("entry", "exit"):
            value = getattr(self, argument)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidInputError(argument, value, "a whole number of prices >= 1")
        amount = self.amount_krw
        if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int)
                                   or amount <= 0):
            raise InvalidInputError("amount_krw", amount, "None or a whole number of KRW > 0")

    @property
    def warmup(self) -> int:
        """Prices seen before the first decision: the longer channel, and this one."""
        return max(self.entry, self.exit) + 1

    def on_tick(self, tick: Tick, holding: Holding | None) -> Sequence[Signal]:
        window = max(self.entry, self.exit)
        prices = self._prices.setdefault(tick.ticker, deque(maxlen=window))
        full = len(prices) == window
        signals: Sequence[Signal] = ()
        if full and holding is None:
            top = max(itertools.islice(prices, window - self.entry, window))
            if tick.price > top:
                signals = (Buy(tick.ticker, amount_krw=self.amount_krw,
                               reason=f"{tick.price:,} broke above the {self.entry}-price "
                                      f"high {top:,}"),)
        elif full:
            bottom = min(itertools.islice(prices, window - self.exit, window))
            if tick.price < bottom:
                signals = (Sell(tick.ticker, reason=f"{tick.price:,} broke below the "
                                                    f"{self.exit}-price low {bottom:,}"),)
        prices.append(tick.price)
        return signals


STRATEGIES: dict[str, type] = {"hold": Hold, "moving_average_cross": MovingAverageCross,
                               "donchian_breakout": DonchianBreakout}


def strategy_parameters(name: str) -> tuple[str, ...] | None:
    """The parameters a built-in strategy takes from a config file, in their order
    (None: it takes any keyword)."""
    if name not in STRATEGIES:
        raise InvalidInputError("strategy", name, f"one of {', '.join(sorted(STRATEGIES))}")
    accepted = inspect.signature(STRATEGIES[name]).parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in accepted):
        return None
    return tuple(p.name for p in accepted if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
                 and p.name != "name" and not p.name.startswith("_"))


def strategy_named(name: str, **parameters: object) -> Strategy:
    """A built-in strategy by name, with its parameters (from a config file)."""
    known = strategy_parameters(name)
    for parameter, value in parameters.items():
        if known is not None and parameter not in known:
            raise InvalidInputError(parameter, value, _unknown_parameter(name, parameter, known))
    try:
        return STRATEGIES[name](**parameters)
    except TypeError as error:  # a strategy whose signature says less than it checks
        raise InvalidInputError("strategy", parameters, f"the parameters of {name!r} ({error})"
                                ) from None


def _unknown_parameter(name: str, parameter: str, known: tuple[str, ...]) -> str:
    if not known:
        return f"no parameters: {name!r} takes none"
    close = difflib.get_close_matches(parameter, known, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"a parameter of {name!r}: one of {', '.join(known)}{hint}"
