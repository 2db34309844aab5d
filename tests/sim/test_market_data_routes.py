"""Rankings, indices, flows and quote extras on the wire: every route answers in KIS's
envelope with its documented sections and fields, real and paper (refused on paper with
EGW02006 where KIS has no paper TR), and its figures agree with the market."""

from __future__ import annotations

import pytest

from pykis.sim.flows import INVESTORS
from pykis.sim.indices import INDICES, IndexBook, members
from pykis.sim.wire.market_data import PAPER_TR_IDS, ROUTES
from support import Kis, ok

# What each route is asked (the parameters KIS's samples send).
RANK = {"FID_COND_MRKT_DIV_CODE": "J", "FID_COND_SCR_DIV_CODE": "20171",
        "FID_INPUT_ISCD": "0000", "FID_DIV_CLS_CODE": "0", "FID_BLNG_CLS_CODE": "0",
        "FID_TRGT_CLS_CODE": "111111111", "FID_TRGT_EXLS_CLS_CODE": "0000000000",
        "FID_INPUT_PRICE_1": "", "FID_INPUT_PRICE_2": "", "FID_VOL_CNT": "",
        "FID_INPUT_DATE_1": "", "FID_RANK_SORT_CLS_CODE": "0"}
STOCK = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"}
INDEX = {"FID_COND_MRKT_DIV_CODE": "U", "FID_INPUT_ISCD": "0001"}
PARAMS = {
    "inquire_index_price": INDEX,
    "inquire_daily_indexchartprice": {**INDEX, "FID_INPUT_DATE_1": "20260101",
                                      "FID_INPUT_DATE_2": "20261120",
                                      "FID_PERIOD_DIV_CODE": "D"},
    "inquire_time_indexchartprice": {**INDEX, "FID_ETC_CLS_CODE": "0",
                                     "FID_INPUT_HOUR_1": "60", "FID_PW_DATA_INCU_YN": "Y"},
    "inquire_index_category_price": {**INDEX, "FID_COND_SCR_DIV_CODE": "20214",
                                     "FID_MRKT_CLS_CODE": "K", "FID_BLNG_CLS_CODE": "0"},
    "inquire_index_daily_price": {**INDEX, "FID_PERIOD_DIV_CODE": "D",
                                  "FID_INPUT_DATE_1": "20261120"},
    "inquire_index_tickprice": INDEX,
    "inquire_index_timeprice": {**INDEX, "FID_INPUT_HOUR_1": "300"},
    "inquire_member_daily": {**STOCK, "FID_INPUT_ISCD_2": "00003",
                             "FID_INPUT_DATE_1": "20261001", "FID_INPUT_DATE_2": "20261120",
                             "FID_SCTN_CLS_CODE": ""},
    "investor_trade_by_stock_daily": {**STOCK, "FID_INPUT_DATE_1": "20261120",
                                      "FID_ORG_ADJ_PRC": "", "FID_ETC_CLS_CODE": ""},
    "program_trade_by_stock_daily": {**STOCK, "FID_INPUT_DATE_1": ""},
    "foreign_institution_total": {"FID_COND_MRKT_DIV_CODE": "V",
                                  "FID_COND_SCR_DIV_CODE": "16449", "FID_INPUT_ISCD": "0000",
                                  "FID_DIV_CLS_CODE": "0", "FID_RANK_SORT_CLS_CODE": "0",
                                  "FID_ETC_CLS_CODE": "0"},
    "inquire_investor_time_by_market": {"FID_INPUT_ISCD": "999", "FID_INPUT_ISCD_2": "S001"},
    "inquire_investor_daily_by_market": {**INDEX, "FID_INPUT_DATE_1": "20261101",
                                         "FID_INPUT_ISCD_1": "KSP",
                                         "FID_INPUT_DATE_2": "20261120",
                                         "FID_INPUT_ISCD_2": "0001"},
    "inquire_daily_trade_volume": {**STOCK, "FID_PERIOD_DIV_CODE": "D"},
    "inquire_time_itemconclusion": {**STOCK, "FID_INPUT_HOUR_1": "103000"},
    "inquire_time_overtimeconclusion": {**STOCK, "FID_HOUR_CLS_CODE": "1"},
    "exp_closing_price": {**RANK, "FID_INPUT_ISCD": "0001"},
    "hts_top_view": {},
}


