"""Who may use a served simulator: no cross-site browser requests to the control plane, no
DNS rebinding anywhere, the control token when one is set, and no secret in any control
answer. Over a real socket (the Host and Origin checks live where the socket is)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from websockets.sync.client import connect

from pykis.sim import AccountSpec, Credentials, Env, SimServer, Simulator
from support import Kis, make_sim, ok

EVIL = "http://evil.example"
TOKEN = "control-token-7c1f"
QUIET = logging.getLogger("tests.control-access")  # frames carry approval keys: unlogged
QUIET.propagate = False


@pytest.fixture
def server() -> Iterator[SimServer]:
    with SimServer(make_sim()) as running:
        yield running


def account_numbers(sim: Simulator) -> list[str]:
    with sim.lock:
        return [a.number for a in sim.accounts]


def with_extra_account(sim: Simulator) -> list[str]:
    """Adds a paper account (a reset would remove it); the accounts' numbers."""
    with sim.lock:
        sim.add_account(AccountSpec(Env.PAPER, cash=1_000))
    return account_numbers(sim)


def kis_over(server: SimServer, **headers: str) -> Kis:
    http = httpx.Client(base_url=server.base_url, headers=headers, timeout=10)
    return Kis(server.sim, http, server.sim.credentials(Env.REAL))


