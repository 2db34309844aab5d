"""Fixtures shared by every test: a simulator frozen on a trading morning, an in-process
HTTP client to it, and KIS accounts of both environments."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from support import Kis, make_sim

from pykis.sim import Env, Simulator


@pytest.fixture
def sim() -> Simulator:
    return make_sim()


@pytest.fixture
def http(sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(transport=sim.transport(), base_url="http://sim") as client:
        yield client


@pytest.fixture
def real(sim: Simulator, http: httpx.Client) -> Kis:
    return Kis(sim, http, sim.credentials(Env.REAL))


@pytest.fixture
def paper(sim: Simulator, http: httpx.Client) -> Kis:
    return Kis(sim, http, sim.credentials(Env.PAPER))


@pytest.fixture(params=[Env.REAL, Env.PAPER], ids=["real", "paper"])
def kis(request, sim: Simulator, http: httpx.Client) -> Kis:
    """The same test in both environments."""
    return Kis(sim, http, sim.credentials(request.param))
