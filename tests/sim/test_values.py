"""The values real clients send to the quote APIs, through the wire: what python-kis
2.1.6, mojito2 and KIS's own samples send is accepted (the period chart's "from the
beginning" dates, the minute chart's 000000, lower-case names and codes), and what KIS
refuses is refused with its code (OPSQ2001)."""

from __future__ import annotations

import datetime as dt

import pytest

from pykis.market import KST, TradingCalendar
from support import MORNING, QUOTES, TRADING_DAY, Kis, caller, make_sim, ok

J = {"FID_COND_MRKT_DIV_CODE": "J"}
FIRST_BAR = "20200102"  # the simulator's first trading day


def period_chart(kis: Kis, start: str, end: str, period: str = "D", **extra: str):
    return kis.get(QUOTES + "inquire-daily-itemchartprice", "FHKST03010100", {
        **J, "FID_INPUT_ISCD": "005930", "FID_INPUT_DATE_1": start, "FID_INPUT_DATE_2": end,
        "FID_PERIOD_DIV_CODE": period, "FID_ORG_ADJ_PRC": "0", **extra})


def dates(answer) -> list[str]:
    return [row["stck_bsop_date"] for row in ok(answer)["output2"]]


def minute_chart(kis: Kis, hour: str, **extra: str):
    return kis.get(QUOTES + "inquire-time-itemchartprice", "FHKST03010200", {
        "FID_ETC_CLS_CODE": "", **J, "FID_INPUT_ISCD": "005930", "FID_INPUT_HOUR_1": hour,
        "FID_PW_DATA_INCU_YN": "N", **extra})


def hours(answer) -> list[str]:
    return [row["stck_cntg_hour"] for row in ok(answer)["output2"]]


def refused(answer, name: str) -> None:
    data = answer.json()
    assert data["rt_cd"] != "0", answer.text
    assert (data["msg_cd"], data["msg1"]) == ("OPSQ2001", f"ERROR INVALID {name}"), answer.text


# --- the period chart's dates ----------------------------------------------------------------
@pytest.mark.parametrize("start", ["00000101", "00000000", "19000101", "19800104"])
def test_from_the_beginning_reaches_the_first_bar(real: Kis, start: str) -> None:
    """python-kis sends 00000101 when no start is given, mojito 19800104."""
    assert dates(period_chart(real, start, "20200301"))[-1] == FIRST_BAR
    newest = dates(period_chart(real, start, "20261120"))
    assert len(newest) == 100 and newest[0] == "20261120"
    assert dates(period_chart(real, start, "20191231")) == []  # before the first bar


def test_python_kis_pages_the_whole_history_from_00000101(real: Kis) -> None:
    """python-kis's loop: start 00000101, the end moved to the day before the oldest row
    received, until a page comes back empty."""
    cursor, seen = TRADING_DAY, []
    while True:
        page = dates(period_chart(real, "00000101", cursor.strftime("%Y%m%d")))
        if not page:
            break
        seen += page
        cursor = dt.datetime.strptime(page[-1], "%Y%m%d").date() - dt.timedelta(days=1)
    assert seen == sorted(set(seen), reverse=True)
    assert seen[-1] == FIRST_BAR and seen[0] == "20261120"
    calendar = TradingCalendar()
    assert len(seen) == len(calendar.trading_days(dt.date(2020, 1, 2), TRADING_DAY))


@pytest.mark.parametrize("period", ["W", "M", "Y"])
def test_longer_periods_from_the_beginning(real: Kis, period: str) -> None:
    rows = dates(period_chart(real, "00000101", "20261120", period))
    assert rows[0] >= "20260101" and rows == sorted(rows, reverse=True)
    if period == "Y":
        assert rows[-1] == FIRST_BAR and len(rows) == 7


def test_an_end_after_today_ends_today(real: Kis) -> None:
    assert dates(period_chart(real, "20261101", "99991231"))[0] == "20261120"


