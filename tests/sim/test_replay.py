"""Replay: the simulator's market driven by stored bars (``SimConfig(replay=...)``).

The history comes from the simulator itself, downloaded through the client as a user
would, and from genuine KIS chart answers (tests/fixtures/captures) imported as CSV. A
replaying simulator is then asked, through the client, the real-time hub and orders,
what the market did: everything follows the stored bars and ``bar_ticks``' path."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import httpx
import pytest

from clients import build
from pykis.history import HistoryStore, download, import_csv
from pykis.history.ticks import DAY_SPAN, bar_ticks
from pykis.market import KST, tick_size
from pykis.sim import Env, SimClock, SimConfig, Simulator
from pykis.websocket.fields import FIELDS
from support import make_sim

CAPTURES = Path(__file__).parent.parent / "fixtures" / "captures"
SOURCE_TIME = dt.datetime(2026, 11, 20, 16, 0, tzinfo=KST)
DAY = dt.date(2026, 11, 18)  # replayed from one-minute bars
NO_LIMITS = {Env.REAL: 0, Env.PAPER: 0}


def at(hour: int, minute: int, second: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=KST)


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> HistoryStore:
    """005930: one-minute bars of two days and daily bars before them, downloaded from a
    simulator; 000660: the daily bars of a genuine KIS answer; 005930 of 2025-01-13: the
    minute bars of two genuine KIS answers."""
    folder = tmp_path_factory.mktemp("replay")
    store = HistoryStore(folder / "history")
    source = make_sim(SOURCE_TIME)
    kis = build(source, Env.REAL, "sync", folder)
    download(kis, "005930", "1m", "2026-11-18", "2026-11-19", store=store, progress=False)
    download(kis, "005930", "1d", "2026-10-01", "2026-11-19", store=store, progress=False)
    kis.close()
    daily = json.loads((CAPTURES / "inquire-daily-itemchartprice.000660.D.real.json")
                       .read_text(encoding="utf-8"))["output2"]
    import_csv(write_csv(folder / "000660.csv", daily), "000660", store=store)
    rows = []
    for hour in ("093000", "143000"):
        name = f"inquire-time-itemchartprice.005930.vts.20250113.hour{hour}.json"
        rows += json.loads((CAPTURES / name).read_text(encoding="utf-8"))["output2"]
    import_csv(write_csv(folder / "005930.csv", rows), "005930", "1m", store=store)
    return store


def replaying(history: HistoryStore, start=DAY, **config) -> Simulator:
    return Simulator(SimConfig(replay=history.root, replay_from=start, frozen=True,
                               rate_limits=NO_LIMITS, **config))


@pytest.fixture
def sim(history: HistoryStore) -> Simulator:
    return replaying(history)


@pytest.fixture
def kis(sim: Simulator, tmp_path: Path):
    client = build(sim, Env.REAL, "sync", tmp_path)
    yield client
    client.close()


def stored_minutes(history: HistoryStore, day: dt.date = DAY):
    return list(history.bars("005930", "1m", day, day).itertuples(index=False))


def path_until(history: HistoryStore, moment: dt.datetime, day: dt.date = DAY) -> list:
    """The documented ticks of the day's stored bars, up to ``moment``."""
    ticks = [t for bar in stored_minutes(history, day) if bar.volume
             for t in bar_ticks(bar.time.to_pydatetime(), bar.open, bar.high, bar.low,
                                bar.close, bar.volume) if t.volume]
    return [t for t in ticks if t.time <= moment]


# --- the clock --------------------------------------------------------------------------
def test_the_clock_starts_a_minute_before_the_open_of_the_day_asked(history) -> None:
    assert replaying(history).clock.now() == at(8, 59)
    assert replaying(history, "2026-11-19T10:30").clock.now() == at(10, 30, day=DAY.replace(
        day=19))
    first = replaying(history, None).clock.now()  # the first stored day: the 2022 capture
    assert first == dt.datetime(2022, 4, 11, 8, 59, tzinfo=KST)


def test_speed_runs_simulated_time_faster_than_the_wall() -> None:
    wall = [1_000.0]
    clock = SimClock(at(9, 0), wall=lambda: wall[0], speed=60)
    wall[0] += 1.5
    assert clock.now() == at(9, 1, 30)
    clock.advance(30)
    assert clock.now() == at(9, 2)
    with pytest.raises(ValueError):
        SimClock(speed=0)


