"""A KIS-compatible simulator: REST (and later WebSocket) with a market, a matching
engine and fault injection, for tests, benchmarks, demos and trying code without an
account.

    sim = Simulator()                    # in-process, no sockets
    client = httpx.Client(transport=sim.transport(), base_url="http://sim")

    with SimServer(sim) as server:       # on a real socket (needs the "sim" extra)
        print(server.base_url)
"""

try:
    import numpy  # noqa: F401  (the market is generated with numpy)
except ImportError as error:  # pragma: no cover - only without the extra
    raise ImportError("pykis.sim needs its extra: pip install 'pykis[sim]'") from error

from pykis.sim.clock import SimClock
from pykis.sim.config import AccountSpec, Credentials, SimConfig
from pykis.sim.env import Env
from pykis.sim.errors import SimError
from pykis.sim.faults import FaultKind, FaultRule, Scope
from pykis.sim.serve.transport import SimTransport
from pykis.sim.simulator import Simulator

__all__ = [
    "AccountSpec",
    "Credentials",
    "Env",
    "FaultKind",
    "FaultRule",
    "Scope",
    "SimClock",
    "SimConfig",
    "SimError",
    "SimServer",
    "SimTransport",
    "Simulator",
]


def __getattr__(name: str):
    # The server needs uvicorn and starlette (the "sim" extra); import it on first use.
    if name == "SimServer":
        from pykis.sim.serve.server import SimServer

        return SimServer
    raise AttributeError(name)
