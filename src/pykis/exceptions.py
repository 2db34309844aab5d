"""Every error PyKIS raises, named by what the caller has to do about it.

::

    KISError                          base of everything below
    ├── InvalidInputError             a bad argument; nothing was sent (also a ValueError)
    ├── NetworkError                  no answer from KIS (connect, read, protocol); safe to
    │                                 retry only for reads
    ├── OrderOutcomeUnknownError      an order request got no answer: KIS may or may not have
    │                                 executed it; look it up, never resend blindly
    ├── AuthenticationError           the app key, secret or token was refused (also a
    │   │                             ValueError)
    │   └── TokenExpiredError         the access token expired or was revoked
    ├── StreamError                   the real-time stream cannot do what was asked
    │   ├── SubscriptionLimitError    more subscriptions than one session carries; nothing
    │   │                             was sent
    │   └── SubscriptionError         KIS refused a subscription (msg_cd OPSP...), e.g.
    │                                 another connection holds the app key's session
    └── APIError                      KIS answered with rt_cd != "0", or an answer that
        │                             cannot be read
        ├── RateLimitError            EGW00201 / EGW00215 / EGW00133: wait, then retry
        ├── ServerError               HTTP 5xx without a business code: retry reads
        ├── MarketClosedError         outside order hours or not a business day
        ├── NotFoundError             unknown symbol or order
        ├── UnsupportedError          the environment (e.g. paper) has no such API
        └── OrderError                the order was refused; it was not executed
            └── InsufficientBalanceError   not enough cash or shares

The seed's six (``KISError``, ``AuthenticationError``, ``TokenExpiredError``,
``APIError``, ``OrderError``, ``InsufficientBalanceError``) keep their places; the others
sit below them. Every error carries what KIS said: ``code`` (KIS's ``msg_cd``, also
readable by that name), ``rt_cd`` and ``msg1``, with the TR ID and the HTTP status where
they exist. None of them ever holds a secret.

What a caller needs to act on is set once, on the class, so that every raise agrees:

- ``kind``: a short stable name (``"network"``, ``"rate_limit"``, ``"authentication"``,
  ...) for logs, results and branching without ``isinstance`` chains;
- ``may_have_executed``: the request may have taken effect at KIS (only an order whose
  answer never came or could not be read); look it up, never resend;
- ``retryable``: the same request may simply be sent again later (reads after a
  network error, a rate limit, a 5xx, an expired token once renewed). Never true for an
  order whose outcome is unknown.

    raise APIError("KIS refused the request", code="APBK0952")
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APIError",
    "AuthenticationError",
    "InsufficientBalanceError",
    "InvalidInputError",
    "KISError",
    "MarketClosedError",
    "NetworkError",
    "NotFoundError",
    "OrderError",
    "OrderOutcomeUnknownError",
    "RateLimitError",
    "ServerError",
    "StreamError",
    "SubscriptionError",
    "SubscriptionLimitError",
    "TokenExpiredError",
    "UnsupportedError",
]


class KISError(Exception):
    """Base class of every PyKIS error: ``KISError(message, code=None)`` as the seed
    writes it, with what else KIS said as keywords."""

    kind: str = "error"
    may_have_executed: bool = False
    retryable: bool = False

    def __init__(
        self,
        message: str,
        code: str | None = None,
        *,
        rt_cd: str | None = None,
        msg1: str | None = None,
        tr_id: str | None = None,
        status_code: int | None = None,
        msg_cd: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code if code is not None else msg_cd  # msg_cd: KIS's name for it
        self.rt_cd = rt_cd
        self.msg1 = msg1
        self.tr_id = tr_id
        self.status_code = status_code

    @property
    def msg_cd(self) -> str | None:
        """KIS's name for ``code``."""
        return self.code

    @property
    def explanation(self) -> str | None:
        """What KIS's refusal means and what to do, in English (``pykis.explain``), for
        the codes users meet; None for others. KIS's own ``msg1`` stays as it is."""
        from pykis.explain import explain  # the table is only needed when asked for

        return explain(self.code, self.msg1)

    def context(self) -> dict[str, Any]:
        """What KIS said, for logs; never contains a secret."""
        fields = {
            "rt_cd": self.rt_cd,
            "msg_cd": self.code,
            "msg1": self.msg1,
            "tr_id": self.tr_id,
            "status_code": self.status_code,
        }
        return {key: value for key, value in fields.items() if value is not None}

    # str(error) is the message, as the seed's KISError has it; describe() adds the rest.
    def describe(self) -> str:
        """The message and what KIS said, in one line for a log or a user."""
        details = ", ".join(f"{key}={value!r}" for key, value in self.context().items())
        return f"{self.message} ({details})" if details else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()!r})"


