"""Fixtures shared by every test: a simulator frozen on a trading morning, an in-process
HTTP client to it, and KIS accounts of both environments."""

from __future__ import annotations

import gc
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer.testing
from hypothesis import settings

from pykis.sim import Env, SimConfig, Simulator
from support import Kis, make_sim

# Property tests draw the same examples every run of one Hypothesis version, with no time
# limit per example (a result depends on the code, not on luck or a busy machine);
# `pytest --hypothesis-profile=explore` draws fresh ones to look for new failures.
settings.register_profile("deterministic", derandomize=True, deadline=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile("deterministic")

# Temporary directories in memory where the machine has a tmpfs: the engine's SQLite
# ledgers commit (and fsync) on every order, which on a disk costs milliseconds each.
# pytest reads this when it makes its base directory (pytest-of-<user>/pytest-<n>, the
# last three kept); xdist's workers get directories inside the main process's. Not
# where the tmpfs is small (a container's default is 64 MB).
SHM = Path("/dev/shm")


def _roomy(path: Path, least: int = 2 << 30) -> bool:
    try:
        room = os.statvfs(path)
    except OSError:
        return False
    return os.access(path, os.W_OK) and room.f_bavail * room.f_frsize >= least


if "PYTEST_DEBUG_TEMPROOT" not in os.environ and _roomy(SHM):
    os.environ["PYTEST_DEBUG_TEMPROOT"] = str(SHM)

# Bytecode is cached even where the environment says not to (PYTHONDONTWRITEBYTECODE=1,
# as on this project's CI machines): the suite starts a hundred-odd Python processes
# (xdist's workers, the CLI's and the examples' runs, crash and rate-limit workers), and
# without the cache each compiles every module of pykis it imports again; measured, a
# sixth of the suite's CPU time. Set before the workers are started, so they and every
# process they start inherit it; the caches go to __pycache__ (ignored by git).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False


def _command_once(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """typer's CliRunner turns the app into its click command on every ``invoke``: some
    25 ms for pykis's three hundred options, and the suite invokes the CLI hundreds of
    times. The app is fixed once imported, so its command is made once per app."""
    made: dict[int, tuple[Any, Any]] = {}

    def command(app: Any) -> Any:
        known = made.get(id(app))
        if known is None or known[0] is not app:
            known = made[id(app)] = (app, convert(app))
        return known[1]
    return command


if callable(getattr(typer.testing, "_get_command", None)):  # typer's private helper
    typer.testing._get_command = _command_once(typer.testing._get_command)

JWT_HEADER = "eyJ0eXAiOiJKV1Qi"  # how every access token KIS (and the simulator) issues starts
# A WebSocket approval key, wherever KIS's wire format puts it (redacted to *** in logs).
APPROVAL_KEY = re.compile(r'"approval_key"\s*:\s*"(?!\*\*\*)[^"]|invalid approval\s*:\s*(?!\*\*\*)\S')


class Recording(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """The whole suite (``pytest`` with no paths) runs on xdist's workers, as addopts
    says; chosen tests (paths or ids given) run in this one process unless ``-n`` is
    given too: for a module or two, starting workers costs more than it saves. (Runs
    before xdist's own hook, which reads ``numprocesses``.)"""
    given = config.invocation_params.args
    explicit = any(a in ("-n", "--numprocesses") or a.startswith("--numprocesses=")
                   or (a.startswith("-n") and a[2:] in ("auto", "logical"))
                   or (a.startswith("-n") and a[2:].isdigit()) for a in given)
    if config.args_source is not pytest.Config.ArgsSource.TESTPATHS and not explicit:
        config.option.numprocesses = 0


def pytest_collection_finish(session: pytest.Session) -> None:
    """What exists once the tests are collected (modules, the items, their parameters)
    lives for the whole run: frozen, the garbage collector stops scanning it again and
    again (a few percent of the suite's CPU)."""
    gc.collect()
    gc.freeze()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` run first: with xdist's workers, a long test started last
    would keep one worker busy after the others are done."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Clients built with their defaults keep tokens and rate state here, never in the
    user's ~/.cache."""
    previous = os.environ.get("PYKIS_CACHE_DIR")
    os.environ["PYKIS_CACHE_DIR"] = str(tmp_path_factory.mktemp("pykis-cache"))
    yield
    if previous is None:
        del os.environ["PYKIS_CACHE_DIR"]
    else:
        os.environ["PYKIS_CACHE_DIR"] = previous


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test has a cache of its own (tokens, rate-limit state, the day's listings): a
    simulator of one test is not the simulator of another, though its host is named the
    same ("http://sim")."""
    monkeypatch.setenv("PYKIS_CACHE_DIR", str(tmp_path / "pykis-cache"))


@pytest.fixture(scope="session", autouse=True)
def nothing_secret_is_logged() -> Iterator[None]:
    """Everything any library logs during the whole run, at DEBUG, is scanned at the end
    for app secrets, access tokens and WebSocket approval keys."""
    root, recording = logging.getLogger(), Recording()
    level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(recording)
    yield
    root.removeHandler(recording)
    root.setLevel(level)
    default = Simulator(SimConfig())
    secrets = [default.credentials(env).app_secret for env in Env] + [JWT_HEADER]
    # One search through everything first (a whole run logs millions of lines); the
    # lines themselves only if it finds something.
    everything = "\n".join(recording.lines)
    if any(s in everything for s in secrets) or APPROVAL_KEY.search(everything):
        leaked = [line for line in recording.lines
                  if any(s in line for s in secrets) or APPROVAL_KEY.search(line)]
        assert not leaked, f"secrets in the logs: {leaked[:3]}"


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
