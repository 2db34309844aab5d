"""AuthManager: the access token of one app key in one environment, shared and reused.

KIS: 접근토큰발급(P) [인증-001] /oauth2/tokenP, 접근토큰폐기(P) [인증-002] /oauth2/revokeP,
실시간 (웹소켓) 접속키 발급 [실시간-000] /oauth2/Approval.
Rules it keeps: a token lives 24 hours and KIS hands back the same one for 6 hours; one
issuance call per minute per app key (EGW00133 otherwise), each sending the account
holder a KakaoTalk notice, so PyKIS issues only when it must: on first use, ahead of
expiry (``margin``), or once after KIS says the token is invalid or expired. The wait
for the next allowed issuance is waited out, not reported as a failure.

Everything here is a flow (``pykis.api.flow``): ``KIS`` and ``AsyncKIS`` run the same code.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx

from pykis import exceptions as ex
from pykis.api.errors import read_answer
from pykis.api.flow import Blocking, Flow, Send, Sleep
from pykis.auth.token import Issue, Token, TokenStore, Use, Wait, entry_key
from pykis.constants import Endpoint

__all__ = ["AuthManager"]

ISSUE_ATTEMPTS = 5  # EGW00133 answers in a row before giving up
APPROVAL_LIFETIME = 86_400.0  # an approval key is good for 24 hours


class AuthManager:
    def __init__(
        self,
        app_key: str,
        app_secret: str,
        environment: str,
        base_url: str,
        store: TokenStore,
        *,
        interval: float = 60.0,
        margin: float = 600.0,
        timeout: httpx.Timeout | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._app_key, self._app_secret = app_key, app_secret
        self._base_url = base_url.rstrip("/")
        self._key = entry_key(environment, app_key)
        self.store, self.interval, self.margin = store, interval, margin
        self._timeout = timeout or httpx.Timeout(10.0)
        self._clock = clock
        self._token: Token | None = None
        self._approval: Token | None = None

    def __repr__(self) -> str:
        return f"AuthManager(store={type(self.store).__name__}, token={self._token!r})"

    # --- flows ---------------------------------------------------------------------------
    def token(self) -> Flow[str]:
        """A usable access token: the one in hand, the shared one, or a new one."""
        current = self._token
        if current is not None and current.fresh(self._clock(), self.margin):
            return current.value
        refusals = 0
        while True:
            decision = yield Blocking(lambda: self.store.begin(
                self._key, self._clock(), self.margin, self.interval))
            if isinstance(decision, Use):
                self._token = decision.token
                return decision.token.value
            if isinstance(decision, Wait):
                yield Sleep(decision.seconds)
                continue
            token = yield from self._issue(decision)
            if token is not None:
                self._token = token
                return token.value
            refusals += 1
            if refusals >= ISSUE_ATTEMPTS:
                raise ex.RateLimitError("KIS kept refusing a new access token (EGW00133)",
                                        msg_cd="EGW00133")

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
                                                    "appkey": self._app_key,
                                                    "secretkey": self._app_secret})
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
        request = self._request(Endpoint.REVOKE, {"appkey": self._app_key,
                                                  "appsecret": self._app_secret,
                                                  "token": value})
        answer = yield from self._send(request)
        if answer.status != 200 or answer.body.get("code") not in (200, "200"):
            self._raise(answer)
        yield from self.invalidate(value)

    # --- issuing -------------------------------------------------------------------------
    def _issue(self, decision: Issue) -> Flow[Token | None]:
        """Issue under ``decision``'s lease; None if KIS said to wait (EGW00133)."""
        request = self._request(Endpoint.TOKEN, {"grant_type": "client_credentials",
                                                 "appkey": self._app_key,
                                                 "appsecret": self._app_secret})
        try:
            answer = yield from self._send(request)
            token = None if answer.body.get("error_code") == "EGW00133" else self._parse(answer)
        except BaseException:
            yield Blocking(lambda: self.store.abandon(self._key, decision.lease))
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
        except (TypeError, ValueError):
            raise ex.APIError("KIS issued a token without a lifetime (expires_in)",
                              status_code=answer.status) from None
        now = self._clock()
        return Token(value, now + lifetime, now)

    def _request(self, path: str, body: dict[str, str]) -> httpx.Request:
        return httpx.Request("POST", self._base_url + path,
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
                  msg_cd=code or None, msg1=answer.message or None, status_code=answer.status)
