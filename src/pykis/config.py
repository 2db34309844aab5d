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

__all__ = ["cache_dir", "from_environment", "paper_setting"]


def cache_dir() -> Path:
    """Where tokens and rate-limit state live by default: ``PYKIS_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/pykis``, else ``~/.cache/pykis``."""
    if os.environ.get("PYKIS_CACHE_DIR"):
        return Path(os.environ["PYKIS_CACHE_DIR"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache").expanduser() / "pykis"

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
    missing = [n for n in ("KIS_APP_KEY", "KIS_APP_SECRET", "KIS_ACCOUNT_NO") if not values.get(n)]
    if missing:
        raise InvalidInputError(missing[0], None, "set in the environment or the .env file")
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
