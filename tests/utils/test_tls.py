"""The process's shared SSL context (pykis.utils.tls): one for every HTTP client, made
again only when the environment's CA settings change, and verifying as httpx's own."""

from __future__ import annotations

import ssl

import certifi

from pykis.utils.tls import default_context


def test_clients_share_one_context_that_verifies(monkeypatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    context = default_context()
    assert default_context() is context
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert context.get_ca_certs() or context.cert_store_stats()["x509_ca"] > 0


def test_a_new_ca_setting_makes_a_new_context(monkeypatch) -> None:
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    before = default_context()
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    after = default_context()
    assert after is not before and default_context() is after
    assert after.verify_mode is ssl.CERT_REQUIRED
