"""Quote APIs: every documented field in order, values consistent with each other and
with the KRX rules, paging by date and time, unknown symbols, both environments."""

from __future__ import annotations

import datetime as dt

import pytest

from pykis.market import InstrumentKind, is_on_grid, price_limits, tick_size
from pykis.sim.wire.fields import FIELDS
from support import MORNING, QUOTES, TRADING_DAY, Kis, caller, make_sim, ok

J = {"FID_COND_MRKT_DIV_CODE": "J"}


def keys(endpoint: str, section: str) -> list[str]:
    return [name for name, _ in FIELDS[endpoint][section]]


def price_output(kis: Kis, code: str = "005930") -> dict[str, str]:
    return ok(kis.price(code))["output"]


def test_inquire_price_fields_and_envelope(kis: Kis) -> None:
    data = ok(kis.price())
    assert list(data) == ["output", "rt_cd", "msg_cd", "msg1"]
    assert (data["msg_cd"], data["msg1"]) == ("MCA00000", "정상처리 되었습니다.")
    out = data["output"]
    assert list(out) == keys("inquire_price", "output")
    assert all(isinstance(v, str) for v in out.values())


def test_inquire_price_values_follow_krx_rules(kis: Kis) -> None:
    out = price_output(kis)
    price, base = int(out["stck_prpr"]), int(out["stck_sdpr"])
    limits = price_limits(base)
    assert (int(out["stck_llam"]), int(out["stck_mxpr"])) == (limits.lower, limits.upper)
    assert limits.lower <= int(out["stck_lwpr"]) <= price <= int(out["stck_hgpr"]) <= limits.upper
    assert is_on_grid(price) and int(out["aspr_unit"]) == tick_size(price)
    assert int(out["prdy_vrss"]) == price - base
    assert out["prdy_ctrt"] == f"{(price - base) / base * 100:.2f}"
    assert out["prdy_vrss_sign"] == ("2" if price > base else "5" if price < base else "3")
    assert int(out["rstc_wdth_prc"]) == limits.upper - base
    assert int(out["acml_vol"]) > 0 and int(out["acml_tr_pbmn"]) > 0
    assert out["stck_shrn_iscd"] == "005930" and out["bstp_kor_isnm"] == "전기·전자"
    assert int(out["w52_hgpr"]) >= price >= int(out["w52_lwpr"]) > 0
    assert out["cpfn_cnnm"].endswith(" 억")


def test_etf_quotes_use_the_fund_tick_table(kis: Kis) -> None:
    out = price_output(kis, "252670")  # an ETF priced around 2,000 KRW
    price = int(out["stck_prpr"])
    assert int(out["aspr_unit"]) == tick_size(price, InstrumentKind.ETF)
    limits = price_limits(int(out["stck_sdpr"]), InstrumentKind.ETF)
    assert int(out["stck_mxpr"]) == limits.upper


def test_unknown_symbol_is_a_success_with_zero_price(kis: Kis) -> None:
    data = ok(kis.price("999999"))
    assert data["output"]["stck_prpr"] == "0"
    assert data["output"]["stck_shrn_iscd"] == "999999"
    assert list(data["output"]) == keys("inquire_price", "output")


def test_before_the_open_the_price_is_the_previous_close() -> None:
    early = make_sim(dt.datetime(2026, 11, 20, 8, 45, tzinfo=MORNING.tzinfo))
    out = ok(caller(early).price())["output"]
    assert out["stck_prpr"] == out["stck_sdpr"]
    assert (out["acml_vol"], out["stck_oprc"], out["prdy_vrss"]) == ("0", "0", "0")


