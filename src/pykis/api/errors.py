"""Reading KIS's answers: the envelope, and which error each failure is.

KIS answers every failure with a code: ``rt_cd``/``msg_cd``/``msg1`` on the APIs,
``error_code``/``error_description`` on /oauth2. The HTTP status is not reliable (token
and rate-limit errors come as HTTP 500), so decisions are made on the code, and the
status only decides when there is no code at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from pykis import exceptions as ex

__all__ = ["Answer", "NEVER_SENT", "RATE_LIMITED", "TOKEN_INVALID", "raise_for", "read_answer",
           "reading"]

# What reading a malformed field raises: a missing key, a row that is not an object, text
# where a number belongs, an infinite number for a count.
UNREADABLE = (KeyError, IndexError, AttributeError, TypeError, ValueError, OverflowError)
# Errors raised before a single byte reached KIS: even an order can be sent again, and a
# token issuance that failed so does not count against KIS's one-a-minute rule.
NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
TOKEN_INVALID = frozenset({"EGW00121", "EGW00122", "EGW00123"})
RATE_LIMITED = frozenset({"EGW00201", "EGW00215"})  # KIS did nothing: safe to retry
_CLASSES: dict[type[ex.KISError], frozenset[str]] = {
    ex.AuthenticationError: frozenset({"EGW00102", "EGW00103", "EGW00104", "EGW00105",
                                       "EGW00205", "EGW02004", "EGW02007"}),
    ex.TokenExpiredError: TOKEN_INVALID,
    ex.RateLimitError: RATE_LIMITED | {"EGW00133"},
    ex.UnsupportedError: frozenset({"EGW02006", "OPSQ0002", "90000000", "MCA00124"}),
    ex.MarketClosedError: frozenset({"APBK0918", "APBK0919", "KIOK0320", "40580000",
                                     "40570000", "40100000"}),
    ex.NotFoundError: frozenset({"APBK0656", "40070000", "APBK1680", "40340000"}),
    ex.InsufficientBalanceError: frozenset({"APBK0952", "40250000", "APBK0400", "40240000"}),
}
_BY_CODE = {code: cls for cls, codes in _CLASSES.items() for code in codes}


@dataclass(frozen=True)
class Answer:
    """A KIS answer whose body is a JSON object."""

    status: int
    body: dict[str, Any]
    tr_id: str
    headers: dict[str, str] = field(default_factory=dict)
    request: dict[str, Any] | None = None  # an order's: what was sent, should it be unknown

    @property
    def code(self) -> str:
        return str(self.body.get("msg_cd") or self.body.get("error_code") or "")

    @property
    def rt_cd(self) -> Any:
        return self.body.get("rt_cd")

    @property
    def ok(self) -> bool:
        """A success, said plainly: ``rt_cd`` the string "0" on a status below 400."""
        return self.status < 400 and self.rt_cd == "0"

    @property
    def refused(self) -> bool:
        """A failure KIS coded: a result code other than "0" and a message code (an
        order so refused was not executed). Anything else is no clear answer."""
        rt_cd = self.rt_cd
        return (isinstance(rt_cd, str) and rt_cd not in ("", "0") and rt_cd == rt_cd.strip()
                and bool(self.code.strip()))

    @property
    def message(self) -> str:
        return str(self.body.get("msg1") or self.body.get("error_description") or "").strip()

    @property
    def more(self) -> bool:
        """More pages follow (response header tr_cont F or M)."""
        return self.headers.get("tr_cont", "").strip().upper() in ("F", "M")

    def section(self, name: str, shape: type) -> Any:
        """An output section, checked for its shape: dict or list."""
        value = self.body.get(name)
        if not isinstance(value, shape):
            raise ex.APIError(f"KIS answered without a usable {name!r} section", tr_id=self.tr_id,
                              status_code=self.status, **self._said())
        return value

    def _said(self) -> dict[str, str | None]:
        return {"rt_cd": self.body.get("rt_cd"), "code": self.code or None,
                "msg1": self.message or None}


@contextmanager
def reading(what: str, tr_id: str) -> Iterator[None]:
    """Reads ``what`` from an answer: a malformed field inside is an APIError naming it."""
    try:
        yield
    except UNREADABLE:
        raise ex.APIError(f"KIS sent {what} that cannot be read", tr_id=tr_id) from None


def read_answer(response: httpx.Response, tr_id: str) -> Answer:
    """The answer's JSON object, or an APIError if KIS sent something else."""
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError):  # not JSON, or nested past any real answer
        body = None
    if not isinstance(body, dict):
        raise ex.APIError(f"KIS answered HTTP {response.status_code} without a JSON object",
                          tr_id=tr_id, status_code=response.status_code)
    return Answer(response.status_code, body, tr_id, {k.lower(): v for k, v in
                                                       response.headers.items()})


def raise_for(answer: Answer, *, order: bool = False) -> None:
    """Raise the error an unsuccessful answer means; return if it succeeded."""
    if answer.ok:
        return
    cls = _BY_CODE.get(answer.code)
    if cls is None:
        if answer.status == 429:
            cls = ex.RateLimitError
        elif answer.status >= 500 and not answer.code:
            cls = ex.ServerError
        else:
            cls = ex.OrderError if order else ex.APIError
    # The message is KIS's msg1, as the seed's HTTPClient raises it; describe() adds
    # the code, the TR ID and the status.
    text = answer.message or f"KIS refused the request (HTTP {answer.status})"
    raise cls(text, tr_id=answer.tr_id, status_code=answer.status,
              **answer._said())
