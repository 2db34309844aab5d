"""Groups of client methods beyond the seed's trading core, one module per group.

``KIS`` and ``AsyncKIS`` are made of these groups (see ``pykis.client._Surface``): each
method is one line that runs a flow of ``pykis.api`` through ``_run``, so it is sync on
``KIS`` and awaited on ``AsyncKIS`` from one definition.
"""

from __future__ import annotations

from typing import Any

from pykis.api.base import Context
from pykis.api.flow import Flow

__all__ = ["Methods"]


class Methods:
    """What a group of methods needs from the client: its context and a way to run flows."""

    _ctx: Context

    def _run(self, flow: Flow) -> Any:
        raise NotImplementedError  # KIS and AsyncKIS define how flows run
