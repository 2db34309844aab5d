"""``pykis sim``: the simulator as a server people can point their code at.

The socket is bound before anything is printed, so ``--port 0`` prints the port the OS
picked, and a port already in use ends the command with one line on stderr (no
credentials printed for a server that never started).

Who may use it (``SimConfig``; see ``pykis.sim.serve.asgi``): the control token comes
from ``control_token`` or PYKIS_SIM_CONTROL_TOKEN; extra Host names (e.g. ``sim`` when
bound to 0.0.0.0 in docker and called as http://sim:8080) from ``allowed_hosts`` or
PYKIS_SIM_ALLOWED_HOSTS, extra browser origins from ``allowed_origins`` or
PYKIS_SIM_ALLOWED_ORIGINS (both comma-separated).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console

from pykis.market import KST
from pykis.sim import AccountSpec, Env, SimConfig, Simulator

__all__ = ["access", "listen", "serve"]


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (0: a free port); OSError if taken."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def access(control_token: str | None = None, allowed_hosts: Sequence[str] = (),
           allowed_origins: Sequence[str] = ()) -> dict[str, Any]:
    """The ``SimConfig`` settings of who may use the server: the arguments, else the
    environment (PYKIS_SIM_CONTROL_TOKEN, PYKIS_SIM_ALLOWED_HOSTS, ..._ORIGINS)."""
    def listed(name: str) -> tuple[str, ...]:
        return tuple(v.strip() for v in os.environ.get(name, "").split(",") if v.strip())

    return {"control_token": control_token or os.environ.get("PYKIS_SIM_CONTROL_TOKEN") or None,
            "allowed_hosts": tuple(allowed_hosts) or listed("PYKIS_SIM_ALLOWED_HOSTS"),
            "allowed_origins": tuple(allowed_origins) or listed("PYKIS_SIM_ALLOWED_ORIGINS")}


def serve(host: str, port: int, seed: int, always_open: bool, start: str,
          rates: tuple[int, int], cash: tuple[int, int], activity: float = 1.0,
          control_token: str | None = None, allowed_hosts: Sequence[str] = (),
          allowed_origins: Sequence[str] = ()) -> None:
    """Serve a simulator; ``rates`` and ``cash`` are (real, paper); the rest: ``access``."""
    import uvicorn

    from pykis.sim.serve.server import server_config

    moment = dt.datetime.fromisoformat(start).replace(tzinfo=KST) if start else None
    try:
        sock = listen(host, port)
    except OSError as error:
        reason = "address already in use" if _in_use(error) else (
            error.strerror or str(error)).lower()
        sys.exit(f"pykis sim: cannot listen on {host}:{port}: {reason}")
    sim = Simulator(SimConfig(
        seed=seed, always_open=always_open, start=moment,
        rate_limits={Env.REAL: rates[0], Env.PAPER: rates[1]},
        accounts=[AccountSpec(Env.REAL, cash=cash[0]), AccountSpec(Env.PAPER, cash=cash[1])],
        activity=activity, **access(control_token, allowed_hosts, allowed_origins),
    ))
    bound = sock.getsockname()[1]
    name = f"[{host}]" if ":" in host else host
    base_url = f"http://{name}:{bound}"
    console = Console(soft_wrap=True)  # URLs stay whole on narrow terminals and in pipes
    guarded = " (control token required)" if sim.config.control_token else ""
    console.print(f"[bold]KIS simulator[/] on [cyan]{base_url}[/] (seed {seed}"
                  f"{', always open' if always_open else ''}); control plane {base_url}/_sim"
                  f"{guarded}")
    for account in sim.accounts:  # plain lines: a 180-character secret fits no table
        c = sim.credentials_of(account)
        print(f"\n[{c.env.value}] account {c.account_no}  HTS ID {c.hts_id}\n"
              f"  app key    {c.app_key}\n  app secret {c.app_secret}", flush=True)
    console.print(f"\nReal-time (KIS WebSocket): ws://{name}:{bound}/tryitout")
    if not _loopback(host):
        unguarded = "" if guarded else "; PYKIS_SIM_CONTROL_TOKEN guards the control plane"
        console.print("Reachable from other machines: clients that call it by a name need "
                      f"PYKIS_SIM_ALLOWED_HOSTS=name (others get 403){unguarded}.",
                      markup=False)
    console.print("These are simulator credentials, not KIS ones. Ctrl-C stops the server.")
    sys.stdout.flush()
    uvicorn.Server(server_config(sim, host, bound)).run(sockets=[sock])


def _loopback(host: str) -> bool:
    import ipaddress

    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _in_use(error: OSError) -> bool:
    import errno

    return error.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1))
