"""KIS's per-second limit, shared by threads, tasks and processes using one app key, for
real: with either limiter at its defaults and a shared file store, the simulator (which
enforces 20/s real and 2/s paper like KIS, in a sliding or a fixed window) never has to
answer EGW00201, and never sees more than KIS's limit in any second.

Simulated time covers the limiters' arithmetic (tests/utils/test_ratelimit_sim.py); here
real threads, an event loop and spawned processes race for one schedule, kept short."""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from bisect import bisect_left
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from processes import process_context
from pykis import KIS, AsyncKIS
from pykis.cli.main import app
from pykis.exceptions import InvalidInputError
from pykis.sim import AccountSpec, Env, SimConfig, SimServer, Simulator
from pykis.sim.ratelimit import RateLimiter as SimLimiter
from pykis.sim.ratelimit import WindowKind
from pykis.utils.ratelimit import SPACED_RATES, WINDOWS, FileStore, MemoryStore, Rate, Window
from support import make_sim

SYMBOL = "005930"


def _arguments(creds: dict, base_url: str, tmp: str, limiter: str) -> dict:
    return {"app_key": creds["app_key"], "app_secret": creds["app_secret"],
            "account_no": creds["account_no"], "is_paper": creds["paper"],
            "base_url": base_url, "token_path": f"{tmp}/tokens.json",
            "rate_store": FileStore(f"{tmp}/rate"), "rate": limiter}


def _process(creds: dict, base_url: str, tmp: str, limiter: str, calls: int,
             ready: Any, go: Any, results: Any) -> None:
    with KIS(**_arguments(creds, base_url, tmp, limiter)) as kis:
        ready.put(True)
        go.wait(60)
        results.put([kis.fetch_ticker(SYMBOL).symbol for _ in range(calls)])


def _threads(kis: KIS, threads: int, calls: int, go: threading.Event) -> list[str]:
    answers: list[str] = []

    def work() -> None:
        go.wait(60)
        answers.extend(kis.fetch_ticker(SYMBOL).symbol for _ in range(calls))

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return answers


def _tasks(arguments: dict, tasks: int, calls: int, go: threading.Event) -> list[str]:
    async def run() -> list[str]:
        async with AsyncKIS(**arguments) as kis:
            await asyncio.to_thread(go.wait, 60)

            async def work() -> list[str]:
                return [(await kis.fetch_ticker(SYMBOL)).symbol for _ in range(calls)]

            results = await asyncio.gather(*(work() for _ in range(tasks)))
        return [symbol for batch in results for symbol in batch]

    return asyncio.run(run())