@pytest.mark.parametrize("config", [
    {"replay": "nowhere/at/all"},
    {"replay_from": "2026-11-18"},
    {"replay": ".", "always_open": True},
    {"replay": ".", "replay_from": "18 Nov"},
])
def test_a_replay_that_cannot_be_had_is_refused(config, tmp_path: Path, history) -> None:
    if config.get("replay") == ".":
        config["replay"] = history.root
    with pytest.raises(ValueError):
        Simulator(SimConfig(**config))


# --- REST -------------------------------------------------------------------------------
def test_quotes_and_minute_candles_are_the_stored_bars(sim, kis, history) -> None:
    moment = at(11, 0, 20)
    sim.clock.set(moment)
    candles = kis.fetch_ohlcv("005930", "1m", limit=200)
    bars = [b for b in stored_minutes(history) if b.time.to_pydatetime() < at(11, 0)]
    done = [(c.datetime, c.open, c.high, c.low, c.close, c.volume) for c in candles
            if c.datetime < at(11, 0)]
    assert done[-len(bars):] == [(b.time.to_pydatetime(), b.open, b.high, b.low, b.close,
                                  b.volume) for b in bars][-len(done):]
    assert len(done) >= 119
    ticks = path_until(history, moment)
    ticker = kis.fetch_ticker("005930")
    assert ticker.last == ticks[-1].price
    assert ticker.high == max(t.price for t in ticks) and ticker.low == min(
        t.price for t in ticks)
    assert ticker.open == stored_minutes(history)[0].open
    assert ticker.volume == sum(t.volume for t in ticks)


def test_daily_candles_are_the_stored_days(sim, kis, history) -> None:
    sim.clock.set(at(10, 0, day=dt.date(2026, 11, 19)))
    candles = {c.datetime.date(): c for c in kis.fetch_ohlcv("005930", "1d", limit=30)}
    minutes = stored_minutes(history)  # the 18th: the day its minutes add up to
    day = candles[DAY]
    assert (day.open, day.high, day.low, day.close, day.volume) == (
        minutes[0].open, max(b.high for b in minutes), min(b.low for b in minutes),
        minutes[-1].close, sum(b.volume for b in minutes))
    daily = history.bars("005930", "1d", "2026-11-02", "2026-11-17")  # daily bars only
    for row in daily.itertuples():
        c = candles[row.time.date()]
        assert (c.open, c.high, c.low, c.close, c.volume) == (row.open, row.high, row.low,
                                                              row.close, row.volume)
    ticker = kis.fetch_ticker("005930")  # the reference price: the day before's close
    assert ticker.info["stck_sdpr"] == str(minutes[-1].close)


def test_the_order_book_is_around_the_replayed_price_on_the_grid(sim, kis, history) -> None:
    sim.clock.set(at(13, 7, 40))
    last = path_until(history, at(13, 7, 40))[-1].price
    book = kis.fetch_order_book("005930")
    ask, bid = book.asks[0][0], book.bids[0][0]
    assert bid < ask and ask - bid == tick_size(bid)
    assert bid <= last <= ask
    assert all(a % tick_size(a) == 0 for a, _ in book.asks)


def test_a_listing_without_bars_keeps_its_synthetic_market(sim, kis, tmp_path: Path) -> None:
    sim.clock.set(at(11, 0))
    plain = make_sim(at(11, 0))
    plain_kis = build(plain, Env.REAL, "sync", tmp_path / "plain")
    assert kis.fetch_ticker("035720").last == plain_kis.fetch_ticker("035720").last
    plain_kis.close()


