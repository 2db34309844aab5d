"""``HTTPClient``: any KIS REST API by path and TR ID, for what ``KIS`` does not wrap.

    auth = AuthManager(app_key, app_secret, BaseURL.PRODUCTION)
    http = HTTPClient(BaseURL.PRODUCTION, auth)
    body = http.get(Endpoint.PRICE, TrID.PRICE, {"FID_COND_MRKT_DIV_CODE": "J",
                                                  "FID_INPUT_ISCD": "005930"})
    body["output"]["stck_prpr"]
    pages = http.get_pages(Endpoint.BALANCE, TrID.BALANCE, {...})   # tr_cont paging

It is the typed client's machinery without the types: the same token manager, the same
rate limiter (shared with every ``KIS`` of the app key, across processes), the same
retries, and the same rule that an order is never sent twice. A GET, and a POST whose
TR ID ends in ``R`` (an inquiry), is retried on network errors, 5xx and EGW00201; any
other POST may be an order and is never repeated after an uncertain failure: it raises
``OrderOutcomeUnknownError``. Errors are typed: ``rt_cd != "0"`` raises ``APIError``
(or the subclass its ``code`` means), 429 and EGW00201 ``RateLimitError``. The TR ID is
sent exactly as given (in paper too). ``AsyncHTTPClient`` has the same methods, awaited.
"""

from __future__ import annotations

from typing import Any

import httpx

from pykis import exceptions as ex
from pykis.api import validate
from pykis.api.base import Api, Context, RetryPolicy, call, pages, rate_key
from pykis.api.flow import Flow
from pykis.auth.manager import AuthManager
from pykis.config import cache_dir
from pykis.utils.drivers import run_async, run_sync
from pykis.utils.ratelimit import FileStore, Rate, RateLimiter, RateStore, Window
from pykis.utils.tls import default_context

__all__ = ["AsyncHTTPClient", "HTTPClient"]


class _Base:
    def __init__(self, base_url: str, auth_manager: AuthManager, *, timeout: float = 30.0,
                 rate: Rate | Window | str | None = None, rate_store: RateStore | None = None,
                 retry: RetryPolicy | None = None) -> None:
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ex.InvalidInputError("base_url", base_url, "an http(s) URL such as "
                                       "BaseURL.PRODUCTION")
        if not isinstance(auth_manager, AuthManager):
            raise ex.InvalidInputError("auth_manager", type(auth_manager).__name__,
                                       "a pykis.auth.manager.AuthManager")
        self.base_url = base_url.rstrip("/")
        self.auth_manager = auth_manager
        environment = auth_manager.environment
        self._ctx = Context(app_key=auth_manager.app_key, app_secret=auth_manager.app_secret,
                            cano="", product="", paper=auth_manager.is_paper,
                            base_url=self.base_url, auth=auth_manager,
                            rate_key=rate_key(environment, auth_manager.app_key),
                            timeout=httpx.Timeout(timeout), retry=retry or RetryPolicy(),
                            clock=auth_manager.clock)
        self._limiter = RateLimiter(validate.rate_limit(environment, rate),
                                    rate_store or FileStore(cache_dir() / "rate"))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r}, {self.auth_manager!r})"

    def _call(self, method: str, endpoint: str, tr_id: str, params: dict | None,
              body: dict | None, tr_cont: str = "") -> Flow[dict[str, Any]]:
        api = _api(method, endpoint, tr_id)
        answer = yield from call(self._ctx, api, params=_strings(params, "params"),
                                 body=_strings(body, "json"), tr_cont=tr_cont)
        return answer.body

    def _pages(self, endpoint: str, tr_id: str, params: dict | None, suffix: str
               ) -> Flow[list[dict[str, Any]]]:
        api = _api("GET", endpoint, tr_id, paged=True)
        answers = yield from pages(self._ctx, api, _strings(params, "params") or {},
                                   suffix=suffix)
        return [answer.body for answer in answers]


class HTTPClient(_Base):
    """The seed's ``HTTPClient(base_url, auth_manager)``; see the module docstring."""

    def __init__(self, base_url: str, auth_manager: AuthManager, *,
                 transport: httpx.BaseTransport | None = None, **options: Any) -> None:
        super().__init__(base_url, auth_manager, **options)
        self._client = httpx.Client(transport=transport, timeout=self._ctx.timeout,
                                    verify=default_context())

    def get(self, endpoint: str, tr_id: str, params: dict | None = None) -> dict[str, Any]:
        return run_sync(self._call("GET", endpoint, tr_id, params, None), self._client,
                        self._limiter)

    def post(self, endpoint: str, tr_id: str, json: dict | None = None) -> dict[str, Any]:
        return run_sync(self._call("POST", endpoint, tr_id, None, json), self._client,
                        self._limiter)

    def get_pages(self, endpoint: str, tr_id: str, params: dict | None = None, *,
                  suffix: str = "100") -> list[dict[str, Any]]:
        """Every page of a cursor-paged inquiry (``tr_cont`` and ``CTX_AREA_FK{suffix}``
        / ``CTX_AREA_NK{suffix}``), first to last."""
        return run_sync(self._pages(endpoint, tr_id, params, suffix), self._client,
                        self._limiter)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HTTPClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncHTTPClient(_Base):
    """``HTTPClient`` for asyncio: the same methods, awaited."""

    def __init__(self, base_url: str, auth_manager: AuthManager, *,
                 transport: httpx.AsyncBaseTransport | None = None, **options: Any) -> None:
        super().__init__(base_url, auth_manager, **options)
        self._client = httpx.AsyncClient(transport=transport, timeout=self._ctx.timeout,
                                         verify=default_context())

    async def get(self, endpoint: str, tr_id: str, params: dict | None = None
                  ) -> dict[str, Any]:
        return await run_async(self._call("GET", endpoint, tr_id, params, None),
                               self._client, self._limiter)

    async def post(self, endpoint: str, tr_id: str, json: dict | None = None
                   ) -> dict[str, Any]:
        return await run_async(self._call("POST", endpoint, tr_id, None, json),
                               self._client, self._limiter)

    async def get_pages(self, endpoint: str, tr_id: str, params: dict | None = None, *,
                        suffix: str = "100") -> list[dict[str, Any]]:
        return await run_async(self._pages(endpoint, tr_id, params, suffix), self._client,
                               self._limiter)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> AsyncHTTPClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _api(method: str, endpoint: str, tr_id: str, paged: bool = False) -> Api:
    if not isinstance(endpoint, str) or not endpoint.startswith("/"):
        raise ex.InvalidInputError("endpoint", endpoint, "a path such as Endpoint.PRICE")
    if not isinstance(tr_id, str) or not tr_id.strip() or len(tr_id) > 13:
        raise ex.InvalidInputError("tr_id", tr_id, "a KIS TR ID such as TrID.PRICE")
    order = method == "POST" and not tr_id.upper().endswith("R")
    return Api(str(endpoint), str(tr_id), method, order=order, paged=paged, exact=True)


def _strings(values: dict | None, argument: str) -> dict[str, str] | None:
    """KIS wants every parameter as a string: numbers are turned into their text,
    anything else is refused before the request is sent."""
    if values is None:
        return None
    if not isinstance(values, dict):
        raise ex.InvalidInputError(argument, type(values).__name__, "a dict of strings")
    out = {}
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ex.InvalidInputError(f"{argument}[{key!r}]", value, "a string (or an int)")
        out[str(key)] = str(value)
    return out
