"""``pykis sim``: the simulator as a server people can point their code at.

The socket is bound before anything is printed, so ``--port 0`` prints the port the OS
picked, and a port already in use ends the command with one line on stderr (no
credentials printed for a server that never started). A ``--start`` that is not an ISO
time ends it the same way (exit 2); one with a UTC offset is converted to KST.

While it runs it leaves word of itself in ``runtime_dir()`` (``session.announce``), so
that ``--sim`` on other commands uses it and its state, and it prints the values to
export (or writes them to ``--env-file``) to point any KIS client at it. Entries of its
app keys at its URL are dropped from the token cache at start: a cached token of the
simulator that ran there before would be refused, and waiting out KIS's one-issuance-a-
minute rule for a server that never issued anything helps nobody.

Who may use it (``SimConfig``; see ``pykis.sim.serve.asgi``): the control token comes
from ``control_token`` or PYKIS_SIM_CONTROL_TOKEN; extra Host names (e.g. ``sim`` when
bound to 0.0.0.0 in docker and called as http://sim:8080) from ``allowed_hosts`` or
PYKIS_SIM_ALLOWED_HOSTS, extra browser origins from ``allowed_origins`` or
PYKIS_SIM_ALLOWED_ORIGINS (both comma-separated).
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console

from pykis.cli.session import announce, write_private
from pykis.market import KST, Session
from pykis.sim import AccountSpec, Credentials, Env, SimConfig, Simulator

__all__ = ["access", "listen", "parse_start", "serve"]

ENV_FILE_MARK = "# Written by `pykis sim`"  # an env file with it may be written over


def parse_start(text: str) -> dt.datetime | None:
    """``--start``: an ISO 8601 time, KST unless it carries an offset (then converted to
    KST); ValueError saying what is accepted otherwise."""
    if not text.strip():
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"--start {text!r} is not an ISO 8601 time: give one such as "
                         "2026-03-04T09:30 (KST) or 2026-03-04T00:30Z") from None
    return moment.replace(tzinfo=KST) if moment.tzinfo is None else moment.astimezone(KST)


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
          allowed_origins: Sequence[str] = (), env_file: Path | None = None,
          replay: dict[str, Any] | None = None) -> None:
    """Serve a simulator; ``rates`` and ``cash`` are (real, paper); ``replay`` the
    ``SimConfig`` settings of a replay (replay, replay_from, speed); the rest: ``access``."""
    try:
        moment = parse_start(start)
    except ValueError as error:
        _refuse(str(error), 2)
    if env_file is not None and not _ours(env_file):
        _refuse(f"--env-file {env_file}: the file exists and was not written by `pykis sim`; "
                "it is left alone (give another path, or remove it first)", 2)
    try:
        sock = listen(host, port)
    except OSError as error:
        reason = "address already in use" if _in_use(error) else (
            error.strerror or str(error)).lower()
        _refuse(f"cannot listen on {host}:{port}: {reason}", 1)
    try:
        sim = Simulator(SimConfig(
            seed=seed, always_open=always_open, start=moment,
            rate_limits={Env.REAL: rates[0], Env.PAPER: rates[1]},
            accounts=[AccountSpec(Env.REAL, cash=cash[0]),
                      AccountSpec(Env.PAPER, cash=cash[1])],
            activity=activity, **access(control_token, allowed_hosts, allowed_origins),
            **(replay or {}),
        ))
    except ValueError as error:  # a replay that cannot be had: no store, a bad --from
        sock.close()
        _refuse(str(error), 2)
    if sim.replay is not None:
        moment = sim.clock.now()
    bound = sock.getsockname()[1]
    name = f"[{host}]" if ":" in host else host
    base_url = f"http://{name}:{bound}"
    local_url = f"http://{_local(host)}:{bound}"  # where clients on this machine call it
    _forget_tokens(sim, bound, (base_url, local_url))
    accounts = {env.value: sim.credentials(env) for env in (Env.REAL, Env.PAPER)}
    announcement = announce(local_url, {env: _record(c) for env, c in accounts.items()})
    try:
        _banner(sim, base_url, f"ws://{name}:{bound}/tryitout", host, moment)
        _exports(accounts, base_url)
        if env_file is not None:
            _write_env_file(env_file, accounts, base_url, seed)
        print("\n`--sim` on any pykis command uses this simulator while it runs: its "
              f"orders and balances last until it stops.\n{_market_note(sim)}\n"
              "Ctrl-C stops the server.", flush=True)
        _run(sim, host, bound, sock)
    finally:
        announcement.unlink(missing_ok=True)


def _refuse(message: str, code: int) -> None:
    print(f"pykis sim: {message}", file=sys.stderr)
    raise SystemExit(code)


def _local(host: str) -> str:
    """The address a client on this machine calls a server bound to ``host`` at."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _banner(sim: Simulator, base_url: str, ws_url: str, host: str,
            moment: dt.datetime | None) -> None:
    console = Console(soft_wrap=True, highlight=False)  # URLs stay whole in any width
    details = [f"seed {sim.config.seed}"]
    if moment is not None:
        details.append(f"clock from {moment:%Y-%m-%d %H:%M:%S} KST")
    if sim.config.always_open:
        details.append("always open")
    if sim.config.speed != 1:
        details.append(f"{sim.config.speed:g}x speed")
    guarded = " (control token required)" if sim.config.control_token else ""
    console.print(f"[bold]KIS simulator[/] on [cyan]{base_url}[/] ({', '.join(details)}); "
                  f"control plane {base_url}/_sim{guarded}")
    console.print(f"Real-time (KIS WebSocket): {ws_url}", markup=False)
    if sim.replay is not None:
        from pykis.sim.replay import describe

        console.print(describe(sim.replay), markup=False)
    if not _loopback(host):
        unguarded = "" if guarded else "; PYKIS_SIM_CONTROL_TOKEN guards the control plane"
        console.print("Reachable from other machines: clients that call it by a name need "
                      f"PYKIS_SIM_ALLOWED_HOSTS=name (others get 403){unguarded}.",
                      markup=False)


