"""Market data through both clients, in both environments, against the simulator."""

from __future__ import annotations

import datetime as dt
import logging
from http.cookiejar import CookieJar

import httpx
import pytest

from clients import build, requests_made
from pykis import InvalidInputError, NotFoundError, OrderBook, Ticker
from pykis.market import KST, is_on_grid, price_limits
from pykis.sim import Env


def test_fetch_ticker_matches_the_market(kis, sim) -> None:
    ticker = kis.fetch_ticker("005930")
    truth = sim.market.quote("005930", sim.clock.now())
    assert isinstance(ticker, Ticker)
    assert (ticker.symbol, ticker.last, ticker.open, ticker.high, ticker.low) == (
        "005930", truth.price, truth.open, truth.high, truth.low)
    assert (ticker.previous_close, ticker.volume, ticker.value) == (truth.base, truth.volume,
                                                                    truth.value)
    assert (ticker.lower_limit, ticker.upper_limit) == (truth.limits.lower, truth.limits.upper)
    assert ticker.change == truth.price - truth.base and ticker.close == ticker.last
    assert ticker.datetime == sim.clock.now() and ticker.datetime.tzinfo is not None
    assert ticker.timestamp == int(sim.clock.timestamp() * 1000)
    assert ticker.info["stck_prpr"] == str(truth.price)  # what KIS sent is kept


@pytest.mark.parametrize("symbol", ["5930", "0059300", "abcdef", 5930, None, "005930\n"])
def test_bad_symbols_are_refused_before_sending(kis, sim, symbol) -> None:
    before = requests_made(sim, kis)
    with pytest.raises(InvalidInputError) as caught:
        kis.fetch_ticker(symbol)
    assert caught.value.argument == "symbol"
    assert requests_made(sim, kis) == before


def test_unknown_symbol(kis) -> None:
    with pytest.raises(NotFoundError):
        kis.fetch_ticker("999999")


def test_fetch_tickers_batches_by_thirty_where_kis_can(kis, sim, env) -> None:
    symbols = list(sim.market.universe)[:61]
    before = requests_made(sim, kis)
    tickers = kis.fetch_tickers(symbols + symbols[:3])  # repeats are asked once
    assert [t.symbol for t in tickers] == symbols
    calls = requests_made(sim, kis) - before
    assert calls == (3 if env is Env.REAL else 61)
    for ticker in tickers[:5]:
        assert ticker.last == sim.market.quote(ticker.symbol, sim.clock.now()).price
    assert tickers[0].bid is None or tickers[0].bid < tickers[0].ask


def test_fetch_order_book(kis, sim) -> None:
    book = kis.fetch_order_book("005930")
    assert isinstance(book, OrderBook) and len(book.asks) == len(book.bids) == 10
    assert book.best_bid[0] < book.best_ask[0]
    assert [p for p, _ in book.asks] == sorted(p for p, _ in book.asks)
    assert all(q > 0 for _, q in book.asks + book.bids)


def test_fetch_trades_oldest_first(kis) -> None:
    trades = kis.fetch_trades("005930")
    assert len(trades) == 30
    assert [t.timestamp for t in trades] == sorted(t.timestamp for t in trades)
    assert all(t.cost == t.price * t.amount for t in trades)
    assert len(kis.fetch_trades("005930", limit=5)) == 5
    assert trades[-1].price == kis.fetch_ticker("005930").last


def ms(*args) -> int:
    return int(dt.datetime(*args, tzinfo=KST).timestamp() * 1000)


def test_daily_candles_page_back_to_since(kis) -> None:
    candles = kis.fetch_ohlcv("005930", "1d", since=ms(2025, 1, 1))
    days = [c.datetime.date() for c in candles]
    assert days[0] == dt.date(2025, 1, 2) and days[-1] == dt.date(2026, 11, 20)
    assert days == sorted(set(days)) and len(days) > 400  # several pages of 100
    for before, candle in zip(candles, candles[1:]):
        assert candle.low <= min(candle.open, candle.close)
        assert max(candle.open, candle.close) <= candle.high
        limits = price_limits(before.close)
        assert limits.lower <= candle.close <= limits.upper


