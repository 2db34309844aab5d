"""The API layer's base (the seed's ``api/base.py``): one KIS API call, with everything
around it: the token, the rate limit, retries, and the rule that an order is never sent
twice; and cursor paging over ``tr_cont``.

* Reads are retried on transport errors, on HTTP 5xx without a business code, and on
  EGW00201/EGW00215, with capped, jittered exponential backoff.
* Every call is repeated once with a new token after EGW00121/EGW00123.
* An order (new, amend, cancel) is retried only when KIS certainly did nothing: the
  connection was never made, or KIS answered EGW00201. After a timeout, a dropped
  connection or a 5xx without a code, KIS may have executed it: the call raises
  ``OrderOutcomeUnknownError`` carrying what was sent, and the caller looks it up.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from pykis import exceptions as ex
from pykis.api.errors import (
    NEVER_SENT,
    RATE_LIMITED,
    TOKEN_INVALID,
    Answer,
    raise_for,
    read_answer,
)
from pykis.api.flow import Flow, Reserve, Send, Sleep
from pykis.auth.manager import AuthManager
from pykis.constants import paper_tr_id
from pykis.utils.clock import Clock

__all__ = ["Api", "Context", "RetryPolicy", "call", "pages", "rate_key"]

MAX_PAGES = 1_000


@dataclass(frozen=True)
class Api:
    """One KIS API, declared once: its path, TR ID (real; paper derives from it)."""

    path: str
    tr_id: str
    method: str = "GET"
    order: bool = False  # sends an order: never repeated after an uncertain failure
    paper: bool = True  # the paper server has it
    paged: bool = False  # cursor paging with tr_cont and CTX_AREA_*
    exact: bool = False  # send tr_id as given in either environment (HTTPClient)

    def tr(self, paper: bool) -> str:
        return paper_tr_id(self.tr_id) if paper and not self.exact else str(self.tr_id)


def rate_key(environment: str, app_key: str) -> str:
    """The rate limiter's key: KIS limits calls per app key and environment."""
    return f"{environment}:{hashlib.sha256(app_key.encode()).hexdigest()[:24]}"


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # tries in all, for reads failing on the network or with 5xx
    throttled_attempts: int = 8  # tries in all while KIS answers EGW00201
    base: float = 0.2  # seconds; doubled each attempt, with full jitter
    cap: float = 5.0

    def backoff(self, attempt: int) -> float:
        return random.uniform(0, min(self.cap, self.base * 2 ** (attempt - 1)))


@dataclass
class Context:
    """What every flow of one client needs."""

    app_key: str = field(repr=False)
    app_secret: str = field(repr=False)
    cano: str
    product: str
    paper: bool
    base_url: str
    auth: AuthManager
    rate_key: str
    timeout: httpx.Timeout = field(default_factory=lambda: httpx.Timeout(10.0))
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    clock: Callable[[], float] = time.time
    listings: Any = None  # pykis.api.listing.ListingCache: names and listings, per day
    _parts: _Parts = field(default_factory=lambda: _Parts(), init=False, repr=False,
                           compare=False)

    @property
    def account(self) -> dict[str, str]:
        return {"CANO": self.cano, "ACNT_PRDT_CD": self.product}

    @property
    def sleeper(self) -> Clock | None:
        """What the flows' waits (retry backoff) sleep on: the client's clock when it was
        given a ``pykis.utils.clock.Clock`` (simulated time), else None (real sleep)."""
        return self.clock if isinstance(self.clock, Clock) else None

    def request(self, api: Api, token: str, params: dict[str, str] | None,
                body: dict[str, str] | None, tr_cont: str = "") -> httpx.Request:
        """The request of one call. A GET (every inquiry) is put together from parts made
        once per client (``_Parts``); the request is the very one httpx would build from
        the same arguments, header for header (``build``)."""
        if body is not None or api.method != "GET":
            return self.build(api, token, params, body, tr_cont)
        parts = self._parts
        url = parts.url(self.base_url, api.path, params)
        headers = parts.headers(self, token, api.tr(self.paper),
                                tr_cont if api.paged else None, url.netloc)
        request = httpx.Request("GET", url, headers=headers, stream=_NO_BODY,
                                extensions=parts.extensions(self.timeout))
        request.read()  # as httpx does for a request with content: .content is b""
        return request

    def build(self, api: Api, token: str, params: dict[str, str] | None,
              body: dict[str, str] | None, tr_cont: str = "") -> httpx.Request:
        """The request of one call, built by httpx from its arguments."""
        headers = _headers(self, token, api.tr(self.paper), tr_cont if api.paged else None)
        content = json.dumps(body).encode() if body is not None else None
        return httpx.Request(api.method, self.base_url.rstrip("/") + api.path, params=params,
                             content=content, headers=headers,
                             extensions={"timeout": self.timeout.as_dict()})