def _exports(accounts: dict[str, Credentials], base_url: str) -> None:
    """The values to export, one shell line per account (plain print: a 180-character
    secret must stay on one line to be copied)."""
    print("\nSimulator credentials, not KIS ones. To point your own code (KIS.from_env) "
          "or `pykis --base-url` at it, export one account's values:")
    for env, creds in accounts.items():
        values = " ".join(f"{key}={shlex.quote(value)}"
                          for key, value in _variables(creds, base_url).items())
        print(f"# {env} account {creds.account_no}, HTS ID {creds.hts_id}\n"
              f"export {values}")


def _variables(creds: Credentials, base_url: str) -> dict[str, str]:
    return {"KIS_APP_KEY": creds.app_key, "KIS_APP_SECRET": creds.app_secret,
            "KIS_ACCOUNT_NO": creds.account_no, "KIS_HTS_ID": creds.hts_id,
            "KIS_PAPER": "true" if creds.env is Env.PAPER else "false",
            "KIS_BASE_URL": base_url}


def _record(creds: Credentials) -> dict[str, str]:
    return {"app_key": creds.app_key, "app_secret": creds.app_secret,
            "account_no": creds.account_no, "hts_id": creds.hts_id}


def _ours(path: Path) -> bool:
    """Whether ``path`` may be written: absent, or an env file `pykis sim` wrote."""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            return handle.readline().startswith(ENV_FILE_MARK)
    except FileNotFoundError:
        return True
    except OSError:
        return False


def _write_env_file(path: Path, accounts: dict[str, Credentials], base_url: str,
                    seed: int) -> None:
    """The real account's values as a .env file (mode 0600), the paper account's
    below them, commented out."""
    real = _variables(accounts["real"], base_url)
    paper = _variables(accounts["paper"], base_url)
    lines = [f"{ENV_FILE_MARK} (seed {seed}): simulator credentials, not KIS ones.",
             "# The real account; for the paper account, use the values commented out below.",
             *(f"{key}={value}" for key, value in real.items()),
             "# The paper account:", *(f"# {key}={value}" for key, value in paper.items())]
    try:
        write_private(path, "\n".join(lines) + "\n")
    except OSError as error:
        _refuse(f"cannot write --env-file {path}: {error.strerror or error}", 1)
    print(f"Wrote the real account's values to {path} (readable by you alone); "
          "`pykis` and KIS.from_env() read the .env file of the folder they run in.")


def _market_note(sim: Simulator) -> str:
    """Whether orders can trade now, and how to make sure they can."""
    if sim.config.always_open:
        return "The simulated market is open around the clock today (--always-open)."
    now, market = sim.clock.now(), sim.market
    if market.session(now) in (Session.REGULAR, Session.CLOSING_AUCTION):
        close = market.calendar.schedule(now.date()).regular_close
        return (f"The simulated market is open now ({now:%H:%M} KST): the regular session "
                f"ends at {close:%H:%M} KST; --always-open keeps it open around the clock.")
    opens = _next_open(market.calendar, now)
    return (f"The simulated market is closed now ({now:%a %Y-%m-%d %H:%M} KST): orders are "
            f"refused until it opens at {opens:%a %Y-%m-%d %H:%M} KST. Run `pykis sim "
            "--always-open` to keep it open around the clock.")


def _next_open(calendar, now: dt.datetime) -> dt.datetime:
    schedule = calendar.schedule(now.date())
    if schedule is None or now >= schedule.regular_open:
        schedule = calendar.schedule(calendar.next_trading_day(now.date()))
    return schedule.regular_open


def _forget_tokens(sim: Simulator, port: int, urls: Sequence[str]) -> None:
    """Drop the token cache's entries of this simulator's app keys at its URLs."""
    from pykis.auth.token import FileTokenStore, entry_key
    from pykis.config import token_path
    from pykis.exceptions import InvalidInputError

    urls = {*urls, f"http://localhost:{port}", f"http://127.0.0.1:{port}"}
    keys = [entry_key(account.env.value, account.app_key, url)
            for account in sim.accounts for url in urls]
    try:
        FileTokenStore(token_path()).forget(keys)
    except (OSError, InvalidInputError) as error:  # the cache is a convenience here
        print(f"pykis sim: the token cache was left as it is: {error}", file=sys.stderr)


class _Terminated(Exception):
    """SIGTERM, as an exception: uvicorn re-raises the signal after its graceful
    shutdown, and the default action would end the process before ``finally`` runs."""


def _terminated(_number: int, _frame: object) -> None:
    raise _Terminated


def _run(sim: Simulator, host: str, port: int, sock: socket.socket) -> None:
    import uvicorn

    from pykis.sim.serve.server import server_config

    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        uvicorn.Server(server_config(sim, host, port)).run(sockets=[sock])
    except KeyboardInterrupt:
        _stopped(130)
    except _Terminated:
        _stopped(143)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stopped(code: int) -> None:
    print("Simulator stopped; its state is gone.", file=sys.stderr)
    raise SystemExit(code)


def _loopback(host: str) -> bool:
    import ipaddress

    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _in_use(error: OSError) -> bool:
    import errno

    return error.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1))
