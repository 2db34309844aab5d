"""Risk rules: pure functions of (state, limits) -> decision.

Exits (:func:`check_exit`), for a position at its last price: stop-loss and take-profit
against the average entry price, and a trailing stop under the highest price since
entry. Thresholds are inclusive (a price *at* the stop sells); when several rules fire
the stops win over take-profit, as protecting capital is their purpose.

Entries (:func:`check_entry`), before a buy: the daily loss limit (a loss since the
day's opening equity that reaches it halts new buys), the maximum number of open
positions (adding to a position held does not open a new one) and the maximum size of
one position as a share of equity (the decision carries how many KRW may still go in).
The rules keep no memory: a runtime that wants a halt to last the day keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from pykis.exceptions import InvalidInputError

__all__ = [
    "AccountState",
    "EntryDecision",
    "ExitDecision",
    "PositionState",
    "RiskLimits",
    "Rule",
    "check_entry",
    "check_exit",
]


class Rule(StrEnum):
    STOP_LOSS = "stop_loss"
    TRAILING_STOP = "trailing_stop"
    TAKE_PROFIT = "take_profit"
    DAILY_LOSS_LIMIT = "daily_loss_limit"
    MAX_OPEN_POSITIONS = "max_open_positions"
    MAX_POSITION_SIZE = "max_position_size"


def _fraction(value: object, argument: str, *, below_one: bool = True) -> None:
    if value is None:
        return
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0 \
            or (below_one and value >= 1):
        bound = "between 0 and 1 (exclusive)" if below_one else "greater than 0"
        raise InvalidInputError(argument, value, f"None or a Decimal {bound}, e.g. Decimal('0.05')")


def _count(value: object, argument: str, *, allow_zero: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < (0 if allow_zero else 1):
        raise InvalidInputError(argument, value, "a whole number" + (" >= 0" if allow_zero
                                                                      else " > 0"))


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """Fractions are Decimals (``Decimal("0.05")`` is 5 %); None turns a rule off."""

    stop_loss: Decimal | None = None  # sell at entry x (1 - stop_loss) or lower
    take_profit: Decimal | None = None  # sell at entry x (1 + take_profit) or higher
    trailing_stop: Decimal | None = None  # sell at highest x (1 - trailing_stop) or lower
    max_position_fraction: Decimal | None = None  # one position's value / equity
    max_open_positions: int | None = None
    daily_loss_limit: int | None = None  # KRW lost since the day's opening equity
    daily_loss_fraction: Decimal | None = None  # the same, as a share of that equity

    def __post_init__(self) -> None:
        _fraction(self.stop_loss, "stop_loss")
        _fraction(self.take_profit, "take_profit", below_one=False)
        _fraction(self.trailing_stop, "trailing_stop")
        _fraction(self.max_position_fraction, "max_position_fraction", below_one=False)
        _fraction(self.daily_loss_fraction, "daily_loss_fraction")
        for name in ("max_open_positions", "daily_loss_limit"):
            if getattr(self, name) is not None:
                _count(getattr(self, name), name)


# --------------------------------------------------------------------------------- exits


@dataclass(frozen=True, slots=True)
class PositionState:
    """A held position at its last price; ``highest_price`` is the highest since entry
    (taken as at least ``price``, so a tick not yet folded in cannot hide a new high)."""

    entry_price: Decimal | int
    price: int
    highest_price: int

    def __post_init__(self) -> None:
        entry = self.entry_price
        if isinstance(entry, bool) or not isinstance(entry, (int, Decimal)) or not entry > 0:
            raise InvalidInputError("entry_price", entry, "a positive int or Decimal of KRW")
        _count(self.price, "price")
        _count(self.highest_price, "highest_price")


@dataclass(frozen=True, slots=True)
class ExitDecision:
    sell: bool
    rule: Rule | None
    reason: str


def _won(value: Decimal | int) -> str:
    return f"{value:,.0f}" if Decimal(value) == Decimal(value).to_integral() else f"{value:,}"


def check_exit(position: PositionState, limits: RiskLimits) -> ExitDecision:
    """Whether to sell ``position`` now, and under which rule."""
    entry, price = Decimal(position.entry_price), position.price
    highest = max(position.highest_price, price)
    if limits.stop_loss is not None and price <= (stop := entry * (1 - limits.stop_loss)):
        return ExitDecision(True, Rule.STOP_LOSS, f"stop-loss: {price:,} is at or below "
                            f"{_won(stop)} ({limits.stop_loss:%} under the entry {_won(entry)})")
    if limits.trailing_stop is not None \
            and price <= (trail := highest * (1 - limits.trailing_stop)):
        return ExitDecision(True, Rule.TRAILING_STOP, f"trailing stop: {price:,} is at or "
                            f"below {_won(trail)} ({limits.trailing_stop:%} under the high "
                            f"{highest:,})")
    if limits.take_profit is not None and price >= (goal := entry * (1 + limits.take_profit)):
        return ExitDecision(True, Rule.TAKE_PROFIT, f"take-profit: {price:,} is at or above "
                            f"{_won(goal)} ({limits.take_profit:%} over the entry {_won(entry)})")
    return ExitDecision(False, None, f"hold: no exit rule fires at {price:,}")


# ------------------------------------------------------------------------------- entries


@dataclass(frozen=True, slots=True)
class AccountState:
    """The account when a buy is considered; ``held_value`` is the market value already
    held of the ticker to buy (0 if none)."""

    equity: int
    day_start_equity: int
    open_positions: int
    held_value: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.equity, bool) or not isinstance(self.equity, int):
            raise InvalidInputError("equity", self.equity, "a whole number of KRW")
        _count(self.day_start_equity, "day_start_equity", allow_zero=True)
        _count(self.open_positions, "open_positions", allow_zero=True)
        _count(self.held_value, "held_value", allow_zero=True)


@dataclass(frozen=True, slots=True)
class EntryDecision:
    """``max_value``: the most KRW the position may still take (None: no rule caps it)."""

    allowed: bool
    rule: Rule | None
    reason: str
    max_value: int | None = None


def check_entry(account: AccountState, limits: RiskLimits) -> EntryDecision:
    """Whether a buy may go ahead, and how large it may be."""
    for rule in (_daily_loss, _open_positions):
        refusal = rule(account, limits)
        if refusal is not None:
            return refusal
    if limits.max_position_fraction is None:
        return EntryDecision(True, None, "no rule limits this buy")
    room = _floor(account.equity * limits.max_position_fraction) - account.held_value
    if room <= 0:
        return EntryDecision(False, Rule.MAX_POSITION_SIZE, f"position size: {account.held_value:,}"
                             f" held is already {limits.max_position_fraction:%} of equity "
                             f"{account.equity:,} or more", 0)
    return EntryDecision(True, Rule.MAX_POSITION_SIZE, f"position size: up to {room:,} KRW more"
                         f" ({limits.max_position_fraction:%} of equity {account.equity:,})", room)


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(ROUND_FLOOR))


def _daily_loss(account: AccountState, limits: RiskLimits) -> EntryDecision | None:
    loss = account.day_start_equity - account.equity
    caps: list[Decimal] = []
    if limits.daily_loss_limit is not None:
        caps.append(Decimal(limits.daily_loss_limit))
    if limits.daily_loss_fraction is not None:
        caps.append(account.day_start_equity * limits.daily_loss_fraction)
    if caps and loss >= min(caps):
        return EntryDecision(False, Rule.DAILY_LOSS_LIMIT, f"daily loss limit: {loss:,} KRW lost"
                             f" today reaches the limit of {_won(min(caps))}; no new buys", 0)
    return None


def _open_positions(account: AccountState, limits: RiskLimits) -> EntryDecision | None:
    most = limits.max_open_positions
    if most is not None and account.held_value == 0 and account.open_positions >= most:
        return EntryDecision(False, Rule.MAX_OPEN_POSITIONS, f"open positions: "
                             f"{account.open_positions} held, at most {most}", 0)
    return None
