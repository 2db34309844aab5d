"""The engine's configuration file (TOML) for ``pykis engine run --config FILE``.

``pykis engine init FILE`` writes a starter file (:func:`starter_config`): every setting
with its default, commented out. The keys::

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
    name = "moving_average_cross"           # or "donchian_breakout", "hold" (exits only)
    short = 5
    long = 20

    [kis]                                   # credentials: KIS_APP_KEY, ... (environment or .env)
    env_file = ".env"
    paper = true                            # default: KIS_PAPER

    [sim]
    enabled = false                         # true: an embedded simulator, no account needed
    seed = 42

An unknown key is an error (a typo must not turn a risk rule off silently). Every error
is a :class:`ConfigError` that names the file, the full key, the value and what is
allowed, in one sentence: ``bot.toml: risk.stop_loss = 3: expected a fraction between 0
and 1, e.g. 0.03 for 3%``.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationError,
)

from pykis.engine.engine import EngineSettings
from pykis.engine.execution import ExecutionSettings
from pykis.engine.monitor import MonitorSettings
from pykis.engine.risk import RiskLimits
from pykis.engine.strategy import Strategy, strategy_named, strategy_parameters
from pykis.exceptions import InvalidInputError, KISError

__all__ = ["ConfigError", "EngineConfig", "load_config", "starter_config"]

MAX_SYMBOLS = 40
SECONDS = "a number of seconds greater than 0"


def _setting(default: Any, allowed: str, comment: str, example: Any = None,
             **constraints: Any) -> Any:
    """A field that knows what it accepts (for errors) and what it does (for the
    starter file), so that neither can drift from the model."""
    return Field(default, description=comment, **constraints,
                 json_schema_extra={"allowed": allowed, "example": example})


class ConfigError(InvalidInputError):
    """A setting of a config file that cannot be used. ``argument`` is its full key
    (``risk.stop_loss``); the message says where, what and what is allowed."""

    def __init__(self, file: str, key: str | None, value: Any, problem: str) -> None:
        if key is None:  # the file itself
            shown = ""
        elif key.startswith("["):  # a section: its contents say nothing more
            shown = f"{key}: "
        elif value is _MISSING:
            shown = f"{key} is missing: "
        else:
            shown = f"{key} = {toml_value(value)}: "
        KISError.__init__(self, f"{file}: {shown}{problem}")
        self.argument, self.value, self.allowed, self.file = key or "config", value, problem, file


_MISSING = object()


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Fraction = Annotated[Decimal, Field(gt=0, lt=1)] | None
Positive = Annotated[Decimal, Field(gt=0)] | None


class RiskSection(_Section):
    stop_loss: Fraction = _setting(
        None, "a fraction between 0 and 1, e.g. 0.03 for 3%",
        "sell at this fraction under the entry price: 0.03 sells 3% under it", 0.03)
    take_profit: Positive = _setting(
        None, "a fraction greater than 0, e.g. 0.05 for 5%",
        "sell at this fraction over the entry price", 0.05)
    trailing_stop: Fraction = _setting(
        None, "a fraction between 0 and 1, e.g. 0.02 for 2%",
        "sell at this fraction under the highest price since entry", 0.02)
    max_position_fraction: Positive = _setting(
        None, "a fraction greater than 0, e.g. 0.2 for 20% of equity",
        "largest position as a share of the account's equity", 0.2)
    max_open_positions: StrictInt | None = _setting(
        None, "a whole number greater than 0, e.g. 5", "most positions open at once", 5, gt=0)
    daily_loss_limit: StrictInt | None = _setting(
        None, "a whole number of KRW greater than 0, e.g. 200000",
        "no new buys once the day's loss reaches this many KRW", 200_000, gt=0)
    daily_loss_fraction: Fraction = _setting(
        None, "a fraction between 0 and 1, e.g. 0.02 for 2%",
        "the same, as a share of the day's opening equity", 0.02)

    def limits(self) -> RiskLimits:
        return RiskLimits(**self.model_dump())


class StrategySection(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)  # the strategy's own parameters
    name: str = _setting("hold", "the name of a built-in strategy",
                         '"hold" (the risk rules\' exits only), "moving_average_cross" or '
                         '"donchian_breakout"')

    def build(self) -> Strategy:
        return strategy_named(self.name, **(self.model_extra or {}))


class KisSection(_Section):
    env_file: str | None = _setting(".env", 'a file path, e.g. ".env"',
                                    "where KIS_APP_KEY, KIS_APP_SECRET, KIS_ACCOUNT_NO are "
                                    "read from (the environment comes first)")
    paper: StrictBool | None = _setting(None, "true or false",
                                        "paper trading (모의투자); default: KIS_PAPER", False)
    base_url: str | None = _setting(None, 'a URL, e.g. "http://127.0.0.1:8080"',
                                    "server to call; default: KIS_BASE_URL, else KIS",
                                    "http://127.0.0.1:8080")


class SimSection(_Section):
    enabled: StrictBool = _setting(False, "true or false",
                                   "trade on an embedded simulator, as --sim does")
    seed: StrictInt = _setting(42, "a whole number", "the simulator's market and credentials")


class EngineConfig(_Section):
    database: str | None = _setting(
        None, 'a database URL or a SQLite file, e.g. "sqlite:///bot.sqlite3"',
        "the ledger: a SQLite file or a URL such as postgresql://user@host/db; default: "
        "engine.sqlite3 in the data directory", "sqlite:///bot.sqlite3")
    symbols: list[str] = _setting(
        ..., f'a list of 1 to {MAX_SYMBOLS} KRX codes, e.g. ["005930", "000660"]',
        f"the KRX codes to watch and trade (at most {MAX_SYMBOLS}: one real-time session)",
        min_length=1, max_length=MAX_SYMBOLS)
    dry_run: StrictBool = _setting(False, "true or false",
                                   "record decisions without sending any order")
    sessions: Literal["regular", "always"] = _setting(
        "regular", '"regular" or "always"', 'act in KRX\'s regular session only; "always": '
        "at any time (--sim acts at any time unless this is set)")
    budget_krw: StrictInt = _setting(100_000, "a whole number of KRW greater than 0",
                                     "KRW for each new position", gt=0)
    fill_timeout: StrictFloat = _setting(2.0, "a number of seconds, 0 or more",
                                         "seconds the loop waits for an order's fills", ge=0)
    settle_seconds: StrictFloat = _setting(15.0, SECONDS, "seconds an order may take to "
                                           "settle before it is looked up", gt=0)
    poll_interval: StrictFloat = _setting(2.0, SECONDS, "seconds between quotes read over "
                                          "REST while the real-time stream is down", gt=0)
    stale_after: StrictFloat = _setting(10.0, SECONDS, "seconds without a real-time trade "
                                        "before quotes are polled", gt=0)
    sync_interval: StrictFloat = _setting(5.0, SECONDS, "seconds between read-backs of "
                                          "working orders", gt=0)
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


SECTIONS: dict[str, type[BaseModel]] = {"risk": RiskSection, "strategy": StrategySection,
                                        "kis": KisSection, "sim": SimSection}


def load_config(path: str | os.PathLike[str], **overrides: Any) -> EngineConfig:
    """The configuration in the TOML file ``path``; ``overrides`` replace top-level keys.
    Raises :class:`ConfigError`."""
    file = Path(path)
    name = str(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(name, None, path, f"not a readable file ({error.strerror}); "
                          "`pykis engine init FILE` writes a starter one") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(name, None, path, f"not valid TOML ({error})") from None
    data.update({k: v for k, v in overrides.items() if v is not None})
    _refuse_unknown(name, data)
    try:
        config = EngineConfig.model_validate(data)
    except ValidationError as error:
        raise _explained(name, data, error.errors()[0]) from None
    _check(name, data, config)
    return config


def _refuse_unknown(file: str, data: dict[str, Any]) -> None:
    """A key no section has, with the nearest one it may have meant."""
    for key, value in data.items():
        if key in SECTIONS and isinstance(value, dict):
            fields = SECTIONS[key].model_fields
            if key == "strategy":
                continue  # its parameters depend on its name: checked when built
            for inner, setting in value.items():
                if inner not in fields:
                    raise ConfigError(file, f"{key}.{inner}", setting,
                                      _no_such(inner, [f"{key}.{f}" for f in fields]))
        elif key not in EngineConfig.model_fields:
            if isinstance(value, dict):
                close = difflib.get_close_matches(key, list(SECTIONS), n=1)
                hint = f"; did you mean [{close[0]}]?" if close else \
                    f" (the sections: {', '.join(f'[{s}]' for s in SECTIONS)})"
                raise ConfigError(file, f"[{key}]", value, f"no such section{hint}")
            homes = [f"{s}.{key}" for s, model in SECTIONS.items() if key in model.model_fields]
            if homes:
                section = homes[0].split(".")[0]
                raise ConfigError(file, key, value, f"not a top-level setting; did you mean "
                                  f"{homes[0]} (under [{section}])?")
            raise ConfigError(file, key, value, _no_such(key, list(EngineConfig.model_fields)))


def _no_such(key: str, candidates: list[str]) -> str:
    names = {c.rsplit(".", 1)[-1]: c for c in candidates}
    close = difflib.get_close_matches(key, list(names), n=1)
    if close:
        return f"no such setting; did you mean {names[close[0]]}?"
    return f"no such setting (the settings here: {', '.join(candidates)})"


def _explained(file: str, data: dict[str, Any], error: Any) -> ConfigError:
    """pydantic's first complaint in the words of the file: its key, value and rule."""
    path = [part for part in error["loc"] if isinstance(part, str)]
    key = ".".join(path)
    value: Any = data
    for part in path:
        value = value.get(part, _MISSING) if isinstance(value, dict) else _MISSING
    return ConfigError(file, key, value, "expected " + _allowed(path, error))


