"""Listings and names: every quote carries its name, from KIS's stock master files read
once a day (kept on disk for the next process); ``fetch_markets`` and ``search_markets``
over them; English names from 주식기본조회 where KIS has the API (real)."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from clients import build
from pykis import APIError, InvalidInputError, Listing, UnsupportedError
from pykis.market import InstrumentKind, Market
from pykis.sim import Env, SimConfig, Simulator


def test_every_quote_has_its_name(kis, sim: Simulator) -> None:
    assert kis.fetch_ticker("005930").name == "삼성전자"
    assert kis.fetch_ticker("069500").name == "KODEX 200"
    names = {t.symbol: t.name for t in kis.fetch_tickers(["000660", "035420", "196170"])}
    assert names == {code: sim.market.universe[code].name for code in names}


def test_fetch_markets_lists_every_listing(kis, sim: Simulator) -> None:
    listings = kis.fetch_markets()
    assert {item.symbol for item in listings} == set(sim.market.universe)
    by_symbol = {item.symbol: item for item in listings}
    samsung = by_symbol["005930"]
    assert isinstance(samsung, Listing)
    assert (samsung.name, samsung.isin, samsung.market, samsung.kind) == \
        ("삼성전자", "KR7005930003", Market.KOSPI, InstrumentKind.STOCK)
    assert by_symbol["069500"].kind is InstrumentKind.ETF
    assert by_symbol["196170"].market is Market.KOSDAQ
    assert listings.to_pandas().set_index("symbol").loc["000660", "name"] == "SK하이닉스"


def test_search_by_korean_name_code_and_isin(kis) -> None:
    assert [x.symbol for x in kis.search_markets("삼성전자")][:2] == ["005930", "005935"]
    assert kis.search_markets("SK하이닉스")[0].symbol == "000660"
    assert kis.search_markets("kodex 200")[0].symbol == "069500"  # case and spaces
    assert kis.search_markets("000660")[0].name == "SK하이닉스"
    assert kis.search_markets("KR7005930003")[0].symbol == "005930"
    assert len(kis.search_markets("삼성", limit=2)) == 2
    assert kis.search_markets("없는종목이름") == []
    with pytest.raises(InvalidInputError):
        kis.search_markets("  ")


def test_english_names_on_a_real_account(real, sim: Simulator) -> None:
    listings = {x.symbol: x for x in real.fetch_markets(english=True)}
    assert listings["005930"].english_name == sim.market.universe["005930"].eng_name
    assert all(x.english_name for x in listings.values())
    assert real.search_markets("samsung electronics")[0].symbol == "005930"


def test_english_names_need_a_real_account(paper) -> None:
    with pytest.raises(UnsupportedError):
        paper.fetch_markets(english=True)


def test_a_symbol_the_files_lack_is_named_by_product_information(tmp_path: Path) -> None:
    """A listing of today is not in the files yet: real accounts ask 주식기본조회. The files
    here come from a simulator of yesterday's market, without the new listing."""
    today = Simulator(SimConfig(frozen=True, extra_listings=1,
                                rate_limits={Env.REAL: 0, Env.PAPER: 0}))
    yesterday = Simulator(SimConfig(frozen=True))

    def route(request: httpx.Request) -> httpx.Response:
        server = yesterday if request.url.host == "files" else today
        return server.transport().handle_request(request)

    client = build(today, Env.REAL, "sync", tmp_path, transport=httpx.MockTransport(route),
                   master_url="http://files/common/master")
    try:
        assert "900000" not in {x.symbol for x in client.fetch_markets()}
        assert client.fetch_ticker("900000").name == today.market.universe["900000"].name
    finally:
        client.close()


def test_a_quote_goes_without_a_name_when_the_files_cannot_be_read(tmp_path, sim, caplog):
    def no_files(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/common/master/"):
            return httpx.Response(503)
        return sim.transport().handle_request(request)

    client = build(sim, Env.PAPER, "sync", tmp_path, transport=httpx.MockTransport(no_files),
                   master_url="http://files/common/master")
    try:
        ticker = client.fetch_ticker("005930")
        assert ticker.last > 0 and ticker.name is None
        assert "master file" in caplog.text
        with pytest.raises(APIError):
            client.fetch_markets()
    finally:
        client.close()


def test_the_days_listings_are_read_from_disk_by_the_next_client(tmp_path, sim) -> None:
    first = build(sim, Env.REAL, "sync", tmp_path)
    first.fetch_ticker("005930")
    first.close()
    assert list((Path(os.environ["PYKIS_CACHE_DIR"]) / "listings").glob("listings-*.json"))

    def no_files(request: httpx.Request) -> httpx.Response:
        assert not request.url.path.startswith("/common/master/"), "downloaded again"
        return sim.transport().handle_request(request)

    second = build(sim, Env.REAL, "sync", tmp_path, transport=httpx.MockTransport(no_files))
    try:
        assert second.fetch_ticker("000660").name == "SK하이닉스"
    finally:
        second.close()