def test_impossible_dates_bound_the_range_where_their_text_falls(real: Kis) -> None:
    """20260230 is after every February date, 20260399 after every March one."""
    rows = dates(period_chart(real, "20260230", "20260399"))
    march = TradingCalendar().trading_days(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert rows == [day.strftime("%Y%m%d") for day in reversed(march)]
    assert dates(period_chart(real, "20260200", "20260200")) == []
    assert dates(period_chart(real, "20251300", "20260105"))[-1] == "20260102"


@pytest.mark.parametrize("value", ["", "2026010", "2026-01-01", "2026O101", "202601011"])
def test_dates_that_are_not_eight_digits_are_refused(real: Kis, value: str) -> None:
    refused(period_chart(real, value, "20261120"), "FID_INPUT_DATE_1")
    refused(period_chart(real, "20260101", value), "FID_INPUT_DATE_2")


@pytest.mark.parametrize("adjusted", ["0", "1"])
def test_adjusted_or_original_prices(real: Kis, adjusted: str) -> None:
    assert dates(period_chart(real, "20261101", "20261120", FID_ORG_ADJ_PRC=adjusted))


def test_other_adjustment_codes_are_refused(real: Kis) -> None:
    refused(period_chart(real, "20261101", "20261120", FID_ORG_ADJ_PRC="2"), "FID_ORG_ADJ_PRC")


# --- the minute chart's hour -------------------------------------------------------------------
def test_midnight_asks_for_the_newest_bars(kis: Kis) -> None:
    """python-kis's first call of a day chart sends 000000; it reads the answer as the
    newest bars (it is 10:30 here)."""
    newest = hours(minute_chart(kis, "000000"))
    assert newest[0] == "103000" and len(newest) == 30
    assert newest == hours(minute_chart(kis, "153000")) == hours(minute_chart(kis, "235959"))


def test_midnight_can_be_read_literally() -> None:
    kis = caller(make_sim(minute_chart_midnight="literal"))
    assert hours(minute_chart(kis, "000000")) == []


def test_python_kis_pages_a_whole_morning_from_000000(real: Kis) -> None:
    """python-kis: 000000 first, then one minute before the oldest bar, until a page is
    empty (the open: nothing ends at or before 09:00:00)."""
    cursor, bars = "000000", []
    while True:
        page = hours(minute_chart(real, cursor))
        if not page:
            break
        bars += page
        oldest = dt.datetime.strptime(page[-1], "%H%M%S")
        cursor = (oldest - dt.timedelta(minutes=1)).strftime("%H%M%S")
    assert bars == sorted(set(bars), reverse=True)
    assert bars[0] == "103000" and bars[-1] == "090100" and len(bars) == 90


@pytest.mark.parametrize(("sent", "newest"), [
    ("1000", "100000"),  # HHMM
    ("100000", "100000"),
    ("096000", "095900"),  # minute 60: the text is past 09:59:59
    ("095975", "095900"),
    ("240000", "103000"),  # past the day: the newest
    ("999999", "103000"),
])
def test_hours_as_clients_write_them(real: Kis, sent: str, newest: str) -> None:
    assert hours(minute_chart(real, sent))[0] == newest


@pytest.mark.parametrize("value", ["", "10", "10:00:00", "1000000", "ab0000"])
def test_hours_that_are_not_digits_are_refused(real: Kis, value: str) -> None:
    refused(minute_chart(real, value), "FID_INPUT_HOUR_1")


@pytest.mark.parametrize("flag", ["Y", "N", "y", "n"])
def test_past_data_flag_either_way(real: Kis, flag: str) -> None:
    """python-kis sends N, mojito and KIS's sample Y."""
    assert hours(minute_chart(real, "100000", FID_PW_DATA_INCU_YN=flag))[0] == "100000"


def test_other_past_data_flags_are_refused(real: Kis) -> None:
    refused(minute_chart(real, "100000", FID_PW_DATA_INCU_YN="X"), "FID_PW_DATA_INCU_YN")


def test_the_other_class_code_may_be_blank_or_left_out(real: Kis) -> None:
    params = {**J, "FID_INPUT_ISCD": "005930", "FID_INPUT_HOUR_1": "100000",
              "FID_PW_DATA_INCU_YN": "Y"}
    answer = real.get(QUOTES + "inquire-time-itemchartprice", "FHKST03010200", params)
    assert hours(answer)[0] == "100000"


def test_mojito_sends_lower_case_names() -> None:
    """mojito2: lower-case parameter names, its hour capped at 153000, Y; and the same
    for the price, the period chart and the recent daily prices."""
    kis = caller(make_sim(dt.datetime(2026, 11, 20, 15, 45, tzinfo=KST)))
    rows = ok(kis.get(QUOTES + "inquire-time-itemchartprice", "FHKST03010200", {
        "fid_etc_cls_code": "", "fid_cond_mrkt_div_code": "J", "fid_input_iscd": "005930",
        "fid_input_hour_1": "153000", "fid_pw_data_incu_yn": "Y"}))["output2"]
    assert rows[0]["stck_cntg_hour"] == "153000" and len(rows) == 30
    daily = ok(kis.get(QUOTES + "inquire-daily-price", "FHKST01010400", {
        "fid_cond_mrkt_div_code": "J", "fid_input_iscd": "005930", "fid_org_adj_prc": "1",
        "fid_period_div_code": "D"}))["output"]
    assert daily[0]["stck_bsop_date"] == "20261120" and daily[0]["stck_clpr"] == rows[0][
        "stck_prpr"]
    price = ok(kis.get(QUOTES + "inquire-price", "FHKST01010100", {
        "fid_cond_mrkt_div_code": "J", "fid_input_iscd": "005930"}))["output"]
    assert price["stck_prpr"] == rows[0]["stck_prpr"]


# --- market codes ------------------------------------------------------------------------------
@pytest.mark.parametrize("market", ["J", "j", "NX", "un"])
def test_market_codes_in_either_case(real: Kis, market: str) -> None:
    answer = real.get(QUOTES + "inquire-price", "FHKST01010100",
                      {"FID_COND_MRKT_DIV_CODE": market, "FID_INPUT_ISCD": "005930"})
    assert int(ok(answer)["output"]["stck_prpr"]) > 0


def test_lower_case_codes_can_be_refused() -> None:
    kis = caller(make_sim(lower_case_codes=False))
    answer = kis.get(QUOTES + "inquire-price", "FHKST01010100",
                     {"FID_COND_MRKT_DIV_CODE": "j", "FID_INPUT_ISCD": "005930"})
    refused(answer, "FID_COND_MRKT_DIV_CODE")
    refused(minute_chart(kis, "100000", FID_PW_DATA_INCU_YN="y"), "FID_PW_DATA_INCU_YN")


@pytest.mark.parametrize("market", ["", "K", "JJ", "Q"])
def test_unknown_market_codes_are_refused(real: Kis, market: str) -> None:
    answer = real.get(QUOTES + "inquire-price", "FHKST01010100",
                      {"FID_COND_MRKT_DIV_CODE": market, "FID_INPUT_ISCD": "005930"})
    refused(answer, "FID_COND_MRKT_DIV_CODE")


# --- a past day's minutes -----------------------------------------------------------------------
def past_minutes(kis: Kis, day: str, hour: str, **extra: str):
    return kis.get(QUOTES + "inquire-time-dailychartprice", "FHKST03010230", {
        **J, "FID_INPUT_ISCD": "005930", "FID_INPUT_HOUR_1": hour, "FID_INPUT_DATE_1": day,
        **extra})


def test_past_minutes_as_kis_sample_asks_for_them(real: Kis) -> None:
    """KIS's backtester: 153000, Y, and a blank fake-tick flag."""
    rows = hours(past_minutes(real, "20261118", "153000", FID_PW_DATA_INCU_YN="Y",
                              FID_FAKE_TICK_INCU_YN=""))
    assert rows[0] == "153000" and len(rows) == 120
    assert hours(past_minutes(real, "20261118", "000000")) == rows  # the day's newest


@pytest.mark.parametrize("day", ["00000101", "20261131", "20261121"])
def test_past_minutes_of_no_trading_day_are_empty(real: Kis, day: str) -> None:
    assert hours(past_minutes(real, day, "153000")) == []


def test_past_minutes_refuse_a_date_that_is_not_eight_digits(real: Kis) -> None:
    refused(past_minutes(real, "2026-11-18", "153000"), "FID_INPUT_DATE_1")


def test_the_same_day_through_both_minute_charts(real: Kis) -> None:
    today = hours(minute_chart(real, "103000"))
    assert hours(past_minutes(real, MORNING.strftime("%Y%m%d"), "103000"))[:30] == today
