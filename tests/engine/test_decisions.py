"""Decisions on one account are one at a time: the rules a buy is checked against (one
buy per ticker, max_open_positions) and the intent it records are one step, for engines
in threads and in processes sharing the ledger; a buy still working counts as a position.

The races are made certain, not likely: KIS's balance (which every buy under
``max_open_positions`` reads while deciding) answers late, so two deciders that are not
kept apart both read the ledger before either records its intent.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from engines import FAST, make_engine
from pykis.engine import EngineSettings, ExecutionSettings, RiskLimits
from pykis.engine.store import DecisionLockError, Store
from pykis.sim import Env, SimServer
from pykis.sim.faults import FaultKind, FaultRule
from support import make_sim

ONE = RiskLimits(max_open_positions=1)
NO_WAIT = EngineSettings(execution=ExecutionSettings(
    fill_timeout=0.0, poll_interval=FAST.poll_interval, settle_seconds=FAST.settle_seconds))
SLOW_BALANCE = FaultRule(FaultKind.DELAY, seconds=0.15, tr_ids=("TTTC8434R",))


def test_a_buy_still_working_counts_as_an_open_position(tmp_path):
    sim = make_sim()
    with make_engine(sim, tmp_path, limits=ONE, settings=NO_WAIT) as engine:
        working = engine.execute_buy_order("005930", 1, price=60_000)  # below the market
        assert working.success and working.status == "accepted"
        refused = engine.execute_buy_order("000660", 1)
        assert not refused.success and refused.error == "risk"
        assert "open positions: 1 held, at most 1" in refused.message


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_engines_in_two_threads_never_exceed_max_open_positions(database, request, tmp_path):
    url = (f"sqlite:///{tmp_path / 'shared.sqlite3'}" if database == "sqlite"
           else request.getfixturevalue("postgres").create_database())
    sim = make_sim()
    sim.faults.replace([SLOW_BALANCE])
    engines = [make_engine(sim, tmp_path, database=url, limits=ONE, settings=NO_WAIT)
               for _ in range(2)]
    start = threading.Barrier(2)
    results = {}

    def buy(n: int, ticker: str) -> None:
        start.wait()
        results[ticker] = engines[n].execute_buy_order(ticker, 1)

    threads = [threading.Thread(target=buy, args=(n, t))
               for n, t in enumerate(("005930", "000660"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    try:
        assert sorted(r.success for r in results.values()) == [False, True], results
        [refused] = [r for r in results.values() if not r.success]
        assert refused.error == "risk" and "open positions" in refused.message
        account = sim.account_by_number(sim.credentials(Env.REAL).account_no)
        assert len([o for o in account.orders.values()]) == 1  # one order reached KIS
    finally:
        for engine in engines:
            engine.close()


def test_engines_in_two_processes_never_exceed_max_open_positions(tmp_path):
    sim = make_sim()
    creds = sim.credentials(Env.REAL)
    database, tokens, go = tmp_path / "shared.sqlite3", tmp_path / "tokens.json", tmp_path / "go"
    worker = Path(__file__).with_name("decision_worker.py")
    with SimServer(sim) as server:
        # One token for both, issued here, so that neither waits out KIS's token rule.
        make_engine(sim, tmp_path, database=database, base_url=server.base_url).close()
        sim.faults.replace([SLOW_BALANCE])
        processes = [subprocess.Popen(
            [sys.executable, str(worker), server.base_url, creds.app_key, creds.app_secret,
             creds.account_no, str(database), str(tokens), ticker, str(go)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for ticker in ("005930", "000660")]
        try:
            for process in processes:
                assert process.stdout.readline().strip() == "ready"
            go.touch()
            outputs = [process.communicate(timeout=60) for process in processes]
        finally:
            for process in processes:
                process.kill()
    results = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    assert sorted(r["success"] for r in results) == [False, True], outputs
    assert [r["error"] for r in results if not r["success"]] == ["risk"]
    account = sim.account_by_number(creds.account_no)
    assert len(account.orders) == 1


def test_a_decider_that_cannot_get_the_lock_gives_up_with_a_clear_error(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    with Store(url) as one, Store(url) as other:
        with one.decision_lock("real:1234567801"):
            with pytest.raises(DecisionLockError, match="another engine on this account"):
                with other.decision_lock("real:1234567801", timeout=0.05):
                    pass
            with other.decision_lock("real:9999999901", timeout=0.05):
                pass  # another account decides meanwhile
