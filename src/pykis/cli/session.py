"""What every client command shares: its options, a ready ``KIS`` (real KIS, a server
such as ``pykis sim``, or an embedded simulator) closed afterwards, and errors turned
into one line and an exit code instead of a traceback.

``--sim`` uses the simulator a foreground ``pykis sim`` runs, found through the small
file it keeps in ``runtime_dir()`` while it runs (``announce``, ``find_running_sim``), so
that what one command does (a buy) is what the next one sees (the orders). Without one,
an embedded simulator serves the command alone, and the command says so.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn
from urllib.parse import urlsplit

import httpx
import typer
from rich.console import Console
from rich.file_proxy import FileProxy
from rich.text import Text

from pykis import KIS
from pykis.config import paper_setting, runtime_dir
from pykis.constants import BaseURL
from pykis.exceptions import InvalidInputError, KISError, OrderOutcomeUnknownError
from pykis.explain import explain
from pykis.utils.ratelimit import MemoryStore

if TYPE_CHECKING:
    from pykis.sim import SimServer

__all__ = ["BaseUrl", "Paper", "RunningSim", "Sim", "TokenCountdown", "announce", "client",
           "embedded", "find_running_sim", "interrupted", "ledger", "reporting",
           "spends_real_money", "write_private"]

SIM_SEED = 42  # the seed `pykis sim` and `pykis demo` use by default: the same market
INTERRUPTED = 130  # the exit status of a command ended by Ctrl-C, as shells report it
THROWAWAY = ("--sim: this command ran on a throwaway simulator: its state is lost when "
             "the command ends; run `pykis sim` in another terminal to keep it (--sim then "
             "uses that one).")

# Typer has no shared options; these aliases keep the eight commands' signatures short.
Paper = Annotated[bool | None, typer.Option(
    "--paper/--real", show_default=False,
    help="Paper (모의투자) or real trading. Default: KIS_PAPER from the environment or .env.")]
BaseUrl = Annotated[str | None, typer.Option(
    "--base-url", metavar="URL",
    help="Server to call, e.g. a running `pykis sim`. Default: KIS_BASE_URL, else KIS.")]
Sim = Annotated[bool, typer.Option(
    "--sim", help="Use a simulator, no KIS account needed: the one `pykis sim` runs in "
    "another terminal if there is one (its state is kept between commands), else an "
    "always-open one for this command alone.")]


# --- errors and interruptions --------------------------------------------------------
@contextmanager
def reporting(stopped: str = "") -> Iterator[None]:
    """Expected errors as one line on stderr: exit 2 for invalid input (like a usage
    error, nothing was sent), 1 for whatever KIS or the network refused, 130 for Ctrl-C
    (``stopped`` says what it stopped)."""
    try:
        yield
    except InvalidInputError as error:
        _fail(error, 2)
    except KISError as error:
        _fail(error, 1)
    except KeyboardInterrupt:
        interrupted(stopped)


def _fail(error: KISError, code: int) -> None:
    message = error.message  # str(error) adds every KIS field; the message code is enough
    if error.msg_cd and error.msg_cd not in message:
        message += f" [{error.msg_cd}]"
    # KIS's own words and code stay (KIS support asks for them); the English follows.
    english = explain(error.msg_cd, error.msg1 or error.message) if error.msg_cd else None
    if english and english not in message:
        message += f". {english}"
    if isinstance(error, OrderOutcomeUnknownError):
        message += "; check `pykis orders` before sending it again"
    line = Text.assemble((type(error).__name__, "bold red"), ": ", message)
    Console(stderr=True, soft_wrap=True).print(line)
    raise typer.Exit(code) from None


def interrupted(what: str = "", code: int = INTERRUPTED) -> NoReturn:
    """End the command after Ctrl-C (or SIGTERM: ``code`` 143) with one line saying so."""
    Console(stderr=True, soft_wrap=True, highlight=False).print(
        f"Interrupted{what}.", markup=False)
    raise typer.Exit(code) from None


class TokenCountdown:
    """``AuthManager.on_wait`` for a command: says on stderr why nothing happens while
    KIS's one-token-a-minute rule is waited out. On a terminal the line counts down in
    place; in a pipe, or above a live display (a progress spinner, which keeps the time
    itself), it is said once."""

    def __init__(self) -> None:
        self.active = False
        self._in_place = False

    def __call__(self, left: float) -> None:
        if left <= 0:
            self.clear()
            return
        if self.active and not self._in_place:
            return
        stream = sys.stderr
        self._in_place = stream.isatty() and not isinstance(stream, FileProxy)
        text = (f"Waiting {math.ceil(left)} s for a new access token: KIS issues one a "
                "minute per app key (Ctrl-C gives up).")
        # Active before the line is out: whoever reads the line (a pipe, a test) may act
        # on it at once, and must find the countdown already active.
        self.active = True
        stream.write(f"\r{text}\x1b[K" if self._in_place else text + "\n")
        stream.flush()

    def clear(self) -> None:
        if self.active and self._in_place:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
        self.active = False


def spends_real_money(kis: KIS) -> bool:
    """Whether orders of ``kis`` trade real money: a real account at KIS's real host (not
    paper, not a simulator or any other server)."""
    return not kis.is_paper and _host(kis.base_url) == _host(BaseURL.PRODUCTION)


def _host(url: str) -> str:
    parts = urlsplit(str(url))
    return f"{parts.scheme}://{(parts.hostname or '').lower()}"


# --- the client a command asked for ----------------------------------------------------
@contextmanager
def client(paper: bool | None, base_url: str | None, sim: bool) -> Iterator[KIS]:
    """The client a command asked for, with its errors reported as above and a wait for
    a token counted down on stderr."""
    with reporting(), _connected(paper, base_url, sim) as kis:
        countdown = TokenCountdown()
        kis.auth.on_wait = countdown
        try:
            yield kis
        except KeyboardInterrupt:
            if not countdown.active:
                raise
            countdown.clear()
            interrupted(" while waiting for KIS's token rule; the request waiting for the "
                        "token was not sent")


@contextmanager
def _connected(paper: bool | None, base_url: str | None, sim: bool) -> Iterator[KIS]:
    if not sim:
        overrides = {"is_paper": paper, "base_url": base_url}
        with KIS.from_env(**{k: v for k, v in overrides.items() if v is not None}) as kis:
            yield kis
        return
    if base_url:
        raise typer.BadParameter("not with --sim, which finds or runs its own simulator",
                                 param_hint="'--base-url'")
    paper = paper_setting() if paper is None else paper
    running = find_running_sim()
    if running is not None:
        _say(f"--sim: using `pykis sim` at {running.url} (pid {running.pid})")
        with running.client(paper) as kis:
            yield kis
        return
    with embedded(paper=paper) as (kis, _):
        yield kis
    _say(THROWAWAY)  # only when the command got somewhere: never below an error line


def _say(line: str) -> None:
    Console(stderr=True, soft_wrap=True, highlight=False).print(line, markup=False)


@contextmanager
def embedded(*, paper: bool = False, seed: int = SIM_SEED) -> Iterator[tuple[KIS, SimServer]]:
    """An always-open simulator on a local port and a client of its first account of the
    environment. Tokens go to a temporary directory and rate limits stay in memory, so
    nothing of a throwaway simulator lands in the user's cache."""
    try:
        from pykis.sim import Env, SimConfig, SimServer, Simulator
    except ImportError as error:  # pragma: no cover - only without the "sim" extra
        Console(stderr=True).print(str(error), markup=False)
        raise typer.Exit(1) from None
    sim = Simulator(SimConfig(seed=seed, always_open=True))
    creds = sim.credentials(Env.PAPER if paper else Env.REAL)
    with SimServer(sim) as server, tempfile.TemporaryDirectory(prefix="pykis-sim-") as tmp:
        with KIS(creds.app_key, creds.app_secret, creds.account_no, is_paper=paper,
                 base_url=server.base_url, token_path=Path(tmp) / "tokens.json",
                 rate_store=MemoryStore(), clock=sim.clock.timestamp,
                 hts_id=creds.hts_id) as kis:
            yield kis, server