def test_order_book(kis: Kis) -> None:
    data = ok(kis.get(QUOTES + "inquire-asking-price-exp-ccn", "FHKST01010200",
                      {**J, "FID_INPUT_ISCD": "005930"}))
    assert list(data) == ["output1", "output2", "rt_cd", "msg_cd", "msg1"]
    book, expected = data["output1"], data["output2"]
    assert list(book) == keys("inquire_asking_price_exp_ccn", "output1")
    assert list(expected) == keys("inquire_asking_price_exp_ccn", "output2")
    asks = [int(book[f"askp{i}"]) for i in range(1, 11)]
    bids = [int(book[f"bidp{i}"]) for i in range(1, 11)]
    assert asks == sorted(asks) and bids == sorted(bids, reverse=True)
    assert bids[0] < asks[0] and asks[0] - bids[0] == tick_size(bids[0])
    price = int(expected["stck_prpr"])
    assert bids[0] <= price <= asks[0]
    assert int(book["total_askp_rsqn"]) == sum(int(book[f"askp_rsqn{i}"]) for i in range(1, 11))
    assert all(int(book[f"bidp_rsqn{i}"]) > 0 for i in range(1, 11))


def test_recent_ticks_are_thirty_newest_first(kis: Kis) -> None:
    rows = ok(kis.get(QUOTES + "inquire-ccnl", "FHKST01010300",
                      {**J, "FID_INPUT_ISCD": "005930"}))["output"]
    assert len(rows) == 30 and list(rows[0]) == keys("inquire_ccnl", "output")
    times = [r["stck_cntg_hour"] for r in rows]
    assert times == sorted(times, reverse=True) and times[0] <= "103000"
    assert rows[0]["stck_prpr"] == price_output(kis)["stck_prpr"]


@pytest.mark.parametrize("period", ["D", "W", "M"])
def test_daily_price_last_thirty_periods(kis: Kis, period: str) -> None:
    rows = ok(kis.get(QUOTES + "inquire-daily-price", "FHKST01010400",
                      {**J, "FID_INPUT_ISCD": "005930", "FID_PERIOD_DIV_CODE": period,
                       "FID_ORG_ADJ_PRC": "0"}))["output"]
    assert len(rows) == 30 and list(rows[0]) == keys("inquire_daily_price", "output")
    dates = [r["stck_bsop_date"] for r in rows]
    assert dates == sorted(dates, reverse=True)
    assert rows[0]["stck_clpr"] == price_output(kis)["stck_prpr"]
    for row in rows:
        assert int(row["stck_lwpr"]) <= int(row["stck_clpr"]) <= int(row["stck_hgpr"])


def chart(kis: Kis, start: str, end: str, period: str = "D", code: str = "005930") -> dict:
    return ok(kis.get(QUOTES + "inquire-daily-itemchartprice", "FHKST03010100", {
        **J, "FID_INPUT_ISCD": code, "FID_INPUT_DATE_1": start, "FID_INPUT_DATE_2": end,
        "FID_PERIOD_DIV_CODE": period, "FID_ORG_ADJ_PRC": "0"}))


def test_daily_chart_pages_back_by_date_to_the_first_day(kis: Kis) -> None:
    end, seen = "20261120", []
    while True:
        rows = chart(kis, "20240101", end)["output2"]
        assert len(rows) <= 100
        if not rows:
            break
        seen += rows
        oldest = dt.datetime.strptime(rows[-1]["stck_bsop_date"], "%Y%m%d").date()
        end = (oldest - dt.timedelta(days=1)).strftime("%Y%m%d")
    dates = [r["stck_bsop_date"] for r in seen]
    assert dates == sorted(set(dates), reverse=True)  # newest first, no gap, no repeat
    assert dates[-1] == "20240102" and dates[0] == "20261120"
    calendar = kis.sim.market.calendar
    assert len(dates) == len(calendar.trading_days(dt.date(2024, 1, 1), TRADING_DAY))
    for newer, older in zip(seen, seen[1:]):  # each close is the next day's base
        assert int(newer["prdy_vrss"]) == int(newer["stck_clpr"]) - int(older["stck_clpr"])


