"""Seed 000 §4, the authentication manager: ``AuthManager`` as the seed constructs it,
``get_token()`` and ``get_headers()``, on the same token store and rules as the clients."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest

from pykis import KIS
from pykis.auth.manager import AuthManager
from pykis.exceptions import AuthenticationError, InvalidInputError
from pykis.sim import Credentials, Simulator

JWT = "eyJ0eXAiOiJKV1Qi"


def issued(sim: Simulator, creds: Credentials) -> int:
    stats = sim.auth.stats.get(creds.app_key)
    return stats.tokens_issued if stats else 0


def test_get_token_and_get_headers_as_the_seed_calls_them(sim, real, base_url, tmp_path):
    auth = AuthManager(real.app_key, real.app_secret, base_url, is_paper=False,
                       token_path=str(tmp_path / "token.json"))
    token = auth.get_token()
    assert token.startswith(JWT)
    assert auth.get_headers() == {
        "authorization": f"Bearer {token}", "appkey": real.app_key,
        "appsecret": real.app_secret, "Content-Type": "application/json; charset=utf-8",
    }
    assert auth.get_token() == token and issued(sim, real) == 1
    assert real.app_secret not in repr(auth) and token not in repr(auth)


def test_a_second_manager_on_the_same_path_reuses_the_token(sim, paper, base_url, tmp_path):
    path = tmp_path / "token.json"
    first = AuthManager(paper.app_key, paper.app_secret, base_url, True, str(path)).get_token()
    second = AuthManager(paper.app_key, paper.app_secret, base_url, is_paper=True,
                         token_path=path).get_token()
    assert first == second and issued(sim, paper) == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert paper.app_key not in path.read_text()  # entries are keyed by a hash of it


def test_a_client_on_the_same_path_shares_the_managers_token(sim, real, base_url, tmp_path):
    path = tmp_path / "token.json"
    token = AuthManager(real.app_key, real.app_secret, base_url, token_path=path).get_token()
    with KIS(real.app_key, real.app_secret, real.account_no, token_path=path) as kis:
        kis.fetch_ticker("005930")
        assert kis.auth.get_token() == token
    assert issued(sim, real) == 1


def test_a_refused_secret_is_an_authentication_error(real, base_url, tmp_path) -> None:
    auth = AuthManager(real.app_key, "x" * 180, base_url, token_path=tmp_path / "t.json")
    with pytest.raises(AuthenticationError) as caught:
        auth.get_token()
    assert "x" * 180 not in str(caught.value)


def test_the_async_twin_shares_the_store(sim, real, base_url, tmp_path) -> None:
    path = tmp_path / "token.json"
    sync = AuthManager(real.app_key, real.app_secret, base_url, token_path=path).get_token()

    async def fetch() -> dict[str, str]:
        auth = AuthManager(real.app_key, real.app_secret, base_url, token_path=path)
        try:
            return await auth.aget_headers()
        finally:
            await auth.aclose()

    assert asyncio.run(fetch())["authorization"] == f"Bearer {sync}"
    assert issued(sim, real) == 1


@pytest.mark.parametrize("arguments, bad", [
    (("", "secret", "http://x"), "app_key"),
    (("key", None, "http://x"), "app_secret"),
    (("key", "secret", ""), "base_url"),
])
def test_bad_arguments_are_refused_by_name(arguments, bad) -> None:
    with pytest.raises(InvalidInputError) as caught:
        AuthManager(*arguments, token_path=Path("unused.json"))
    assert caught.value.argument == bad