def _allowed(path: list[str], error: Any) -> str:
    model: type[BaseModel] = EngineConfig
    if len(path) == 2 and path[0] in SECTIONS:
        model = SECTIONS[path[0]]
    elif len(path) == 1 and path[0] in SECTIONS:
        return f"a [{path[0]}] section"
    field = model.model_fields.get(path[-1]) if path else None
    extra = field.json_schema_extra if field is not None else None
    if isinstance(extra, dict) and extra.get("allowed"):
        return str(extra["allowed"])
    return str(error["msg"]).lower()


def _check(file: str, data: dict[str, Any], config: EngineConfig) -> None:
    """What only building tells: the symbols, the risk limits together, the strategy."""
    try:
        config.check()
    except InvalidInputError as error:
        argument = error.argument
        if argument == "symbols":
            raise ConfigError(file, "symbols", data.get("symbols"), f"{toml_value(error.value)} "
                              "is not a KRX code; expected 6-character codes such as "
                              '"005930" (an ETN: "Q500001")') from None
        if argument in RiskSection.model_fields:
            key = f"risk.{argument}"
            raise ConfigError(file, key, data.get("risk", {}).get(argument, error.value),
                              "expected " + _allowed(["risk", argument], {"msg": ""})) from None
        raise _strategy_error(file, data.get("strategy", {}), config, error) from None


