"""``pykis sim``: the simulator as a server people can point their code at."""

from __future__ import annotations

import datetime as dt

from rich.console import Console

from pykis.market import KST
from pykis.sim import AccountSpec, Env, SimConfig, Simulator

__all__ = ["serve"]


def serve(host: str, port: int, seed: int, always_open: bool, start: str,
          rates: tuple[int, int], cash: tuple[int, int]) -> None:
    """Serve a simulator; ``rates`` and ``cash`` are (real, paper)."""
    import uvicorn

    from pykis.sim.serve.asgi import create_app

    moment = dt.datetime.fromisoformat(start).replace(tzinfo=KST) if start else None
    sim = Simulator(SimConfig(
        seed=seed, always_open=always_open, start=moment,
        rate_limits={Env.REAL: rates[0], Env.PAPER: rates[1]},
        accounts=[AccountSpec(Env.REAL, cash=cash[0]), AccountSpec(Env.PAPER, cash=cash[1])],
    ))
    console = Console()
    base_url = f"http://{host}:{port}"
    console.print(f"[bold]KIS simulator[/] on [cyan]{base_url}[/] (seed {seed}"
                  f"{', always open' if always_open else ''}); control plane {base_url}/_sim")
    for account in sim.accounts:  # plain lines: a 180-character secret fits no table
        c = sim.credentials_of(account)
        print(f"\n[{c.env.value}] account {c.account_no}  HTS ID {c.hts_id}\n"
              f"  app key    {c.app_key}\n  app secret {c.app_secret}", flush=True)
    console.print(f"\nReal-time (KIS WebSocket): ws://{host}:{port}/tryitout")
    console.print("These are simulator credentials, not KIS ones. Ctrl-C stops the server.")
    uvicorn.run(create_app(sim), host=host, port=port, log_level="warning",
                access_log=False, lifespan="off", ws="websockets-sansio", ws_ping_interval=None)
