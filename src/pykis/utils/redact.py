"""Secrets kept out of everything that outlives a call: exception chains, logs of every
library, reprs.

KIS's credentials travel in headers (``appkey``, ``appsecret``, ``authorization``,
``approval_key``) and in the bodies of the token and approval requests (``appsecret``,
``secretkey``); the notices' AES key and IV arrive in a subscription's answer. An httpx
error keeps the request it failed on (``error.request``) and so its headers; the
``websockets`` library logs the head and tail of every frame at DEBUG. Both are scrubbed
here, once, for every caller.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx

__all__ = ["REDACTED", "SECRET_NAMES", "FrameFilter", "redact_text", "scrub"]

REDACTED = "[redacted]"
# Header and field names whose values are secrets (compared case-insensitively).
SECRET_NAMES = frozenset({"appkey", "appsecret", "secretkey", "authorization", "approval_key",
                          "access_token", "token", "key", "iv"})
_FIELD = re.compile(
    r"""(["']?)(appkey|appsecret|secretkey|authorization|approval_key|access_token|key|iv)\1"""
    r"""(\s*[:=]\s*)(["']?)([^"',}&\s]*)""", re.IGNORECASE)


def redact_text(text: str) -> str:
    """``text`` with the value of every secret field (JSON or ``name=value``) replaced."""
    return _FIELD.sub(lambda m: f"{m[1]}{m[2]}{m[1]}{m[3]}{m[4]}{REDACTED}", text)


def scrub(error: BaseException) -> BaseException:
    """``error`` (and its causes) without the secrets of the request it carries: secret
    headers replaced, a body with a secret field dropped. Returns ``error``."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, httpx.HTTPError):
            try:
                request = current.request
            except RuntimeError:  # an error raised without a request
                request = None
            if request is not None:
                _scrub_request(request)
        current = current.__cause__ or current.__context__
    return error


def _scrub_request(request: httpx.Request) -> None:
    for name in list(request.headers):
        if name.lower() in SECRET_NAMES:
            request.headers[name] = REDACTED
    content = getattr(request, "_content", None)
    if content and any(name.encode() in content.lower() for name in
                       ("appsecret", "secretkey")):
        # The token and approval requests carry the secret in the body: drop it whole.
        request._content = REDACTED.encode()
        request.stream = httpx.ByteStream(request._content)


class FrameFilter(logging.Filter):
    """For the ``websockets`` loggers: a frame is logged as its kind and size only (its
    text can hold the approval key, the notices' AES key and IV, account numbers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(_frame_free(arg) for arg in args)
        if isinstance(record.msg, str) and not record.args:
            record.msg = redact_text(record.msg)
        return True


def _frame_free(value: Any) -> Any:
    opcode = getattr(value, "opcode", None)
    data = getattr(value, "data", None)
    if opcode is not None and isinstance(data, (bytes, bytearray)):
        return f"{getattr(opcode, 'name', opcode)} [{len(data)} bytes]"
    if isinstance(value, (str, bytes, bytearray)):
        text = value.decode("utf-8", "replace") if not isinstance(value, str) else value
        return redact_text(text)
    return value
