"""Settings from arguments, the environment and a .env file, in that order."""

from __future__ import annotations

from pathlib import Path

import pytest

from pykis import KIS, AsyncKIS, InvalidInputError
from pykis.config import cache_dir, from_environment, paper_setting

KEY, SECRET = "PS" + "a" * 34, "b" * 180


def test_environment_beats_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"KIS_APP_KEY={KEY}\nKIS_APP_SECRET={SECRET}\n"
                        "KIS_ACCOUNT_NO=12345678-01\nKIS_PAPER=false\n")
    settings = from_environment(env_file, environ={"KIS_PAPER": "yes",
                                                   "KIS_BASE_URL": "http://sim:8080"})
    assert settings == {"app_key": KEY, "app_secret": SECRET, "account_no": "12345678-01",
                        "is_paper": True, "base_url": "http://sim:8080"}


def test_from_env_builds_both_clients_and_arguments_win(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("KIS_APP_KEY", KEY)
    monkeypatch.setenv("KIS_APP_SECRET", SECRET)
    monkeypatch.setenv("KIS_ACCOUNT_NO", "1234567801")
    monkeypatch.delenv("KIS_PAPER", raising=False)
    with KIS.from_env(env_file=None, is_paper=True, token_path=tmp_path / "t.json") as kis:
        assert kis.is_paper and kis.account_no == "1234567801"  # as it was given
        assert SECRET not in repr(kis)
    client = AsyncKIS.from_env(env_file=None, token_path=tmp_path / "t.json")
    assert not client.is_paper


@pytest.mark.parametrize(("environ", "argument"), [
    ({"KIS_APP_SECRET": SECRET, "KIS_ACCOUNT_NO": "12345678-01"}, "KIS_APP_KEY"),
    ({"KIS_APP_KEY": KEY, "KIS_ACCOUNT_NO": "12345678-01"}, "KIS_APP_SECRET"),
    ({"KIS_APP_KEY": KEY, "KIS_APP_SECRET": SECRET}, "KIS_ACCOUNT_NO"),
    ({"KIS_APP_KEY": KEY, "KIS_APP_SECRET": SECRET, "KIS_ACCOUNT_NO": "12345678-01",
      "KIS_PAPER": "maybe"}, "KIS_PAPER"),
])
def test_missing_or_bad_settings(environ: dict, argument: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        from_environment(None, environ=environ)
    assert caught.value.argument == argument


@pytest.mark.parametrize(("arguments", "argument"), [
    ((KEY, SECRET, "1234-5678"), "account_no"),
    ((KEY, SECRET, "123456780"), "account_no"),
    ((KEY, SECRET, 1234567801), "account_no"),
    (("", SECRET, "12345678-01"), "app_key"),
    ((KEY, None, "12345678-01"), "app_secret"),
])
def test_bad_constructor_arguments(arguments, argument: str, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError) as caught:
        KIS(*arguments, token_path=tmp_path / "t.json")
    assert caught.value.argument == argument
    assert SECRET not in str(caught.value)


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PYKIS_CACHE_DIR", str(tmp_path))
    assert cache_dir() == tmp_path
    monkeypatch.delenv("PYKIS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "pykis"


def test_paper_setting_alone(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("KIS_PAPER=on\n")
    assert paper_setting(env_file, environ={}) is True
    assert paper_setting(env_file, environ={"KIS_PAPER": "false"}) is False
    assert paper_setting(None, environ={}) is False
    with pytest.raises(InvalidInputError):
        paper_setting(None, environ={"KIS_PAPER": "sometimes"})
