"""Secrets never outlive a call: not in an error's chain (httpx keeps the request it
failed on, headers and body), not in a traceback, not in any log line at any level."""

from __future__ import annotations

import logging
import socket
import traceback

import pytest

from clients import build
from pykis import KISError, NetworkError
from pykis.sim import Env, FaultRule


def everything_said(error: BaseException) -> str:
    """Every text an error chain holds: its traceback, and each httpx request it keeps
    (headers and body), as a debugger or an error tracker would show them."""
    parts = ["".join(traceback.format_exception(error))]
    seen, current = set(), error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += [repr(current), str(vars(current))]
        request = getattr(current, "_request", None)
        if request is not None:
            parts += [str(dict(request.headers)), request.read().decode("utf-8", "replace")]
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


def secrets_of(sim, kis) -> list[str]:
    creds = sim.credentials(Env.REAL)
    client = getattr(kis, "client", kis)
    token = client._ctx.auth._token.value if getattr(client._ctx.auth, "_token", None) else None
    return [s for s in (creds.app_secret, creds.app_key, token) if s]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_an_error_from_a_read_keeps_no_secret(sim, kind, tmp_path, caplog):
    kis = build(sim, Env.REAL, kind, tmp_path)
    kis.fetch_ticker("005930")  # a token in force, whose value must not leak either
    secrets = secrets_of(sim, kis)
    sim.faults.replace([FaultRule("drop", scope="reads")])
    caplog.set_level(logging.DEBUG)
    with pytest.raises(NetworkError) as caught:
        kis.fetch_ticker("005930")
    said = everything_said(caught.value) + caplog.text
    for secret in secrets:
        assert secret not in said
    kis.close()


def test_an_error_from_the_token_request_keeps_no_secret(sim, tmp_path, caplog):
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    creds = sim.credentials(Env.REAL)
    kis = build(sim, Env.REAL, "sync", tmp_path, transport=None,
                base_url=f"http://127.0.0.1:{port}")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(KISError) as caught:
        kis.fetch_ticker("005930")
    said = everything_said(caught.value) + caplog.text
    assert creds.app_secret not in said and creds.app_key not in said
    kis.close()
