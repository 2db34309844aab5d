"""The engine's configuration file (TOML) for ``pykis engine run --config FILE``.

::

    database = "sqlite:///bot.sqlite3"      # or postgresql://user@host/db; default: a file
    symbols = ["005930", "000660"]          # at most 40 (one real-time session)
    dry_run = false                         # record decisions, send nothing
    sessions = "regular"                    # act in the regular session; "always" for a simulator
    budget_krw = 100000                     # each new position
    fill_timeout = 2.0                      # seconds the loop waits for an order's fills

    [risk]
    stop_loss = 0.03                        # fractions; leave a rule out to turn it off
    take_profit = 0.05
    trailing_stop = 0.02
    max_position_fraction = 0.2
    max_open_positions = 5
    daily_loss_limit = 200000               # KRW

    [strategy]
    name = "moving_average_cross"           # or "hold" (exits only)
    short = 5
    long = 20

    [kis]                                   # credentials: KIS_APP_KEY, ... (environment or .env)
    env_file = ".env"
    paper = true                            # default: KIS_PAPER

    [sim]
    enabled = false                         # true: an embedded simulator, no account needed
    seed = 42

An unknown key is an error (a typo must not turn a risk rule off silently).
"""

from __future__ import annotations

import os
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pykis.engine.engine import EngineSettings
from pykis.engine.execution import ExecutionSettings
from pykis.engine.monitor import MonitorSettings
from pykis.engine.risk import RiskLimits
from pykis.engine.strategy import Strategy, strategy_named
from pykis.exceptions import InvalidInputError

__all__ = ["EngineConfig", "load_config"]

MAX_SYMBOLS = 40


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RiskSection(_Section):
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None
    trailing_stop: Decimal | None = None
    max_position_fraction: Decimal | None = None
    max_open_positions: int | None = None
    daily_loss_limit: int | None = None
    daily_loss_fraction: Decimal | None = None

    def limits(self) -> RiskLimits:
        return RiskLimits(**self.model_dump())


class StrategySection(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)  # the strategy's own parameters
    name: str = "hold"

    def build(self) -> Strategy:
        return strategy_named(self.name, **(self.model_extra or {}))


class KisSection(_Section):
    env_file: str | None = ".env"
    paper: bool | None = None
    base_url: str | None = None


class SimSection(_Section):
    enabled: bool = False
    seed: int = 42


class EngineConfig(_Section):
    database: str | None = None
    symbols: list[str] = Field(min_length=1, max_length=MAX_SYMBOLS)
    dry_run: bool = False
    sessions: Literal["regular", "always"] = "regular"
    budget_krw: int = Field(100_000, gt=0)
    fill_timeout: float = Field(2.0, ge=0)
    settle_seconds: float = Field(15.0, gt=0)
    poll_interval: float = Field(2.0, gt=0)
    stale_after: float = Field(10.0, gt=0)
    sync_interval: float = Field(5.0, gt=0)
    risk: RiskSection = RiskSection()
    strategy: StrategySection = StrategySection()
    kis: KisSection = KisSection()
    sim: SimSection = SimSection()

    def engine_settings(self) -> EngineSettings:
        return EngineSettings(dry_run=self.dry_run, execution=ExecutionSettings(
            fill_timeout=self.fill_timeout, settle_seconds=self.settle_seconds))

    def monitor_settings(self) -> MonitorSettings:
        return MonitorSettings(sessions=self.sessions, budget_krw=self.budget_krw,
                               stale_after=self.stale_after, poll_interval=self.poll_interval,
                               sync_interval=self.sync_interval,
                               fill_timeout=self.fill_timeout)

    def check(self) -> EngineConfig:
        """Everything that is checked only when built: symbols, risk limits, strategy."""
        from pykis.market import validate_symbol

        for symbol in self.symbols:
            validate_symbol(symbol, "symbols")
        self.risk.limits()
        self.strategy.build()
        return self


def load_config(path: str | os.PathLike[str], **overrides: Any) -> EngineConfig:
    """The configuration in the TOML file ``path``; ``overrides`` replace top-level keys."""
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidInputError("config", str(path), f"a readable file ({error.strerror})"
                                ) from None
    except tomllib.TOMLDecodeError as error:
        raise InvalidInputError("config", str(path), f"valid TOML ({error})") from None
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return EngineConfig.model_validate(data).check()
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "config"
        allowed = ("no such setting: check its spelling" if first["type"] == "extra_forbidden"
                   else first["msg"])
        raise InvalidInputError(key, first.get("input"), f"{allowed} (in {path})") from None