@pytest.mark.parametrize(("timeframe", "count"), [("1d", 7), ("1w", 5), ("1M", 3), ("1y", 2)])
def test_limit_returns_the_most_recent_candles(kis, timeframe, count) -> None:
    candles = kis.fetch_ohlcv("005930", timeframe, limit=count)
    assert len(candles) == count
    assert candles[-1].close == kis.fetch_ticker("005930").last


def test_limit_after_since_returns_the_first_candles(kis) -> None:
    candles = kis.fetch_ohlcv("005930", "1d", since=ms(2026, 3, 2), limit=3)
    assert [c.datetime.date() for c in candles] == [
        dt.date(2026, 3, 3), dt.date(2026, 3, 4), dt.date(2026, 3, 5)]  # 3-02 was a holiday


@pytest.mark.parametrize("timeframe", ["1m", "3m", "5m", "10m", "15m", "30m", "60m"])
def test_minute_candles_of_today(kis, timeframe) -> None:
    minutes = int(timeframe[:-1])
    candles = kis.fetch_ohlcv("005930", timeframe)
    assert candles[0].datetime == dt.datetime(2026, 11, 20, 9, 0, tzinfo=KST)
    assert all(c.datetime.minute % minutes == 0 or minutes == 60 for c in candles)
    ticker = kis.fetch_ticker("005930")
    assert candles[-1].close == ticker.last
    assert sum(c.volume for c in candles) == ticker.volume
    assert max(c.high for c in candles) == ticker.high


def test_minute_history_before_today_where_kis_has_it(kis, env) -> None:
    candles = kis.fetch_ohlcv("005930", "1m", since=ms(2026, 11, 18, 15, 0))
    first = candles[0].datetime
    if env is Env.REAL:  # the per-day minute chart: two days back
        assert first == dt.datetime(2026, 11, 18, 15, 0, tzinfo=KST)
        days = {c.datetime.date() for c in candles}
        assert days == {dt.date(2026, 11, 18), dt.date(2026, 11, 19), dt.date(2026, 11, 20)}
    else:  # paper has no such API: today only
        assert first.date() == dt.date(2026, 11, 20)


def test_minute_limit_pages_into_earlier_days(real) -> None:
    candles = real.fetch_ohlcv("005930", "60m", limit=12)
    assert len(candles) == 12 and candles[0].datetime.date() < dt.date(2026, 11, 20)


@pytest.mark.parametrize(("arguments", "argument"), [
    ({"timeframe": "2m"}, "timeframe"), ({"timeframe": "1h"}, "timeframe"),
    ({"limit": 0}, "limit"), ({"limit": -5}, "limit"), ({"since": -1}, "since"),
    ({"since": "yesterday"}, "since"),
])
def test_bad_candle_arguments(kis, sim, arguments, argument) -> None:
    before = requests_made(sim, kis)
    with pytest.raises(InvalidInputError) as caught:
        kis.fetch_ohlcv("005930", **arguments)
    assert caught.value.argument == argument and requests_made(sim, kis) == before


def test_candles_to_pandas(kis) -> None:
    import pandas

    frame = kis.fetch_ohlcv("005930", "1d", limit=5).to_pandas()
    assert isinstance(frame, pandas.DataFrame) and len(frame) == 5
    assert list(frame.columns)[:3] == ["timestamp", "datetime", "open"]


def test_prices_are_on_the_grid(kis) -> None:
    ticker = kis.fetch_ticker("069500")
    assert is_on_grid(ticker.last, "ETF")


