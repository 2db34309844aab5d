"""Settings of a client: arguments first, then the environment (``KIS_APP_KEY``,
``KIS_APP_SECRET``, ``KIS_ACCOUNT_NO``, ``KIS_PAPER``, ``KIS_BASE_URL``, ``KIS_HTS_ID``,
``KIS_TOKEN_PATH``, ``KIS_WS_URL``), then a ``.env`` file; real, paper, or a simulator's URL."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from pykis.exceptions import InvalidInputError

__all__ = ["MissingSettingError", "cache_dir", "from_environment", "paper_setting",
           "runtime_dir", "token_path"]

CREDENTIALS = ("KIS_APP_KEY", "KIS_APP_SECRET", "KIS_ACCOUNT_NO")


class MissingSettingError(InvalidInputError):
    """A setting a client cannot do without (``KIS_APP_KEY``, ...) is set nowhere."""

    def __init__(self, names: list[str], env_file: str | os.PathLike[str] | None) -> None:
        where = f"the environment or {env_file}" if env_file is not None else "the environment"
        allowed = (f"your KIS app's values in {where}; or, to try PyKIS without a KIS "
                   "account, add --sim to a pykis command, or run `pykis sim` and export "
                   "the values it prints")
        super().__init__(names[0], None, allowed)
        # One plain sentence naming every missing setting, rather than "invalid X=None".
        self.message = f"{_listed(names)} {'is' if len(names) == 1 else 'are'} not set: " \
            f"set {allowed}"
        self.args = (self.message,)


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def cache_dir() -> Path:
    """Where tokens and rate-limit state live by default: ``PYKIS_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/pykis``, else ``~/.cache/pykis``."""
    if os.environ.get("PYKIS_CACHE_DIR"):
        return Path(os.environ["PYKIS_CACHE_DIR"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache").expanduser() / "pykis"


def token_path() -> Path:
    """The token file clients use unless told otherwise: ``KIS_TOKEN_PATH``, else
    ``tokens.json`` in ``cache_dir()``."""
    named = os.environ.get("KIS_TOKEN_PATH")
    return Path(named).expanduser() if named else cache_dir() / "tokens.json"


def runtime_dir() -> Path:
    """Where a running ``pykis sim`` leaves word of itself for other ``pykis`` commands:
    ``PYKIS_RUNTIME_DIR``; else ``run`` in ``PYKIS_CACHE_DIR`` when that is set (so one
    variable keeps a test or a sandbox apart from the user's simulators); else
    ``$XDG_RUNTIME_DIR/pykis``; else ``run`` in ``cache_dir()``."""
    if os.environ.get("PYKIS_RUNTIME_DIR"):
        return Path(os.environ["PYKIS_RUNTIME_DIR"]).expanduser()
    if os.environ.get("PYKIS_CACHE_DIR") or not os.environ.get("XDG_RUNTIME_DIR"):
        return cache_dir() / "run"
    return Path(os.environ["XDG_RUNTIME_DIR"]) / "pykis"

_TRUE = {"1", "true", "yes", "y", "on"}
_FALSE = {"0", "false", "no", "n", "off", ""}


def from_environment(env_file: str | os.PathLike[str] | None = ".env",
                     environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Client arguments from the environment, falling back to ``env_file``."""
    values: dict[str, str | None] = {}
    if env_file is not None and Path(env_file).is_file():
        values.update(dotenv_values(env_file))
    values.update({k: v for k, v in (os.environ if environ is None else environ).items()
                   if k.startswith("KIS_")})
    missing = [name for name in CREDENTIALS if not values.get(name)]
    if missing:
        raise MissingSettingError(missing, env_file)
    arguments: dict[str, Any] = {
        "app_key": values["KIS_APP_KEY"], "app_secret": values["KIS_APP_SECRET"],
        "account_no": values["KIS_ACCOUNT_NO"], "is_paper": _flag(values.get("KIS_PAPER")),
    }
    for name, key in (("base_url", "KIS_BASE_URL"), ("hts_id", "KIS_HTS_ID"),
                      ("token_path", "KIS_TOKEN_PATH"), ("ws_url", "KIS_WS_URL")):
        if values.get(key):
            arguments[name] = values[key]
    return arguments


def paper_setting(env_file: str | os.PathLike[str] | None = ".env",
                  environ: Mapping[str, str] | None = None) -> bool:
    """``KIS_PAPER`` alone (environment first, then ``env_file``): for tools that run a
    simulator and need no credentials."""
    value = (os.environ if environ is None else environ).get("KIS_PAPER")
    if value is None and env_file is not None and Path(env_file).is_file():
        value = dotenv_values(env_file).get("KIS_PAPER")
    return _flag(value)


def _flag(value: str | None) -> bool:
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidInputError("KIS_PAPER", value, "true or false")
