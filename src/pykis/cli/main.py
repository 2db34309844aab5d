"""``pykis``: KIS from the terminal, and the simulator.

    pykis quote 005930 000660  quotes (also: book, ohlcv, balance, orders, buy, sell, cancel)
    pykis balance --sim        any of them on a simulator, no account needed
    pykis demo                 a whole trading cycle on an embedded simulator
    pykis sim --port 8080      run the KIS-compatible simulator for your own code
    pykis engine run -c bot.toml   the trading engine (also: engine status, engine trades)

Help reads as prose, for every command whoever wrote it (``_plain_help``): paragraphs
without their source's line breaks, and values named as people write them (``SYMBOLS...``,
``--port PORT``, nothing after a flag; ``pykis.cli.plainhelp``) instead of Typer's
``{symbols}``, ``<int>`` and ``<bool>``.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    import typer
except ImportError:  # pragma: no cover - exercised only without the extra
    typer = None

__all__ = ["app", "run"]

if typer is not None:
    from typer.core import TyperGroup, TyperOption

    from pykis.cli.plainhelp import PlainCommand

    def _prose(text: str | None) -> str | None:
        """``text`` with the line breaks inside its paragraphs joined: a docstring breaks
        where its source wrapped, not where a terminal should (Typer keeps them)."""
        if not text:
            return text
        import inspect

        shown, cut, hidden = inspect.cleandoc(text).partition("\f")  # \f: help stops
        paragraphs = shown.split("\n\n")
        return "\n\n".join(p if p.startswith("\b") else " ".join(p.split())
                           for p in paragraphs) + cut + hidden

    class _Group(TyperGroup):
        """A group whose flags (--help, --version, completion) show no ``<bool>``."""

        def get_params(self, ctx):  # type: ignore[override]
            params = super().get_params(ctx)
            for param in params:
                if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
                    param.metavar = ""
            return params

    def _unset(value: object) -> bool:
        """Whether a command's class (or help) is Typer's default, not its author's."""
        from typer.core import TyperCommand
        from typer.models import DefaultPlaceholder

        if isinstance(value, DefaultPlaceholder):
            value = value.value
        return value is None or value is TyperCommand or value is TyperGroup

    def _plain_help(typer_app: typer.Typer) -> None:
        """Every command of ``typer_app`` and its groups shown as ``PlainCommand`` shows
        them (unless its author chose a class), and its help as prose."""
        import inspect

        for command in typer_app.registered_commands:
            if _unset(command.cls):
                command.cls = PlainCommand
            docstring = inspect.getdoc(command.callback) if command.callback else None
            command.help = _prose(docstring if _unset(command.help) else command.help)
        for group in typer_app.registered_groups:
            if _unset(group.cls):
                group.cls = _Group
            if group.typer_instance is not None:
                info = group.typer_instance.info
                if not _unset(info.help):
                    info.help = _prose(info.help)
                _plain_help(group.typer_instance)

    app = typer.Typer(help="PyKIS: the Korea Investment & Securities Open API from Python.",
                      no_args_is_help=True, add_completion=True, cls=_Group)

    def _version(value: bool) -> None:
        if value:
            from importlib.metadata import PackageNotFoundError, version

            try:
                number = version("pykis")
            except PackageNotFoundError:  # pragma: no cover - run from a bare source tree
                number = "unknown (not installed)"
            typer.echo(f"pykis {number} (Python {sys.version.split()[0]})")
            raise typer.Exit()

    @app.callback()
    def main(
        version: bool = typer.Option(False, "--version", is_eager=True, callback=_version,
                                     help="Show the version and exit."),
    ) -> None:
        """PyKIS: the Korea Investment & Securities Open API from Python."""

    from pykis.cli import (
        accountxcmd,
        backtestcmd,
        historycmd,
        marketcmd,
        marketdatacmd,
        tradecmd,
    )

    for module in (marketcmd, marketdatacmd, tradecmd, accountxcmd, historycmd, backtestcmd):
        module.register(app)

    def _engine_app() -> None:
        try:
            from pykis.cli.enginecmd import app as engine_app
        except ImportError:  # pragma: no cover - only without the "engine" extra
            return
        app.add_typer(engine_app, name="engine", rich_help_panel="Trading engine")

    _engine_app()

    @app.command(rich_help_panel="Simulator")
    def sim(
        host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
        port: int = typer.Option(8080, help="Port (0 picks a free one)."),
        seed: int = typer.Option(42, help="Seed of the synthetic market and credentials."),
        always_open: bool = typer.Option(False, help="Trade around the clock today, whatever "
                                         "day it is (history keeps the KRX calendar)."),
        start: str = typer.Option("", metavar="TIME", show_default=False, help=(
            "Start the simulated clock at this ISO 8601 time, e.g. 2026-03-04T09:30 (KST). "
            "A time with a UTC offset (Z, +00:00) is converted to KST.")),
        real_rate: int = typer.Option(20, metavar="CALLS",
                                      help="REST calls per second per real app key."),
        paper_rate: int = typer.Option(2, metavar="CALLS",
                                       help="REST calls per second per paper app key."),
        real_cash: int = typer.Option(10_000_000, metavar="KRW",
                                      help="Starting cash of the real account."),
        paper_cash: int = typer.Option(500_000_000, metavar="KRW",
                                       help="Starting cash of the paper account."),
        activity: float = typer.Option(1.0, min=0.001, metavar="FACTOR", help=(
            "Factor on every listing's trade rate (005930 trades several times a second "
            "at 1).")),
        env_file: Path | None = typer.Option(None, metavar="PATH", show_default=False, help=(
            "Also write the real account's values to this .env file (readable by you "
            "alone); a file `pykis sim` did not write is never overwritten.")),
        control_token: str = typer.Option(
            "", envvar="PYKIS_SIM_CONTROL_TOKEN", metavar="TOKEN", show_default=False,
            help="Require this token (Authorization: Bearer, or X-Sim-Token) on /_sim/ calls."),
        allowed_host: list[str] = typer.Option([], metavar="NAME", show_default=False, help=(
            "Accept this Host name besides loopback and the bound address (repeatable; '*' "
            "accepts any: only behind a trusted proxy).")),
        allowed_origin: list[str] = typer.Option(
            [], metavar="ORIGIN", show_default=False,
            help="Accept /_sim/ calls from this browser origin (repeatable)."),
        replay: Path | None = typer.Option(None, metavar="DIR", show_default=False, help=(
            "Replay the bars kept in this history store (`pykis history download`): its "
            "symbols follow them instead of synthetic prices.")),
        replay_from: str = typer.Option("", "--from", metavar="DATE", show_default=False,
                                        help="With --replay: the day (YYYY-MM-DD) to start "
                                        "at. Default: the first stored day."),
        speed: float = typer.Option(1.0, min=0.001, metavar="N", help=(
            "Run simulated time N times as fast as the wall clock.")),
    ) -> None:
        """Serve the KIS-compatible simulator (REST and WebSocket) until Ctrl-C, for your
        own code and for --sim on the other commands."""
        from pykis.cli.simcmd import serve

        if replay_from and replay is None:
            raise typer.BadParameter("needs --replay DIR", param_hint="'--from'")
        serve(host, port, seed, always_open, start, (real_rate, paper_rate),
              (real_cash, paper_cash), activity=activity,
              control_token=control_token or None, allowed_hosts=allowed_host,
              allowed_origins=allowed_origin, env_file=env_file,
              replay={"replay": replay, "replay_from": replay_from or None, "speed": speed})

    @app.command(rich_help_panel="Simulator")
    def demo(
        seed: int = typer.Option(42, help="Seed of the synthetic market."),
        symbol: str = typer.Option("005930", help="Symbol to trade."),
        amount: int = typer.Option(100_000, min=1, metavar="KRW", help="KRW to buy for."),
        take_profit: float = typer.Option(0.02, min=0.001, max=1.0, metavar="FRACTION",
                                          help="Sell at this rise over the entry price."),
        database: str = typer.Option("", metavar="URL", show_default=False, help=(
            "Keep the engine's ledger in this SQLite file or database URL (default: a "
            "temporary file).")),
    ) -> None:
        """A whole trading cycle on an embedded simulator (no KIS account needed)."""
        from decimal import Decimal

        from pykis.cli.democmd import run_demo

        run_demo(seed, symbol, amount, Decimal(str(take_profit)), database or None)

    _plain_help(app)


def run() -> None:
    if typer is None:
        sys.exit("the pykis command needs its extra: pip install 'pykis[cli,sim]'")
    try:
        app(prog_name="pykis")
    except ImportError as error:  # a command of an extra not installed (history, backtest)
        if "pip install" not in str(error):
            raise
        sys.exit(f"pykis: {error}")
