"""The market looks real in every mode, through the wire: in always-open mode the live day
trades whatever day it is while history keeps the KRX calendar (no weekend or holiday
bars, KRX sessions, T+2 over business days); a large cap trades several times a second in
the ticks and the real-time stream, a small cap far less often, and the activity knob
scales both without changing the bars."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from pykis.market import KST, TradingCalendar
from pykis.sim import Env
from pykis.sim.serve.server import SimServer
from pykis.websocket.fields import FIELDS
from support import MORNING, QUOTES, Kis, caller, make_sim, ok

J = {"FID_COND_MRKT_DIV_CODE": "J"}
SATURDAY = dt.datetime(2026, 11, 21, 14, 0, tzinfo=KST)  # after a normal Friday
KRX = TradingCalendar()
# The bare client's frame log would hold the approval key: it stays out of the logs.
QUIET = logging.getLogger("tests.market-modes-websocket")
QUIET.propagate = False


def chart_dates(kis: Kis, start: str, end: str) -> list[str]:
    rows = ok(kis.get(QUOTES + "inquire-daily-itemchartprice", "FHKST03010100", {
        **J, "FID_INPUT_ISCD": "005930", "FID_INPUT_DATE_1": start, "FID_INPUT_DATE_2": end,
        "FID_PERIOD_DIV_CODE": "D", "FID_ORG_ADJ_PRC": "0"}))["output2"]
    return [row["stck_bsop_date"] for row in rows]


def krx_days(start: dt.date, end: dt.date) -> list[str]:
    return [day.strftime("%Y%m%d") for day in reversed(KRX.trading_days(start, end))]


def minutes(kis: Kis, hour: str = "000000") -> list[dict[str, str]]:
    return ok(kis.get(QUOTES + "inquire-time-itemchartprice", "FHKST03010200", {
        "FID_ETC_CLS_CODE": "", **J, "FID_INPUT_ISCD": "005930", "FID_INPUT_HOUR_1": hour,
        "FID_PW_DATA_INCU_YN": "N"}))["output2"]


def past_minutes(kis: Kis, day: str, hour: str) -> list[dict[str, str]]:
    return ok(kis.get(QUOTES + "inquire-time-dailychartprice", "FHKST03010230", {
        **J, "FID_INPUT_ISCD": "005930", "FID_INPUT_HOUR_1": hour, "FID_INPUT_DATE_1": day,
        "FID_PW_DATA_INCU_YN": "N"}))["output2"]


def ticks(kis: Kis, code: str = "005930") -> list[dict[str, str]]:
    return ok(kis.get(QUOTES + "inquire-ccnl", "FHKST01010300",
                      {**J, "FID_INPUT_ISCD": code}))["output"]


def span_seconds(rows: list[dict[str, str]]) -> int:
    first, last = (dt.datetime.strptime(rows[i]["stck_cntg_hour"], "%H%M%S") for i in (-1, 0))
    return int((last - first).total_seconds())


def set_clock(kis: Kis, moment: dt.datetime) -> None:
    """Move the simulator's clock; a day on, the caller needs a new token."""
    answer = kis.http.post("/_sim/clock", json={"now": moment.isoformat()})
    assert answer.status_code == 200, answer.text
    kis.use_token(None)


def deposits(kis: Kis) -> tuple[int, int, int]:
    """(today, next business day, D+2) cash of inquire-balance."""
    summary = ok(kis.balance())["output2"][0]
    return tuple(int(summary[k]) for k in ("dnca_tot_amt", "nxdy_excc_amt",
                                           "prvs_rcdl_excc_amt"))


# --- always open ------------------------------------------------------------------------------
@pytest.fixture
def weekend() -> Kis:
    return caller(make_sim(SATURDAY, always_open=True))


