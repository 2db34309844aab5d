"""The token lifecycle: one shared token per app key and environment, kept on disk,
renewed ahead of expiry or once after KIS refuses it, and never issued twice at once."""

from __future__ import annotations

import asyncio
import json
import stat
import threading
import time

import httpx
import pytest

from clients import NO_LIMIT, build
from processes import process_context
from pykis import KIS, AsyncKIS, AuthenticationError, NetworkError
from pykis.api.base import RetryPolicy
from pykis.auth import MemoryTokenStore
from pykis.sim import Env, SimConfig, SimServer, Simulator
from pykis.sim.auth import TokenRules
from pykis.utils.ratelimit import MemoryStore


def stats(sim: Simulator, env: Env = Env.REAL, index: int = 0) -> dict:
    return sim.auth.stats_of(sim.credentials(env, index).app_key).as_dict()


def test_token_is_cached_in_a_private_file(sim, kind, tmp_path) -> None:
    kis = build(sim, Env.REAL, kind, tmp_path)
    kis.fetch_ticker("005930")
    path = tmp_path / "tokens.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    creds = sim.credentials(Env.REAL)
    assert creds.app_key not in text and creds.app_secret not in text
    (key, entry), = json.loads(text).items()
    assert key.startswith("real:") and entry["token"]["value"]
    kis.close()


def test_a_restart_reuses_the_token(sim, kind, tmp_path) -> None:
    for _ in range(3):
        kis = build(sim, Env.REAL, kind, tmp_path)
        kis.fetch_ticker("005930")
        kis.close()
    assert (stats(sim)["token_calls"], stats(sim)["tokens_issued"]) == (1, 1)


def test_real_and_paper_never_share_a_token(sim, kind, tmp_path) -> None:
    real, paper = build(sim, Env.REAL, kind, tmp_path), build(sim, Env.PAPER, kind, tmp_path)
    real.fetch_ticker("005930")
    paper.fetch_ticker("005930")
    entries = json.loads((tmp_path / "tokens.json").read_text())
    assert sorted(key.split(":")[0] for key in entries) == ["paper", "real"]
    assert len({e["token"]["value"] for e in entries.values()}) == 2
    real.close()
    paper.close()


def test_renewed_ahead_of_expiry(sim, kind, tmp_path) -> None:
    kis = build(sim, Env.REAL, kind, tmp_path)
    kis.fetch_ticker("005930")
    sim.clock.advance(86_400 - 300)  # five minutes left: inside the ten-minute margin
    kis.fetch_ticker("005930")
    assert stats(sim)["tokens_issued"] == 2 and stats(sim)["rate_limited"] == 0
    kis.close()


def test_expiry_kis_reports_is_recovered_with_one_new_token(sim, kind, tmp_path) -> None:
    # The client's own clock does not see the expiry; KIS's EGW00123 tells it.
    kis = build(sim, Env.REAL, kind, tmp_path, clock=None, token_interval=0.2)
    kis.fetch_ticker("005930")
    sim.clock.advance(90_000)
    assert kis.fetch_ticker("005930").symbol == "005930"
    assert stats(sim)["tokens_issued"] == 2
    kis.close()


def test_revoked_token_is_replaced_once(sim, kind, tmp_path) -> None:
    kis = build(sim, Env.REAL, kind, tmp_path)
    kis.fetch_ticker("005930")
    sim.auth.revoke_all()
    sim.clock.advance(61)  # KIS's one issuance a minute
    kis.fetch_ticker("005930")
    assert stats(sim)["tokens_issued"] == 2
    kis.close()


def test_revoke_token(sim, kind, tmp_path) -> None:
    kis = build(sim, Env.REAL, kind, tmp_path)
    kis.fetch_ticker("005930")
    kis.revoke_token()
    assert all(t.revoked for t in sim.auth._tokens.values())
    sim.clock.advance(61)
    kis.fetch_ticker("005930")
    assert stats(sim)["tokens_issued"] == 2
    kis.close()


def test_the_one_a_minute_rule_is_waited_out(kind, tmp_path) -> None:
    # Two clients that do not share a store: the second is refused (EGW00133) and waits.
    sim = Simulator(SimConfig(token_rules=TokenRules(min_interval=1.0),
                              rate_limits={Env.REAL: 0, Env.PAPER: 0}))
    first = build(sim, Env.REAL, kind, tmp_path, token_store=MemoryTokenStore(),
                  clock=None, token_interval=1.0)
    second = build(sim, Env.REAL, kind, tmp_path, token_store=MemoryTokenStore(),
                   clock=None, token_interval=1.0)
    first.fetch_ticker("005930")
    sim.auth.revoke_all()
    second.fetch_ticker("005930")  # same token if KIS hands it back, after the wait
    assert stats(sim)["token_refusals"] >= 1 and stats(sim)["tokens_issued"] == 2
    first.close()
    second.close()


