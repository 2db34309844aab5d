"""The simulator on a real socket: a uvicorn server in a background thread, for tests
that need sockets (and later websockets) and for ``pykis demo``.

    with SimServer() as server:          # port 0: the OS picks a free port
        httpx.get(server.base_url + "/_sim/health")
        with server.control_client() as control:   # carries SimConfig.control_token
            control.post("/_sim/reset", json={})

Who may connect (Host, Origin, the control token) is decided in ``asgi``; the address
given here is one of the Host names it accepts.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import httpx
import uvicorn

from pykis.sim.control import token_headers
from pykis.sim.serve.asgi import DROP_MESSAGE, create_app
from pykis.sim.simulator import Simulator

__all__ = ["SimServer", "server_config"]


class _HideDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != DROP_MESSAGE


logging.getLogger("uvicorn.error").addFilter(_HideDrops())


def server_config(sim: Simulator, host: str, port: int, log_level: str = "warning"
                  ) -> uvicorn.Config:
    """How the simulator is served on a socket (here and by ``pykis sim``)."""
    return uvicorn.Config(
        create_app(sim, bind_host=host), host=host, port=port, log_level=log_level, lifespan="off",
        access_log=False,
        http="h11",  # writes header names as given; httptools lower-cases them
        server_header=False, date_header=False,  # KIS sends no `server`; asgi adds `Date`
        ws="websockets-sansio", ws_ping_interval=None,  # KIS heartbeats with PINGPONG texts
    )


class SimServer:
    def __init__(
        self, sim: Simulator | None = None, host: str = "127.0.0.1", port: int = 0,
        log_level: str = "warning",
    ) -> None:
        self.sim = sim or Simulator()
        config = server_config(self.sim, host, port, log_level)
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.servers[0].sockets[0].getsockname()[1]

    @property
    def base_url(self) -> str:
        return f"http://{self._server.config.host}:{self.port}"

    def control_client(self, **options: Any) -> httpx.Client:
        """An httpx client for the control plane (``/_sim/``) of this server, sending the
        simulator's control token if it has one; close it, or use it in a ``with``."""
        headers = {**token_headers(self.sim.config.control_token), **options.pop("headers", {})}
        return httpx.Client(base_url=self.base_url, headers=headers, **options)

    def start(self, timeout: float = 10.0) -> str:
        self._thread = threading.Thread(target=self._server.run, name="pykis-sim", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the simulator server did not start")
            time.sleep(0.01)
        return self.base_url

    def stop(self) -> None:
        if self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> SimServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
