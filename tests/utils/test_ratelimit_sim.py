"""Both client limiters against the simulator's sliding and fixed windows, in simulated time.

One clock, moved by hand, is read by the client's store and by the simulator's limiter
(``pykis.sim.ratelimit.RateLimiter``, what answers EGW00201 like KIS). A call books its
slot when it is asked for, then reaches the simulator a *lateness* after that slot: the
sleep's overshoot, the scheduler, the network. The limiters' defaults promise no EGW00201
while latenesses differ by less than their margin (50 ms real, 250 ms paper;
``pykis.utils.ratelimit``), whether KIS's second slides or starts on the clock; beyond
the margin, and with no margin at all, the simulator does refuse (the last tests), so the
first ones could fail.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pykis.sim import Env
from pykis.sim.ratelimit import RateLimiter as SimLimiter
from pykis.sim.ratelimit import WindowKind
from pykis.utils.ratelimit import LIMITERS, FileStore, MemoryStore, Rate, RateStore, Window
from support import Kis, make_sim

KIS_LIMITS = {"real": 20, "paper": 2}  # what the simulator enforces, as KIS does
MARGINS = {"real": 0.05, "paper": 0.25}  # what the module docstring promises


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_store(kind: str, clock: Clock, directory: Path) -> RateStore:
    return MemoryStore(clock) if kind == "memory" else FileStore(directory, clock=clock)


def book(store: RateStore, clock: Clock, limit: Rate | Window, asked: list[float],
         lateness: list[float]) -> list[float]:
    """When each call reaches the server: booked in the order asked, each at its time."""
    arrivals = []
    for at, late in zip(asked, lateness):
        clock.now = at
        arrivals.append(at + store.reserve("app", limit) + late)
    return sorted(arrivals)


def refused(kind: WindowKind, clock: Clock, arrivals: list[float], kis_limit: int) -> int:
    server = SimLimiter(kind, now=clock)
    refusals = 0
    for at in arrivals:
        clock.now = at
        refusals += not server.allow("app", kis_limit)
    return refusals


# Calls come in bursts (a snapshot's 10 at once, a loop's one at a time) at any moment.
bursts = st.lists(st.tuples(st.floats(0, 4), st.integers(1, 25)), min_size=1, max_size=8)
ALL = [(environment, limiter, window, store)
       for environment in KIS_LIMITS for limiter in LIMITERS
       for window in WindowKind for store in ("memory", "file")]


@pytest.mark.parametrize(("environment", "limiter", "window", "store_kind"), ALL)
@settings(max_examples=60)
@given(bursts=bursts, start=st.floats(1000, 1001), data=st.data())
def test_no_egw00201_while_lateness_stays_within_the_margin(
        tmp_path_factory: pytest.TempPathFactory, environment: str, limiter: str,
        window: WindowKind, store_kind: str, bursts: list[tuple[float, int]], start: float,
        data: st.DataObject) -> None:
    asked = sorted(start + at for at, count in bursts for _ in range(count))
    margin = MARGINS[environment]
    lateness = data.draw(st.lists(st.floats(0, margin, exclude_max=True),
                                  min_size=len(asked), max_size=len(asked)))
    clock = Clock(start)
    store = make_store(store_kind, clock, tmp_path_factory.mktemp("rate"))
    arrivals = book(store, clock, LIMITERS[limiter][environment], asked, lateness)
    assert refused(window, clock, arrivals, KIS_LIMITS[environment]) == 0


@pytest.mark.parametrize("window", list(WindowKind))
@pytest.mark.parametrize("limiter", list(LIMITERS))
@pytest.mark.parametrize("env", [Env.REAL, Env.PAPER])
def test_the_simulator_answers_every_call(env: Env, limiter: str, window: WindowKind) -> None:
    # Through the simulator's HTTP gate: a snapshot's burst, then a loop of calls, each
    # late by up to just under the margin in a pattern that bunches them (the first of a
    # window latest, the next on time).
    environment = "paper" if env is Env.PAPER else "real"
    sim = make_sim(rate_limits=True)
    clock = Clock(1000.5)
    sim.limiter = SimLimiter(window, now=clock)
    kis = Kis(sim, httpx.Client(transport=sim.transport(), base_url="http://sim"),
              sim.credentials(env))
    kis.token
    asked = [1000.5] * 10 + [1000.5 + n * 0.01 for n in range(50)]
    margin = MARGINS[environment] * 0.98
    lateness = [margin if n % KIS_LIMITS[environment] == 0 else 0.0 for n in range(60)]
    arrivals = book(MemoryStore(clock), clock, LIMITERS[limiter][environment], asked,
                    lateness)
    for at in arrivals:
        clock.now = at
        assert kis.price().status_code == 200, f"EGW00201 at {at - 1000.5:.3f} s"
    assert sim.auth.stats_of(kis.creds.app_key).rate_limited == 0


# --- the margin is needed, and no wider than promised ---------------------------------------

@pytest.mark.parametrize("limiter", list(LIMITERS))
@pytest.mark.parametrize("environment", list(KIS_LIMITS))
def test_lateness_beyond_the_margin_draws_egw00201(environment: str, limiter: str) -> None:
    # KIS's limit + 1 calls asked at once; the first ones reach the server late, past the
    # margin, the last on time: all of them land in one second. A window's burst has to
    # be late as a whole (it leaves as one); of evenly spaced calls, the first two.
    kis_limit, margin = KIS_LIMITS[environment], MARGINS[environment]
    late = margin + 0.013  # past the spaced real margin too (1/19 s = 52.6 ms)
    late_calls = kis_limit if limiter == "window" else 2
    clock = Clock(1000.0)
    asked = [1000.0] * (kis_limit + 1)
    lateness = [late] * late_calls + [0.0] * (kis_limit + 1 - late_calls)
    arrivals = book(MemoryStore(clock), clock, LIMITERS[limiter][environment], asked,
                    lateness)
    assert refused(WindowKind.SLIDING, clock, arrivals, kis_limit) == 1


def test_lateness_beyond_the_margin_draws_egw00201_in_a_fixed_second_too() -> None:
    # A burst booked 70 ms before a clock second arrives 80 ms late, inside that second;
    # the 21st call, booked 1.05 s after the burst, arrives on time at 0.98 s into it.
    clock = Clock(999.93)
    arrivals = book(MemoryStore(clock), clock, LIMITERS["window"]["real"], [999.93] * 21,
                    [0.08] * 20 + [0.0])
    assert refused(WindowKind.FIXED, clock, arrivals, 20) == 1


@pytest.mark.parametrize("window", list(WindowKind))
def test_a_window_of_exactly_kis_s_size_leaves_no_room(window: WindowKind) -> None:
    # Window(20, 1.0) obeys KIS's count exactly as booked, and a millisecond of lateness
    # on the first burst is enough for EGW00201: hence the margin.
    clock = Clock(1000.0 if window is WindowKind.SLIDING else 999.9995)
    asked = [clock.now] * 21
    arrivals = book(MemoryStore(clock), clock, Window(20, 1.0), asked, [0.001] * 20 + [0.0])
    assert refused(window, clock, arrivals, 20) == 1
