"""What every client command shares: its options, a ready ``KIS`` (real KIS, a server
such as ``pykis sim``, or an embedded simulator) closed afterwards, and errors turned
into one line and an exit code instead of a traceback."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.text import Text

from pykis import KIS
from pykis.config import paper_setting
from pykis.exceptions import InvalidInputError, KISError, OrderOutcomeUnknownError
from pykis.utils.ratelimit import MemoryStore

if TYPE_CHECKING:
    from pykis.sim import SimServer

__all__ = ["BaseUrl", "Paper", "Sim", "client", "embedded", "ledger", "reporting"]

SIM_SEED = 42  # the seed `pykis sim` and `pykis demo` use by default: the same market

# Typer has no shared options; these aliases keep the eight commands' signatures short.
Paper = Annotated[bool | None, typer.Option(
    "--paper/--real", show_default=False,
    help="Paper (모의투자) or real trading. Default: KIS_PAPER from the environment or .env.")]
BaseUrl = Annotated[str | None, typer.Option(
    "--base-url", metavar="URL",
    help="Server to call, e.g. a running `pykis sim`. Default: KIS_BASE_URL, else KIS.")]
Sim = Annotated[bool, typer.Option(
    "--sim", help="Use an embedded always-open simulator: no KIS account needed.")]


@contextmanager
def reporting() -> Iterator[None]:
    """Expected errors as one line on stderr: exit 2 for invalid input (like a usage
    error, nothing was sent), 1 for whatever KIS or the network refused."""
    try:
        yield
    except InvalidInputError as error:
        _fail(error, 2)
    except KISError as error:
        _fail(error, 1)


def _fail(error: KISError, code: int) -> None:
    message = error.message  # str(error) adds every KIS field; the message code is enough
    if error.msg_cd and error.msg_cd not in message:
        message += f" [{error.msg_cd}]"
    if isinstance(error, OrderOutcomeUnknownError):
        message += "; check `pykis orders` before sending it again"
    line = Text.assemble((type(error).__name__, "bold red"), ": ", message)
    Console(stderr=True, soft_wrap=True).print(line)
    raise typer.Exit(code) from None


@contextmanager
def client(paper: bool | None, base_url: str | None, sim: bool) -> Iterator[KIS]:
    """The client a command asked for, with its errors reported as above."""
    with reporting():
        if sim:
            if base_url:
                raise typer.BadParameter("not with --sim, which runs its own simulator",
                                         param_hint="'--base-url'")
            with embedded(paper=paper_setting() if paper is None else paper) as (kis, _):
                yield kis
        else:
            overrides = {"is_paper": paper, "base_url": base_url}
            with KIS.from_env(**{k: v for k, v in overrides.items() if v is not None}) as kis:
                yield kis


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