def test_tasks_starting_together_issue_one_token(sim, tmp_path) -> None:
    creds = sim.credentials(Env.PAPER)

    async def storm() -> None:
        clients = [AsyncKIS(creds.app_key, creds.app_secret, creds.account_no, is_paper=True,
                            base_url="http://sim", transport=sim.transport(),
                            token_path=tmp_path / "tokens.json", rate=NO_LIMIT,
                            rate_store=MemoryStore(), clock=sim.clock.timestamp)
                   for _ in range(4)]
        await asyncio.gather(*(c.fetch_ticker("005930") for c in clients for _ in range(16)))
        for client in clients:
            await client.aclose()

    asyncio.run(storm())
    assert (stats(sim, Env.PAPER)["token_calls"], stats(sim, Env.PAPER)["tokens_issued"]) == (1, 1)


# --- processes ------------------------------------------------------------------------
def _process_storm(base_url: str, creds: dict, token_path: str, barrier, results) -> None:
    """One process: 8 threads, each with its own client, start at once."""
    def work() -> None:
        with KIS(creds["app_key"], creds["app_secret"], creds["account_no"],
                 base_url=base_url, token_path=token_path, rate=NO_LIMIT,
                 rate_store=MemoryStore()) as kis:
            barrier.wait()
            results.put(kis.fetch_ticker("005930").symbol)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_processes_and_threads_starting_cold_issue_exactly_one_token(tmp_path) -> None:
    sim = Simulator(SimConfig(rate_limits={Env.REAL: 0, Env.PAPER: 0}))
    creds = sim.credentials(Env.REAL)
    plain = {"app_key": creds.app_key, "app_secret": creds.app_secret,
             "account_no": creds.account_no}
    context = process_context()
    barrier, results = context.Barrier(64), context.Queue()
    token_path = str(tmp_path / "tokens.json")
    with SimServer(sim) as server:
        processes = [context.Process(target=_process_storm,
                                     args=(server.base_url, plain, token_path, barrier, results))
                     for _ in range(8)]
        for process in processes:
            process.start()
        answers = [results.get(timeout=120) for _ in range(64)]
        for process in processes:
            process.join(60)
        assert answers == ["005930"] * 64
        assert (stats(sim)["token_calls"], stats(sim)["tokens_issued"]) == (1, 1)
        # A restart the same day: a new process finds the token on disk.
        again = context.Barrier(8)  # kept referenced until the child has it
        restart = context.Process(target=_process_storm,
                                  args=(server.base_url, plain, token_path, again, results))
        restart.start()
        assert [results.get(timeout=120) for _ in range(8)] == ["005930"] * 8
        restart.join(60)
        assert stats(sim)["token_calls"] == 1


def test_bad_credentials_are_an_authentication_error(sim, tmp_path) -> None:
    creds = sim.credentials(Env.REAL)
    stale = "x" * 180  # as if the user pasted an old secret
    with KIS(creds.app_key, stale, creds.account_no, base_url="http://sim",
             transport=sim.transport(), token_path=tmp_path / "t.json",
             rate_store=MemoryStore()) as kis:
        with pytest.raises(AuthenticationError) as caught:
            kis.fetch_ticker("005930")
    assert caught.value.msg_cd == "EGW00105" and stale not in str(caught.value)


def test_secret_never_in_repr(sim, tmp_path) -> None:
    creds = sim.credentials(Env.REAL)
    kis = KIS(creds.app_key, creds.app_secret, creds.account_no, base_url="http://sim",
              transport=sim.transport(), token_path=tmp_path / "t.json", rate=NO_LIMIT,
              rate_store=MemoryStore())
    kis.fetch_ticker("005930")
    text = repr(kis) + repr(kis._ctx) + repr(kis._ctx.auth)
    token = json.loads((tmp_path / "t.json").read_text()).popitem()[1]["token"]["value"]
    assert creds.app_secret not in text and token not in text and creds.app_key not in text
    kis.close()


def test_an_issuance_that_never_reached_kis_costs_no_wait(sim, tmp_path) -> None:
    """The connection was refused: KIS saw no issuance call, so the next try need not
    wait out the one-a-minute rule (on a frozen clock it would wait for ever)."""
    refused = []

    def flaky(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/tokenP" and not refused:
            refused.append(request)
            raise httpx.ConnectError("connection refused", request=request)
        return sim.transport().handle_request(request)

    kis = build(sim, Env.REAL, "sync", tmp_path, transport=httpx.MockTransport(flaky),
                retry=RetryPolicy(attempts=1))
    try:
        with pytest.raises(NetworkError):
            kis.fetch_ticker("005930")
        started = time.monotonic()
        assert kis.fetch_ticker("005930").last > 0
        assert time.monotonic() - started < 5 and len(refused) == 1
    finally:
        kis.close()
