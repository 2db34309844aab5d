"""The /_sim control plane: health, state, reset, clock, prices, accounts, ledger, stats."""

from __future__ import annotations

import datetime as dt
import hashlib

import httpx
import pytest

from pykis.market import KST
from support import MORNING, Kis, ok


def fingerprint(secret: str) -> str:
    """What the control plane shows instead of an app secret."""
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


def test_health_and_state(http: httpx.Client, sim) -> None:
    assert http.get("/_sim/health").json() == {"ok": True}
    state = http.get("/_sim/state").json()
    assert state["seed"] == 42 and len(state["accounts"]) == 2
    assert {a["env"] for a in state["accounts"]} == {"real", "paper"}
    assert state["accounts"][0]["app_key"] == sim.credentials("real").app_key


def test_state_shows_no_app_secret_only_its_fingerprint(http: httpx.Client, sim) -> None:
    answer = http.get("/_sim/state")
    for env, shown in zip(("real", "paper"), answer.json()["accounts"]):
        secret = sim.credentials(env).app_secret
        assert secret not in answer.text and secret[:40] not in answer.text
        assert "app_secret" not in shown and shown["app_secret_sha256"] == fingerprint(secret)
    listed = http.get("/_sim/accounts").text
    assert not any(sim.credentials(env).app_secret in listed for env in ("real", "paper"))


def test_unknown_control_endpoint(http: httpx.Client) -> None:
    answer = http.get("/_sim/nothing")
    assert answer.status_code == 404 and "error" in answer.json()
    as_json = {"Content-Type": "application/json"}
    assert http.post("/_sim/faults", content=b"[]", headers=as_json).status_code == 400
    assert http.post("/_sim/faults", content=b"{oops", headers=as_json).status_code == 400
    assert http.post("/_sim/nothing", content=b"{}").status_code == 404


@pytest.mark.parametrize("content_type", [
    None, "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x", "application/jsonx"])
def test_control_requests_that_change_state_are_json_only(
        http: httpx.Client, sim, content_type: str | None) -> None:
    """A browser sends a text/plain or form POST to any site without asking it first."""
    http.post("/_sim/accounts", json={"env": "paper"})
    before = [a.number for a in sim.accounts]
    headers = {} if content_type is None else {"Content-Type": content_type}
    for path in ("/_sim/reset", "/_sim/accounts", "/_sim/tokens/revoke", "/_sim/ws/drop"):
        answer = http.post(path, content=b"{}", headers=headers)
        assert answer.status_code == 415 and "application/json" in answer.json()["error"]
    assert [a.number for a in sim.accounts] == before
    assert http.post("/_sim/reset", content=b"{}", headers={
        "Content-Type": "Application/JSON; charset=utf-8"}).status_code == 200
    assert len(sim.accounts) == 2


def test_clock_set_freeze_and_advance(http: httpx.Client) -> None:
    clock = http.get("/_sim/clock").json()
    assert clock == {"now": MORNING.isoformat(), "frozen": True, "session": "regular",
                     "market_day": "2026-11-20"}
    moved = http.post("/_sim/clock", json={"now": "2026-11-20T15:25:00"}).json()
    assert (moved["session"], moved["frozen"]) == ("closing_auction", True)
    later = http.post("/_sim/clock", json={"advance": 600}).json()
    assert later["now"] == "2026-11-20T15:35:00+09:00" and later["session"] == "after_hours"
    saturday = http.post("/_sim/clock", json={"now": "2026-11-21T10:00:00+09:00"}).json()
    assert (saturday["session"], saturday["market_day"]) == ("closed", "2026-11-20")
    running = http.post("/_sim/clock", json={"frozen": False}).json()
    assert running["frozen"] is False


