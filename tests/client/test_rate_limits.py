"""KIS's per-second limit, shared by threads, tasks and processes using one app key:
with the default client rates and a shared file store, the simulator (which enforces
20/s real and 2/s paper like KIS) never has to answer EGW00201."""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import threading
from pathlib import Path

import pytest

from pykis import KIS, AsyncKIS
from pykis.sim import Env, SimServer
from pykis.utils.ratelimit import FileStore
from support import make_sim


def _arguments(creds: dict, base_url: str, tmp: str) -> dict:
    return {"app_key": creds["app_key"], "app_secret": creds["app_secret"],
            "account_no": creds["account_no"], "is_paper": creds["paper"],
            "base_url": base_url, "token_path": f"{tmp}/tokens.json",
            "rate_store": FileStore(f"{tmp}/rate")}


def _threads(creds: dict, base_url: str, tmp: str, threads: int, calls: int) -> list[str]:
    answers: list[str] = []

    def work() -> None:
        with KIS(**_arguments(creds, base_url, tmp)) as kis:
            answers.extend(kis.fetch_ticker("005930").symbol for _ in range(calls))

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return answers


def _tasks(creds: dict, base_url: str, tmp: str, tasks: int, calls: int) -> list[str]:
    async def run() -> list[str]:
        async with AsyncKIS(**_arguments(creds, base_url, tmp)) as kis:
            async def work() -> list[str]:
                return [(await kis.fetch_ticker("005930")).symbol for _ in range(calls)]

            results = await asyncio.gather(*(work() for _ in range(tasks)))
        return [symbol for batch in results for symbol in batch]

    return asyncio.run(run())


def _process(creds: dict, base_url: str, tmp: str, calls: int, results) -> None:
    results.put(_threads(creds, base_url, tmp, 1, calls))


@pytest.mark.parametrize(("env", "threads", "tasks", "calls"), [
    (Env.REAL, 4, 8, 6),
    (Env.PAPER, 2, 2, 2),
])
def test_one_key_shared_everywhere_never_hits_the_limit(tmp_path: Path, env, threads, tasks,
                                                         calls) -> None:
    sim = make_sim(rate_limits=True)  # 20/s real, 2/s paper, like KIS
    sim.clock.set(sim.clock.now(), frozen=False)
    account = sim.credentials(env)
    creds = {"app_key": account.app_key, "app_secret": account.app_secret,
             "account_no": account.account_no, "paper": env is Env.PAPER}
    context = mp.get_context("spawn")
    results = context.Queue()
    with SimServer(sim) as server:
        _threads(creds, server.base_url, str(tmp_path), 1, 1)  # a token to share first
        processes = [context.Process(target=_process, args=(creds, server.base_url,
                                                            str(tmp_path), calls, results))
                     for _ in range(2)]
        for process in processes:
            process.start()
        answers = _threads(creds, server.base_url, str(tmp_path), threads, calls)
        answers += _tasks(creds, server.base_url, str(tmp_path), tasks, calls)
        for _ in processes:
            answers += results.get(timeout=120)
        for process in processes:
            process.join(60)
    assert answers == ["005930"] * (threads + tasks + 2) * calls  # nothing surfaced
    stats = sim.auth.stats_of(account.app_key)
    # Calls leave on schedule or late, never early; a thread stalled by a busy machine
    # can still land two calls in one second of the server's window, which the client
    # retries. Unshared limiters would draw dozens of refusals here.
    assert stats.rate_limited <= 2 and stats.tokens_issued == 1
