"""The trading engine: a persisted ledger of trades, orders and fills
(:mod:`pykis.engine.store`), the money of a trade (:mod:`pykis.engine.pnl`), risk rules
(:mod:`pykis.engine.risk`) and the portfolio (:mod:`pykis.engine.portfolio`)."""

__all__: list[str] = []
