"""What a quote says about the instrument: its market and kind, which decide the tick
grid, the tax and the commission rate of its orders.

KIS's quote names the representative market (``rprs_mrkt_kor_name``) and the sector
(``bstp_kor_isnm``), where an ETF shows as "ETF"; ETN codes start with "Q". When the
quote says nothing clear the answer is a stock on KOSPI: the stock tick grid is the
coarser one, so a price on it is valid for an ETF too, while the reverse is not.
"""

from __future__ import annotations

from pykis.market import InstrumentKind, Market
from pykis.models import Ticker

__all__ = ["instrument_of"]


def instrument_of(ticker: Ticker) -> tuple[Market, InstrumentKind]:
    market_name = str(ticker.info.get("rprs_mrkt_kor_name", "")).upper()
    sector = str(ticker.info.get("bstp_kor_isnm", "")).upper()
    if ticker.symbol.startswith("Q") or "ETN" in sector:
        kind = InstrumentKind.ETN
    elif "ETF" in sector or "ETF" in market_name:
        kind = InstrumentKind.ETF
    else:
        kind = InstrumentKind.STOCK
    if "KOSDAQ" in market_name or "KSQ" in market_name:
        market = Market.KOSDAQ
    elif "KONEX" in market_name:
        market = Market.KONEX
    else:
        market = Market.KOSPI
    return market, kind