def _strategy_error(file: str, section: dict[str, Any], config: EngineConfig,
                    error: InvalidInputError) -> ConfigError:
    name = config.strategy.name
    if error.argument == "strategy":
        if error.value == name:
            return ConfigError(file, "strategy.name", name,
                               f"no such strategy; expected {error.allowed}")
        return ConfigError(file, "[strategy]", section, f"expected {error.allowed}")
    known = strategy_parameters(name)
    argument = error.argument
    if known is not None and argument in section and argument not in known:
        if not known:
            return ConfigError(file, f"strategy.{argument}", section[argument],
                               f"{name} takes no parameters")
        close = difflib.get_close_matches(argument, known, n=1)
        hint = f"; did you mean strategy.{close[0]}?" if close else ""
        return ConfigError(file, f"strategy.{argument}", section[argument],
                           f"{name} has no such parameter{hint} (its parameters: "
                           f"{', '.join(known)})")
    value = section.get(argument, error.value)
    allowed = error.allowed.removeprefix("None or ")  # the file cannot say None
    return ConfigError(file, f"strategy.{argument}", value, f"expected {allowed}")


# ----------------------------------------------------------------------- the starter file


def toml_value(value: Any) -> str:
    """``value`` as it would be written in TOML (for messages and the starter file)."""
    if value is _MISSING:
        return "(missing)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if len(value) <= 80 else value[:60] + "…"
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        shown = ", ".join(toml_value(v) for v in value[:6])
        return f"[{shown}{', …' if len(value) > 6 else ''}]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    return str(value)


