"""The simulator's answers on the wire, read as raw bytes from a socket (httpx would hide
the casing): KIS's header names and no others, ``tr_cont`` on every API answer, paths
with repeated slashes routed, and every header a client that reads them
case-sensitively can read (KIS's own sample makes a namedtuple of the lower-case ones,
so each of those must be a Python identifier)."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from pykis.sim import AccountSpec, Env, FaultRule, SimConfig, SimServer, Simulator
from support import QUOTES, TRADING, make_sim

API_HEADERS = ["Content-Type", "tr_cont", "tr_id", "gt_uid", "Content-Length", "Date"]
PRICE = QUOTES + "inquire-price?" + urlencode({"FID_COND_MRKT_DIV_CODE": "J",
                                               "FID_INPUT_ISCD": "005930"})


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Simulator, SimServer]]:
    codes = list(make_sim().market.universe)[:60]  # two pages of the real balance (50)
    sim = make_sim(accounts=[AccountSpec(Env.REAL, positions={c: (1, 1_000) for c in codes}),
                             AccountSpec(Env.PAPER)])
    with SimServer(sim) as server:
        yield sim, server


class Raw:
    """HTTP/1.1 over a bare socket: the answer's status, header lines and body as sent."""

    def __init__(self, server: SimServer) -> None:
        self.port = server.port

    def exchange(self, method: str, path: str, headers: dict[str, str], body: bytes = b""
                 ) -> tuple[int, list[tuple[str, str]], bytes]:
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}",
                 f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers.items())]
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            data = b""
            while b"\r\n\r\n" not in data:
                data += sock.recv(65536)
            head, rest = data.split(b"\r\n\r\n", 1)
            status_line, *header_lines = head.decode("latin-1").split("\r\n")
            headers = [tuple(line.split(": ", 1)) if ": " in line else (line.rstrip(":"), "")
                       for line in header_lines]
            size = int(dict(headers)["Content-Length"])
            while len(rest) < size:
                rest += sock.recv(65536)
        return int(status_line.split()[1]), headers, rest


@pytest.fixture
def raw(served) -> Raw:
    return Raw(served[1])


_TOKENS: dict[tuple[int, Env], str] = {}


def token(raw: Raw, sim: Simulator, env: Env = Env.REAL) -> str:
    """One token per simulator and environment (KIS issues one a minute)."""
    if (id(sim), env) not in _TOKENS:
        creds = sim.credentials(env)
        _, _, body = raw.exchange("POST", "/oauth2/tokenP",
                                  {"content-type": "application/json"},
                                  json.dumps({"grant_type": "client_credentials",
                                              "appkey": creds.app_key,
                                              "appsecret": creds.app_secret}).encode())
        _TOKENS[id(sim), env] = json.loads(body)["access_token"]
    return _TOKENS[id(sim), env]


def api(raw: Raw, sim: Simulator, tr_id: str, env: Env = Env.REAL, **extra: str
        ) -> dict[str, str]:
    creds = sim.credentials(env)
    return {"content-type": "application/json; charset=utf-8",
            "authorization": f"Bearer {token(raw, sim, env)}", "appkey": creds.app_key,
            "appsecret": creds.app_secret, "tr_id": tr_id, "custtype": "P", **extra}


def names(headers: list[tuple[str, str]]) -> list[str]:
    return [name for name, _ in headers]


def test_an_api_answer_has_kis_headers_in_kis_casing(served, raw) -> None:
    sim, _ = served
    status, headers, body = raw.exchange("GET", PRICE, api(raw, sim, "FHKST01010100"))
    assert status == 200 and names(headers) == API_HEADERS
    values = dict(headers)
    assert values["Content-Type"] == "application/json; charset=UTF-8"
    assert values["tr_id"] == "FHKST01010100" and values["tr_cont"] == ""
    assert re.fullmatch(r"[0-9a-f]{32}", values["gt_uid"])
    assert int(values["Content-Length"]) == len(body) and json.loads(body)["rt_cd"] == "0"