def _headers(ctx: Context, token: str, tr_id: str, tr_cont: str | None) -> dict[str, str]:
    headers = {
        "content-type": "application/json; charset=utf-8",
        "authorization": f"Bearer {token}",
        "appkey": ctx.app_key,
        "appsecret": ctx.app_secret,
        "tr_id": tr_id,
        "custtype": "P",
    }
    if tr_cont is not None:
        headers["tr_cont"] = tr_cont
    return headers


_NO_BODY = httpx.ByteStream(b"")


class _Parts:
    """What the GETs of one client share, made once: each URL (by path and parameters:
    parsing and quoting one costs more than the rest of the request), each set of
    headers (by token, TR ID and tr_cont) and the timeout. Bounded: a full table is
    emptied and refilled."""

    URLS = 1024
    HEADERS = 128

    def __init__(self) -> None:
        self._urls: dict[tuple[str, str, Any], httpx.URL] = {}
        self._headers: dict[tuple[str, str, str | None, bytes], httpx.Headers] = {}
        self._timeout: tuple[httpx.Timeout, dict[str, Any]] | None = None

    def url(self, base_url: str, path: str, params: dict[str, str] | None) -> httpx.URL:
        key = (base_url, path, tuple(params.items()) if params else None)
        url = self._urls.get(key)
        if url is None:
            if len(self._urls) >= self.URLS:
                self._urls.clear()
            url = self._urls[key] = httpx.URL(base_url.rstrip("/") + path, params=params)
        return url

    def headers(self, ctx: Context, token: str, tr_id: str, tr_cont: str | None,
                host: bytes) -> httpx.Headers:
        key = (token, tr_id, tr_cont, host)
        headers = self._headers.get(key)
        if headers is None:
            if len(self._headers) >= self.HEADERS:
                self._headers.clear()
            # Host first, as httpx puts it when it builds a request itself.
            headers = self._headers[key] = httpx.Headers(
                [("Host", host), *_headers(ctx, token, tr_id, tr_cont).items()])
        return headers  # each request copies it: scrubbing one never reaches the rest

    def extensions(self, timeout: httpx.Timeout) -> dict[str, Any]:
        made = self._timeout
        if made is None or made[0] is not timeout:
            made = self._timeout = (timeout, {"timeout": timeout.as_dict()})
        return made[1]


def call(ctx: Context, api: Api, *, params: dict[str, str] | None = None,
         body: dict[str, str] | None = None, tr_cont: str = "") -> Flow[Answer]:
    """Send one request to ``api`` and return its successful answer."""
    if ctx.paper and not api.paper:
        raise ex.UnsupportedError(f"KIS's paper server has no {api.path}", tr_id=str(api.tr_id))
    tries = _Tries(ctx.retry)
    while True:
        token = yield from ctx.auth.token()
        delay = yield Reserve(ctx.rate_key)
        if delay > 0:
            yield Sleep(delay)
        sent = _Sent(api, ctx, body, ctx.clock())
        try:
            response = yield Send(ctx.request(api, token, params, body, tr_cont))
        except httpx.HTTPError as error:  # no answer, or one that cannot be decoded
            if api.order and not isinstance(error, NEVER_SENT):
                raise sent.unknown(type(error).__name__) from error
            yield from tries.again(sent, f"no answer from KIS: {type(error).__name__}", error)
            continue
        answer = _read(response, sent)
        if answer is None or (answer.status >= 500 and not answer.code):
            if api.order:
                raise sent.unknown(f"HTTP {response.status_code}")
            yield from tries.again(sent, answer or response.status_code)
            continue
        if answer.ok:
            return answer
        if answer.code in TOKEN_INVALID and not tries.renewed:
            tries.renewed = True
            yield from ctx.auth.invalidate(token)
            continue
        if answer.code in RATE_LIMITED or answer.status == 429:  # KIS did nothing
            yield from tries.throttled(answer)
            continue
        if api.order and not answer.refused:
            # Neither an acceptance nor a refusal KIS coded: it may have booked it.
            raise sent.unknown(f"an answer that says neither (rt_cd {answer.rt_cd!r})")
        raise_for(answer, order=api.order)
        raise AssertionError("raise_for returns only for a successful answer")


