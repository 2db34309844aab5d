"""One default SSL context for the process's HTTP clients.

httpx builds a context for every client it makes, reading the CA bundle again (some
20 ms of CPU), and a ``KIS`` makes two or three clients (its own, its token manager's,
its stream's). An SSL context serves any number of connections, from any thread, so
the clients share one: the same context httpx would have made, made again only when
the environment's CA settings (``SSL_CERT_FILE``, ``SSL_CERT_DIR``) change.
"""

from __future__ import annotations

import functools
import os
import ssl

import httpx

__all__ = ["default_context"]


def default_context() -> ssl.SSLContext:
    """httpx's default context (certifi's CA bundle, or the environment's), shared."""
    return _context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.lru_cache(maxsize=4)
def _context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    # The arguments only key the cache: httpx reads the same variables itself.
    return httpx.create_ssl_context()