def params(endpoint: str) -> dict[str, str]:
    if endpoint in PARAMS:
        return PARAMS[endpoint]
    path = next(r.path for r in ROUTES if r.endpoint == endpoint)
    return RANK if "/ranking/" in path or endpoint == "volume_rank" else STOCK


def call(kis: Kis, endpoint: str, **override: str):
    route = next(r for r in ROUTES if r.endpoint == endpoint)
    return kis.get(route.path, next(iter(route.tr_ids[next(iter(route.tr_ids))])),
                   {**params(endpoint), **override})


def test_at_least_thirty_routes_with_kis_tr_ids() -> None:
    assert len(ROUTES) >= 30
    assert len({r.path for r in ROUTES}) == len(ROUTES)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.endpoint)
def test_every_route_in_both_environments(kis: Kis, route) -> None:
    response = call(kis, route.endpoint)
    tr_id = next(iter(route.tr_ids[next(iter(route.tr_ids))]))
    if kis.paper and tr_id not in PAPER_TR_IDS:
        body = response.json()
        assert (response.status_code, body["msg_cd"]) == (500, "EGW02006")
        return
    data = ok(response)
    assert list(data)[-3:] == ["rt_cd", "msg_cd", "msg1"]
    assert list(data)[:-3] == list(route.fields)
    for section, spec in route.fields.items():
        rows = data[section] if isinstance(data[section], list) else [data[section]]
        # No after-hours session in the simulator: no after-hours ticks.
        assert rows or route.endpoint == "inquire_time_overtimeconclusion", section
        for row in rows:
            assert list(row) == [name for name, _ in spec]
            assert all(isinstance(v, str) for v in row.values())


def test_volume_rank_ranks_the_quotes(real: Kis) -> None:
    rows = ok(call(real, "volume_rank"))["output"]
    assert len(rows) == 30 and [r["data_rank"] for r in rows] == [str(n) for n in range(1, 31)]
    now = real.sim.clock.now()
    volumes = [int(r["acml_vol"]) for r in rows]
    assert volumes == sorted(volumes, reverse=True)
    for row in rows:
        quote = real.sim.market.quote(row["mksc_shrn_iscd"], now)
        assert (int(row["stck_prpr"]), int(row["acml_vol"])) == (quote.price, quote.volume)
        assert ok(real.price(row["mksc_shrn_iscd"]))["output"]["stck_prpr"] == row["stck_prpr"]
    everyone = sorted((q.volume for q in (real.sim.market.quote(c, now)
                                          for c in real.sim.market.universe)), reverse=True)
    assert volumes == everyone[:30]


def test_rankings_filter_and_sort(real: Kis) -> None:
    losers = ok(call(real, "fluctuation", FID_RANK_SORT_CLS_CODE="1"))["output"]
    rates = [float(r["prdy_ctrt"]) for r in losers]
    assert rates == sorted(rates)
    kosdaq = ok(call(real, "market_cap", FID_INPUT_ISCD="1001"))["output"]
    assert kosdaq and all(real.sim.market.universe[r["mksc_shrn_iscd"]].market.value
                          == "KOSDAQ" for r in kosdaq)
    cheap = ok(call(real, "volume_rank", FID_INPUT_PRICE_2="20000"))["output"]
    assert cheap and all(int(r["stck_prpr"]) <= 20000 for r in cheap)
    kospi = ok(call(real, "market_cap", FID_INPUT_ISCD="0001"))["output"]
    shares = sum(float(r["mrkt_whol_avls_rlim"]) for r in kospi)
    assert 85 < shares <= 100.5  # the top 30 hold most of the simulated KOSPI


