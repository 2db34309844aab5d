"""The account: cash, positions, and what they are worth."""

from __future__ import annotations

from pydantic import Field

from pykis.models.base import Count, Model, Price4, Ratio, Won

__all__ = ["Balance", "Position"]


class Position(Model):
    symbol: str = Field(validation_alias="pdno")
    name: str = Field(validation_alias="prdt_name")
    quantity: Count = Field(validation_alias="hldg_qty")
    sellable: Count = Field(validation_alias="ord_psbl_qty")
    average_price: Price4 = Field(validation_alias="pchs_avg_pric")
    cost: Won = Field(validation_alias="pchs_amt")
    price: Won = Field(validation_alias="prpr")
    value: Won = Field(validation_alias="evlu_amt")
    pnl: Won = Field(validation_alias="evlu_pfls_amt")
    pnl_percent: Ratio = Field(validation_alias="evlu_pfls_rt")


class Balance(Model):
    """Cash (deposit now, at D+1 and at D+2, as sales and purchases settle T+2) and
    positions. ``info`` holds the summary section (output2) of the first page."""

    cash: Won = Field(validation_alias="dnca_tot_amt")
    cash_d1: Won = Field(validation_alias="nxdy_excc_amt")
    cash_d2: Won = Field(validation_alias="prvs_rcdl_excc_amt")
    stock_value: Won = Field(validation_alias="scts_evlu_amt")
    total: Won = Field(validation_alias="tot_evlu_amt")
    net_assets: Won = Field(validation_alias="nass_amt")
    cost: Won = Field(validation_alias="pchs_amt_smtl_amt")
    pnl: Won = Field(validation_alias="evlu_pfls_smtl_amt")
    positions: list[Position] = Field(default_factory=list)

    def get_position(self, symbol: str) -> Position | None:
        """The position in ``symbol`` with shares, or None."""
        return next((p for p in self.positions if p.symbol == symbol and p.quantity > 0), None)
