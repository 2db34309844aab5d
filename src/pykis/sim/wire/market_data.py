"""Routes beyond the trading core (issue 14)."""

from __future__ import annotations

from pykis.sim.wire.route import Route

__all__ = ["ROUTES"]

ROUTES: tuple[Route, ...] = ()