def test_paged_answers_say_more_then_last(served, raw) -> None:
    sim, _ = served
    creds = sim.credentials(Env.REAL)
    query = {"CANO": creds.account_no[:8], "ACNT_PRDT_CD": creds.account_no[8:],
             "AFHR_FLPR_YN": "N", "OFL_YN": "", "INQR_DVSN": "02", "UNPR_DVSN": "01",
             "FUND_STTL_ICLD_YN": "N", "FNCG_AMT_AUTO_RDPT_YN": "N", "PRCS_DVSN": "00",
             "CTX_AREA_FK100": "", "CTX_AREA_NK100": ""}
    _, first, body = raw.exchange("GET", TRADING + "inquire-balance?" + urlencode(query),
                                  api(raw, sim, "TTTC8434R", tr_cont=""))
    page = json.loads(body)
    query |= {"CTX_AREA_FK100": page["ctx_area_fk100"], "CTX_AREA_NK100": page["ctx_area_nk100"]}
    _, last, _ = raw.exchange("GET", TRADING + "inquire-balance?" + urlencode(query),
                              api(raw, sim, "TTTC8434R", tr_cont="N"))
    assert names(first) == names(last) == API_HEADERS
    assert (dict(first)["tr_cont"], dict(last)["tr_cont"]) == ("M", "D")


def test_refusals_carry_the_same_headers(served, raw) -> None:
    sim, _ = served
    sim.faults.replace([FaultRule("rate_limit", count=1)])
    status, headers, body = raw.exchange("GET", PRICE, api(raw, sim, "FHKST01010100"))
    assert (status, json.loads(body)["msg_cd"]) == (500, "EGW00201")
    assert names(headers) == API_HEADERS and dict(headers)["tr_id"] == "FHKST01010100"
    status, headers, body = raw.exchange("GET", PRICE, api(raw, sim, "FHKST99999999"))
    assert json.loads(body)["msg_cd"] == "OPSQ0002" and names(headers) == API_HEADERS


def test_token_and_file_answers_have_no_api_headers(served, raw) -> None:
    sim, _ = served
    creds = sim.credentials(Env.PAPER)
    status, headers, body = raw.exchange(
        "POST", "/oauth2/tokenP", {"content-type": "application/json"},
        json.dumps({"grant_type": "client_credentials", "appkey": creds.app_key,
                    "appsecret": creds.app_secret}).encode())
    assert status == 200 and names(headers) == ["Content-Type", "Content-Length", "Date"]
    _TOKENS[id(sim), Env.PAPER] = json.loads(body)["access_token"]
    status, headers, body = raw.exchange("GET", "/common/master/kospi_code.mst.zip", {})
    assert status == 200 and dict(headers)["Content-Type"] == "application/zip"
    assert body[:2] == b"PK"


@pytest.mark.parametrize("path", ["//uapi/domestic-stock/v1/quotations/inquire-price",
                                  "/uapi//domestic-stock/v1/quotations//inquire-price"])
def test_repeated_slashes_are_routed(served, raw, path: str) -> None:
    sim, _ = served
    status, _, body = raw.exchange("GET", path + PRICE[PRICE.index("?"):],
                                   api(raw, sim, "FHKST01010100"))
    assert status == 200 and json.loads(body)["output"]["stck_shrn_iscd"] == "005930"


def test_every_lower_case_header_is_an_identifier(served, raw) -> None:
    """A client that turns the lower-case headers into attribute names (KIS's own
    sample does) can read every answer."""
    sim, _ = served
    sim.faults.replace([])
    for tr_id, path in (("FHKST01010100", PRICE), ("FHKST01010200", PRICE.replace(
            "inquire-price", "inquire-asking-price-exp-ccn"))):
        _, headers, _ = raw.exchange("GET", path, api(raw, sim, tr_id))
        lower = [name for name in names(headers) if name.islower()]
        assert lower and all(name.isidentifier() for name in lower)


def test_the_in_process_transport_keeps_the_casing_too() -> None:
    sim = Simulator(SimConfig(frozen=True))
    import httpx

    with httpx.Client(transport=sim.transport(), base_url="http://sim") as http:
        answer = http.post("/oauth2/tokenP", json={})
    assert [name for name, _ in answer.headers.raw][:1] == [b"Content-Type"]
