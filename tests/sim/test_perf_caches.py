"""The simulator's caches (fills between two fills, index minutes at one moment) never
hide a change: a new fill, or a price moved by hand at a frozen moment."""

from __future__ import annotations

from pykis.sim.indices import INDICES, IndexBook
from support import caller, make_sim, ok


def test_balance_sees_every_new_fill() -> None:
    kis = caller(make_sim())
    ok(kis.order("buy", "005930", 1))
    assert ok(kis.balance())["output1"][0]["thdt_buyqty"] == "1"
    ok(kis.order("buy", "005930", 2))
    assert ok(kis.balance())["output1"][0]["thdt_buyqty"] == "3"
    ok(kis.order("sell", "005930", 3))
    row = ok(kis.balance())["output1"][0]  # sold out: kept with 0 until it settles
    assert (row["pdno"], row["hldg_qty"], row["thdt_sll_qty"]) == ("005930", "0", "3")


def test_index_minutes_follow_a_price_moved_at_a_frozen_moment() -> None:
    sim = make_sim()
    market, now = sim.market, sim.clock.now()
    book, kospi = IndexBook(market), INDICES["0001"]
    day = market.market_day(now)
    before = book.minutes(kospi, day, now)
    assert book.minutes(kospi, day, now) == before  # asked again: the same
    market.move_price("005930", now, market.quote("005930", now).limits.upper)
    after = book.minutes(kospi, day, now)
    assert after[-1][1] > before[-1][1] and after[:-1] == before[:-1]
    assert book.level(kospi, now).bar.close == after[-1][1]
