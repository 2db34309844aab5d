"""Indices, rankings and flows through both clients (KIS and AsyncKIS), real and paper,
against the simulator: values agree with the market the simulator holds."""

from __future__ import annotations

import datetime as dt

import pytest

from clients import requests_made
from pykis import APIError, InvalidInputError, UnsupportedError
from pykis.models.marketdata import Index, IndexCandle, InvestorFlow, MemberFlows, Ranking
from pykis.sim import Env
from pykis.sim.faults import FaultKind, FaultRule
from pykis.sim.indices import INDICES, IndexBook


def test_fetch_index_is_the_cap_weighted_level_of_its_members(real, sim) -> None:
    index = real.fetch_index("KOSPI")
    truth = IndexBook(sim.market).level(INDICES["0001"], sim.clock.now())
    assert isinstance(index, Index) and (index.code, index.name) == ("0001", "KOSPI")
    assert index.last == truth.bar.close and index.open == truth.bar.open
    assert index.change == pytest.approx(truth.bar.close - truth.bar.base, abs=0.01)
    assert index.volume == truth.bar.volume // 1000 * 1000
    assert index.advancers + index.decliners + index.unchanged == len(truth.quotes)
    assert index.info["bstp_nmix_prpr"] == f"{truth.bar.close:.2f}"


@pytest.mark.parametrize("code", ["KOSDAQ", "kospi200", "1001", "2001", "0001"])
def test_friendly_names_and_codes(real, code) -> None:
    assert real.fetch_index(code).code in ("0001", "1001", "2001")


@pytest.mark.parametrize("code", ["NIKKEI", "9999", 1, None, ""])
def test_bad_index_codes_are_refused_before_sending(real, sim, code) -> None:
    before = requests_made(sim, real)
    with pytest.raises(InvalidInputError) as caught:
        real.fetch_index(code)
    assert caught.value.argument == "code"
    assert requests_made(sim, real) == before


def test_index_quote_is_real_only(paper) -> None:
    with pytest.raises(UnsupportedError):
        paper.fetch_index("KOSPI")


def test_index_candles_in_both_environments(kis, sim) -> None:
    candles = kis.fetch_index_ohlcv("KOSPI200", "1d", limit=150)
    assert len(candles) == 150 and all(isinstance(c, IndexCandle) for c in candles)
    assert [c.timestamp for c in candles] == sorted(c.timestamp for c in candles)
    assert candles[-1].datetime.date() == sim.clock.now().date()
    assert all(c.low <= min(c.open, c.close) <= max(c.open, c.close) <= c.high for c in candles)
    assert len(candles.to_pandas()) == 150
    since = int(dt.datetime(2026, 10, 1, tzinfo=candles[0].datetime.tzinfo).timestamp() * 1000)
    weekly = kis.fetch_index_ohlcv("KOSDAQ", "1w", since=since)
    assert weekly and weekly[0].timestamp >= since


def test_index_candle_arguments(kis) -> None:
    with pytest.raises(InvalidInputError) as caught:
        kis.fetch_index_ohlcv("KOSPI", "5m")
    assert caught.value.argument == "timeframe"
    with pytest.raises(InvalidInputError):
        kis.fetch_index_ohlcv("KOSPI", limit=0)


@pytest.mark.parametrize("kind", ["volume", "change", "market_cap"])
def test_rankings_rank_the_quotes_inquire_price_shows(real, sim, kind) -> None:
    rows = real.fetch_rankings(kind, limit=10)
    assert len(rows) == 10 and all(isinstance(r, Ranking) for r in rows)
    assert [r.rank for r in rows] == list(range(1, 11))
    now = sim.clock.now()
    for row in rows:
        quote = sim.market.quote(row.symbol, now)
        assert (row.last, row.volume) == (quote.price, quote.volume)
    if kind == "volume":
        assert [r.volume for r in rows] == sorted((r.volume for r in rows), reverse=True)
    elif kind == "change":
        assert [r.change_percent for r in rows] == sorted((r.change_percent for r in rows),
                                                          reverse=True)
    else:
        caps = [r.market_cap for r in rows]
        assert caps == sorted(caps, reverse=True) and rows[0].symbol == "005930"


def test_ranking_of_one_market(real, sim) -> None:
    rows = real.fetch_rankings("volume", market="KOSDAQ")
    assert rows and all(sim.market.universe[r.symbol].market.value == "KOSDAQ" for r in rows)


def test_ranking_arguments_and_paper(real, paper, sim) -> None:
    before = requests_made(sim, real)
    with pytest.raises(InvalidInputError) as caught:
        real.fetch_rankings("hottest")
    assert caught.value.argument == "kind"
    with pytest.raises(InvalidInputError) as caught:
        real.fetch_rankings("volume", market="NYSE")
    assert caught.value.argument == "market"
    assert requests_made(sim, real) == before
    with pytest.raises(UnsupportedError):
        paper.fetch_rankings("volume")


def test_investor_flows_add_up_to_the_volume(kis, sim) -> None:
    flows = kis.fetch_investor_flows("005930")
    assert 20 <= len(flows) <= 30 and all(isinstance(f, InvestorFlow) for f in flows)
    assert [f.date for f in flows] == sorted(f.date for f in flows)
    today = flows[-1]
    quote = sim.market.quote("005930", sim.clock.now())
    assert today.date == quote.day and today.close == quote.price
    for flow in flows:  # other corporations are the rest of each side
        bought = flow.individual_buy + flow.foreign_buy + flow.institution_buy
        sold = flow.individual_sell + flow.foreign_sell + flow.institution_sell
        assert flow.individual_net == flow.individual_buy - flow.individual_sell
        assert 0.85 < bought / sold < 1.15
    assert len(kis.fetch_investor_flows("005930", limit=5)) == 5
    assert not flows.to_pandas().empty


def test_member_flows(kis, sim) -> None:
    members = kis.fetch_member_flows("000660")
    quote = sim.market.quote("000660", sim.clock.now())
    assert isinstance(members, MemberFlows) and len(members.sellers) == 5
    assert [m.volume for m in members.buyers] == sorted((m.volume for m in members.buyers),
                                                        reverse=True)
    assert sum(m.volume for m in members.buyers) <= quote.volume
    assert members.foreign_net == members.foreign_buy - members.foreign_sell
    with pytest.raises(InvalidInputError):
        kis.fetch_member_flows("5930")


def test_a_malformed_answer_is_an_api_error(real, sim) -> None:
    sim.faults.replace([FaultRule(FaultKind.GARBLE, tr_ids=("FHKST01010900",),
                                  variant="null_output", count=1)])
    with pytest.raises(APIError):
        real.fetch_investor_flows("005930")


def test_environments_differ_only_where_kis_does(sim, kis, env) -> None:
    if env is Env.PAPER:
        with pytest.raises(UnsupportedError):
            kis.fetch_rankings("market_cap")
    else:
        assert kis.fetch_rankings("market_cap", limit=1)[0].symbol == "005930"
