"""The simulator's KIS WebSocket, from the outside: a bare WebSocket client sends the
documented messages and reads the documented answers and frames (no PyKIS client
code). Notices are decrypted here with AES directly, as any KIS client would."""

from __future__ import annotations

import base64
import json
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from pykis.sim import Env, Simulator
from pykis.sim.serve.server import SimServer
from pykis.websocket.fields import FIELDS
from support import Kis, make_sim

CAPTURES = Path(__file__).parent.parent / "fixtures" / "captures" / "ws"
# The bare client's own frame log would hold approval keys (the session-wide scan of the
# logs is for PyKIS's code, which redacts them); it stays out of the logs.
QUIET = logging.getLogger("tests.bare-websocket")
QUIET.propagate = False


# --- a bare client ---------------------------------------------------------------------------
class Bare:
    """One WebSocket connection with an account's approval key."""

    def __init__(self, server: SimServer, env: Env = Env.REAL, index: int = 0,
                 path: str = "/tryitout") -> None:
        self.server, self.creds = server, server.sim.credentials(env, index)
        answer = httpx.post(server.base_url + "/oauth2/Approval", json={
            "grant_type": "client_credentials", "appkey": self.creds.app_key,
            "secretkey": self.creds.app_secret})
        assert answer.status_code == 200, answer.text
        self.approval = answer.json()["approval_key"]
        self._opened = connect(server.base_url.replace("http", "ws") + path,
                               open_timeout=5, logger=QUIET)
        self.ws: ClientConnection = self._opened.__enter__()
        self.keys: dict[str, tuple[str, str]] = {}

    def send(self, tr_id: str, tr_key: str, tr_type: str = "1", approval: str | None = None
             ) -> None:
        self.ws.send(json.dumps({
            "header": {"approval_key": approval or self.approval, "custtype": "P",
                       "tr_type": tr_type, "content-type": "utf-8"},
            "body": {"input": {"tr_id": tr_id, "tr_key": tr_key}}}))

    def ask(self, tr_id: str, tr_key: str, tr_type: str = "1", **kw: Any) -> dict[str, Any]:
        self.send(tr_id, tr_key, tr_type, **kw)
        reply = json.loads(self.next_text(lambda t: t.startswith("{")
                                          and "PINGPONG" not in t))
        output = reply["body"].get("output")
        if output:
            self.keys[tr_id] = (output["key"], output["iv"])
        return reply

    def next_text(self, wanted=lambda text: True, timeout: float = 3.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.ws.recv(timeout=max(0.01, deadline - time.monotonic()))
            if wanted(text):
                return text

    def frames(self, tr_id: str, timeout: float = 3.0) -> list[list[str]]:
        """The records of the next data frame of ``tr_id``, decrypted if need be."""
        text = self.next_text(lambda t: t.split("|", 2)[1:2] == [tr_id], timeout)
        flag, _, count, payload = text.split("|", 3)
        if flag == "1":
            payload = decrypt(*self.keys[tr_id], payload)
        values = payload.split("^")
        size = len(values) // int(count)
        assert size * int(count) == len(values)
        return [values[i:i + size] for i in range(0, len(values), size)]

    def close(self) -> None:
        self._opened.__exit__(None, None, None)


def decrypt(key: str, iv: str, payload: str) -> str:
    decryptor = Cipher(algorithms.AES(key.encode()), modes.CBC(iv.encode())).decryptor()
    padded = decryptor.update(base64.b64decode(payload)) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return (unpadder.update(padded) + unpadder.finalize()).decode()


def named(tr_id: str, values: list[str]) -> dict[str, str]:
    return dict(zip(FIELDS[tr_id], values))


@pytest.fixture
def server() -> Iterator[SimServer]:
    with SimServer(make_sim()) as running:
        yield running


@pytest.fixture
def bare(server: SimServer) -> Iterator[Bare]:
    client = Bare(server)
    yield client
    client.close()


def control(server: SimServer, path: str, body: dict[str, Any] | None = None) -> Any:
    answer = httpx.post(server.base_url + "/_sim/" + path, json=body or {})
    assert answer.status_code == 200, answer.text
    return answer.json()


def rest(server: SimServer, env: Env = Env.REAL) -> Kis:
    return Kis(server.sim, httpx.Client(base_url=server.base_url), server.sim.credentials(env))


# --- control answers ---------------------------------------------------------------------------
def test_subscribe_answers_carry_a_key_and_iv(bare: Bare) -> None:
    reply = bare.ask("H0STCNT0", "005930")
    assert reply["header"] == {"tr_id": "H0STCNT0", "tr_key": "005930", "encrypt": "N"}
    body = reply["body"]
    assert (body["rt_cd"], body["msg_cd"], body["msg1"]) == ("0", "OPSP0000",
                                                             "SUBSCRIBE SUCCESS")
    assert len(body["output"]["key"]) == 32 and len(body["output"]["iv"]) == 16
    notices = bare.ask("H0STCNI0", bare.creds.hts_id)
    assert notices["header"]["encrypt"] == "Y"


def test_the_answers_look_like_kis(bare: Bare) -> None:
    kis = json.loads((CAPTURES / "subscribe-response.H0STCNT0.005930.true-project.pretty.json"
                      ).read_text())
    ours = bare.ask("H0STCNT0", "005930")
    assert _shape(ours) == _shape(kis)
    error = json.loads((CAPTURES / "error.OPSP9999.invalid-json-format.python-practice.json"
                        ).read_text())
    bare.ws.send("{not json")
    assert json.loads(bare.next_text()) == error  # word for word


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    return type(value).__name__


def test_duplicates_unsubscribes_and_unknown_registrations(bare: Bare) -> None:
    assert bare.ask("H0STCNT0", "005930")["body"]["msg_cd"] == "OPSP0000"
    again = bare.ask("H0STCNT0", "005930")["body"]
    assert (again["rt_cd"], again["msg_cd"], again["msg1"]) == ("1", "OPSP0002",
                                                                "ALREADY IN SUBSCRIBE")
    off = bare.ask("H0STCNT0", "005930", tr_type="2")["body"]
    assert (off["rt_cd"], off["msg_cd"], off["msg1"]) == ("0", "OPSP0001",
                                                          "UNSUBSCRIBE SUCCESS")
    missing = bare.ask("H0STCNT0", "005930", tr_type="2")["body"]
    assert missing["msg_cd"] == "OPSP0003" and missing["msg1"].startswith("UNSUBSCRIBE ERROR")


def test_forty_one_registrations_then_max_subscribe_over(bare: Bare, server: SimServer) -> None:
    codes = list(server.sim.market.universe)[:42]
    for code in codes[:41]:
        assert bare.ask("H0STCNT0", code)["body"]["msg_cd"] == "OPSP0000"
    over = bare.ask("H0STCNT0", codes[41])["body"]
    assert (over["msg_cd"], over["msg1"]) == ("OPSP0008", "MAX SUBSCRIBE OVER")
    assert bare.ask("H0STCNT0", codes[0], tr_type="2")["body"]["msg_cd"] == "OPSP0001"
    assert bare.ask("H0STCNT0", codes[41])["body"]["msg_cd"] == "OPSP0000"  # room again


def test_refusals(bare: Bare, server: SimServer) -> None:
    invalid = bare.ask("H0STCNT0", "005930", approval="not-a-key")["body"]
    assert (invalid["rt_cd"], invalid["msg_cd"]) == ("9", "OPSP0011")
    assert invalid["msg1"] == "invalid approval : not-a-key"
    assert bare.ask("H9ZZZZZ0", "005930")["body"]["msg_cd"] == "OPSP8991"
    assert bare.ask("H0STCNT0", "005930", tr_type="3")["body"]["msg_cd"] == "OPSP8997"
    assert bare.ask("H0STCNT0", "")["body"]["msg_cd"] == "OPSP9999"
    bare.ws.send(json.dumps({"body": {}}))
    assert json.loads(bare.next_text())["body"]["msg1"] == "JSON PARSING ERROR : header not found"
    paper = Bare(server, Env.PAPER)
    try:  # the paper server has the paper notice TR only
        assert paper.ask("H0STCNI0", paper.creds.hts_id)["body"]["msg_cd"] == "OPSP8991"
        assert paper.ask("H0STCNI9", paper.creds.hts_id)["body"]["msg_cd"] == "OPSP0000"
    finally:
        paper.close()


def test_one_session_per_app_key(bare: Bare, server: SimServer) -> None:
    assert bare.ask("H0STCNT0", "005930")["body"]["msg_cd"] == "OPSP0000"
    second = Bare(server)
    try:
        busy = second.ask("H0STCNT0", "000660")["body"]
        assert (busy["rt_cd"], busy["msg_cd"], busy["msg1"]) == ("9", "OPSP8996",
                                                                 "ALREADY IN USE appkey")
        bare.close()
        deadline = time.monotonic() + 3
        while second.ask("H0STCNT0", "000660")["body"]["msg_cd"] != "OPSP0000":
            assert time.monotonic() < deadline, "the session was not freed"
            time.sleep(0.05)
    finally:
        second.close()
    other = Bare(server, Env.PAPER)  # another app key has its own session
    try:
        assert other.ask("H0STCNT0", "005930")["body"]["msg_cd"] == "OPSP0000"
    finally:
        other.close()


@pytest.mark.parametrize("path", ["", "/", "/tryitout", "/tryitout/H0STCNT0", "//tryitout"])
def test_the_upgrade_is_accepted_on_any_path(server: SimServer, path: str) -> None:
    """KIS's older samples connect to the root, newer ones to /tryitout, others to the
    portal's per-TR paths: one socket carries every TR wherever it was opened."""
    bare = Bare(server, path=path)
    try:
        assert bare.ask("H0STCNT0", "005930")["body"]["msg1"] == "SUBSCRIBE SUCCESS"
    finally:
        bare.close()


# --- market data -------------------------------------------------------------------------------
def test_trades_and_books_follow_the_market_rest_shows(bare: Bare, server: SimServer) -> None:
    bare.ask("H0STCNT0", "005930")
    bare.ask("H0STASP0", "005930")
    control(server, "clock", {"advance": 4})
    trades = bare.frames("H0STCNT0")
    book = named("H0STASP0", bare.frames("H0STASP0")[-1])
    assert len(trades) > 1  # 005930's trades of four seconds arrive as one frame
    assert all(len(t) == 46 for t in trades)
    last = named("H0STCNT0", trades[-1])
    kis = rest(server)
    price = kis.price().json()["output"]
    assert last["STCK_PRPR"] == price["stck_prpr"]
    assert last["ACML_VOL"] == price["acml_vol"]
    assert (last["STCK_OPRC"], last["STCK_HGPR"], last["STCK_LWPR"]) == (
        price["stck_oprc"], price["stck_hgpr"], price["stck_lwpr"])
    assert last["PRDY_VRSS"] == price["prdy_vrss"] and last["PRDY_CTRT"] == price["prdy_ctrt"]
    asking = kis.get("/uapi/domestic-stock/v1/quotations/inquire-asking-price-exp-ccn",
                     "FHKST01010200", {"FID_COND_MRKT_DIV_CODE": "J",
                                       "FID_INPUT_ISCD": "005930"}).json()["output1"]
    for level in range(1, 11):
        assert book[f"ASKP{level}"] == asking[f"askp{level}"]
        assert book[f"BIDP_RSQN{level}"] == asking[f"bidp_rsqn{level}"]
    # Cumulative volume adds up tick by tick.
    volumes = [int(named("H0STCNT0", t)["ACML_VOL"]) for t in trades]
    ticks = [int(named("H0STCNT0", t)["CNTG_VOL"]) for t in trades]
    assert all(b - a == v for a, b, v in zip(volumes, volumes[1:], ticks[1:]))


@pytest.mark.parametrize(("tr_id", "capture"), [
    ("H0STCNT0", "H0STCNT0.066570.20241014.true-project.txt"),
    ("H0STASP0", "H0STASP0.066570.true-project.txt"),
])
def test_records_look_like_kis(bare: Bare, server: SimServer, tr_id: str, capture: str) -> None:
    """Field by field, the simulator writes values of the kind KIS writes (an integer, a
    signed integer, a two-decimal rate, a code, a time, an empty slot)."""
    bare.ask(tr_id, "066570")
    control(server, "clock", {"advance": 30})
    ours = bare.frames(tr_id)[-1]
    theirs = (CAPTURES / capture).read_text().strip().split("|", 3)[3].split("^")
    assert len(ours) == len(theirs) == len(FIELDS[tr_id])
    for name, mine, kis in zip(FIELDS[tr_id], ours, theirs):
        assert _kind(mine) == _kind(kis), (name, mine, kis)


def _kind(value: str) -> str:
    for kind, pattern in (("empty", r""), ("decimal", r"-?\d+\.\d\d"), ("number", r"-?\d+"),
                          ("code", r"[A-Z]")):
        if re.fullmatch(pattern, value):
            return "number" if kind == "number" else kind
    return "text"


def test_a_price_moved_by_hand_streams_at_once(bare: Bare, server: SimServer) -> None:
    server.sim.clock.set(server.sim.clock.now(), frozen=False)  # a running market
    bare.ask("H0STCNT0", "005930")
    quote = control(server, "market/005930/price", {"price": 80_000})
    assert quote["price"] == 80_000
    # Trades from before the move may still be on their way: the moved price follows
    # them within a second (frames() raises TimeoutError if it does not).
    deadline = time.monotonic() + 1.0
    prices: list[str] = []
    while "80000" not in prices:
        left = deadline - time.monotonic()
        assert left > 0, f"the moved price was not streamed; saw {prices}"
        prices += [named("H0STCNT0", r)["STCK_PRPR"] for r in bare.frames("H0STCNT0", left)]


def test_heartbeats() -> None:
    with SimServer(make_sim(ws_heartbeat=0.2)) as server:
        client = Bare(server)
        try:
            beat = json.loads(client.next_text(lambda t: "PINGPONG" in t, timeout=2))
            kis = json.loads((CAPTURES / "PINGPONG.20241011121818.true-project.txt").read_text())
            assert beat.keys() == kis.keys() and beat["header"].keys() == kis["header"].keys()
            assert re.fullmatch(r"\d{14}", beat["header"]["datetime"])
            client.ws.send(json.dumps(beat))  # an echoed PINGPONG is no subscription
            client.ws.pong(json.dumps(beat).encode())  # nor is a pong frame
            assert client.ask("H0STCNT0", "005930")["body"]["msg_cd"] == "OPSP0000"
        finally:
            client.close()


# --- execution notices ---------------------------------------------------------------------------
def test_notices_of_an_order_and_its_fill(bare: Bare, server: SimServer) -> None:
    bare.ask("H0STCNI0", bare.creds.hts_id)
    kis = rest(server)
    price = int(kis.price().json()["output"]["stck_prpr"])
    answer = kis.order("buy", "005930", 10, price + 1000).json()  # marketable: fills now
    number = answer["output"]["ODNO"]
    accepted = named("H0STCNI0", bare.frames("H0STCNI0")[0])
    assert accepted["CNTG_YN"] == "1" and accepted["RCTF_CLS"] == "0"
    assert int(accepted["ODER_NO"]) == int(number)
    assert (accepted["CUST_ID"], accepted["STCK_SHRN_ISCD"]) == (bare.creds.hts_id, "005930")
    assert (accepted["CNTG_QTY"], accepted["CNTG_UNPR"]) == ("10", str(price + 1000))
    assert accepted["SELN_BYOV_CLS"] == "02" and accepted["ODER_KIND"] == "00"
    fill = named("H0STCNI0", bare.frames("H0STCNI0")[0])
    assert fill["CNTG_YN"] == "2" and int(fill["ODER_NO"]) == int(number)
    ledger = kis.ledger()
    [booked] = [f for f in ledger["fills"] if int(f["odno"]) == int(number)]
    assert (int(fill["CNTG_QTY"]), int(fill["CNTG_UNPR"])) == (booked["qty"], booked["price"])


def test_notices_of_cancels_and_expiries(bare: Bare, server: SimServer) -> None:
    bare.ask("H0STCNI0", bare.creds.hts_id)
    kis = rest(server)
    price = int(kis.price().json()["output"]["stck_prpr"])
    resting = kis.order("buy", "005930", 5, price - 2000).json()["output"]["ODNO"]
    bare.frames("H0STCNI0")  # its acceptance
    kis.revise(resting, cancel=True)
    cancel = named("H0STCNI0", bare.frames("H0STCNI0")[0])
    assert cancel["RCTF_CLS"] == "2" and int(cancel["OODER_NO"]) == int(resting)
    assert cancel["CNTG_YN"] == "1" and cancel["CNTG_QTY"] == "5"
    kis.order("buy", "005930", 7, price - 2000, dvsn="11")  # IOC below the market
    bare.frames("H0STCNI0")  # accepted
    expired = named("H0STCNI0", bare.frames("H0STCNI0")[0])
    assert expired["ACPT_YN"] == "3" and expired["ODER_COND"] == "1"


def test_notices_reach_only_their_account(server: SimServer) -> None:
    mine, other = Bare(server), Bare(server, Env.PAPER)
    try:
        mine.ask("H0STCNI0", mine.creds.hts_id)
        other.ask("H0STCNI9", other.creds.hts_id)
        other.ask("H0STCNT0", "005930")  # something else to read
        kis = rest(server)
        kis.order("buy", "005930", 1, int(kis.price().json()["output"]["stck_prpr"]) + 1000)
        assert mine.frames("H0STCNI0")
        control(server, "clock", {"advance": 30})
        seen = other.next_text(lambda t: t.startswith("0|"))
        assert "H0STCNI" not in seen
        with pytest.raises(TimeoutError):
            other.next_text(lambda t: "H0STCNI" in t, timeout=0.3)
    finally:
        mine.close()
        other.close()


# --- faults ------------------------------------------------------------------------------------------
def test_drop_every_session_now(bare: Bare, server: SimServer) -> None:
    bare.ask("H0STCNT0", "005930")
    control(server, "ws/drop")
    with pytest.raises(ConnectionClosed):
        bare.next_text(lambda t: False, timeout=2)
    deadline = time.monotonic() + 2
    while httpx.get(server.base_url + "/_sim/ws").json()["sessions"]:
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_drop_periodically(server: SimServer) -> None:
    control(server, "ws/faults", {"drop_every": 0.3})
    for _ in range(2):  # every new connection is dropped in turn
        client = Bare(server)
        started = time.monotonic()
        with pytest.raises(ConnectionClosed):
            client.next_text(lambda t: False, timeout=3)
        assert 0.2 < time.monotonic() - started < 2
    control(server, "ws/faults", {"drop_every": None})
    assert control(server, "ws/faults", {})["faults"]["dropped"] >= 2


def test_a_stalled_session_sends_nothing_then_resumes(server: SimServer) -> None:
    client = Bare(server)
    try:
        client.ask("H0STCNT0", "005930")
        control(server, "ws/faults", {"stall": 0.6})
        control(server, "clock", {"advance": 30})
        with pytest.raises(TimeoutError):
            client.next_text(timeout=0.4)
        assert client.frames("H0STCNT0", timeout=2)  # after the stall
    finally:
        client.close()


def test_extra_trailing_fields(bare: Bare, server: SimServer) -> None:
    bare.ask("H0STCNT0", "005930")
    control(server, "ws/faults", {"extra_fields": 3})
    control(server, "clock", {"advance": 60})
    records = bare.frames("H0STCNT0")
    assert all(len(r) == 49 for r in records)
    assert records[0][46:] == ["0", "1", "2"]


def test_control_plane_lists_sessions_and_checks_input(bare: Bare, server: SimServer) -> None:
    bare.ask("H0STCNT0", "005930")
    state = httpx.get(server.base_url + "/_sim/ws").json()
    [session] = state["sessions"]
    assert session["app_key"] == bare.creds.app_key
    assert session["registrations"] == [["H0STCNT0", "005930"]]
    for bad in ({"drop_every": 0}, {"stall": -1}, {"extra_fields": "3"}):
        assert httpx.post(server.base_url + "/_sim/ws/faults", json=bad).status_code == 400
    assert httpx.post(server.base_url + "/_sim/ws/nothing").status_code == 404


def test_reset_closes_sessions(bare: Bare, server: SimServer) -> None:
    bare.ask("H0STCNT0", "005930")
    control(server, "reset")
    with pytest.raises(ConnectionClosed):
        bare.next_text(lambda t: False, timeout=2)


def test_the_simulator_object_alone_streams_nothing_without_sessions() -> None:
    sim: Simulator = make_sim()
    assert sim.realtime.sessions == {}
    session = sim.realtime.open()
    assert sim.realtime.pump(session) == []  # nothing subscribed


# --- overseas execution notices (H0GSCNI0 real / H0GSCNI9 paper) ----------------------------------
def _answer_shape(reply: dict[str, Any]) -> dict[str, Any]:
    output = reply["body"].get("output") or {}
    return {"header": sorted(reply["header"]), "encrypt": reply["header"]["encrypt"],
            "body": sorted(reply["body"]), "output": {k: len(v) for k, v in output.items()}}


def test_overseas_notices_are_answered_as_the_domestic_ones(bare: Bare) -> None:
    hts_id = bare.creds.hts_id
    domestic = bare.ask("H0STCNI0", hts_id)
    overseas = bare.ask("H0GSCNI0", hts_id)
    assert overseas["header"] == {"tr_id": "H0GSCNI0", "tr_key": hts_id, "encrypt": "Y"}
    body = overseas["body"]
    assert (body["rt_cd"], body["msg_cd"], body["msg1"]) == ("0", "OPSP0000",
                                                             "SUBSCRIBE SUCCESS")
    assert _answer_shape(overseas) == _answer_shape(domestic)  # key 32, iv 16
    assert bare.ask("H0GSCNI0", hts_id)["body"]["msg_cd"] == "OPSP0002"
    off = bare.ask("H0GSCNI0", hts_id, tr_type="2")["body"]
    assert (off["msg_cd"], off["msg1"]) == ("OPSP0001", "UNSUBSCRIBE SUCCESS")


def test_each_server_has_its_own_overseas_notice_tr(bare: Bare, server: SimServer) -> None:
    assert bare.ask("H0GSCNI9", bare.creds.hts_id)["body"]["msg_cd"] == "OPSP8991"
    paper = Bare(server, Env.PAPER)
    try:
        assert paper.ask("H0GSCNI0", paper.creds.hts_id)["body"]["msg_cd"] == "OPSP8991"
        reply = paper.ask("H0GSCNI9", paper.creds.hts_id)
        assert reply["body"]["msg_cd"] == "OPSP0000" and reply["header"]["encrypt"] == "Y"
    finally:
        paper.close()


def test_overseas_notices_count_against_the_41(bare: Bare, server: SimServer) -> None:
    assert bare.ask("H0STCNI0", bare.creds.hts_id)["body"]["msg_cd"] == "OPSP0000"
    assert bare.ask("H0GSCNI0", bare.creds.hts_id)["body"]["msg_cd"] == "OPSP0000"
    codes = list(server.sim.market.universe)[:40]
    for code in codes[:39]:
        assert bare.ask("H0STCNT0", code)["body"]["msg_cd"] == "OPSP0000"
    assert bare.ask("H0STCNT0", codes[39])["body"]["msg_cd"] == "OPSP0008"
    assert bare.ask("H0GSCNI0", bare.creds.hts_id, tr_type="2")["body"]["msg_cd"] == "OPSP0001"
    assert bare.ask("H0STCNT0", codes[39])["body"]["msg_cd"] == "OPSP0000"


def test_overseas_notices_never_fire(bare: Bare, server: SimServer) -> None:
    bare.ask("H0STCNI0", bare.creds.hts_id)
    bare.ask("H0GSCNI0", bare.creds.hts_id)
    kis = rest(server)
    kis.order("buy", "005930", 1, int(kis.price().json()["output"]["stck_prpr"]) + 1000)
    assert bare.frames("H0STCNI0")  # the domestic notice comes
    control(server, "clock", {"advance": 30})
    with pytest.raises(TimeoutError):
        bare.next_text(lambda t: "H0GSCNI" in t, timeout=0.3)


# --- one customer, one HTS ID, two servers ----------------------------------------------------------
def test_each_environments_notices_stay_on_its_own_tr(server: SimServer) -> None:
    """A customer's real and paper accounts share its HTS ID: a real order is heard on
    H0STCNI0 by the real session only, a paper order on H0STCNI9 by the paper one only."""
    real, paper = Bare(server), Bare(server, Env.PAPER)
    try:
        assert real.creds.hts_id == paper.creds.hts_id
        real.ask("H0STCNI0", real.creds.hts_id)
        paper.ask("H0STCNI9", paper.creds.hts_id)
        for env, mine, other, tr_id in ((Env.REAL, real, paper, "H0STCNI0"),
                                        (Env.PAPER, paper, real, "H0STCNI9")):
            kis = rest(server, env)
            price = int(kis.price().json()["output"]["stck_prpr"])
            number = kis.order("buy", "005930", 1, price - 2000).json()["output"]["ODNO"]
            notice = named(tr_id, mine.frames(tr_id)[0])
            assert (notice["CUST_ID"], notice["ACNT_NO"]) == (kis.creds.hts_id,
                                                              kis.creds.account_no)
            assert int(notice["ODER_NO"]) == int(number)
            with pytest.raises(TimeoutError):
                other.next_text(lambda t: "|H0STCNI" in t, timeout=0.3)
    finally:
        real.close()
        paper.close()
