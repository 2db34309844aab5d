"""At every log level, of every library (the ``websockets`` library logs frame heads and
tails at DEBUG), the real-time stream's secrets stay out of the logs: the approval key,
the notices' AES key and IV, the app secret."""

from __future__ import annotations

import logging
from pathlib import Path

from clients import FAST_RETRY, NO_LIMIT
from pykis import KIS
from pykis.sim import Env
from pykis.sim.serve.server import SimServer
from pykis.utils.ratelimit import MemoryStore
from support import make_sim


def test_debug_logs_of_a_notice_subscription_hold_no_secret(tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, websockets' own included
    with SimServer(make_sim()) as server:
        sim = server.sim
        creds = sim.credentials(Env.REAL)
        with KIS(creds.app_key, creds.app_secret, creds.account_no, base_url=server.base_url,
                 token_path=tmp_path / "tokens.json", rate=NO_LIMIT, rate_store=MemoryStore(),
                 clock=sim.clock.timestamp, retry=FAST_RETRY, hts_id=creds.hts_id) as kis:
            with kis.watch_orders() as notices:
                kis.create_limit_order("005930", "buy", 1, 60_000)
                assert next(iter(notices)).symbol == "005930"  # decrypted: the key was used
                with sim.lock:
                    [session] = sim.realtime.sessions.values()
                    key, iv = session.ciphers["H0STCNI0"]
                approvals = list(sim.auth._approvals)
    assert approvals and any(r.name.startswith("pykis.websocket.wire") for r in caplog.records)
    text = caplog.text + "".join(str(r.args) for r in caplog.records)
    for secret in (key, iv, *approvals, creds.app_secret):
        assert secret not in text
    for part in (key[:16], key[16:], iv[:12]):  # nor a head or a tail of them
        assert part not in text
