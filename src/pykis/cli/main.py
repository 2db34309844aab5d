"""``pykis``: KIS from the terminal, and the simulator.

    pykis quote 005930 000660  quotes (also: book, ohlcv, balance, orders, buy, sell, cancel)
    pykis balance --sim        any of them against an embedded simulator, no account needed
    pykis demo                 a whole trading cycle on an embedded simulator
    pykis sim --port 8080      run the KIS-compatible simulator for your own code
    pykis engine run -c bot.toml   the trading engine (also: engine status, engine trades)
"""

from __future__ import annotations

import sys

try:
    import typer
except ImportError:  # pragma: no cover - exercised only without the extra
    typer = None

__all__ = ["app", "run"]

if typer is not None:
    app = typer.Typer(help="PyKIS: the Korea Investment & Securities Open API from Python.",
                      no_args_is_help=True, add_completion=False)

    from pykis.cli import marketcmd, tradecmd

    marketcmd.register(app)
    tradecmd.register(app)

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
        start: str = typer.Option("", help="Start the clock at this ISO time (KST)."),
        real_rate: int = typer.Option(20, help="REST calls per second per real app key."),
        paper_rate: int = typer.Option(2, help="REST calls per second per paper app key."),
        real_cash: int = typer.Option(10_000_000, help="Starting cash of the real account."),
        paper_cash: int = typer.Option(500_000_000, help="Starting cash of the paper account."),
        activity: float = typer.Option(1.0, min=0.001, help="Factor on every listing's trade "
                                       "rate (005930 trades several times a second at 1)."),
        control_token: str = typer.Option("", envvar="PYKIS_SIM_CONTROL_TOKEN", help=(
            "Require this token (Authorization: Bearer, or X-Sim-Token) on /_sim/ calls.")),
        allowed_host: list[str] = typer.Option([], help=(
            "Accept this Host name besides loopback and the bound address (repeatable; '*' "
            "accepts any: only behind a trusted proxy).")),
        allowed_origin: list[str] = typer.Option([], help=(
            "Accept /_sim/ calls from this browser origin (repeatable).")),
    ) -> None:
        """Run the KIS-compatible simulator (REST) until Ctrl-C."""
        from pykis.cli.simcmd import serve

        serve(host, port, seed, always_open, start, (real_rate, paper_rate),
              (real_cash, paper_cash), activity=activity,
              control_token=control_token or None, allowed_hosts=allowed_host,
              allowed_origins=allowed_origin)

    @app.command(rich_help_panel="Simulator")
    def demo(
        seed: int = typer.Option(42, help="Seed of the synthetic market."),
        symbol: str = typer.Option("005930", help="Symbol to trade."),
        amount: int = typer.Option(100_000, min=1, help="KRW to buy for."),
        take_profit: float = typer.Option(0.02, min=0.001, max=1.0,
                                          help="Sell at this rise over the entry price."),
        database: str = typer.Option("", help="Keep the engine's ledger in this SQLite file "
                                     "or database URL (default: a temporary file)."),
    ) -> None:
        """A whole trading cycle on an embedded simulator (no KIS account needed)."""
        from decimal import Decimal

        from pykis.cli.democmd import run_demo

        run_demo(seed, symbol, amount, Decimal(str(take_profit)), database or None)


def run() -> None:
    if typer is None:
        sys.exit("the pykis command needs its extra: pip install 'pykis[cli,sim]'")
    app()