def test_the_live_saturday_trades_on_friday_close(weekend: Kis) -> None:
    price = ok(weekend.price())["output"]
    assert int(price["acml_vol"]) > 0 and price["stck_oprc"] != "0"
    friday = ok(weekend.get(QUOTES + "inquire-daily-itemchartprice", "FHKST03010100", {
        **J, "FID_INPUT_ISCD": "005930", "FID_INPUT_DATE_1": "20261120",
        "FID_INPUT_DATE_2": "20261120", "FID_PERIOD_DIV_CODE": "D",
        "FID_ORG_ADJ_PRC": "0"}))["output2"][0]
    assert price["stck_sdpr"] == friday["stck_clpr"]  # the base is the last KRX close
    assert span_seconds(ticks(weekend)) <= 15  # several trades a second, on a Saturday too


def test_history_keeps_the_krx_calendar_while_today_trades(weekend: Kis) -> None:
    rows = chart_dates(weekend, "20260901", "20261231")
    assert rows[0] == "20261121"  # today, Saturday, is live
    assert rows[1:] == krx_days(dt.date(2026, 9, 1), dt.date(2026, 11, 20))
    # Chuseok (2026-09-24..26) and every past weekend are missing, as at KRX.
    assert not {"20260924", "20260925", "20261114", "20261115"} & set(rows)


def test_minute_bars_of_today_run_to_now_and_past_days_keep_krx_hours(weekend: Kis) -> None:
    today = minutes(weekend)
    assert today[0]["stck_bsop_date"] == "20261121" and today[0]["stck_cntg_hour"] == "140000"
    assert len(today) == 30 and all(int(r["cntg_vol"]) > 0 for r in today)
    early = minutes(weekend, "003000")  # the live day trades from midnight
    assert early[0]["stck_cntg_hour"] == "003000" and early[-1]["stck_cntg_hour"] == "000100"
    friday = []
    for hour in ("235959", "133000", "113000", "093000"):
        friday += [r for r in past_minutes(weekend, "20261120", hour) if r not in friday]
    hours = [r["stck_cntg_hour"] for r in friday]
    assert hours[0] == "153000" and hours[-1] == "090100" and len(hours) == 390
    assert past_minutes(weekend, "20261115", "153000") == []  # a past Sunday: nothing


def test_weekend_orders_keep_their_day_and_settle_over_business_days(weekend: Kis) -> None:
    cash = deposits(weekend)[0]
    order = ok(weekend.order("buy", "005930", 10))
    assert order["rt_cd"] == "0"
    [row] = ok(weekend.daily_ccld(dt.date(2026, 11, 21)))["output1"]
    assert (row["ord_dt"], row["tot_ccld_qty"]) == ("20261121", "10")
    cost = cash - deposits(weekend)[2]
    assert cost > 0
    # A Saturday fill settles two business days later, with Friday's: on Tuesday.
    assert deposits(weekend) == (cash, cash, cash - cost)
    set_clock(weekend, dt.datetime(2026, 11, 22, 10, 0, tzinfo=KST))  # Sunday
    assert chart_dates(weekend, "20261116", "20261130") == ["20261122", *krx_days(
        dt.date(2026, 11, 16), dt.date(2026, 11, 20))]  # Saturday's bar is history now
    [row] = ok(weekend.daily_ccld(dt.date(2026, 11, 21)))["output1"]
    assert row["ord_dt"] == "20261121"
    set_clock(weekend, dt.datetime(2026, 11, 23, 10, 0, tzinfo=KST))  # Monday
    assert chart_dates(weekend, "20261116", "20261130")[:2] == ["20261123", "20261120"]
    assert deposits(weekend) == (cash, cash - cost, cash - cost)
    set_clock(weekend, dt.datetime(2026, 11, 24, 10, 0, tzinfo=KST))  # Tuesday
    assert deposits(weekend)[0] == cash - cost


def test_a_holiday_is_live_too() -> None:
    kis = caller(make_sim(dt.datetime(2026, 12, 25, 11, 0, tzinfo=KST), always_open=True))
    assert chart_dates(kis, "20261221", "20261231") == ["20261225", *krx_days(
        dt.date(2026, 12, 21), dt.date(2026, 12, 24))]
    assert int(ok(kis.price())["output"]["acml_vol"]) > 0