def test_moving_a_price_shows_in_every_quote(kis: Kis) -> None:
    before = ok(kis.price())["output"]
    target = int(before["stck_prpr"]) + 2_000
    answer = kis.http.post("/_sim/market/005930/price", json={"price": target}).json()
    assert answer["price"] == target
    after = ok(kis.price())["output"]
    assert int(after["stck_prpr"]) == target
    assert int(after["stck_hgpr"]) >= target
    ticks = ok(kis.get("/uapi/domestic-stock/v1/quotations/inquire-ccnl", "FHKST01010300",
                       {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"}))["output"]
    assert ticks[0]["stck_prpr"] == str(target)
    kis.sim.clock.advance(120)  # the market walks on from the new price
    assert abs(int(ok(kis.price())["output"]["stck_prpr"]) - target) < 2_000


def test_moving_a_price_checks_the_grid_and_limits(http: httpx.Client) -> None:
    quote = http.get("/_sim/market/005930").json()
    for price in (quote["price"] + 1, quote["upper_limit"] + 100, "70000"):
        assert http.post("/_sim/market/005930/price", json={"price": price}).status_code == 400
    assert http.post("/_sim/market/999999/price", json={"price": 100}).status_code == 404


def test_market_listing(http: httpx.Client) -> None:
    listing = http.get("/_sim/market").json()
    assert len(listing) == 68
    kinds = {row["kind"] for row in listing}
    assert kinds == {"STOCK", "ETF"}
    assert {row["market"] for row in listing} == {"KOSPI", "KOSDAQ"}


def test_accounts_can_be_added_with_cash_and_positions(http: httpx.Client, sim) -> None:
    made = http.post("/_sim/accounts", json={
        "env": "paper", "cash": 1_234_567, "positions": {"005930": [10, 70000]},
        "account_no": "5000000101"}).json()
    assert made["account_no"] == "5000000101" and made["env"] == "paper"
    secret = sim.credentials("paper", 1).app_secret  # in-process: the secret itself
    assert len(made["app_key"]) == 36 and len(secret) == 180
    assert made["app_secret_sha256"] == fingerprint(secret) and "app_secret" not in made
    listed = next(a for a in http.get("/_sim/accounts").json()
                  if a["account_no"] == "5000000101")
    assert listed["cash"] == 1_234_567
    assert listed["positions"] == {"005930": {"qty": 10, "avg_price": "70000.0000"}}
    kis = Kis(sim, http, sim.credentials("paper", 1))
    row = ok(kis.balance())["output1"][0]
    assert (row["pdno"], row["hldg_qty"], row["pchs_avg_pric"]) == ("005930", "10",
                                                                     "70000.0000")
    assert http.post("/_sim/accounts", json={"env": "paper",
                                             "positions": {"XXXXXX": [1, 1]}}).status_code == 400
    assert http.post("/_sim/accounts", json={"env": "moon"}).status_code == 400
    assert http.post("/_sim/accounts", json={"account_no": "123"}).status_code == 400


def test_reset_starts_over(kis: Kis) -> None:
    ok(kis.order("buy", "005930", 1))
    kis.http.post("/_sim/market/005930/price", json={"price": 70_000})
    state = kis.http.post("/_sim/reset", json={}).json()
    assert state["seed"] == 42
    assert kis.ledger()["orders"] == []
    kis.use_token(None)
    assert ok(kis.price())["output"]["stck_prpr"] != "70000"
    reseeded = kis.http.post("/_sim/reset", json={"seed": 7}).json()
    assert reseeded["seed"] == 7
    assert reseeded["accounts"][0]["app_key"] != state["accounts"][0]["app_key"]


def test_ledger_lists_orders_and_fills(kis: Kis) -> None:
    ok(kis.order("buy", "005930", 2))
    ledger = kis.ledger()
    order, fill = ledger["orders"][0], ledger["fills"][0]
    assert order["account"] == kis.creds.account_no and order["tr_id"] == kis.tr("TTTC0012U")
    assert (order["side"], order["qty"], order["filled"]) == ("buy", 2, 2)
    assert fill["odno"] == order["odno"] and fill["day"] == "2026-11-20"
    other = kis.http.get("/_sim/ledger", params={"account": "0000000000"}).json()
    assert other == {"orders": [], "fills": []}


def test_stats_per_app_key(kis: Kis) -> None:
    kis.price()
    kis.price()
    stats = kis.http.get("/_sim/stats").json()["apps"][kis.creds.app_key]
    assert stats["requests"] == 2 and stats["tokens_issued"] == 1


def test_naive_clock_times_are_kst(http: httpx.Client) -> None:
    http.post("/_sim/clock", json={"now": "2026-11-20T09:00:00"})
    assert http.get("/_sim/clock").json()["now"] == dt.datetime(
        2026, 11, 20, 9, 0, tzinfo=KST).isoformat()


@pytest.mark.parametrize(("path", "body"), [
    ("/_sim/clock", {"advance": 1e300}),
    ("/_sim/clock", {"advance": -5}),
    ("/_sim/clock", {"now": "yesterday"}),
    ("/_sim/accounts", {"cash": "lots"}),
    ("/_sim/accounts", {"cash": -1}),
    ("/_sim/accounts", {"positions": {"005930": [0, 70000]}}),
    ("/_sim/accounts", {"positions": {"005930": [-5, 70000]}}),
    ("/_sim/accounts", {"positions": {"005930": [1]}}),
    ("/_sim/accounts", {"app_key": 12}),
    ("/_sim/rate-limits", {"real": "fast"}),
    ("/_sim/market/005930/price", {"price": 1.5}),
])
def test_bad_control_input_is_refused_and_harmless(kis: Kis, path: str, body: dict) -> None:
    answer = kis.http.post(path, json=body)
    assert answer.status_code == 400 and "error" in answer.json()
    assert ok(kis.price())  # the simulator still answers
    assert kis.http.get("/_sim/accounts").status_code == 200


def test_account_numbers_are_unique(http: httpx.Client, sim) -> None:
    taken = sim.credentials("real").account_no
    answer = http.post("/_sim/accounts", json={"account_no": taken})
    assert answer.status_code == 400 and "already in use" in answer.json()["error"]


def test_prices_move_only_while_the_market_trades(http: httpx.Client) -> None:
    http.post("/_sim/clock", json={"now": "2026-11-20T08:45:00"})
    answer = http.post("/_sim/market/005930/price", json={"price": 70_000})
    assert answer.status_code == 400 and "pre_market" in answer.json()["error"]
