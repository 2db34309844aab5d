"""The seeds' code runs as written: their constructors name no host and no clock, so the
simulator is reached the way a user points unchanged code at it, through
``KIS_BASE_URL``, and its day is the clients' (its clock stands at the start of the test
module) with a market that never closes (as ``pykis sim --always-open``); the engine
seed's ``KISAPIClient()`` reads its credentials from the environment too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from pykis.market import KST
from pykis.sim import Credentials, Env, SimConfig, SimServer, Simulator


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Simulator, str]]:
    # Today, as the clients' own clocks know it, but frozen: a price read by a client and
    # by the test is the same price.
    sim = Simulator(SimConfig(start=dt.datetime.now(KST), frozen=True, always_open=True,
                              rate_limits={Env.REAL: 0, Env.PAPER: 0}))
    with SimServer(sim) as server:
        yield sim, server.base_url


@pytest.fixture
def sim(served) -> Simulator:
    sim, _ = served
    sim.reset()
    return sim


@pytest.fixture
def base_url(served, monkeypatch: pytest.MonkeyPatch) -> str:
    _, url = served
    monkeypatch.setenv("KIS_BASE_URL", url)
    return url


@pytest.fixture
def real(sim: Simulator, base_url: str) -> Credentials:
    return sim.credentials(Env.REAL)


@pytest.fixture
def paper(sim: Simulator, base_url: str) -> Credentials:
    return sim.credentials(Env.PAPER)


@pytest.fixture(autouse=True)
def own_tokens(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test keeps its tokens apart: the simulator is reset between tests, and a
    token of the simulator before the reset is no longer known to it."""
    monkeypatch.setenv("KIS_TOKEN_PATH", str(tmp_path / "tokens.json"))