def websocket_status(port: int, host: str) -> str:
    """The status line a WebSocket handshake sent with ``host`` as its Host gets."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall((f"GET /tryitout HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        data = b""
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.decode("latin-1").split("\r\n")[0]


def fingerprint(secret: str) -> str:
    """What the control plane shows instead of an app secret."""
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


def no_cors_headers(answer: httpx.Response) -> bool:
    return not any(name.lower().startswith("access-control-") for name in answer.headers)


# --- cross-site requests ------------------------------------------------------------------------
@pytest.mark.parametrize(("headers", "status"), [
    ({"Origin": EVIL, "Content-Type": "text/plain"}, 403),  # fetch(..., {mode: "no-cors"})
    ({"Origin": "null", "Content-Type": "text/plain"}, 403),  # a sandboxed frame, file://
    ({"Origin": EVIL, "Content-Type": "application/x-www-form-urlencoded"}, 403),  # <form>
    ({"Content-Type": "text/plain"}, 415),
    ({"Content-Type": "multipart/form-data; boundary=x"}, 415),
    ({}, 415),  # no Content-Type at all
], ids=["text-plain", "null-origin", "form", "no-origin-text", "multipart", "no-type"])
def test_a_browser_cannot_change_the_simulator_from_another_site(
        server: SimServer, headers: dict[str, str], status: int) -> None:
    before = with_extra_account(server.sim)
    clock = server.sim.clock.now()
    for path, body in [("/_sim/reset", b"{}"), ("//_sim/reset", b"{}"),
                       ("/_sim/accounts", b'{"env": "real"}'),
                       ("/_sim/clock", b'{"advance": 3600}')]:
        answer = httpx.post(server.base_url + path, content=body, headers=headers)
        assert answer.status_code == status, (path, answer.text)
        assert answer.json()["error"] and no_cors_headers(answer)
    assert account_numbers(server.sim) == before
    assert server.sim.clock.now() == clock


def test_a_cross_origin_preflight_or_read_is_refused_without_cors_headers(
        server: SimServer) -> None:
    preflight = httpx.options(server.base_url + "/_sim/reset", headers={
        "Origin": EVIL, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    read = httpx.get(server.base_url + "/_sim/state", headers={"Origin": EVIL})
    for answer in (preflight, read):
        assert answer.status_code == 403 and no_cors_headers(answer)
        assert "cross-origin" in answer.json()["error"]
    deleted = httpx.delete(server.base_url + "/_sim/faults", headers={"Origin": EVIL})
    assert deleted.status_code == 403


@pytest.mark.parametrize("headers", [
    {},
    {"Origin": "http://127.0.0.1:{port}"},
    {"Origin": "http://localhost:{port}"},
    {"Origin": "http://localhost:{port}", "Host": "localhost:{port}"},
    {"Origin": "http://localhost:9999", "Host": "localhost:9999"},  # a published docker port
], ids=["no-origin", "127.0.0.1", "localhost", "localhost-host", "mapped-port"])
def test_json_control_from_its_own_origin_or_from_no_browser_still_works(
        server: SimServer, headers: dict[str, str]) -> None:
    sent = {name: value.format(port=server.port) for name, value in headers.items()}
    with httpx.Client(base_url=server.base_url, headers=sent) as control:
        made = control.post("/_sim/accounts", json={"env": "paper"})
        assert made.status_code == 200, made.text
        assert len(account_numbers(server.sim)) == 3
        assert control.post("/_sim/reset", json={}).status_code == 200
        assert control.post("/_sim/ws/drop", json={}).status_code == 200
        assert control.delete("/_sim/faults").status_code == 200
        assert control.get("/_sim/state").json()["seed"] == 42
    assert len(account_numbers(server.sim)) == 2


def test_allowed_origins_open_the_control_plane_to_a_dashboard() -> None:
    with SimServer(make_sim(allowed_origins=("http://localhost:3000/",))) as server:
        base = server.base_url
        mine = httpx.post(base + "/_sim/reset", json={},
                          headers={"Origin": "http://LOCALHOST:3000"})
        other = httpx.post(base + "/_sim/reset", json={},
                           headers={"Origin": "http://localhost:3001"})
        assert (mine.status_code, other.status_code) == (200, 403)
        assert no_cors_headers(mine)  # allowed to call, still no CORS grant to read


# --- DNS rebinding ------------------------------------------------------------------------------
@pytest.mark.parametrize("host", ["evil.example:{port}", "evil.example",
                                  "127.0.0.1.evil.example:{port}", "localhost.evil:{port}",
                                  "sim:{port}"])
def test_a_foreign_host_is_refused_on_every_surface(server: SimServer, host: str) -> None:
    sent = host.format(port=server.port)
    before = with_extra_account(server.sim)
    kis = kis_over(server, Host=sent)
    state = kis.http.get("/_sim/state")
    assert state.status_code == 403 and "Host" in state.json()["error"]
    assert kis.http.post("/_sim/reset", json={}).status_code == 403
    token = kis.issue_token()  # KIS's surface: a rebinding page could trade otherwise
    assert token.status_code == 403 and token.json()["msg_cd"] == "SIM00403"
    assert "access_token" not in token.text
    assert " 403 " in websocket_status(server.port, sent)
    assert account_numbers(server.sim) == before


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LocalHost.:{port}",
                                  "[::1]:{port}", "127.0.0.2:{port}", "app.localhost:{port}",
                                  "127.0.0.1"])
def test_loopback_hosts_reach_the_kis_surface_and_the_control_plane(
        server: SimServer, host: str) -> None:
    sent = host.format(port=server.port)
    kis = kis_over(server, Host=sent)
    assert int(ok(kis.price())["output"]["stck_prpr"]) > 0
    assert kis.http.post("/_sim/clock", json={"advance": 1}).status_code == 200
    assert " 101 " in websocket_status(server.port, sent)


def test_allowed_hosts_let_clients_use_another_name() -> None:
    with SimServer(make_sim(allowed_hosts=("Sim:8080", "kis-sim."))) as server:
        token = kis_over(server, Host="sim").token  # one a minute: shared by the clients
        for host in ("sim", "sim:8080", "kis-sim:1234"):
            kis = kis_over(server, Host=host)
            kis.use_token(token)
            assert ok(kis.price())
            assert kis.http.get("/_sim/health").status_code == 200
            # the page of that name is the server's own origin
            assert kis.http.post("/_sim/clock", json={"advance": 1},
                                 headers={"Origin": f"http://{host}"}).status_code == 200
        assert kis_over(server, Host="other").http.get("/_sim/health").status_code == 403
    with SimServer(make_sim(allowed_hosts=("*",))) as anything:
        assert ok(kis_over(anything, Host="whatever.example").price())


def test_the_bound_address_is_a_host_of_its_own() -> None:
    with SimServer(make_sim(), host="0.0.0.0") as server:  # as in a docker container
        assert server.base_url.startswith("http://0.0.0.0:")
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}") as http:
            bound = http.get("/_sim/health", headers={"Host": f"0.0.0.0:{server.port}"})
            foreign = http.get("/_sim/health", headers={"Host": "evil.example"})
        assert (bound.status_code, foreign.status_code) == (200, 403)


# --- the control token -------------------------------------------------------------------------
def test_a_control_token_when_set_is_needed_on_every_control_request() -> None:
    with SimServer(make_sim(control_token=TOKEN)) as server:
        base, before = server.base_url, with_extra_account(server.sim)
        for headers in ({}, {"X-Sim-Token": "wrong"}, {"Authorization": "Bearer wrong"},
                        {"Authorization": f"Basic {TOKEN}"}, {"X-Sim-Token": TOKEN + "x"},
                        {"X-Sim-Token": TOKEN[:-1]}):
            for method, path in (("POST", "/_sim/reset"), ("GET", "/_sim/state"),
                                 ("GET", "/_sim/health"), ("GET", "/_sim/nothing")):
                answer = httpx.request(method, base + path, json={}, headers=headers)
                assert answer.status_code == 401, (headers, path)
                assert "token" in answer.json()["error"] and TOKEN not in answer.text
                assert answer.headers["WWW-Authenticate"].startswith("Bearer ")
        assert account_numbers(server.sim) == before
        for headers in ({"X-Sim-Token": TOKEN}, {"Authorization": f"Bearer {TOKEN}"},
                        {"authorization": f"bearer {TOKEN}"}):
            assert httpx.get(base + "/_sim/state", headers=headers).status_code == 200
        with server.control_client() as control:
            assert control.post("/_sim/reset", json={}).status_code == 200
        assert len(account_numbers(server.sim)) == 2
        assert ok(kis_over(server).price())  # the KIS surface has its own credentials


def test_the_control_token_guards_the_in_process_transport_too() -> None:
    sim = make_sim(control_token=TOKEN)
    with httpx.Client(transport=sim.transport(), base_url="http://sim") as http:
        assert http.post("/_sim/reset", json={}).status_code == 401
        assert http.post("/_sim/reset", json={},
                         headers={"X-Sim-Token": TOKEN}).status_code == 200


# --- no secrets -------------------------------------------------------------------------------
def test_no_control_answer_carries_a_secret_a_token_or_an_approval_key(
        server: SimServer) -> None:
    sim, base = server.sim, server.base_url
    kis = kis_over(server)
    access_token = kis.token
    creds = kis.creds
    approval = httpx.post(base + "/oauth2/Approval", json={
        "grant_type": "client_credentials", "appkey": creds.app_key,
        "secretkey": creds.app_secret}).json()["approval_key"]
    own_secret = "my-own-app-secret-" + "q" * 40
    made = httpx.post(base + "/_sim/accounts", json={"env": "paper", "app_secret": own_secret})
    with connect(base.replace("http", "ws") + "/tryitout", open_timeout=5, logger=QUIET) as ws:
        ws.send(json.dumps({"header": {"approval_key": approval, "custtype": "P",
                                       "tr_type": "1", "content-type": "utf-8"},
                            "body": {"input": {"tr_id": "H0STCNT0", "tr_key": "005930"}}}))
        assert json.loads(ws.recv(timeout=5))["body"]["msg_cd"] == "OPSP0000"
        answers = [made] + [httpx.get(f"{base}/_sim/{path}") for path in (
            "state", "accounts", "stats", "ws", "ledger", "faults", "clock", "rate-limits",
            "market/005930")]
    secrets = [sim.credentials_of(a).app_secret for a in sim.accounts]
    assert own_secret in secrets
    for answer in answers:
        assert answer.status_code == 200
        for secret in (*secrets, access_token, approval):
            assert secret not in answer.text, answer.url
    state = httpx.get(base + "/_sim/state").json()
    assert [a["app_secret_sha256"] for a in state["accounts"]] == [
        fingerprint(s) for s in secrets]
    assert all("app_secret" not in a for a in state["accounts"])
    reset = httpx.post(base + "/_sim/reset", json={"seed": 7})
    assert not any(sim.credentials_of(a).app_secret in reset.text for a in sim.accounts)


def test_an_account_made_over_the_wire_uses_the_secret_its_maker_chose(
        server: SimServer) -> None:
    """How a remote script gets a usable account now that no answer shows a secret."""
    secret = hashlib.sha256(b"my bench account").hexdigest() * 3  # 192 characters
    made = httpx.post(server.base_url + "/_sim/accounts",
                      json={"env": "real", "cash": 10**9, "app_secret": secret}).json()
    assert secret not in json.dumps(made) and made["app_secret_sha256"] == fingerprint(secret)
    kis = kis_over(server)
    kis.creds = Credentials(Env(made["env"]), made["app_key"], secret, made["account_no"],
                            made["hts_id"])
    assert int(ok(kis.price())["output"]["stck_prpr"]) > 0
    assert ok(kis.balance())["output2"][0]["dnca_tot_amt"] == str(10**9)


# --- pykis sim ---------------------------------------------------------------------------------
def _lines_until(process: subprocess.Popen, marker: str, timeout: float = 60) -> list[str]:
    """The process's stdout lines up to the one containing ``marker``."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout],
                     daemon=True).start()
    seen, deadline = [], time.monotonic() + timeout
    while not seen or marker not in seen[-1]:
        try:
            seen.append(lines.get(timeout=max(0.01, deadline - time.monotonic())))
        except queue.Empty:
            raise AssertionError("".join(seen) or "no output") from None
    return seen


def test_pykis_sim_takes_a_control_token_and_allowed_hosts_from_the_environment() -> None:
    env = {**os.environ, "PYKIS_SIM_CONTROL_TOKEN": TOKEN, "PYKIS_SIM_ALLOWED_HOSTS": "sim,x",
           "COLUMNS": "200"}
    server = subprocess.Popen(
        [sys.executable, "-c", "from pykis.cli.main import run; run()", "sim", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        lines = _lines_until(server, "ws://")
        assert "control token required" in lines[0] and TOKEN not in "".join(lines)
        base = re.search(r"http://127\.0\.0\.1:\d+", lines[0]).group()
        assert httpx.get(base + "/_sim/state").status_code == 401
        assert httpx.get(base + "/_sim/state", headers={"X-Sim-Token": TOKEN,
                                                        "Host": "sim"}).status_code == 200
        assert httpx.get(base + "/_sim/health", headers={"X-Sim-Token": TOKEN,
                                                         "Host": "evil"}).status_code == 403
    finally:
        server.terminate()
        server.communicate(timeout=30)