def test_daily_chart_summary_and_fields(kis: Kis) -> None:
    data = chart(kis, "20261101", "20261120")
    assert list(data) == ["output1", "output2", "rt_cd", "msg_cd", "msg1"]
    assert list(data["output1"]) == keys("inquire_daily_itemchartprice", "output1")
    assert "itewhol_loan_rmnd_ratem name" in data["output1"]  # KIS's own key, with a space
    assert list(data["output2"][0]) == keys("inquire_daily_itemchartprice", "output2")
    today = data["output2"][0]
    quote = price_output(kis)
    assert (today["stck_clpr"], today["stck_oprc"], today["stck_hgpr"], today["acml_vol"]) == (
        quote["stck_prpr"], quote["stck_oprc"], quote["stck_hgpr"], quote["acml_vol"])


@pytest.mark.parametrize(("period", "count"), [("W", 5), ("M", 11), ("Y", 3)])
def test_period_candles_aggregate_the_days(kis: Kis, period: str, count: int) -> None:
    rows = chart(kis, "20240101", "20261120", period)["output2"]
    days = chart(kis, "20240101", "20261120", "D")["output2"]
    if period == "Y":
        assert [r["stck_bsop_date"] for r in rows] == ["20260102", "20250102", "20240102"]
        first_day = chart(kis, "20260102", "20260102")["output2"][0]
        assert rows[0]["stck_oprc"] == first_day["stck_oprc"]
        recent = [d for d in days if d["stck_bsop_date"].startswith("2026")]
        assert int(rows[0]["stck_hgpr"]) >= max(int(d["stck_hgpr"]) for d in recent)
    assert len(rows) >= count
    assert rows[0]["stck_clpr"] == days[0]["stck_clpr"]


def test_daily_chart_rejects_bad_dates(kis: Kis) -> None:
    answer = kis.get(QUOTES + "inquire-daily-itemchartprice", "FHKST03010100", {
        **J, "FID_INPUT_ISCD": "005930", "FID_INPUT_DATE_1": "2026-01-01",
        "FID_INPUT_DATE_2": "20261120", "FID_PERIOD_DIV_CODE": "D", "FID_ORG_ADJ_PRC": "0"})
    assert answer.json()["msg1"] == "ERROR INVALID FID_INPUT_DATE_1"


def minute(kis: Kis, hour: str) -> dict:
    return ok(kis.get(QUOTES + "inquire-time-itemchartprice", "FHKST03010200", {
        "FID_ETC_CLS_CODE": "", **J, "FID_INPUT_ISCD": "005930", "FID_INPUT_HOUR_1": hour,
        "FID_PW_DATA_INCU_YN": "N"}))


def test_minute_bars_thirty_at_or_before_the_hour(kis: Kis) -> None:
    data = minute(kis, "100000")
    rows = data["output2"]
    assert list(data["output1"]) == keys("inquire_time_itemchartprice", "output1")
    assert list(rows[0]) == keys("inquire_time_itemchartprice", "output2")
    hours = [r["stck_cntg_hour"] for r in rows]
    assert hours[0] == "100000" and hours[-1] == "093100" and len(rows) == 30


def test_minute_bars_page_back_to_the_open_and_match_the_day(kis: Kis) -> None:
    hour, bars = "153000", []
    while True:
        rows = minute(kis, hour)["output2"]
        if not rows:
            break
        bars += rows
        last = dt.datetime.strptime(rows[-1]["stck_cntg_hour"], "%H%M%S")
        if last.strftime("%H%M%S") == "090100":
            break
        hour = (last - dt.timedelta(minutes=1)).strftime("%H%M%S")
    # A future hour shows data as of now: it is 10:30:00, so the 10:29 minute (labelled by
    # its end, 103000) is the newest; the first bar holds the 09:00 opening auction.
    assert bars[0]["stck_cntg_hour"] == "103000" and bars[-1]["stck_cntg_hour"] == "090100"
    assert len(bars) == 90
    quote = price_output(kis)
    assert bars[0]["stck_prpr"] == quote["stck_prpr"]
    assert bars[-1]["stck_oprc"] == quote["stck_oprc"]
    assert max(int(b["stck_hgpr"]) for b in bars) == int(quote["stck_hgpr"])
    assert min(int(b["stck_lwpr"]) for b in bars) == int(quote["stck_lwpr"])
    assert sum(int(b["cntg_vol"]) for b in bars) == int(quote["acml_vol"])
    assert bars[0]["acml_tr_pbmn"] == quote["acml_tr_pbmn"]