def starter_config(symbols: tuple[str, ...] = ("005930", "000660")) -> str:
    """A commented config file: every setting with its default (commented out, so that
    the file loads as it is and a setting's default is plain to see)."""
    lines = [
        "# The trading engine's configuration: `pykis engine run -c THIS_FILE`, or without",
        "# a KIS account `pykis engine run -c THIS_FILE --sim`. Every setting is shown with",
        "# its default, commented out: remove the '#' to change one. An unknown key is an",
        "# error: a typo never turns a risk rule off.",
        "",
        *_described(EngineConfig.model_fields["symbols"].description or ""),
        f"symbols = {toml_value(list(symbols))}",
    ]
    lines += _commented(EngineConfig, skip={"symbols", *SECTIONS})
    for section, model in SECTIONS.items():
        lines += ["", *_described(_HEADERS[section]), f"[{section}]"]
        if section == "strategy":  # the default trades nothing: start with one that does
            lines += ["", *_described(f'"{_STARTER_STRATEGY}", or "hold" (the default: the '
                                      "risk rules' exits only)"),
                      f'name = "{_STARTER_STRATEGY}"']
            lines += _strategy_parameters()
        else:
            lines += _commented(model)
    return "\n".join(lines) + "\n"


_STARTER_STRATEGY = "moving_average_cross"
_HEADERS = {
    "risk": "Risk rules, as fractions (0.03 is 3%); every rule is off unless set",
    "strategy": "The strategy: what to buy and when to sell, besides the risk rules",
    "kis": "A KIS account: KIS_APP_KEY, KIS_APP_SECRET and KIS_ACCOUNT_NO come from the "
           "environment, else from env_file",
    "sim": "The simulator (no KIS account needed)",
}


def _described(text: str) -> list[str]:
    import textwrap

    return ["# " + line for line in textwrap.wrap(text[:1].upper() + text[1:] + ".", 86)]


def _commented(model: type[BaseModel], skip: frozenset[str] | set[str] = frozenset()
               ) -> list[str]:
    lines = []
    for name, field in model.model_fields.items():
        if name in skip:
            continue
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        shown = field.default if field.default is not None else extra.get("example")
        off = " (default: off)" if field.default is None and model is RiskSection else ""
        lines += ["", *_described(f"{field.description}{off}"),
                  f"# {name} = {toml_value(shown)}"]
    return lines


def _strategy_parameters() -> list[str]:
    import inspect

    from pykis.engine.strategy import STRATEGIES

    lines = []
    for name in sorted(STRATEGIES):
        known = strategy_parameters(name) or ()
        if not known:
            continue
        lines += ["", f'# The parameters of name = "{name}" (optional):']
        defaults = inspect.signature(STRATEGIES[name]).parameters
        for parameter in known:
            default = defaults[parameter].default
            if default is None or default is inspect.Parameter.empty:
                lines.append(f"#   {parameter}: no default")
            else:
                lines.append(f"# {parameter} = {toml_value(default)}")
    return lines
