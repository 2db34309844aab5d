"""Downloads through the client from the simulator, as a user would: daily and one-minute
bars equal to what the client's own candles say, incremental (a second run asks for
nothing), resumable (a run that failed half-way is finished by the next one), and paper
accounts told which minute bars KIS's paper server does not have."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import httpx
import pytest

from clients import build, requests_made
from pykis.exceptions import APIError, InvalidInputError
from pykis.history import HistoryStore, download
from pykis.market import KST, TradingCalendar
from pykis.sim import Env, FaultKind, FaultRule
from support import make_sim

AFTER_CLOSE = dt.datetime(2026, 11, 20, 16, 0, tzinfo=KST)  # a Friday, the day's trading done
PERIOD_CHART = "FHKST03010100"
PAST_MINUTES = "FHKST03010230"


@pytest.fixture
def sim():
    return make_sim(AFTER_CLOSE)


@pytest.fixture
def kis(sim, tmp_path: Path):
    client = build(sim, Env.REAL, "sync", tmp_path)
    yield client
    client.close()


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    return HistoryStore(tmp_path / "history")


def quiet(*args: Any, **kwargs: Any):
    return download(*args, progress=False, **kwargs)


def candles(kis, symbol: str, timeframe: str, since: dt.date) -> list[tuple]:
    start = int(dt.datetime(since.year, since.month, since.day, tzinfo=KST).timestamp() * 1000)
    nine = dt.timedelta(hours=9) if timeframe == "1d" else dt.timedelta(0)
    # the client stamps a day's candle at midnight; the store at the open (09:00)
    return [(c.datetime + nine, c.open, c.high, c.low, c.close, c.volume)
            for c in kis.fetch_ohlcv(symbol, timeframe, since=start)]


def stored(store: HistoryStore, symbol: str, timeframe: str, **kw: Any) -> list[tuple]:
    frame = store.bars(symbol, timeframe, **kw)
    return [(r.time.to_pydatetime(), r.open, r.high, r.low, r.close, r.volume)
            for r in frame.itertuples()]


# --- daily --------------------------------------------------------------------------------
def test_daily_bars_are_what_the_client_reads_and_a_second_run_asks_nothing(
        sim, kis, store: HistoryStore) -> None:
    since = dt.date(2026, 1, 5)
    report = quiet(kis, ["005930", "000660"], "1d", since, "2026-11-19", store=store)
    assert report.added["005930"] == report.added["000660"] > 200  # several pages of 100
    assert report.calls >= 6
    assert stored(store, "005930", "1d") == [c for c in candles(kis, "005930", "1d", since)
                                             if c[0].date() <= dt.date(2026, 11, 19)]
    assert all(v > 0 for v in store.bars("005930", "1d")["value"])
    calls = requests_made(sim, kis)
    again = quiet(kis, ["005930", "000660"], "1d", since, "2026-11-19", store=store)
    assert again.rows == 0 and again.calls == 0 and again.days == 0
    assert requests_made(sim, kis) == calls  # not one request


def test_raw_and_adjusted_daily_bars_are_kept_apart(kis, store: HistoryStore) -> None:
    quiet(kis, "005930", "1d", "2026-11-02", "2026-11-13", store=store, adjusted=False)
    assert store.bars("005930", "1d").empty
    assert len(store.bars("005930", "1d", adjusted=False)) == 10
    listed = store.list()
    assert listed[["timeframe", "adjusted"]].values.tolist() == [["1d", False]]


def test_today_is_fetched_again_until_it_is_over(sim, kis, store: HistoryStore) -> None:
    quiet(kis, "005930", "1d", "2026-11-16", store=store)  # up to today, the 20th
    assert dt.date(2026, 11, 20) not in store.checked("005930", "1d")
    again = quiet(kis, "005930", "1d", "2026-11-16", store=store)
    assert again.days == 1 and again.calls == 1 and again.rows == 0


def test_an_interrupted_daily_download_is_finished_by_the_next_run(
        sim, kis, store: HistoryStore, tmp_path: Path) -> None:
    since, until = dt.date(2025, 6, 2), dt.date(2026, 11, 19)
    full = HistoryStore(store.root.parent / "full")
    whole = quiet(kis, "005930", "1d", since, until, store=full)
    with pytest.raises(APIError):
        quiet(interrupted_client(sim, tmp_path, PERIOD_CHART, 2), "005930", "1d",
              since, until, store=store)
    kept = len(store.bars("005930", "1d"))
    assert 0 < kept < whole.rows  # what was written stays written
    sim.faults.clear()
    rest = quiet(kis, "005930", "1d", since, until, store=store)
    assert rest.rows == whole.rows - kept
    assert rest.days < whole.days  # only what was missing was asked for
    assert stored(store, "005930", "1d") == stored(full, "005930", "1d")


class Interrupting(httpx.BaseTransport):
    """The simulator in-process; from the ``calls``-th request of ``tr_id`` on, it
    answers what no client can read (a broken proxy's page, by the simulator's own fault
    plan): the download stops there with an APIError."""

    def __init__(self, sim, tr_id: str, calls: int) -> None:
        self.sim, self.tr_id, self.calls, self.seen = sim, tr_id, calls, 0
        self.inner = sim.transport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("tr_id") == self.tr_id:
            self.seen += 1
            if self.seen == self.calls:
                self.sim.faults.replace([FaultRule(FaultKind.GARBLE, variant="html",
                                                   tr_ids=(self.tr_id,))])
        return self.inner.handle_request(request)


def interrupted_client(sim, tmp_path: Path, tr_id: str, calls: int):
    """A second client of the account, sharing the first one's token file (KIS issues
    an app key one token a minute)."""
    return build(sim, Env.REAL, "sync", tmp_path, transport=Interrupting(sim, tr_id, calls))


# --- one-minute ----------------------------------------------------------------------------
def test_minute_bars_of_past_days_and_today_are_what_the_client_reads(
        sim, kis, store: HistoryStore) -> None:
    report = quiet(kis, "005930", "1m", "2026-11-18", store=store)
    assert report.days == 3 and report.unavailable == []
    expected = candles(kis, "005930", "1m", dt.date(2026, 11, 18))
    assert stored(store, "005930", "1m") == expected
    assert len(expected) == 3 * 390  # 09:00 to 15:29, every minute of three days
    frame = store.bars("005930", "1m", "2026-11-19", "2026-11-19")
    # a bar's value is the change of KIS's cumulative value: they add up to the last
    day = dt.datetime(2026, 11, 19, tzinfo=KST)
    last = [c for c in kis.fetch_ohlcv("005930", "1m", since=int(day.timestamp() * 1000))
            if c.datetime.date() == day.date()][-1]
    assert int(frame["value"].sum()) == int(last.info["acml_tr_pbmn"])
    assert (frame["value"] > 0).sum() > 300
    assert store.checked("005930", "1m") == {dt.date(2026, 11, 18), dt.date(2026, 11, 19)}
    again = quiet(kis, "005930", "1m", "2026-11-18", "2026-11-19", store=store)
    assert again.calls == 0 and again.rows == 0


def test_an_interrupted_minute_download_resumes_with_the_missing_days(
        sim, kis, store: HistoryStore, tmp_path: Path) -> None:
    broken = interrupted_client(sim, tmp_path, PAST_MINUTES, 6)  # the second day
    with pytest.raises(APIError):
        quiet(broken, "005930", "1m", "2026-11-16", "2026-11-19", store=store)
    assert store.checked("005930", "1m") == {dt.date(2026, 11, 16)}
    sim.faults.clear()
    rest = quiet(kis, "005930", "1m", "2026-11-16", "2026-11-19", store=store)
    assert rest.days == 3 and rest.rows == 3 * 390
    assert len(store.bars("005930", "1m")) == 4 * 390


def test_paper_accounts_get_todays_minutes_and_are_told_of_the_rest(
        sim, tmp_path: Path, store: HistoryStore) -> None:
    paper = build(sim, Env.PAPER, "sync", tmp_path / "paper")
    report = quiet(paper, "005930", "1m", "2026-11-19", store=store)
    assert report.rows == 390 and report.days == 1
    assert store.days("005930", "1m") == {dt.date(2026, 11, 20)}
    [note] = report.unavailable
    assert "real account" in note and "inquire-time-dailychartprice" in note
    paper.close()


def test_the_progress_bar_shows_on_stderr_only_when_asked(kis, store: HistoryStore,
                                                           capsys) -> None:
    quiet(kis, "005930", "1d", "2026-11-02", "2026-11-13", store=store)
    assert capsys.readouterr() == ("", "")
    download(kis, "005930", "1d", "2026-10-01", "2026-10-30", store=store, progress=True)
    out, err = capsys.readouterr()
    days = len(TradingCalendar().trading_days(dt.date(2026, 10, 1), dt.date(2026, 10, 30)))
    assert out == "" and "1d bars" in err and f"{days}/{days}" in err


@pytest.mark.parametrize(("arguments", "argument"), [
    ({"symbols": [], "timeframe": "1d"}, "symbols"),
    ({"symbols": ["00593"], "timeframe": "1d"}, "symbol"),
    ({"symbols": ["005930"], "timeframe": "5m"}, "timeframe"),
    ({"symbols": ["005930"], "timeframe": "1d", "since": "2026-11-19", "until": "2026-11-02"},
     "since"),
    ({"symbols": ["005930"], "timeframe": "1d", "since": "yesterday"}, "since"),
])
def test_bad_input_is_refused_before_anything_is_sent(sim, kis, store: HistoryStore,
                                                      arguments, argument) -> None:
    with pytest.raises(InvalidInputError) as error:
        quiet(kis, store=store, **arguments)
    assert error.value.argument == argument
    assert requests_made(sim, kis) == 0 and not store.root.exists()


def test_an_async_client_is_refused(sim, tmp_path: Path, store: HistoryStore) -> None:
    from pykis import AsyncKIS

    creds = sim.credentials(Env.REAL)
    client = AsyncKIS(creds.app_key, creds.app_secret, creds.account_no,
                      base_url="http://sim", token_path=tmp_path / "t.json")
    with pytest.raises(InvalidInputError) as error:
        quiet(client, "005930", store=store)
    assert error.value.argument == "kis"


def test_a_code_kis_has_no_bars_of_is_said_and_asked_again_next_time(
        kis, store: HistoryStore) -> None:
    report = quiet(kis, "999999", "1d", "2026-11-02", "2026-11-13", store=store)
    assert report.rows == 0 and report.calls == 1
    assert report.unavailable == ["999999: KIS has no daily bars from 2026-11-02 to 2026-11-13"]
    assert store.checked("999999", "1d") == set()  # not recorded as known-empty days