def past_minutes(kis: Kis, day: str, hour: str) -> list[dict]:
    return ok(kis.get(QUOTES + "inquire-time-dailychartprice", "FHKST03010230", {
        **J, "FID_INPUT_ISCD": "005930", "FID_INPUT_HOUR_1": hour, "FID_INPUT_DATE_1": day,
        "FID_PW_DATA_INCU_YN": "N"}))["output2"]


def test_minute_bars_of_a_past_day_add_up_to_its_daily_bar(real: Kis) -> None:
    rows = past_minutes(real, "20261118", "153000")
    assert len(rows) == 120 and rows[0]["stck_cntg_hour"] == "153000"
    assert all(r["stck_bsop_date"] == "20261118" for r in rows)
    day = []
    for hour in ("153000", "133000", "113000", "093000"):
        day += [r for r in past_minutes(real, "20261118", hour) if r not in day]
    assert day[-1]["stck_cntg_hour"] == "090100" and len(day) == 390
    daily = chart(real, "20261118", "20261118")["output2"][0]
    assert sum(int(r["cntg_vol"]) for r in day) == int(daily["acml_vol"])
    assert max(int(r["stck_hgpr"]) for r in day) == int(daily["stck_hgpr"])
    assert min(int(r["stck_lwpr"]) for r in day) == int(daily["stck_lwpr"])
    assert day[-1]["stck_oprc"] == daily["stck_oprc"]
    assert rows[0]["stck_prpr"] == daily["stck_clpr"]
    # 15:20-15:30 is the closing auction: no trades until its single price at 15:30.
    assert [r["cntg_vol"] for r in rows[1:10]] == ["0"] * 9


def test_exam_day_minute_bars_run_an_hour_late(real: Kis) -> None:
    rows = past_minutes(real, "20261119", "163000")  # 수능: 10:00-16:30
    assert rows[0]["stck_cntg_hour"] == "163000" and int(rows[0]["cntg_vol"]) > 0
    first = past_minutes(real, "20261119", "100100")
    assert [r["stck_cntg_hour"] for r in first] == ["100100"]


def test_minute_bars_older_than_a_year_are_gone(real: Kis) -> None:
    data = ok(real.get(QUOTES + "inquire-time-dailychartprice", "FHKST03010230", {
        **J, "FID_INPUT_ISCD": "005930", "FID_INPUT_HOUR_1": "153000",
        "FID_INPUT_DATE_1": "20251103"}))
    assert data["output2"] == []


def test_multi_symbol_quote_up_to_thirty(real: Kis) -> None:
    codes = list(real.sim.market.universe)[:31]
    params = {}
    for n, code in enumerate(codes, 1):
        params |= {f"FID_COND_MRKT_DIV_CODE_{n}": "J", f"FID_INPUT_ISCD_{n}": code}
    rows = ok(real.get(QUOTES + "intstock-multprice", "FHKST11300006", params))["output"]
    assert [r["inter_shrn_iscd"] for r in rows] == codes[:30]
    assert list(rows[0]) == keys("intstock_multprice", "output")
    single = price_output(real, codes[0])
    assert rows[0]["inter2_prpr"] == single["stck_prpr"]
    assert rows[0]["inter2_mxpr"] == single["stck_mxpr"]


def test_multi_symbol_quote_needs_the_first_pair(real: Kis) -> None:
    answer = real.get(QUOTES + "intstock-multprice", "FHKST11300006", {})
    assert answer.json()["msg1"] == "INPUT_FIELD_NAME FID_INPUT_ISCD_1"