@contextmanager
def ledger(url: str | None) -> Iterator[str]:
    """``url`` if given, else a temporary SQLite file, removed afterwards: the ledger of
    a throwaway simulator is no use once the simulator is gone."""
    if url:
        yield url
        return
    with tempfile.TemporaryDirectory(prefix="pykis-engine-") as folder:
        yield str(Path(folder) / "engine.sqlite3")


# --- a running `pykis sim`, found by other commands --------------------------------------
@dataclass(frozen=True)
class RunningSim:
    """What a foreground ``pykis sim`` says of itself: where it answers, its process,
    and its accounts' credentials (simulator ones) by environment."""

    url: str
    pid: int
    started: float
    accounts: dict[str, dict[str, str]]

    def client(self, paper: bool) -> KIS:
        creds = self.accounts["paper" if paper else "real"]
        return KIS(creds["app_key"], creds["app_secret"], creds["account_no"],
                   is_paper=paper, base_url=self.url, hts_id=creds.get("hts_id") or None)


def announce(url: str, accounts: dict[str, dict[str, str]]) -> Path:
    """Leave word of this process's simulator for ``find_running_sim`` (a file only its
    user can read: it holds the simulator's app secrets); remove it when it stops."""
    folder = runtime_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / f"sim-{os.getpid()}.json"
    record = {"url": url, "pid": os.getpid(), "started": time.time(), "accounts": accounts}
    write_private(path, json.dumps(record))
    return path


def find_running_sim() -> RunningSim | None:
    """The most recently started ``pykis sim`` that still runs and answers, if any.
    Word left by one that died is removed."""
    found = []
    for path in sorted(runtime_dir().glob("sim-*.json")):
        running = _read_announcement(path)
        if running is None:
            continue
        if not _alive(running.pid):
            path.unlink(missing_ok=True)
            continue
        found.append(running)
    for running in sorted(found, key=lambda r: r.started, reverse=True):
        if _answers(running.url):
            return running
    return None


def _read_announcement(path: Path) -> RunningSim | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        accounts = record["accounts"]
        running = RunningSim(str(record["url"]), int(record["pid"]), float(record["started"]),
                             {env: dict(accounts[env]) for env in ("real", "paper")})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # half written, or not ours: not a simulator to use
    return running


def _alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would end the process there: ask the URL alone
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, though not ours
        return True
    return True


def _answers(url: str) -> bool:
    try:
        httpx.get(f"{url}/_sim/health", timeout=2.0)
    except httpx.HTTPError:
        return False
    return True  # any answer (401 where a control token is required) is the server


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, readable by its owner alone (mode 0600)."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")  # 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
