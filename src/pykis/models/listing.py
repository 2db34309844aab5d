"""A listing of the KRX: the symbol, its names, market and kind (``fetch_markets``)."""

from __future__ import annotations

from pykis.market.instruments import InstrumentKind, Market
from pykis.models.base import Model

__all__ = ["Listing"]


class Listing(Model):
    """``symbol`` is the 6-character short code (ETNs: "Q" and 6), ``isin`` the
    12-character standard code (KR7005930003). ``english_name`` is set where KIS's
    source has one (product information; the master files carry Korean names only)."""

    symbol: str
    isin: str
    name: str
    market: Market
    kind: InstrumentKind
    english_name: str | None = None
