"""Client fixtures: each test runs with ``KIS`` and ``AsyncKIS``, real and paper."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clients import build
from pykis.sim import Env, Simulator
from support import make_sim


@pytest.fixture
def sim() -> Simulator:
    return make_sim()


@pytest.fixture(params=["sync", "async"])
def kind(request) -> str:
    return request.param


@pytest.fixture(params=[Env.REAL, Env.PAPER], ids=["real", "paper"])
def env(request) -> Env:
    return request.param


@pytest.fixture
def kis(sim: Simulator, env: Env, kind: str, tmp_path: Path) -> Iterator[Any]:
    client = build(sim, env, kind, tmp_path)
    yield client
    client.close()


@pytest.fixture
def real(sim: Simulator, kind: str, tmp_path: Path) -> Iterator[Any]:
    client = build(sim, Env.REAL, kind, tmp_path)
    yield client
    client.close()


@pytest.fixture
def paper(sim: Simulator, kind: str, tmp_path: Path) -> Iterator[Any]:
    client = build(sim, Env.PAPER, kind, tmp_path)
    yield client
    client.close()
