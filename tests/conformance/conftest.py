"""One simulator on a real socket for the whole conformance run, and each community client
(python-kis, mojito2) in a process of its own, per environment, on accounts of its own.

The simulator's day is today as the clients' own clocks know it (they read the machine's
clock), frozen so that what a client read and what the test reads from the simulator are
the same moment, with a market that never closes (``pykis sim --always-open``). Real-time
tests move the frozen clock on by hand to make trades happen. The simulator's per-second
limits are off: the clients are judged on what they send and what they make of the
answers, and mojito2 has no limiter of its own (python-kis keeps its own: 19/s real,
2/s paper, which it waits out on the wall clock).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from conformance.support import SYMBOL, Client, Served, Wire, Worker
from pykis.market import KST
from pykis.sim import AccountSpec, Credentials, Env, SimConfig, SimServer, Simulator

HOLDING = (10, 60_000)  # every client account starts with 10 shares of SYMBOL at 60,000
CASH = 50_000_000
CLIENTS = ("python-kis", "mojito2")
ENVS = ("real", "paper")


@pytest.fixture(scope="session")
def served() -> Iterator[Served]:
    sim = Simulator(SimConfig(start=dt.datetime.now(KST), frozen=True, always_open=True,
                              rate_limits={Env.REAL: 0, Env.PAPER: 0}))
    wire = Wire(sim)
    with SimServer(sim) as server:
        yield Served(sim, server.base_url, wire)


@pytest.fixture(scope="session")
def clients(served: Served) -> Iterator[dict[tuple[str, str], Client]]:
    made: dict[tuple[str, str], Client] = {}
    yield made
    for client in made.values():
        client.worker.close()


@pytest.fixture(params=[(c, e) for c in CLIENTS for e in ENVS],
                ids=[f"{c}-{e}" for c in CLIENTS for e in ENVS])
def client(request, served: Served, clients: dict) -> Client:
    """The client in the environment, started on first use and kept for the run (a new
    one, on new accounts, if its worker died)."""
    name, env = request.param
    made = clients.get((name, env))
    if made is None or not made.worker.alive:
        clients[(name, env)] = made = _start(served, name, env)
    return made


def _start(served: Served, name: str, env: str) -> Client:
    # One customer per client and environment: a real account and, in paper, a paper
    # account too, under one HTS ID, as KIS gives a customer's two accounts.
    sim, hts_id = served.sim, f"{name.replace('-', '')[:6]}{env}"
    with sim.lock:
        real = sim.add_account(AccountSpec(Env.REAL, cash=CASH, hts_id=hts_id,
                                           positions={SYMBOL: HOLDING}))
        creds = real if env == "real" else sim.add_account(AccountSpec(
            Env.PAPER, cash=CASH, hts_id=hts_id, positions={SYMBOL: HOLDING}))
    worker = Worker(name, env={"CONFORMANCE_SIM_URL": served.url})
    client = Client(name, env, served, creds, real, worker)
    try:
        client.ask("setup", timeout=120, env=env, real=_plain(real),
                   paper=_plain(creds) if env == "paper" else None)
    except BaseException:
        worker.close(force=True)
        raise
    return client


def _plain(creds: Credentials) -> dict[str, str]:
    return {"app_key": creds.app_key, "app_secret": creds.app_secret,
            "account_no": creds.account_no, "hts_id": creds.hts_id}
