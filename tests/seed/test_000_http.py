"""Seed 000 §7, the HTTP utility: ``HTTPClient(base_url, auth_manager)`` with ``get``,
``post`` and ``close``, for any KIS API by path and TR ID, with the client's retries,
paging and typed errors, and its async twin."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from pykis.api.base import RetryPolicy
from pykis.auth.manager import AuthManager
from pykis.constants import Endpoint, TrID
from pykis.exceptions import (
    APIError,
    InsufficientBalanceError,
    InvalidInputError,
    OrderOutcomeUnknownError,
    RateLimitError,
)
from pykis.sim import AccountSpec, Env, FaultRule, SimConfig, Simulator
from pykis.sim.universe import build_universe
from pykis.utils.http import AsyncHTTPClient, HTTPClient
from pykis.utils.ratelimit import MemoryStore

QUICK = RetryPolicy(base=0.01, cap=0.02)
PRICE = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"}


@pytest.fixture
def auth(real, base_url, tmp_path) -> AuthManager:
    return AuthManager(real.app_key, real.app_secret, base_url, token_path=tmp_path / "t.json")


@pytest.fixture
def http(base_url, auth):
    client = HTTPClient(base_url, auth, rate_store=MemoryStore(), retry=QUICK)
    yield client
    client.close()


def account(creds) -> dict[str, str]:
    return {"CANO": creds.account_no[:8], "ACNT_PRDT_CD": creds.account_no[8:]}


def test_get_and_post_as_the_seed_calls_them(http, sim, real) -> None:
    body = http.get(Endpoint.PRICE, TrID.PRICE, PRICE)
    assert body["rt_cd"] == "0"
    assert int(body["output"]["stck_prpr"]) == sim.market.quote("005930", sim.clock.now()).price
    order = http.post(Endpoint.ORDER, TrID.BUY, {**account(real), "PDNO": "005930",
                                                  "ORD_DVSN": "01", "ORD_QTY": "2",
                                                  "ORD_UNPR": "0"})
    assert order["rt_cd"] == "0" and order["output"]["ODNO"]
    assert sim.account_by_number(real.account_no).positions["005930"].qty == 2


def test_a_refusal_is_an_api_error_with_kis_code(http, real) -> None:
    with pytest.raises(InsufficientBalanceError) as caught:
        http.post(Endpoint.ORDER, TrID.BUY, {**account(real), "PDNO": "005930",
                                             "ORD_DVSN": "01", "ORD_QTY": "100000000",
                                             "ORD_UNPR": "0"})
    assert isinstance(caught.value, APIError) and caught.value.code == "APBK0952"
    with pytest.raises(APIError) as unknown:
        http.get(Endpoint.PRICE, "FHKST99999999", PRICE)
    assert unknown.value.code == "OPSQ0002"


def test_reads_and_throttled_orders_are_retried(http, sim, real) -> None:
    sim.faults.replace([FaultRule("error_5xx", count=1, scope="reads"),
                        FaultRule("rate_limit", count=1)])
    assert http.get(Endpoint.PRICE, TrID.PRICE, PRICE)["rt_cd"] == "0"
    sim.faults.replace([FaultRule("rate_limit", count=2, scope="orders")])
    answer = http.post(Endpoint.ORDER, TrID.BUY, {**account(real), "PDNO": "005930",
                                                   "ORD_DVSN": "01", "ORD_QTY": "1",
                                                   "ORD_UNPR": "0"})
    assert answer["rt_cd"] == "0"  # EGW00201: KIS did nothing, so it was safe to send again


def test_an_order_without_an_answer_is_never_sent_twice(http, sim, real) -> None:
    sim.faults.replace([FaultRule("drop", count=1, scope="orders")])
    with pytest.raises(OrderOutcomeUnknownError) as caught:
        http.post(Endpoint.ORDER, TrID.BUY, {**account(real), "PDNO": "005930",
                                             "ORD_DVSN": "01", "ORD_QTY": "3",
                                             "ORD_UNPR": "0"})
    assert caught.value.request["body"]["ORD_QTY"] == "3"
    booked = list(sim.account_by_number(real.account_no).orders.values())
    assert [(o.qty, o.filled) for o in booked] == [(3, 3)]


def test_tr_cont_paging_helper(tmp_path) -> None:
    codes = sorted(build_universe(42, extra=10))[:55]  # more than one page of 50
    sim = Simulator(SimConfig(extra_listings=10, accounts=[AccountSpec(
        Env.REAL, positions={c: (1, 1_000) for c in codes})]))
    creds = sim.credentials(Env.REAL)
    auth = AuthManager(creds.app_key, creds.app_secret, "http://sim", token_path=tmp_path / "t",
                       transport=sim.transport())
    with HTTPClient("http://sim", auth, rate_store=MemoryStore(),
                    transport=sim.transport()) as http:
        pages = http.get_pages(Endpoint.BALANCE, TrID.BALANCE, {
            **account(creds), "AFHR_FLPR_YN": "N", "OFL_YN": "", "INQR_DVSN": "02",
            "UNPR_DVSN": "01", "FUND_STTL_ICLD_YN": "N", "FNCG_AMT_AUTO_RDPT_YN": "N",
            "PRCS_DVSN": "00"})
    assert [len(p["output1"]) for p in pages] == [50, 5]
    assert sorted(row["pdno"] for p in pages for row in p["output1"]) == sorted(codes)


def test_bad_arguments_are_refused_before_sending(http, sim, real) -> None:
    served = sim.auth.stats[real.app_key].requests if real.app_key in sim.auth.stats else 0
    for call, argument in ((lambda: http.get("uapi/no-slash", TrID.PRICE), "endpoint"),
                           (lambda: http.get(Endpoint.PRICE, ""), "tr_id"),
                           (lambda: http.get(Endpoint.PRICE, TrID.PRICE, {"X": 1.5}),
                            "params['X']"),
                           (lambda: http.post(Endpoint.ORDER, TrID.BUY, ["x"]), "json")):
        with pytest.raises(InvalidInputError) as caught:
            call()
        assert caught.value.argument == argument
    stats = sim.auth.stats.get(real.app_key)
    assert (stats.requests if stats else 0) == served


def test_429_is_a_rate_limit_error(tmp_path) -> None:
    """KIS itself answers EGW00201, never 429; a proxy in front of it might."""
    def foreign(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/tokenP":
            return httpx.Response(200, json={"access_token": "t" * 40, "expires_in": 86400,
                                             "token_type": "Bearer"})
        return httpx.Response(429, text="Too Many Requests")

    auth = AuthManager("k" * 36, "s" * 180, "http://proxy", token_path=tmp_path / "t.json",
                       transport=httpx.MockTransport(foreign))
    with HTTPClient("http://proxy", auth, transport=httpx.MockTransport(foreign),
                    rate_store=MemoryStore(), retry=RetryPolicy(throttled_attempts=2, base=0,
                                                                cap=0)) as http:
        with pytest.raises(RateLimitError) as caught:
            http.get(Endpoint.PRICE, TrID.PRICE, PRICE)
    assert caught.value.status_code == 429


def test_the_async_twin(base_url, auth, sim) -> None:
    async def run() -> dict:
        async with AsyncHTTPClient(base_url, auth, rate_store=MemoryStore()) as http:
            return await http.get(Endpoint.PRICE, TrID.PRICE, PRICE)

    body = asyncio.run(run())
    assert int(body["output"]["stck_prpr"]) == sim.market.quote("005930", sim.clock.now()).price
