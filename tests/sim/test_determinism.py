"""Reproducibility and internal consistency of the synthetic market: the same seed and
moment give byte-identical answers; bars chain and respect the KRX rules at any date."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pykis.market import KST, is_on_grid, price_limits
from pykis.sim import Env, SimConfig, Simulator
from pykis.sim.market import FIRST_DAY
from support import MORNING, QUOTES, caller, make_sim, ok

CALLS = [
    (QUOTES + "inquire-price", "FHKST01010100", {"FID_COND_MRKT_DIV_CODE": "J",
                                                  "FID_INPUT_ISCD": "000660"}),
    (QUOTES + "inquire-asking-price-exp-ccn", "FHKST01010200",
     {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "069500"}),
    (QUOTES + "inquire-daily-itemchartprice", "FHKST03010100",
     {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "035720", "FID_INPUT_DATE_1": "20250101",
      "FID_INPUT_DATE_2": "20261120", "FID_PERIOD_DIV_CODE": "W", "FID_ORG_ADJ_PRC": "0"}),
    (QUOTES + "inquire-ccnl", "FHKST01010300", {"FID_COND_MRKT_DIV_CODE": "J",
                                                 "FID_INPUT_ISCD": "005930"}),
]


def answers(seed: int) -> list[bytes]:
    kis = caller(make_sim(seed=seed))
    return [kis.get(path, tr_id, params).content for path, tr_id, params in CALLS]


def test_same_seed_same_answers_different_seed_different_market() -> None:
    assert answers(42) == answers(42)
    assert answers(42) != answers(43)


def test_same_seed_same_credentials() -> None:
    first, second = make_sim(seed=5), make_sim(seed=5)
    assert first.credentials(Env.REAL) == second.credentials(Env.REAL)
    assert first.credentials(Env.PAPER) != make_sim(seed=6).credentials(Env.PAPER)


def test_daily_bars_chain_and_follow_the_rules() -> None:
    sim = make_sim()
    for code in ("005930", "252670", "207940", "003280"):
        bars = sim.market.daily_bars(code, FIRST_DAY, MORNING.date(), MORNING)
        assert bars[0].date == FIRST_DAY and bars[-1].date == MORNING.date()
        kind = sim.market.universe[code].kind
        for before, bar in zip(bars, bars[1:]):
            assert bar.base == before.close
            limits = price_limits(bar.base, kind)
            assert limits.lower <= bar.low <= min(bar.open, bar.close)
            assert max(bar.open, bar.close) <= bar.high <= limits.upper
            assert all(is_on_grid(p, kind) for p in (bar.open, bar.high, bar.low, bar.close))
            assert bar.volume > 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000),
       minute=st.integers(0, 24 * 60 - 1),
       days=st.integers(0, 900),
       code=st.sampled_from(["005930", "000660", "069500", "252670", "032820", "010130"]))
def test_any_seed_and_moment_gives_a_valid_quote(seed, minute, days, code) -> None:
    moment = dt.datetime(2024, 1, 2, tzinfo=KST) + dt.timedelta(days=days, minutes=minute)
    sim = Simulator(SimConfig(seed=seed, start=moment, frozen=True))
    quote = sim.market.quote(code, moment)
    kind = sim.market.universe[code].kind
    assert quote.limits == price_limits(quote.base, kind)
    assert is_on_grid(quote.price, kind)
    assert quote.limits.lower <= quote.price <= quote.limits.upper
    if quote.volume:
        assert quote.low <= quote.price <= quote.high
        assert quote.low <= quote.open <= quote.high
    else:
        assert quote.price == quote.base
    book = sim.market.book(quote)
    assert all(p == 0 or quote.limits.lower <= p <= quote.limits.upper
               for p, _ in book.asks + book.bids)


def test_a_moved_price_becomes_history_the_next_day() -> None:
    sim = make_sim()
    kis = caller(sim)
    target = int(ok(kis.price())["output"]["stck_prpr"]) + 3_000
    kis.http.post("/_sim/market/005930/price", json={"price": target})
    sim.clock.set(dt.datetime(2026, 11, 20, 15, 40, tzinfo=KST))
    close = sim.market.quote("005930", sim.clock.now()).price
    sim.clock.set(dt.datetime(2026, 11, 23, 10, 0, tzinfo=KST))
    monday = sim.market.quote("005930", sim.clock.now())
    assert monday.base == close  # Friday's realized close is Monday's base price
    friday = sim.market.daily_bars("005930", MORNING.date(), MORNING.date(), sim.clock.now())[0]
    assert friday.close == close and friday.high >= target


def test_extra_synthetic_listings_leave_the_real_ones_alone() -> None:
    plain, bigger = make_sim(), make_sim(extra_listings=250)
    assert len(bigger.market.universe) == len(plain.market.universe) + 250
    for code, inst in plain.market.universe.items():
        assert bigger.market.universe[code] == inst
    synthetic = bigger.market.universe["900249"]
    assert synthetic.name == "시뮬종목0250" and synthetic.kind == "STOCK"
    quote = bigger.market.quote("900249", MORNING)
    assert quote.limits.lower <= quote.price <= quote.limits.upper