class Arrivals:
    """The simulator limiter's clock (``time.monotonic``), remembering every reading: when
    each call reached the gate."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def __call__(self) -> float:
        now = time.monotonic()
        self.times.append(now)
        return now


def most_in_one_second(times: list[float]) -> int:
    times = sorted(times)
    return max(bisect_left(times, start + 1.0) - i for i, start in enumerate(times))


# (environment, processes × calls, threads × calls, tasks × calls): every party a share of
# about 2 s of KIS's limit, all at once.
LOADS = {Env.REAL: ((2, 6), (2, 6), (4, 3)), Env.PAPER: ((1, 1), (1, 1), (1, 1))}
CASES = [(Env.REAL, limiter, window) for limiter in ("window", "spaced")
         for window in WindowKind] + [(Env.PAPER, "window", WindowKind.SLIDING),
                                      (Env.PAPER, "spaced", WindowKind.FIXED)]


@pytest.mark.parametrize(("env", "limiter", "window"), CASES)
def test_one_key_shared_everywhere_never_hits_the_limit(tmp_path: Path, env: Env,
                                                        limiter: str,
                                                        window: WindowKind) -> None:
    sim = make_sim(rate_limits=True)  # 20/s real, 2/s paper, like KIS
    sim.clock.set(sim.clock.now(), frozen=False)
    arrivals = Arrivals()
    sim.limiter = SimLimiter(window, now=arrivals)
    account = sim.credentials(env)
    creds = {"app_key": account.app_key, "app_secret": account.app_secret,
             "account_no": account.account_no, "paper": env is Env.PAPER}
    (processes, process_calls), (threads, thread_calls), (tasks, task_calls) = LOADS[env]
    context = process_context()
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    with SimServer(sim) as server:
        arguments = _arguments(creds, server.base_url, str(tmp_path), limiter)
        with KIS(**arguments) as kis:
            kis.fetch_ticker(SYMBOL)  # a token to share first
            children = [context.Process(target=_process, args=(
                creds, server.base_url, str(tmp_path), limiter, process_calls, ready, go,
                results)) for _ in range(processes)]
            for child in children:
                child.start()
            for _ in children:
                ready.get(timeout=60)
            local_go = threading.Event()
            tasked: list[str] = []
            loop = threading.Thread(target=lambda: tasked.extend(
                _tasks(arguments, tasks, task_calls, local_go)))
            loop.start()
            go.set()
            local_go.set()
            answers = _threads(kis, threads, thread_calls, local_go)
            loop.join(60)
            answers += tasked
            for _ in children:
                answers += results.get(timeout=60)
            for child in children:
                child.join(60)
    calls = processes * process_calls + threads * thread_calls + tasks * task_calls
    assert answers == [SYMBOL] * calls  # nothing surfaced
    stats = sim.auth.stats_of(account.app_key)
    assert stats.rate_limited == 0 and stats.tokens_issued == 1
    assert stats.requests == calls + 1
    kis_limit = 20 if env is Env.REAL else 2
    assert most_in_one_second(arrivals.times) <= kis_limit


# --- choosing the limiter ---------------------------------------------------------------------

def _limit_of(cls: type, env: Env, tmp_path: Path, **options: Any) -> Rate | Window:
    """The limit a client built with ``options`` keeps."""
    sim = make_sim()
    creds = sim.credentials(env)
    client = cls(creds.app_key, creds.app_secret, creds.account_no, is_paper=env is Env.PAPER,
                 base_url="http://sim", token_path=tmp_path / "tokens.json",
                 rate_store=MemoryStore(), **options)
    limit = client._limiter.rate
    if isinstance(client, AsyncKIS):
        asyncio.run(client.aclose())
    else:
        client.close()
    return limit


@pytest.mark.parametrize("cls", [KIS, AsyncKIS])
@pytest.mark.parametrize("env", [Env.REAL, Env.PAPER])
def test_the_window_is_the_default_and_the_spaced_limiter_one_word_away(
        tmp_path: Path, cls: type, env: Env) -> None:
    environment = "paper" if env is Env.PAPER else "real"
    assert _limit_of(cls, env, tmp_path) == WINDOWS[environment]
    assert _limit_of(cls, env, tmp_path, rate="window") == WINDOWS[environment]
    assert _limit_of(cls, env, tmp_path, rate="spaced") == SPACED_RATES[environment]
    assert _limit_of(cls, env, tmp_path, rate=Window(5, 2.0)) == Window(5, 2.0)
    assert _limit_of(cls, env, tmp_path, rate=Rate(3.0)) == Rate(3.0)


@pytest.mark.parametrize("cls", [KIS, AsyncKIS])
@pytest.mark.parametrize("rate", ["fast", 19, 19.0, {"calls": 20}])
def test_a_rate_that_is_no_limit_is_refused_by_name(tmp_path: Path, cls: type,
                                                    rate: object) -> None:
    with pytest.raises(InvalidInputError) as refused:
        _limit_of(cls, Env.REAL, tmp_path, rate=rate)
    assert refused.value.argument == "rate" and "spaced" in refused.value.allowed


# --- the command line -----------------------------------------------------------------------

def _primed_sim(symbols: int, tmp_path: Path) -> tuple[Simulator, list[str]]:
    """KIS's limits on, ``symbols`` codes, each quoted twice already by another real
    account: a symbol's first quotes build its day, a one-off cost the timing below must
    not include (a quiet market builds quicker)."""
    sim = Simulator(SimConfig(always_open=True, extra_listings=symbols, activity=0.01,
                              accounts=[AccountSpec(Env.REAL), AccountSpec(Env.REAL)]))
    codes = list(sim.market.universe)[:symbols]
    limits, sim.rate_limits = sim.rate_limits, {Env.REAL: 0, Env.PAPER: 0}
    other = sim.credentials(Env.REAL, 1)
    with KIS(other.app_key, other.app_secret, other.account_no, base_url="http://sim",
             transport=sim.transport(), token_path=tmp_path / "other.json",
             rate_store=MemoryStore()) as kis:
        kis.fetch_tickers(codes)
        kis.fetch_tickers(codes)
    sim.rate_limits = limits
    return sim, codes


def test_pykis_quote_sends_a_snapshot_s_calls_together(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # `pykis quote` of 300 symbols is 10 multi-quote calls. The window limiter (the
    # default) sends them together; evenly spaced at 19/s they took 9/19 s = 0.47 s from
    # the first to the last to reach KIS.
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("KIS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PYKIS_CACHE_DIR", str(tmp_path / "cache"))
    sim, codes = _primed_sim(300, tmp_path)
    arrivals = Arrivals()
    sim.limiter = SimLimiter(WindowKind.SLIDING, now=arrivals)
    creds = sim.credentials(Env.REAL)
    with SimServer(sim) as server:
        result = CliRunner().invoke(app, ["quote", *codes, "--json", "--base-url",
                                          server.base_url], env={
            "KIS_APP_KEY": creds.app_key, "KIS_APP_SECRET": creds.app_secret,
            "KIS_ACCOUNT_NO": creds.account_no,
            "KIS_TOKEN_PATH": str(tmp_path / "tokens.json")})
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 300
    assert sim.auth.stats_of(creds.app_key).rate_limited == 0
    assert len(arrivals.times) == 10
    # Evenly spaced at 19/s, ten calls cannot reach KIS within 9/19 s of each other; sent
    # together they do, with room for a loaded machine (the spread here is ~0.05 s).
    assert max(arrivals.times) - min(arrivals.times) < 9 / 19