class InvalidInputError(KISError, ValueError):
    """An argument is invalid; the request was not sent.

    ``argument`` names the offending parameter and ``allowed`` describes what is accepted.
    """

    kind = "invalid_input"

    def __init__(self, argument: str, value: Any, allowed: str) -> None:
        super().__init__(f"invalid {argument}={_shown(value)}: expected {allowed}")
        self.argument = argument
        self.value = value
        self.allowed = allowed


def _shown(value: Any) -> str:
    """``value`` for a message, whatever it is: a repr that fails (an int of 5,000 digits)
    or runs long (a megabyte of text) must not turn a clear refusal into a crash."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - any value may refuse to print
        return f"<{type(value).__name__} that cannot be printed>"
    return text if len(text) <= 120 else f"{text[:100]}... ({len(text):,} characters)"


class NetworkError(KISError):
    """KIS could not be reached or the connection broke before an answer arrived."""

    kind = "network"
    retryable = True  # for reads; orders raise OrderOutcomeUnknownError instead


class OrderOutcomeUnknownError(KISError):
    """An order request was sent but no answer came back.

    KIS may have executed it. Do not send it again: look it up in today's orders
    (``request`` holds what was sent, without credentials).
    """

    kind = "outcome_unknown"
    may_have_executed = True

    def __init__(self, message: str, *, request: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.request = request


class AuthenticationError(KISError, ValueError):
    """The app key, app secret or access token was refused. Also a ``ValueError``: the
    credentials the caller gave are wrong (the engine seed raises ValueError for them)."""

    kind = "authentication"


class TokenExpiredError(AuthenticationError):
    """The access token expired or was revoked; a new one must be issued."""

    kind = "token_expired"
    retryable = True  # once a new token is issued


class StreamError(KISError):
    """The real-time stream cannot do what was asked."""

    kind = "stream"


class SubscriptionLimitError(StreamError):
    """A subscription past the cap of one session; nothing was sent to KIS."""

    kind = "subscription_limit"

    def __init__(self, message: str, *, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


class SubscriptionError(StreamError):
    """KIS refused a subscription; ``msg_cd``/``msg1`` say why."""

    kind = "subscription"


class APIError(KISError):
    """KIS answered with a failure, or with a payload that cannot be understood."""

    kind = "api"


class RateLimitError(APIError):
    """Too many requests (EGW00201, EGW00215) or token issuances (EGW00133)."""

    kind = "rate_limit"
    retryable = True


class ServerError(APIError):
    """An HTTP 5xx answer without a business code."""

    kind = "server"
    retryable = True


class MarketClosedError(APIError):
    """The market is closed for this request (session or business day)."""

    kind = "market_closed"


class NotFoundError(APIError):
    """The symbol or order does not exist."""

    kind = "not_found"


class UnsupportedError(APIError):
    """The API is not available in this environment (for example in paper trading)."""

    kind = "unsupported"


class OrderError(APIError):
    """KIS refused the order; it was not executed."""

    kind = "order_refused"


class InsufficientBalanceError(OrderError):
    """Not enough cash to buy, or not enough shares to sell."""

    kind = "insufficient_balance"