@dataclass
class _Tries:
    """What one call has been through: how often to try again, and when to stop."""

    retry: RetryPolicy
    failures: int = 0
    throttles: int = 0
    renewed: bool = False  # a new token was taken once already

    def again(self, sent: _Sent, failure: Answer | int | str,
              cause: BaseException | None = None) -> Flow[None]:
        """A read failed on the network or on KIS's side: back off, or give up."""
        self.failures += 1
        if self.failures < self.retry.attempts:
            yield Sleep(self.retry.backoff(self.failures))
            return
        if isinstance(failure, Answer):
            raise_for(failure)
        if isinstance(failure, int):
            raise ex.ServerError(f"KIS answered HTTP {failure}", tr_id=sent.tr_id,
                                 status_code=failure)
        if isinstance(cause, httpx.DecodingError):  # an answer came, but not one to read
            raise ex.APIError(f"an answer that cannot be decoded ({cause})",
                              tr_id=sent.tr_id) from cause
        raise ex.NetworkError(failure, tr_id=sent.tr_id) from cause

    def throttled(self, answer: Answer) -> Flow[None]:
        self.throttles += 1
        if self.throttles >= self.retry.throttled_attempts:
            raise_for(answer)
        yield Sleep(self.retry.backoff(self.throttles))


@dataclass(frozen=True)
class _Sent:
    """A request that left: enough to say what it was when its outcome is unknown."""

    api: Api
    ctx: Context
    body: dict[str, str] | None
    at: float

    @property
    def tr_id(self) -> str:
        return self.api.tr(self.ctx.paper)

    def unknown(self, cause: str) -> ex.OrderOutcomeUnknownError:
        return ex.OrderOutcomeUnknownError(
            f"the order was sent but its outcome is unknown ({cause}); KIS may have "
            "executed it: look it up before sending it again",
            request={"path": self.api.path, "tr_id": self.tr_id, "body": self.body or {},
                     "sent_at": self.at},
            tr_id=self.tr_id)


def _read(response: httpx.Response, sent: _Sent) -> Answer | None:
    """The answer, or None for a 5xx without a JSON body (a proxy's error page). A 429
    (Too Many Requests, which KIS itself does not send) reads as a throttled answer. An
    order's answer that cannot be read at all is an unknown outcome, never a refusal."""
    try:
        answer = read_answer(response, sent.tr_id)
    except ex.APIError:
        if response.status_code >= 500:
            return None
        if response.status_code == 429:
            return Answer(429, {}, sent.tr_id)
        if sent.api.order:
            raise sent.unknown(f"HTTP {response.status_code} without a readable answer"
                               ) from None
        raise
    if sent.api.order:  # what was sent rides with the answer: an acceptance may still
        answer = replace(answer, request=sent.unknown("").request)  # lack its order number
    return answer


def pages(ctx: Context, api: Api, params: dict[str, str], *, suffix: str = "100"
          ) -> Flow[list[Answer]]:
    """Every page of a cursor-paged inquiry, first to last."""
    answers: list[Answer] = []
    fk = nk = ""
    seen: set[str] = set()
    while True:
        answer = yield from call(ctx, api, params={**params, f"CTX_AREA_FK{suffix}": fk,
                                                   f"CTX_AREA_NK{suffix}": nk},
                                 tr_cont="N" if answers else "")
        answers.append(answer)
        if not answer.more:
            return answers
        fk = str(answer.body.get(f"ctx_area_fk{suffix}", ""))
        nk = str(answer.body.get(f"ctx_area_nk{suffix}", ""))
        if not nk.strip() or nk in seen or len(answers) >= MAX_PAGES:
            raise ex.APIError("KIS said more pages follow but gave no new cursor",
                              tr_id=answer.tr_id)
        seen.add(nk)
