"""Cursor paging of account inquiries (연속조회), as KIS does it.

The first call sends ``tr_cont: ""`` and blank ``CTX_AREA_FK100``/``CTX_AREA_NK100``; an
answer with more rows says ``tr_cont: M`` and carries cursors in its body; the next call
sends ``tr_cont: N`` with the cursors copied back. The last page says ``tr_cont: D``.
Cursors are caret-separated and right-padded to their size (100 characters; 200 for the
overseas APIs' ``CTX_AREA_FK200``/``NK200``); here NK100 holds the sort
key of the last row delivered and the next page starts after it in the current order, so
paging is stateless and a row that filled or vanished in between does not restart it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from pykis.sim.wire.protocol import Call

__all__ = ["Page", "paginate"]

T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    rows: list
    more: bool
    continued: bool  # this was not the first page
    extra: dict[str, str]

    @property
    def tr_cont(self) -> str:
        return "M" if self.more else "D"

    def code(self, inquiry_ok: str, real: bool) -> str:
        """msg_cd: paper always answers 20310000; real says whether more pages follow."""
        if not real:
            return inquiry_ok
        if self.more:
            return "KIOK0500"
        return "KIOK0460" if self.continued else inquiry_ok


def paginate(
    call: Call, rows: Sequence[T], size: int, key: Callable[[T], str], conditions: str,
    *, descending: bool = False, suffix: str = "100",
) -> Page:
    """The page of ``rows`` this call asks for. ``rows`` are filtered and sorted by
    ``key`` (a string that sorts like the rows), descending if ``descending``."""
    account = call.account
    prefix = f"{account.cano}^{account.product}^"
    start = 0
    if call.continued:
        cursor = call.param(f"CTX_AREA_NK{suffix}", required=False).strip()
        parts = cursor.split("^")
        if cursor.startswith(prefix) and len(parts) > 2 and parts[2]:
            last = parts[2]
            after = (lambda k: k < last) if descending else (lambda k: k > last)
            start = next((i for i, row in enumerate(rows) if after(key(row))), len(rows))
    chunk = list(rows[start:start + size])
    more = start + size < len(rows)
    next_key = f"{prefix}{key(chunk[-1])}^" if more and chunk else ""
    width = int(suffix)  # CTX_AREA_*100 cursors are 100 characters, *200 ones 200
    extra = {
        f"ctx_area_fk{suffix}": (prefix + conditions).ljust(width),
        f"ctx_area_nk{suffix}": next_key.ljust(width),
    }
    return Page(chunk, more, start > 0, extra)