# --- liquidity -----------------------------------------------------------------------------------
def test_a_large_cap_trades_several_times_a_second(real: Kis) -> None:
    recent = ticks(real)
    assert len(recent) == 30 and span_seconds(recent) <= 15
    seconds = [r["stck_cntg_hour"] for r in recent]
    assert len(set(seconds)) < len(seconds)  # some seconds hold more than one trade


def test_a_small_cap_trades_every_few_seconds(real: Kis) -> None:
    assert span_seconds(ticks(real, "024060")) >= 60


def test_activity_scales_the_trades_not_the_bars() -> None:
    after_close = dt.datetime(2026, 11, 20, 15, 45, tzinfo=KST)
    busy, calm = (ok(caller(make_sim(after_close, activity=a)).price())["output"]
                  for a in (1.0, 0.1))
    bar = ("stck_oprc", "stck_hgpr", "stck_lwpr", "stck_prpr", "acml_vol")
    assert [busy[k] for k in bar] == [calm[k] for k in bar]
    morning = [caller(make_sim(MORNING, activity=a)) for a in (1.0, 0.1)]
    spans = [span_seconds(ticks(kis)) for kis in morning]
    assert spans[1] > 4 * spans[0]


def test_same_seed_same_trades() -> None:
    first, second = (caller(make_sim(MORNING, seed=11)) for _ in range(2))
    assert ticks(first) == ticks(second)
    assert minutes(first, "103000") == minutes(second, "103000")


# --- the real-time stream ---------------------------------------------------------------------
def _subscribe(server: SimServer, ws: Any, tr_key: str) -> None:
    creds = server.sim.credentials(Env.REAL)
    approval = httpx.post(server.base_url + "/oauth2/Approval", json={
        "grant_type": "client_credentials", "appkey": creds.app_key,
        "secretkey": creds.app_secret}).json()["approval_key"]
    ws.send(json.dumps({"header": {"approval_key": approval, "custtype": "P",
                                   "tr_type": "1", "content-type": "utf-8"},
                        "body": {"input": {"tr_id": "H0STCNT0", "tr_key": tr_key}}}))
    answer = json.loads(ws.recv(timeout=5))
    assert answer["body"]["msg_cd"] == "OPSP0000"


def _records_until(ws: Any, volume: str, timeout: float = 10.0) -> list[dict[str, str]]:
    """H0STCNT0 records until one carries the cumulative ``volume``."""
    deadline, records = time.monotonic() + timeout, []
    while not records or records[-1]["ACML_VOL"] != volume:
        text = ws.recv(timeout=max(0.01, deadline - time.monotonic()))
        if not text.startswith("0|H0STCNT0|"):
            continue
        _, _, count, payload = text.split("|", 3)
        values = payload.split("^")
        size = len(values) // int(count)
        records += [dict(zip(FIELDS["H0STCNT0"], values[i:i + size]))
                    for i in range(0, len(values), size)]
    return records


def test_the_stream_carries_several_trades_a_second() -> None:
    with SimServer(make_sim(MORNING)) as server:
        kis = Kis(server.sim, httpx.Client(base_url=server.base_url),
                  server.sim.credentials(Env.REAL))
        with connect(server.base_url.replace("http", "ws") + "/tryitout", open_timeout=5,
                     logger=QUIET) as ws:
            _subscribe(server, ws, "005930")
            set_clock(kis, MORNING + dt.timedelta(seconds=10))
            volume = ok(kis.price())["output"]["acml_vol"]
            records = _records_until(ws, volume)
    assert len(records) >= 20  # ten seconds of 005930
    stamps = [r["STCK_CNTG_HOUR"] for r in records]
    assert "103000" <= stamps[0] and stamps[-1] <= "103010"
    assert len(set(stamps)) < len(stamps)
    cumulative = [int(r["ACML_VOL"]) for r in records]
    assert all(b - a == int(r["CNTG_VOL"])
               for a, b, r in zip(cumulative, cumulative[1:], records[1:]))
