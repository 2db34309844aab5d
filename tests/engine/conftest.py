"""Database fixtures of the engine tests: every store test runs on SQLite and on a real
PostgreSQL server (a throwaway cluster, see ``pgcluster``).

Without PostgreSQL binaries the PostgreSQL cases skip and say why, unless
``PYKIS_REQUIRE_POSTGRES=1`` (set by ``.ci/run``): then they fail.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator

import pytest

from pgcluster import Cluster, PostgresUnavailable
from pykis.engine.store import Store

DATABASES = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    try:
        cluster = Cluster()
    except PostgresUnavailable as reason:
        if os.environ.get("PYKIS_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PYKIS_REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
        pytest.skip(str(reason))
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'engine.sqlite3'}"
    return request.getfixturevalue("postgres").create_database()


class Clock:
    """A clock the test moves by hand; starts on a trading morning (KST 10:30)."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    from pykis.market import KST

    return Clock(dt.datetime(2026, 3, 3, 10, 30, tzinfo=KST))


@pytest.fixture
def store(database_url: str, clock: Clock) -> Iterator[Store]:
    with Store(database_url, clock=clock) as opened:
        yield opened


@pytest.fixture
def make_store(database_url: str, clock: Clock) -> Iterator[Callable[..., Store]]:
    """Stores on the same database (several processes' views of one ledger)."""
    opened: list[Store] = []

    def make(**options: object) -> Store:
        opened.append(Store(database_url, **{"clock": clock, **options}))
        return opened[-1]

    yield make
    for each in opened:
        each.close()
