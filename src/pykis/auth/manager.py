"""AuthManager: the access token of one app key in one environment, shared and reused.

    auth = AuthManager(app_key, app_secret, BaseURL.PAPER, is_paper=True)
    auth.get_token()                 # issued once, then reused by every thread and process
    auth.get_headers()               # authorization, appkey, appsecret, Content-Type

KIS: 접근토큰발급(P) [인증-001] /oauth2/tokenP, 접근토큰폐기(P) [인증-002] /oauth2/revokeP,
실시간 (웹소켓) 접속키 발급 [실시간-000] /oauth2/Approval.
Rules it keeps: a token lives 24 hours and KIS hands back the same one for 6 hours; one
issuance call per minute per app key (EGW00133 otherwise), each sending the account
holder a KakaoTalk notice, so PyKIS issues only when it must: on first use, ahead of
expiry (``margin``), or once after KIS says the token is invalid or expired. The wait
for the next allowed issuance is waited out, not reported as a failure; a wait long
enough to notice is logged, and counted down through ``on_wait`` (the CLI shows it).

The work is done by flows (``pykis.api.flow``), which ``KIS`` and ``AsyncKIS`` run with
their drivers; ``get_token``/``get_headers`` (the seed's calls) and their async twins
``aget_token``/``aget_headers`` run the same flows on the manager's own HTTP client.
Tokens are kept in a ``TokenStore``: by default the file ``token_path`` (else
``KIS_TOKEN_PATH``, else ``tokens.json`` in PyKIS's cache directory), keyed by
environment, server and app key, so a second manager, client or process on the same
file reuses the token. An entry PyKIS kept before the server was part of the key is
taken over for KIS's own hosts, so an upgrade issues no token of its own.
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

from pykis import exceptions as ex
from pykis.api.errors import NEVER_SENT, read_answer
from pykis.api.flow import Blocking, Flow, Send, Sleep
from pykis.auth.token import (
    MAX_LIFETIME,
    FileTokenStore,
    Issue,
    Token,
    TokenStore,
    Use,
    Wait,
    entry_key,
    legacy_entry_key,
)
from pykis.config import token_path as default_token_path
from pykis.constants import BaseURL, Endpoint
from pykis.utils.drivers import run_async, run_sync
from pykis.utils.tls import default_context

__all__ = ["AuthManager"]

ISSUE_ATTEMPTS = 5  # EGW00133 answers in a row before giving up
APPROVAL_LIFETIME = 86_400.0  # an approval key is good for 24 hours
NOTICE_AFTER = 1.0  # shorter waits (another caller's issuance in flight) pass unannounced
KIS_HOSTS = frozenset(urlsplit(url).netloc for url in (BaseURL.PRODUCTION, BaseURL.PAPER))

log = logging.getLogger("pykis")


class AuthManager:
    """The token of ``app_key`` at ``base_url`` (KIS's real or paper host, or a
    simulator). Keyword arguments: ``store`` (instead of the file at ``token_path``),
    ``interval`` (KIS's minimum between issuances), ``margin`` (renew this long before
    expiry), ``timeout``, ``clock`` and ``transport`` (for ``get_token``'s own client).

    ``on_wait``, if set, is called while KIS's one-issuance-a-minute rule is waited out:
    with the seconds left, about once a second, and with 0 when the wait is over."""

    def __init__(
        self,
        app_key: str,
        app_secret: str,
        base_url: str,
        is_paper: bool = False,
        token_path: str | os.PathLike[str] | None = None,
        *,
        store: TokenStore | None = None,
        interval: float = 60.0,
        margin: float = 600.0,
        timeout: httpx.Timeout | float | None = None,
        clock: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        on_wait: Callable[[float], None] | None = None,
    ) -> None:
        for name, value in (("app_key", app_key), ("app_secret", app_secret),
                            ("base_url", base_url)):
            if not isinstance(value, str) or not value.strip():
                shown = "<hidden>" if name == "app_secret" and isinstance(value, str) else value
                raise ex.InvalidInputError(name, shown, "a non-empty string")
        self.app_key, self.app_secret = app_key, app_secret
        self.base_url, self.is_paper = base_url.rstrip("/"), bool(is_paper)
        self.environment = "paper" if is_paper else "real"
        self._key = entry_key(self.environment, app_key, self.base_url)
        self.store = store or FileTokenStore(token_path or default_token_path())
        self.on_wait = on_wait
        # An entry from before servers were in the key can only be taken over once, and
        # only for KIS's hosts (for a simulator's it was never KIS's token).
        self._legacy: str | None = legacy_entry_key(self.environment, app_key) \
            if urlsplit(self.base_url).netloc in KIS_HOSTS else None
        self.interval, self.margin = interval, margin
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) \
            else httpx.Timeout(timeout or 10.0)
        self._clock = clock
        self._transport = transport
        self._token: Token | None = None
        self._approval: Token | None = None
        self._refused: tuple[float, ex.AuthenticationError] | None = None  # when, and why
        self._http: httpx.Client | None = None
        self._ahttp: httpx.AsyncClient | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # the secret and the token stay out
        return (f"AuthManager(app_key='{self.app_key[:4]}…', base_url={self.base_url!r}, "
                f"is_paper={self.is_paper}, store={type(self.store).__name__}, "
                f"token={self._token!r})")

    @property
    def clock(self) -> Callable[[], float]:
        """The clock token lifetimes are measured by (epoch seconds)."""
        return self._clock

    # --- the seed's calls ----------------------------------------------------------------
    def get_token(self) -> str:
        """A valid access token: the one in hand, the shared one, or a new one."""
        with self._lock:
            if self._http is None:
                sync = self._transport if isinstance(self._transport, httpx.BaseTransport) \
                    else None
                self._http = httpx.Client(transport=sync, timeout=self._timeout,
                                          verify=default_context())
        return run_sync(self.token(), self._http, None)

    def get_headers(self) -> dict[str, str]:
        """The headers every KIS API call carries (add ``tr_id`` and, on KIS's advice,
        ``custtype``)."""
        return self.headers(self.get_token())

    async def aget_token(self) -> str:
        if self._ahttp is None:
            a_sync = self._transport if isinstance(self._transport, httpx.AsyncBaseTransport) \
                else None
            self._ahttp = httpx.AsyncClient(transport=a_sync, timeout=self._timeout,
                                            verify=default_context())
        return await run_async(self.token(), self._ahttp, None)

    async def aget_headers(self) -> dict[str, str]:
        return self.headers(await self.aget_token())

    def headers(self, token: str) -> dict[str, str]:
        return {"authorization": f"Bearer {token}", "appkey": self.app_key,
                "appsecret": self.app_secret, "Content-Type": "application/json; charset=utf-8"}

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    async def aclose(self) -> None:
        if self._ahttp is not None:
            await self._ahttp.aclose()
        self.close()

    # --- flows ---------------------------------------------------------------------------
    def token(self) -> Flow[str]:
        """A usable access token: the one in hand, the shared one, or a new one."""
        current = self._token
        if current is not None and current.fresh(self._clock(), self.margin):
            return current.value
        refused = self._refused
        if refused is not None and self._clock() < refused[0] + self.interval:
            # KIS refused these credentials moments ago: asking again cannot help, and
            # would wait out the one-issuance-a-minute rule first.
            error = refused[1]
            raise type(error)(error.message, error.code, msg1=error.msg1,
                              status_code=error.status_code)
        yield from self._adopt_legacy()
        refusals = 0
        while True:
            decision = yield Blocking(lambda: self.store.begin(
                self._key, self._clock(), self.margin, self.interval))
            if isinstance(decision, Use):
                self._token = decision.token
                return decision.token.value
            if isinstance(decision, Wait):
                yield from self._wait(decision.seconds)
                continue
            token = yield from self._issue(decision)
            if token is not None:
                self._token = token
                return token.value
            refusals += 1
            if refusals >= ISSUE_ATTEMPTS:
                raise ex.RateLimitError("KIS kept refusing a new access token (EGW00133)",
                                        code="EGW00133")

    def _wait(self, seconds: float) -> Flow[None]:
        """Wait ``seconds`` for the next allowed issuance: said in the log when it is long
        enough to notice, and counted down through ``on_wait`` a second at a time."""
        if seconds < NOTICE_AFTER:
            yield Sleep(seconds)
            return
        log.info("waiting %.0f s for a new access token: KIS issues one a minute per app "
                 "key", seconds)
        notify = self.on_wait
        if notify is None:
            yield Sleep(seconds)
            return
        left = seconds
        while left > 0:
            notify(left)
            step = left - (math.ceil(left) - 1)  # the fraction first, then whole seconds
            yield Sleep(step)
            left -= step
        notify(0.0)

    def _adopt_legacy(self) -> Flow[None]:
        legacy, self._legacy = self._legacy, None
        adopt = getattr(self.store, "adopt", None)  # stores of others need not have it
        if legacy is not None and adopt is not None:
            yield Blocking(lambda: adopt(self._key, legacy))

    def invalidate(self, value: str) -> Flow[None]:
        """KIS said ``value`` is invalid or expired: the next ``token()`` replaces it."""
        if self._token is not None and self._token.value == value:
            self._token = None
        yield Blocking(lambda: self.store.invalidate(self._key, value))

    def approval_key(self) -> Flow[str]:
        """The WebSocket approval key: issued on first use, then reused until an hour
        before its 24 hours are up (or until ``forget_approval``)."""
        held = self._approval
        if held is not None and held.fresh(self._clock(), 3600.0):
            return held.value
        request = self._request(Endpoint.APPROVAL, {"grant_type": "client_credentials",
                                                    "appkey": self.app_key,
                                                    "secretkey": self.app_secret})
        answer = yield from self._send(request)
        value = answer.body.get("approval_key")
        if answer.status != 200 or not isinstance(value, str) or not value:
            self._raise(answer)
        now = self._clock()
        self._approval = Token(value, now + APPROVAL_LIFETIME, now)
        return value

    def forget_approval(self, value: str) -> None:
        """KIS refused ``value`` (OPSP0011): the next ``approval_key()`` issues another."""
        if self._approval is not None and self._approval.value == value:
            self._approval = None

    def revoke(self) -> Flow[None]:
        """Revoke the current token at KIS and forget it."""
        value = yield from self.token()
        request = self._request(Endpoint.REVOKE, {"appkey": self.app_key,
                                                  "appsecret": self.app_secret,
                                                  "token": value})
        answer = yield from self._send(request)
        if answer.status != 200 or answer.body.get("code") not in (200, "200"):
            self._raise(answer)
        yield from self.invalidate(value)

    # --- issuing -------------------------------------------------------------------------
    def _issue(self, decision: Issue) -> Flow[Token | None]:
        """Issue under ``decision``'s lease; None if KIS said to wait (EGW00133)."""
        request = self._request(Endpoint.TOKEN, {"grant_type": "client_credentials",
                                                 "appkey": self.app_key,
                                                 "appsecret": self.app_secret})
        try:
            answer = yield from self._send(request)
            token = None if answer.body.get("error_code") == "EGW00133" else self._parse(answer)
        except BaseException as error:
            if isinstance(error, ex.AuthenticationError):
                self._refused = (self._clock(), error)
            charged = not isinstance(error.__cause__, NEVER_SENT)
            yield Blocking(lambda: self.store.abandon(self._key, decision.lease,
                                                      charged=charged))
            raise
        if token is None:  # refused for now: the store makes the next caller wait the interval
            yield Blocking(lambda: self.store.abandon(self._key, decision.lease))
            return None
        yield Blocking(lambda: self.store.finish(self._key, decision.lease, token))
        return token

    def _parse(self, answer) -> Token:
        value, lifetime = answer.body.get("access_token"), answer.body.get("expires_in")
        if answer.status != 200 or not isinstance(value, str) or not value:
            self._raise(answer)
        try:
            lifetime = float(lifetime)
        except (TypeError, ValueError, OverflowError):
            lifetime = math.nan
        if not 0 < lifetime <= MAX_LIFETIME:  # NaN fails this too
            raise ex.APIError("KIS issued a token without a usable lifetime (expires_in)",
                              status_code=answer.status)
        now = self._clock()
        return Token(value, now + lifetime, now)

    def _request(self, path: str, body: dict[str, str]) -> httpx.Request:
        return httpx.Request("POST", self.base_url + path,
                             content=json.dumps(body).encode(),
                             headers={"content-type": "application/json; charset=utf-8"},
                             extensions={"timeout": self._timeout.as_dict()})

    def _send(self, request: httpx.Request) -> Flow:
        try:
            response = yield Send(request)
        except httpx.TransportError as error:
            raise ex.NetworkError(f"no answer from KIS's token service: {type(error).__name__}"
                                  ) from error
        return read_answer(response, tr_id="")

    @staticmethod
    def _raise(answer) -> None:
        code = answer.code
        cls = ex.AuthenticationError if code in ("EGW00103", "EGW00105", "EGW00121") \
            else ex.APIError
        raise cls(f"KIS refused: {answer.message or 'HTTP ' + str(answer.status)}",
                  code=code or None, msg1=answer.message or None, status_code=answer.status)
