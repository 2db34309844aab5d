"""The account: cash, positions and what they are worth, and buying power.

KIS: 주식잔고조회 TTTC8434R (``output1`` positions, ``output2`` summary), 매수가능조회
TTTC8908R.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field, model_validator

from pykis.models.base import Count, Krw, Model, Ratio, SignedWon, UnsignedKrw, Won

__all__ = ["Balance", "BuyingPower", "Position"]


class Position(Model):
    """A holding, valued by KIS at the current price. ``unrealized_pnl`` is KIS's
    평가손익: market value minus purchase cost, before the costs of a sale."""

    symbol: str = Field(validation_alias=AliasChoices("pdno", "symbol"))
    name: str = Field(validation_alias=AliasChoices("prdt_name", "name"))
    amount: Count = Field(validation_alias=AliasChoices("hldg_qty", "amount"))
    average_price: UnsignedKrw = Field(validation_alias=AliasChoices("pchs_avg_pric",
                                                               "average_price"))
    current_price: UnsignedKrw = Field(validation_alias=AliasChoices("prpr", "current_price"))
    unrealized_pnl: Krw = Field(validation_alias=AliasChoices("evlu_pfls_amt",
                                                              "unrealized_pnl"))
    unrealized_pnl_percent: Ratio = Field(validation_alias=AliasChoices(
        "evlu_pfls_rt", "unrealized_pnl_percent"))
    sellable: Count = Field(0, validation_alias=AliasChoices("ord_psbl_qty", "sellable"))
    cost: UnsignedKrw = Field(0, validation_alias=AliasChoices("pchs_amt", "cost"))
    value: UnsignedKrw = Field(0, validation_alias=AliasChoices("evlu_amt", "value"))


class Balance(Model):
    """Cash and positions.

    ``free`` is what the account can spend on orders now (KIS's 주문가능현금, from
    매수가능조회: sales pay for new buys at once, working buy orders hold theirs).
    ``deposit`` is the cash deposited now (예수금), ``deposit_d2`` the deposit as it
    will stand once today's and yesterday's trades settle (T+2). ``total`` is KIS's
    total valuation (cash and holdings). ``info`` holds the summary section (output2)
    of the first page.
    """

    total: Krw = Field(validation_alias=AliasChoices("tot_evlu_amt", "total"))
    free: Krw
    deposit: Krw = Field(validation_alias=AliasChoices("dnca_tot_amt", "deposit"))
    positions: list[Position] = Field(default_factory=list)
    total_pnl: Krw = Field(validation_alias=AliasChoices("evlu_pfls_smtl_amt", "total_pnl"))
    total_pnl_percent: Ratio = 0.0  # total_pnl over the purchase cost, in percent
    deposit_d1: Krw = Field(0, validation_alias=AliasChoices("nxdy_excc_amt", "deposit_d1"))
    deposit_d2: Krw = Field(0, validation_alias=AliasChoices("prvs_rcdl_excc_amt",
                                                             "deposit_d2"))
    stock_value: Krw = Field(0, validation_alias=AliasChoices("scts_evlu_amt", "stock_value"))
    net_assets: Krw = Field(0, validation_alias=AliasChoices("nass_amt", "net_assets"))
    cost: Krw = Field(0, validation_alias=AliasChoices("pchs_amt_smtl_amt", "cost"))

    @model_validator(mode="after")
    def _percent(self) -> Balance:
        # KIS sends no P&L rate for the account as a whole: it is the total over the cost.
        if not self.total_pnl_percent and self.cost > 0:
            percent = round(self.total_pnl * 100 / self.cost, 2)
            object.__setattr__(self, "total_pnl_percent", percent)
        return self

    def get_position(self, symbol: str) -> Position | None:
        """The position in ``symbol`` with shares, or None (KIS lists a position sold
        today with no shares until it settles)."""
        return next((p for p in self.positions if p.symbol == symbol and p.amount > 0), None)


class BuyingPower(Model):
    """What the account can buy of a symbol at a price (inquire-psbl-order)."""

    symbol: str
    price: Won  # the unit price KIS used (the upper limit for price-less orders)
    cash: SignedWon  # orderable cash
    max_amount: Won
    max_quantity: Count
