"""Who traded: a day's volume split among investor types, member firms and programs.

Every split is of a traded volume the market already has (the day's bar, or the live
day's volume so far), so the parts always add up to it: each type's (or firm's) buys sum
to the volume and so do its sells, as every trade has one buyer and one seller. The
shares of each party are drawn once per symbol and day from the seed (same seed, same
flows) and applied to the volume so far, so the live day's flows grow with its trading.
Values are the volumes at the day's average price (value / volume).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pykis.sim.daily import day_rng

__all__ = ["INSTITUTIONS", "INVESTORS", "MEMBERS", "Side", "investor_split", "member_split",
           "program_split", "split"]

# KIS's investor groups (field prefixes): individuals, foreigners, institutions (the sum of
# the institution kinds below) and other corporations.
INSTITUTIONS = ("scrt", "ivtr", "pe_fund", "bank", "insu", "mrbn", "fund", "etc_orgt")
INVESTORS = ("prsn", "frgn", *INSTITUTIONS, "etc_corp")
# Member firms (거래원): KRX member number, name, foreign (a foreign firm's branch).
MEMBERS: tuple[tuple[str, str, bool], ...] = (
    ("00050", "키움증권", False), ("00005", "미래에셋증권", False),
    ("00003", "한국투자증권", False), ("00012", "NH투자증권", False),
    ("00030", "삼성증권", False), ("00002", "KB증권", False), ("00088", "신한투자증권", False),
    ("00035", "모간서울", True), ("00036", "제이피모간", True), ("00045", "메릴린치", True),
    ("00054", "CS증권", True), ("00043", "골드만삭스", True),
)


@dataclass(frozen=True, slots=True)
class Side:
    """One party's day: shares bought and sold, and their value."""

    buy: int
    sell: int
    buy_value: int
    sell_value: int

    @property
    def net(self) -> int:
        return self.buy - self.sell

    @property
    def net_value(self) -> int:
        return self.buy_value - self.sell_value


def split(total: int, weights: list[float]) -> list[int]:
    """``total`` in whole parts proportional to ``weights`` that add up to it exactly
    (largest remainders get the units left over)."""
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    raw = [total * w / whole for w in weights]
    parts = [int(r) for r in raw]
    left = total - sum(parts)
    for i in sorted(range(len(raw)), key=lambda i: parts[i] - raw[i])[:left]:
        parts[i] += 1
    return parts


def _sides(names: tuple[str, ...], buys: list[int], sells: list[int], volume: int,
           value: int) -> dict[str, Side]:
    price = value / volume if volume else 0
    return {name: Side(b, s, round(b * price), round(s * price))
            for name, b, s in zip(names, buys, sells)}


def investor_split(seed: int, code: str, day: dt.date, volume: int, value: int
                   ) -> dict[str, Side]:
    """Each investor group's buys and sells of ``volume`` shares worth ``value``."""
    rng = day_rng(seed, code, day, "investors")
    # Individuals trade about half of a KRX day, foreigners a third, the rest the others.
    base = [0.48, 0.30, 0.03, 0.02, 0.01, 0.01, 0.02, 0.05, 0.03, 0.01, 0.04]
    buys = split(volume, [w * rng.uniform(0.6, 1.4) for w in base])
    sells = split(volume, [w * rng.uniform(0.6, 1.4) for w in base])
    return _sides(INVESTORS, buys, sells, volume, value)


def member_split(seed: int, code: str, day: dt.date, volume: int, value: int
                 ) -> dict[str, Side]:
    """Each member firm's buys and sells (by member number)."""
    rng = day_rng(seed, code, day, "members")
    weights = [rng.lognormvariate(0, 0.6) for _ in MEMBERS]
    buys = split(volume, [w * rng.uniform(0.7, 1.3) for w in weights])
    sells = split(volume, [w * rng.uniform(0.7, 1.3) for w in weights])
    return _sides(tuple(m[0] for m in MEMBERS), buys, sells, volume, value)


def program_split(seed: int, code: str, day: dt.date, volume: int, value: int) -> Side:
    """Program trading's part of the day (10-25 % of each side)."""
    rng = day_rng(seed, code, day, "program")
    buy = int(volume * rng.uniform(0.10, 0.25))
    sell = int(volume * rng.uniform(0.10, 0.25))
    price = value / volume if volume else 0
    return Side(buy, sell, round(buy * price), round(sell * price))
