"""The simulator on a real socket (threaded uvicorn): the same answers as in-process,
faults that only a socket can show (a dropped connection), concurrency, bad input."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from pykis.sim import Env, SimServer, Simulator
from support import Kis, make_sim, ok


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Simulator, str]]:
    sim = make_sim()
    with SimServer(sim) as server:
        yield sim, server.base_url


@pytest.fixture
def remote(served) -> Iterator[Kis]:
    sim, base_url = served
    sim.reset()
    with httpx.Client(base_url=base_url, timeout=10) as http:
        yield Kis(sim, http, sim.credentials(Env.REAL))


def test_quote_and_order_over_http(remote: Kis) -> None:
    assert remote.http.base_url.host == "127.0.0.1"
    quote = ok(remote.price())["output"]
    assert int(quote["stck_prpr"]) > 0
    answer = remote.order("buy", "005930", 1)
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.headers["tr_id"] == "TTTC0012U"
    assert ok(answer)["output"]["ODNO"] == "0000001001"


def test_paging_header_over_http(remote: Kis) -> None:
    ok(remote.order("buy", "005930", 1))
    assert remote.balance().headers["tr_cont"] == "D"


def test_dropped_connection_after_the_order_was_executed(remote: Kis) -> None:
    remote.http.post("/_sim/faults", json={"rules": [
        {"kind": "drop", "count": 1, "scope": "orders"}]})
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        remote.order("buy", "005930", 1)
    assert remote.ledger()["orders"][0]["filled"] == 1
    ok(remote.price())  # the server is still fine


def test_delay_past_the_client_timeout(remote: Kis) -> None:
    remote.http.post("/_sim/faults", json={"rules": [
        {"kind": "delay", "seconds": 2.0, "count": 1, "scope": "orders"}]})
    with pytest.raises(httpx.ReadTimeout):
        remote.http.post("/uapi/domestic-stock/v1/trading/order-cash", timeout=0.2,
                         headers=remote.headers("TTTC0012U"),
                         json={**remote.account, "PDNO": "005930", "ORD_DVSN": "01",
                               "ORD_QTY": "1", "ORD_UNPR": "0"})
    assert len(remote.ledger()["orders"]) == 1


def test_concurrent_clients(remote: Kis) -> None:
    remote.token
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: remote.price().status_code, range(64)))
    assert answers == [200] * 64


@pytest.mark.parametrize(("method", "path", "content", "headers"), [
    ("POST", "/uapi/domestic-stock/v1/trading/order-cash", b"\xff\xfe garbage", {}),
    ("POST", "/oauth2/tokenP", b"{", {}),
    ("GET", "/uapi/domestic-stock/v1/quotations/inquire-price", b"", {}),
    ("GET", "/", b"", {}),
    ("PUT", "/uapi/domestic-stock/v1/trading/order-cash", b"{}", {}),
    ("OPTIONS", "/uapi/domestic-stock/v1/trading/order-cash", b"", {}),
    ("TRACE", "/oauth2/tokenP", b"", {}),
    ("DELETE", "/_sim/nothing", b"", {}),
    ("GET", "/uapi/domestic-stock/v1/quotations/inquire-price?FID_INPUT_ISCD=%ZZ", b"", {}),
])
def test_bad_requests_get_kis_shaped_json_never_a_traceback(
    served, method: str, path: str, content: bytes, headers: dict
) -> None:
    _, base_url = served
    answer = httpx.request(method, base_url + path, content=content, headers=headers)
    assert answer.headers["content-type"].startswith("application/json")
    data = json.loads(answer.text)
    assert (("rt_cd" in data and data["rt_cd"] != "0") or "error_code" in data
            or "error" in data)
    assert "Traceback" not in answer.text


def test_async_client_over_http_and_in_process(served) -> None:
    sim, base_url = served
    sim.reset()
    creds = sim.credentials(Env.PAPER)

    async def quote(client: httpx.AsyncClient, token: str) -> str:
        answer = await client.get(
            "/uapi/domestic-stock/v1/quotations/inquire-price",
            params={"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"},
            headers={"authorization": f"Bearer {token}", "appkey": creds.app_key,
                     "appsecret": creds.app_secret, "tr_id": "FHKST01010100"})
        return answer.json()["output"]["stck_prpr"]

    async def both() -> tuple[str, str]:
        # One token for both (a second one would need a minute, and 005930 trades
        # several times a second), and the clock stopped between the two quotes.
        sim.clock.set(sim.clock.now(), frozen=True)
        async with httpx.AsyncClient(base_url=base_url) as remote:
            token = (await remote.post("/oauth2/tokenP", json={
                "grant_type": "client_credentials", "appkey": creds.app_key,
                "appsecret": creds.app_secret})).json()["access_token"]
            over_socket = await quote(remote, token)
        async with httpx.AsyncClient(transport=sim.transport(), base_url="http://sim") as local:
            in_process = await quote(local, token)
        return over_socket, in_process

    over_socket, in_process = asyncio.run(both())
    assert over_socket == in_process and int(over_socket) > 0


def test_async_transport_honours_faults() -> None:
    sim = make_sim()
    creds = sim.credentials(Env.REAL)
    price = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"}

    async def run() -> None:
        async with httpx.AsyncClient(transport=sim.transport(), base_url="http://sim") as http:
            token = (await http.post("/oauth2/tokenP", json={
                "grant_type": "client_credentials", "appkey": creds.app_key,
                "appsecret": creds.app_secret})).json()["access_token"]
            headers = {"authorization": f"Bearer {token}", "appkey": creds.app_key,
                       "appsecret": creds.app_secret, "tr_id": "FHKST01010100"}
            await http.post("/_sim/faults", json={"rules": [
                {"kind": "drop", "count": 1}, {"kind": "delay", "seconds": 3, "count": 1}]})
            path = "/uapi/domestic-stock/v1/quotations/inquire-price"
            with pytest.raises(httpx.RemoteProtocolError):
                await http.get(path, params=price, headers=headers)
            with pytest.raises(httpx.ReadTimeout):
                await http.get(path, params=price, headers=headers, timeout=0.05)
            ok(await http.get(path, params=price, headers=headers))

    asyncio.run(run())
