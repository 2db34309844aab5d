"""Access tokens, WebSocket approval keys and hash keys, by KIS's rules.

* ``/oauth2/tokenP``: one call per minute per app key (the next one is refused with
  EGW00133); a call within six hours of the last issuance returns the same token; a
  token lives 24 hours (shorter for tests). Whether issuing a new token voids the old one
  is not documented, so it is a setting (``invalidate_previous``, off by default).
* Tokens look like KIS's (a JWT signed with a per-simulator secret) and are derived from
  the seed, so a run is reproducible.

Times are simulator time, so tests move through 6 or 24 hours without waiting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, field

from pykis.sim.accounts import Account
from pykis.sim.errors import SimError

__all__ = ["TokenAuthority", "Token", "TokenRules", "AppStats"]


@dataclass(frozen=True)
class TokenRules:
    lifetime: float = 86_400.0  # seconds a token stays valid
    reuse_window: float = 6 * 3_600.0  # a new call within this returns the same token
    min_interval: float = 60.0  # seconds between two issuance calls
    invalidate_previous: bool = False


@dataclass
class Token:
    value: str
    app_key: str
    issued_at: float
    expires_at: float
    revoked: bool = False


@dataclass
class AppStats:
    """What one app key did; tests read it through the control plane."""

    token_calls: int = 0  # successful tokenP calls (same token or new)
    tokens_issued: int = 0  # new tokens
    token_refusals: int = 0  # EGW00133
    approvals: int = 0
    requests: int = 0  # REST calls past authentication
    rate_limited: int = 0  # EGW00201 answers

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class TokenAuthority:
    secret: bytes
    rules: TokenRules = field(default_factory=TokenRules)
    apps: dict[str, Account] = field(default_factory=dict)
    stats: dict[str, AppStats] = field(default_factory=dict)
    _tokens: dict[str, Token] = field(default_factory=dict)  # value -> token
    _current: dict[str, Token] = field(default_factory=dict)  # app key -> latest token
    _last_call: dict[str, float] = field(default_factory=dict)
    _approvals: dict[str, str] = field(default_factory=dict)  # approval key -> app key

    # --- credentials -------------------------------------------------------------------
    def app(self, app_key: object, app_secret: object, *, oauth: bool) -> Account:
        """The account behind an app key, after checking the secret. The values come
        straight from a request, so anything but a string is simply not a match."""
        if not app_key:
            raise SimError("EGW00103" if oauth else "EGW00102")
        if not app_secret:
            raise SimError("EGW00105" if oauth else "EGW00104")
        account = self.apps.get(app_key) if isinstance(app_key, str) else None
        if account is None:
            raise self._oauth_or_api("EGW00103", oauth)
        if not isinstance(app_secret, str) or not hmac.compare_digest(
            account.app_secret.encode(), app_secret.encode()
        ):
            raise self._oauth_or_api("EGW00105", oauth)
        return account

    @staticmethod
    def _oauth_or_api(code: str, oauth: bool) -> SimError:
        return SimError(code) if oauth else SimError(code, as_api=True)

    def stats_of(self, app_key: str) -> AppStats:
        return self.stats.setdefault(app_key, AppStats())

    # --- tokens ----------------------------------------------------------------------
    def issue(self, account: Account, now: float) -> Token:
        stats = self.stats_of(account.app_key)
        last = self._last_call.get(account.app_key)
        if last is not None and now - last < self.rules.min_interval:
            stats.token_refusals += 1
            raise SimError("EGW00133")
        self._last_call[account.app_key] = now
        stats.token_calls += 1
        current = self._current.get(account.app_key)
        if current and self._usable(current, now) and now - current.issued_at < self.rules.reuse_window:
            return current
        if current and self.rules.invalidate_previous:
            current.revoked = True
        token = self._new_token(account, now, stats.tokens_issued)
        stats.tokens_issued += 1
        self._tokens[token.value] = token
        self._current[account.app_key] = token
        return token

    def _new_token(self, account: Account, now: float, serial: int) -> Token:
        expires = now + self.rules.lifetime
        header = _b64(json.dumps({"typ": "JWT", "alg": "HS512"}, separators=(",", ":")).encode())
        claims = {
            "sub": "token",
            "aud": str(uuid.UUID(bytes=self._digest(f"aud:{account.app_key}:{serial}")[:16])),
            "prdt_cd": "",
            "iss": "unogw",
            "exp": int(expires),
            "iat": int(now),
            "jti": account.app_key,
        }
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = _b64(hmac.new(self.secret, f"{header}.{payload}".encode(), "sha512").digest())
        return Token(f"{header}.{payload}.{signature}", account.app_key, now, expires)

    def revoke(self, account: Account, value: str) -> None:
        token = self._tokens.get(value)
        if token is None or token.app_key != account.app_key or token.revoked:
            raise SimError("EGW00121", as_oauth=True)
        token.revoked = True

    def authenticate(self, authorization: str | None, app_key: str, now: float) -> Token:
        """The token of a REST call, which must be a live Bearer token of ``app_key``."""
        scheme, _, value = (authorization or "").partition(" ")
        if scheme != "Bearer" or not value.strip():
            raise SimError("EGW00205")
        token = self._tokens.get(value.strip())
        if token is None or token.app_key != app_key or token.revoked:
            raise SimError("EGW00121")
        if now >= token.expires_at:
            raise SimError("EGW00123")
        return token

    def expire_all(self, now: float, app_key: str | None = None) -> int:
        """Make the live tokens (of one app key, or all) expire now; returns how many."""
        hit = [t for t in self._tokens.values() if app_key in (None, t.app_key)]
        for token in hit:
            token.expires_at = min(token.expires_at, now)
        return len(hit)

    def revoke_all(self, app_key: str | None = None) -> int:
        hit = [t for t in self._tokens.values() if app_key in (None, t.app_key)]
        for token in hit:
            token.revoked = True
        return len(hit)

    @staticmethod
    def _usable(token: Token, now: float) -> bool:
        return not token.revoked and now < token.expires_at

    # --- approval keys and hash keys -------------------------------------------------
    def approve(self, account: Account) -> str:
        stats = self.stats_of(account.app_key)
        key = str(uuid.UUID(bytes=self._digest(f"approval:{account.app_key}:{stats.approvals}")[:16]))
        stats.approvals += 1
        self._approvals[key] = account.app_key
        return key

    def approval_app(self, key: str) -> Account | None:
        app_key = self._approvals.get(key)
        return self.apps.get(app_key) if app_key else None

    def hashkey(self, account: Account, body: object) -> str:
        canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        mac = hmac.new(account.app_secret.encode(), canonical.encode(), hashlib.sha256)
        return base64.b64encode(mac.digest()).decode()

    def _digest(self, text: str) -> bytes:
        return hmac.new(self.secret, text.encode(), hashlib.sha256).digest()
