"""The KIS wire format: requests in, JSON bodies out, in KIS's shapes and key order.

Handlers receive a ``Call`` (the request, already authenticated, with typed accessors
that refuse bad input the way KIS does) and return a ``Reply`` (sections of values);
``render`` writes every documented field in order, with KIS's string encoding.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pykis.market import KST
from pykis.sim.errors import CODES, SimError, pad_msg
from pykis.sim.wire.fields import FIELDS

if TYPE_CHECKING:
    from pykis.sim.accounts import Account
    from pykis.sim.state import SimState

__all__ = [
    "Call",
    "Reply",
    "SimRequest",
    "SimResponse",
    "dec",
    "is_digits",
    "json_response",
    "pct",
    "render",
]

_DEFAULTS = {"int": "0", "dec": "0.00"}
_DIGITS = re.compile(r"[0-9]+")


@dataclass
class SimRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    query: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class SimResponse:
    """An answer: its headers named in KIS's casing (``Content-Type``, and KIS's own
    lower-case ``tr_id``, ``tr_cont``, ``gt_uid``), which the adapters send as they are."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering
    drop: bool = False  # close the connection instead of answering

    def json(self) -> Any:
        return json.loads(self.body)


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None
                  ) -> SimResponse:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    merged = {"Content-Type": "application/json; charset=UTF-8", **(headers or {})}
    return SimResponse(status, body, merged)


@dataclass
class Call:
    """One authenticated REST call to a KIS API."""

    state: SimState
    account: Account
    tr_id: str
    variant: str | None  # which of the route's TR IDs: "buy"/"sell", "recent"/"old"
    query: dict[str, str]
    body: dict[str, Any]
    headers: dict[str, str]
    now: dt.datetime

    @property
    def profile(self):
        return self.account.profile

    @property
    def continued(self) -> bool:
        """True on a follow-up page (request header ``tr_cont: N``)."""
        return self.headers.get("tr_cont", "").strip().upper() == "N"

    # --- query parameters ----------------------------------------------------------------
    def param(self, name: str, *, required: bool = True, default: str = "") -> str:
        value = self.query.get(name, self.query.get(name.lower()))
        if value is None:
            if required:
                raise SimError("OPSQ2001", text=f"INPUT_FIELD_NAME {name}")
            return default
        return value

    def choice(self, name: str, allowed: tuple[str, ...], *, required: bool = True,
               default: str = "") -> str:
        value = self.param(name, required=required, default=default)
        if value not in allowed:
            raise SimError("OPSQ2001", text=f"ERROR INVALID {name}")
        return value

    def date(self, name: str) -> dt.date:
        value = self.param(name)
        try:
            return dt.datetime.strptime(value, "%Y%m%d").date()
        except ValueError:
            raise SimError("OPSQ2001", text=f"ERROR INVALID {name}") from None

    def market_code(self, name: str = "FID_COND_MRKT_DIV_CODE") -> str:
        return self.choice(name, ("J", "NX", "UN", "W"))

    def check_account(self, source: Mapping[str, Any] | None = None) -> None:
        """CANO and ACNT_PRDT_CD must name this app key's account."""
        values = self.query if source is None else source
        cano, product = values.get("CANO"), values.get("ACNT_PRDT_CD")
        if cano is None or product is None:
            missing = "CANO" if cano is None else "ACNT_PRDT_CD"
            if source is not None:
                raise SimError("IGW00007")
            raise SimError("OPSQ2001", text=f"INPUT_FIELD_NAME {missing}")
        if (cano, product) != (self.account.cano, self.account.product):
            code = "APAC0081" if source is not None else "OPSQ2000"
            raise SimError(code)

    # --- body fields (orders) ------------------------------------------------------------
    def field(self, name: str, *, required: bool = True, default: str = "") -> str:
        value = self.body.get(name)
        if value is None:
            if required:
                raise SimError("IGW00007")  # KIS's answer to an order body it cannot build
            return default
        if not isinstance(value, str):
            value = str(value)
        return value.strip()

    def number(self, name: str, *, allow_zero: bool = True, required: bool = True) -> int:
        value = self.field(name, required=required, default="0")
        if not is_digits(value) or (not allow_zero and int(value) == 0):
            raise SimError("IGW00007")
        return int(value)