# --- real time ---------------------------------------------------------------------------
def test_real_time_trades_are_the_documented_ticks(sim, history) -> None:
    sim.clock.set(at(9, 59, 59))
    http = httpx.Client(transport=sim.transport(), base_url="http://sim")
    creds = sim.credentials(Env.REAL)
    approval = http.post("/oauth2/Approval", json={
        "grant_type": "client_credentials", "appkey": creds.app_key,
        "secretkey": creds.app_secret}).json()["approval_key"]
    hub = sim.realtime
    session = hub.open()
    [answer] = hub.receive(session, json.dumps({
        "header": {"approval_key": approval, "custtype": "P", "tr_type": "1",
                   "content-type": "utf-8"},
        "body": {"input": {"tr_id": "H0STCNT0", "tr_key": "005930"}}}))
    assert "SUBSCRIBE SUCCESS" in answer
    sim.clock.set(at(10, 3, 50))
    names = FIELDS["H0STCNT0"]
    hour, price, volume = (names.index(n) for n in ("STCK_CNTG_HOUR", "STCK_PRPR", "CNTG_VOL"))
    got = []
    for frame in hub.pump(session):
        _, tr_id, count, data = frame.split("|", 3)
        values = data.split("^")
        for n in range(int(count)):
            record = values[n * len(names):(n + 1) * len(names)]
            got.append((record[hour], int(record[price]), int(record[volume])))
    expected = [(t.time.strftime("%H%M%S"), t.price, t.volume)
                for t in path_until(history, at(10, 3, 50)) if t.time > at(9, 59, 59)]
    assert got == expected and len(expected) >= 5
    http.close()


# --- matching -----------------------------------------------------------------------------
def test_a_limit_order_fills_only_when_the_path_trades_through_it(sim, kis, history) -> None:
    """Two resting buys at the lowest price of the next hour and one tick above it: the
    replayed path touches the first and goes through the second."""
    start = at(9, 30)
    ticks = [t for t in path_until(history, at(15, 19)) if t.time > start]
    last = path_until(history, start)[-1].price
    # an hour whose low is at least two ticks under the price at its start
    for begin in range(0, 300, 10):
        window = [t for t in ticks if start + dt.timedelta(minutes=begin) < t.time
                  <= start + dt.timedelta(minutes=begin + 60)]
        before = path_until(history, start + dt.timedelta(minutes=begin))[-1].price
        low = min(t.price for t in window)
        if before - low >= 2 * tick_size(low):
            break
    else:
        pytest.fail(f"no hour falls two ticks from {last}")
    moment = start + dt.timedelta(minutes=begin)
    sim.clock.set(moment)
    touched = kis.create_limit_order("005930", "buy", 1, low)
    through = kis.create_limit_order("005930", "buy", 1, low + tick_size(low))
    sim.clock.set(moment + dt.timedelta(minutes=60))
    touched, through = (kis.fetch_order(o.id, "005930") for o in (touched, through))
    assert touched.filled == 0 and touched.status == "open"
    assert through.filled == 1 and through.average == low + tick_size(low)


# --- genuine captures ------------------------------------------------------------------------
def test_a_day_of_a_genuine_daily_answer_is_replayed_along_its_documented_path(
        history, tmp_path: Path) -> None:
    row = history.bars("000660", "1d", "2022-05-04", "2022-05-04").iloc[0]
    day = row.time.date()
    sim = replaying(history, day)
    kis = build(sim, Env.REAL, "sync", tmp_path)
    opening = dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=KST)
    ticks = bar_ticks(opening, row.open, row.high, row.low, row.close, row.volume,
                      span=DAY_SPAN)
    for tick in ticks:
        sim.clock.set(tick.time + dt.timedelta(seconds=1))
        assert kis.fetch_ticker("000660").last == tick.price
    ticker = kis.fetch_ticker("000660")
    assert (ticker.open, ticker.high, ticker.low, ticker.last, ticker.volume) == (
        row.open, row.high, row.low, row.close, row.volume)
    previous = history.bars("000660", "1d", end="2022-05-03").iloc[-1]
    assert ticker.info["stck_sdpr"] == str(previous.close)
    kis.close()


def test_genuine_minute_bars_come_back_as_minute_candles(history, tmp_path: Path) -> None:
    day = dt.date(2025, 1, 13)
    sim = replaying(history, day)
    kis = build(sim, Env.REAL, "sync", tmp_path)
    sim.clock.set(at(14, 40, day=day))
    candles = {c.datetime: c for c in kis.fetch_ohlcv("005930", "1m", limit=400)}
    stored = [b for b in stored_minutes(history, day) if b.volume]
    assert len(stored) >= 30
    for bar in stored:
        c = candles[bar.time.to_pydatetime()]
        assert (c.open, c.high, c.low, c.close, c.volume) == (bar.open, bar.high, bar.low,
                                                              bar.close, bar.volume)
    kis.close()