# --- the lean call: the same requests, less work per call --------------------------------------
class Recorder(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """The simulator's transport, keeping every request it is handed; its answers carry
    a cookie, as a load balancer in front of KIS may set."""

    def __init__(self, sim) -> None:
        self.inner, self.requests = sim.transport(), []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._cookie(self.inner.handle_request(request))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._cookie(await self.inner.handle_async_request(request))

    @staticmethod
    def _cookie(response: httpx.Response) -> httpx.Response:
        response.headers["set-cookie"] = "lb=node7; Path=/"
        return response


def as_httpx_builds_it(request: httpx.Request) -> httpx.Request:
    """The request httpx makes itself from the method, URL, parameters, headers and body
    of ``request`` (what PyKIS built every request with before it made them from parts)."""
    headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"host"]
    return httpx.Request(request.method, str(request.url.copy_with(query=None)),
                         params=list(request.url.params.multi_items()) or None,
                         headers=headers, content=request.content or None,
                         extensions={"timeout": httpx.Timeout(10.0).as_dict()})


def quiet_httpx(caplog: pytest.LogCaptureFixture) -> None:
    """httpx's request log off (the suite logs everything at DEBUG): with it on, a
    request goes through ``httpx.Client.send``, which writes that log, as it always did."""
    caplog.set_level(logging.WARNING, logger="httpx")


def wire(url: httpx.URL) -> tuple:
    return url.scheme, url.raw_host, url.port, url.raw_path


@pytest.mark.parametrize("log", ["httpx log off", "httpx log on"])
@pytest.mark.parametrize("kind", ["sync", "async"])
def test_requests_are_those_httpx_builds_byte_for_byte(sim, kind, log, tmp_path,
                                                       caplog) -> None:
    if log == "httpx log off":
        quiet_httpx(caplog)
    recorder = Recorder(sim)
    client = build(sim, Env.REAL, kind, tmp_path, transport=recorder)
    try:
        price = client.fetch_ticker("005930").last
        client.fetch_ticker("005930")  # from parts made by the first
        client.fetch_ticker("000660")
        client.fetch_balance()  # paged: tr_cont
        client.fetch_orders()
        client.create_order("005930", "limit", "buy", 1, price)  # a POST with a body
    finally:
        client.close()
    logged = [r for r in caplog.records if r.name == "httpx" and "HTTP Request" in r.message]
    assert len(logged) == (len(recorder.requests) if log == "httpx log on" else 0)
    gets = [r for r in recorder.requests if r.method == "GET"]
    assert len(gets) >= 5 and any(r.method == "POST" for r in recorder.requests)
    assert any(b"tr_cont" in dict(r.headers.raw) for r in gets)
    for request in recorder.requests:
        expected = as_httpx_builds_it(request)
        assert (request.method, wire(request.url), request.headers.raw, request.content) == (
            expected.method, wire(expected.url), expected.headers.raw, expected.content)
        assert request.extensions["timeout"] == expected.extensions["timeout"]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_repeated_call_parses_no_url_and_keeps_no_cookie(sim, kind, tmp_path, caplog,
                                                           monkeypatch) -> None:
    """Beyond building, sending and reading, a call repeats no work: its URL is parsed
    once per client, and the cookie jar httpx fills from every answer (which PyKIS never
    sends back) is left alone."""
    quiet_httpx(caplog)
    client = build(sim, Env.REAL, kind, tmp_path, transport=Recorder(sim))
    parsed, jarred = [], []
    parse, extract = httpx._urls.urlparse, CookieJar.extract_cookies
    try:
        client.fetch_ticker("005930")  # the first call: token, listings, parts
        monkeypatch.setattr(httpx._urls, "urlparse",
                            lambda *a, **k: parsed.append(a) or parse(*a, **k))
        monkeypatch.setattr(CookieJar, "extract_cookies",
                            lambda *a: jarred.append(a) or extract(*a))
        for _ in range(5):
            assert client.fetch_ticker("005930").symbol == "005930"
    finally:
        monkeypatch.undo()
        client.close()
    assert parsed == [] and jarred == []