def test_index_level_is_computed_from_its_listings(real: Kis) -> None:
    out = ok(call(real, "inquire_index_price"))["output"]
    market, now = real.sim.market, real.sim.clock.now()
    definition = INDICES["0001"]
    book = IndexBook(market)
    caps = sum(market.quote(i.code, now).price * i.shares for i in members(market, definition))
    assert out["bstp_nmix_prpr"] == f"{book.level_of(definition, caps):.2f}"
    quotes = [market.quote(i.code, now) for i in members(market, definition)]
    assert int(out["ascn_issu_cnt"]) == sum(q.price > q.base for q in quotes)
    assert int(out["down_issu_cnt"]) == sum(q.price < q.base for q in quotes)
    assert float(out["bstp_nmix_lwpr"]) <= float(out["bstp_nmix_prpr"]) <= float(
        out["bstp_nmix_hgpr"])
    # The first simulated day's close is the published base level.
    first = book.bars(definition, market.history("005930").first_day,
                      market.history("005930").first_day, now)[0]
    assert first.close == pytest.approx(definition.base, abs=0.01)


def test_daily_index_chart_ends_at_the_level_now(real: Kis) -> None:
    data = ok(call(real, "inquire_daily_indexchartprice"))
    rows = data["output2"]
    assert rows[0]["stck_bsop_date"] == "20261120"
    assert rows[0]["bstp_nmix_prpr"] == data["output1"]["bstp_nmix_prpr"]
    dates = [r["stck_bsop_date"] for r in rows]
    assert dates == sorted(dates, reverse=True) and len(rows) == 100
    older = ok(call(real, "inquire_daily_indexchartprice",
                    FID_INPUT_DATE_2=rows[-1]["stck_bsop_date"]))["output2"]
    assert older[0]["stck_bsop_date"] == rows[-1]["stck_bsop_date"]


def test_investor_flows_add_up_to_the_volume(real: Kis) -> None:
    rows = ok(call(real, "investor_trade_by_stock_daily"))["output2"]
    for row in rows:
        volume = int(row["acml_vol"])
        groups = ("frgn", "prsn", "scrt", "ivtr", "pe_fund", "bank", "insu", "mrbn", "fund",
                  "etc_orgt", "etc_corp")
        assert sum(int(row[f"{g}_shnu_vol"]) for g in groups) == volume
        assert sum(int(row[f"{g}_seln_vol"]) for g in groups) == volume
    assert len(INVESTORS) == 11


def test_today_investor_flows_follow_the_live_volume(kis: Kis) -> None:
    today = ok(call(kis, "inquire_investor"))["output"][0]
    quote = kis.sim.market.quote("005930", kis.sim.clock.now())
    assert today["stck_bsop_date"] == "20261120" and int(today["stck_clpr"]) == quote.price
    net = sum(int(today[f"{g}_ntby_qty"]) for g in ("prsn", "frgn", "orgn"))
    assert abs(net) < quote.volume * 0.2  # the rest is other corporations


def test_member_flows_are_of_the_volume(kis: Kis) -> None:
    out = ok(call(kis, "inquire_member"))["output"]
    volume = kis.sim.market.quote("005930", kis.sim.clock.now()).volume
    sells = [int(out[f"total_seln_qty{n}"]) for n in range(1, 6)]
    assert sells == sorted(sells, reverse=True) and sum(sells) <= volume
    assert out["seln_mbcr_rlim1"] == f"{sells[0] / volume * 100:.2f}"


def test_ticks_by_time_stop_at_the_hour(kis: Kis) -> None:
    data = ok(call(kis, "inquire_time_itemconclusion", FID_INPUT_HOUR_1="100000"))
    rows = data["output2"]
    assert len(rows) == 30 and all(r["stck_cntg_hour"] <= "100000" for r in rows)
    assert [r["stck_cntg_hour"] for r in rows] == sorted((r["stck_cntg_hour"] for r in rows),
                                                         reverse=True)


def test_same_seed_same_answers(real: Kis) -> None:
    first = ok(call(real, "inquire_member"))
    again = ok(call(real, "inquire_member"))
    assert first == again


def test_bad_market_code_is_refused(real: Kis) -> None:
    body = call(real, "volume_rank", FID_COND_MRKT_DIV_CODE="X").json()
    assert body["msg_cd"] == "OPSQ2001" and body["rt_cd"] != "0"
