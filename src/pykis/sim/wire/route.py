"""One served KIS REST API as data (``Route``), shared by every module that declares
routes; ``pykis.sim.wire.routes`` gathers them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pykis.sim.env import Env
from pykis.sim.wire.protocol import Call, Reply

__all__ = ["QUOTES", "RANKING", "TRADING", "Route", "quote_route"]

QUOTES = "/uapi/domestic-stock/v1/quotations/"
RANKING = "/uapi/domestic-stock/v1/ranking/"
TRADING = "/uapi/domestic-stock/v1/trading/"


@dataclass(frozen=True)
class Route:
    endpoint: str  # key of the field lists
    method: str
    path: str
    tr_ids: dict[Env, dict[str, str | None]]
    handler: Callable[[Call], Reply]
    envelope_first: bool = False  # orders write rt_cd/msg_cd/msg1 before the output
    fields: Mapping[str, tuple[tuple[str, str], ...]] | None = None  # None: FIELDS[endpoint]

    def variant(self, env: Env, tr_id: str) -> tuple[bool, str | None]:
        table = self.tr_ids.get(env, {})
        return tr_id in table, table.get(tr_id)


def quote_route(endpoint: str, name: str, tr_id: str, handler, *, paper: bool = True) -> Route:
    tr_ids = {Env.REAL: {tr_id: None}, Env.PAPER: {tr_id: None} if paper else {}}
    return Route(endpoint, "GET", QUOTES + name, tr_ids, handler)