@dataclass
class Reply:
    """What a handler answers: output sections by name, and the envelope to wrap them."""

    sections: dict[str, Any]
    code: str  # msg_cd of the success
    tr_cont: str | None = None  # response header for paged APIs: M more, D last
    extra: dict[str, str] = field(default_factory=dict)  # ctx_area_* cursors
    pad: bool = False  # account inquiries pad msg1 to 80 bytes


def is_digits(value: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also accepts "７" and "²"."""
    return bool(_DIGITS.fullmatch(value))


def pct(part: int, whole: int) -> str:
    """``part`` as a percentage of ``whole``, two decimals rounded half away from zero
    (0 when ``whole`` is 0). Integer arithmetic: exact, and on every quote's hot path."""
    if not whole:
        return "0.00"
    hundredths = (2 * abs(part) * 10_000 + abs(whole)) // (2 * abs(whole))
    sign = "-" if hundredths and (part < 0) != (whole < 0) else ""
    return f"{sign}{hundredths // 100}.{hundredths % 100:02d}"


def dec(value: float | Decimal | int, places: int = 2) -> str:
    """A decimal string with ``places`` digits, rounded half up, as KIS writes rates."""
    if type(value) is int:
        return f"{value}.{'0' * places}"
    quantum = Decimal(1).scaleb(-places)
    return str(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def _zero(kind: str) -> str:
    """What KIS writes for a field left at zero: kind "decN" is a decimal with N places
    ("dec8": "0.00000000"), as the overseas APIs write each field at its own scale."""
    if kind.startswith("dec") and kind[3:].isdigit():
        return "0." + "0" * int(kind[3:])
    return _DEFAULTS.get(kind, "")


@lru_cache(maxsize=256)
def _blank(spec: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return {name: _zero(kind) for name, kind in spec}


def _row(spec: tuple[tuple[str, str], ...], values: Mapping[str, Any]) -> dict[str, str]:
    """Every documented field in order: the handler's values, defaults for the rest."""
    row = dict(_blank(spec))
    for name, value in values.items():
        if name not in row:  # a handler's typo must not pass for a default value
            raise AssertionError(f"{name!r} is not a documented field")
        if value is not None:
            row[name] = value if type(value) is str else str(value)
    return row


def render(endpoint: str, reply: Reply, *, envelope_first: bool,
           fields: Mapping[str, tuple[tuple[str, str], ...]] | None = None) -> SimResponse:
    """The JSON answer: ctx cursors, documented fields in order, and the envelope. The
    field lists are the endpoint's in ``FIELDS`` unless its route brings its own."""
    spec = FIELDS[endpoint] if fields is None else fields
    kis = CODES[reply.code]
    text = pad_msg(kis.text) if reply.pad else kis.text
    envelope = {"rt_cd": kis.rt_cd, "msg_cd": kis.code, "msg1": text}
    payload: dict[str, Any] = {} if not envelope_first else dict(envelope)
    payload.update(reply.extra)
    for section, values in reply.sections.items():
        fields = spec[section]
        if isinstance(values, list):
            payload[section] = [_row(fields, v) for v in values]
        else:
            payload[section] = _row(fields, values)
    if not envelope_first:
        payload.update(envelope)
    headers = {"tr_cont": reply.tr_cont} if reply.tr_cont is not None else {}
    return json_response(200, payload, headers)


def hhmmss(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, KST).strftime("%H%M%S")


def yyyymmdd(day: dt.date) -> str:
    return day.strftime("%Y%m%d")
