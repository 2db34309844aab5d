"""Issue 11: a wait for KIS's one-issuance-a-minute rule is announced and counted down,
never silent; an entry PyKIS kept before the server was part of the store key is taken
over for KIS's hosts (no issuance wasted by an upgrade) and never for a simulator's; a
server that starts afresh drops the entries of its app keys."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from pathlib import Path

import httpx
import pytest

from pykis.auth.manager import AuthManager
from pykis.auth.token import FileTokenStore, MemoryTokenStore, entry_key, legacy_entry_key
from pykis.constants import BaseURL

KEY, SECRET = "PS" + "k" * 34, "s" * 180


class Kis:
    """KIS's token service: counts issuances."""

    def __init__(self) -> None:
        self.issued = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.issued += 1
        return httpx.Response(200, json={"access_token": f"eyJ.new{self.issued}.x",
                                         "token_type": "Bearer", "expires_in": 86_400})


def manager(path: Path, kis: Kis, url: str = "http://sim", **options) -> AuthManager:
    return AuthManager(KEY, SECRET, url, token_path=path, transport=httpx.MockTransport(kis),
                       **options)


def test_a_wait_for_the_rule_is_logged_and_counted_down(tmp_path: Path, caplog) -> None:
    """Issued elsewhere a moment ago: this manager waits out the interval (1.5 s here),
    and says so each second, then 0 when it is over."""
    path, kis = tmp_path / "tokens.json", Kis()
    store = FileTokenStore(path)
    key = entry_key("real", KEY, "http://sim")
    store.abandon(key, store.begin(key, time.time(), 600, 1.5).lease)  # charged
    told: list[float] = []
    caplog.set_level(logging.INFO, logger="pykis")
    started = time.monotonic()
    assert manager(path, kis, interval=1.5, on_wait=told.append).get_token() == "eyJ.new1.x"
    assert time.monotonic() - started >= 1.4 and kis.issued == 1
    assert told[0] > 1 and told[-1] == 0 and told == sorted(told, reverse=True)
    assert all(left == int(left) for left in told[1:])  # whole seconds after the first
    assert re.search(r"waiting \d s for a new access token: KIS issues one a minute",
                     caplog.text)


def test_a_short_wait_for_another_issuer_is_not_announced(tmp_path: Path) -> None:
    told: list[float] = []
    kis = Kis()
    assert manager(tmp_path / "t.json", kis, on_wait=told.append).get_token()
    assert told == []  # nothing to wait for at all


def legacy_file(path: Path, token: str) -> None:
    """A token file as PyKIS wrote it when keys were environment and app key alone."""
    now = time.time()
    old_key = f"real:{hashlib.sha256(KEY.encode()).hexdigest()[:24]}"
    assert old_key == legacy_entry_key("real", KEY)
    path.write_text(json.dumps({old_key: {
        "token": {"value": token, "expires_at": now + 80_000, "issued_at": now - 6_400},
        "lease": None, "last_call": now - 6_400}}))
    path.chmod(0o600)


def test_a_token_kept_under_the_old_key_is_taken_over_for_kis(tmp_path: Path) -> None:
    path, kis = tmp_path / "tokens.json", Kis()
    legacy_file(path, "eyJ.kept.x")
    assert manager(path, kis, url=BaseURL.PRODUCTION).get_token() == "eyJ.kept.x"
    assert kis.issued == 0  # an upgrade issues nothing (nor waits: the call was long ago)
    stored = json.loads(path.read_text())
    assert list(stored) == [entry_key("real", KEY, BaseURL.PRODUCTION)]
    assert manager(path, kis, url=BaseURL.PRODUCTION).get_token() == "eyJ.kept.x"


def test_an_old_entry_is_never_a_simulators_token(tmp_path: Path) -> None:
    """Before the server was in the key, a simulator's token and KIS's shared an entry:
    a simulator's client issues its own, and leaves the entry to KIS's clients."""
    path, kis = tmp_path / "tokens.json", Kis()
    legacy_file(path, "eyJ.kept.x")
    assert manager(path, kis, url="http://127.0.0.1:8080").get_token() == "eyJ.new1.x"
    assert legacy_entry_key("real", KEY) in json.loads(path.read_text())


@pytest.mark.parametrize("make", [lambda p: FileTokenStore(p), lambda p: MemoryTokenStore()],
                         ids=["file", "memory"])
def test_forget_drops_the_given_entries_only(tmp_path: Path, make) -> None:
    store = make(tmp_path / "tokens.json")
    gone, kept = entry_key("real", KEY, "http://a"), entry_key("real", KEY, "http://b")
    for key in (gone, kept):
        store.abandon(key, store.begin(key, time.time(), 600, 60).lease)
    store.forget([gone, entry_key("paper", KEY, "http://never")])
    assert type(store.begin(gone, time.time(), 600, 60)).__name__ == "Issue"  # at once
    assert type(store.begin(kept, time.time(), 600, 60)).__name__ == "Wait"
