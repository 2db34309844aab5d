"""Models of the account and information APIs beyond the trading core: trading days,
conditional search, reserved orders and realised profit and loss. English names; KIS's
wire names are the aliases; ``info`` keeps the record as KIS sent it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from pykis.models.base import Count, Krw, Model, ModelList, Ratio, UnsignedKrw, Won
from pykis.models.order import OrderSide

__all__ = [
    "Condition", "ConditionMatch", "DailyPnL", "RealizedPnL", "RealizedTrade",
    "ReservedOrder", "TradingDay",
]


def _date(value: Any) -> dt.date | None:
    """KIS's YYYYMMDD (or a date); blank is None."""
    if isinstance(value, dt.date) or value is None:
        return value
    text = str(value).strip()
    return dt.datetime.strptime(text, "%Y%m%d").date() if text else None


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value not in ("Y", "N"):
        raise ValueError(f"not a Y/N flag: {value!r}")
    return value == "Y"


def _side(value: Any) -> Any:
    return {"01": OrderSide.SELL, "02": OrderSide.BUY}.get(value, value)


Day = Annotated[dt.date, BeforeValidator(_date)]
OptionalDay = Annotated[dt.date | None, BeforeValidator(_date)]
Flag = Annotated[bool, BeforeValidator(_flag)]


class TradingDay(Model):
    """One day of KIS's calendar (chk-holiday): ``is_open`` says orders can be placed."""

    date: Day = Field(alias="bass_dt")
    is_business_day: Flag = Field(alias="bzdy_yn")
    is_transaction_day: Flag = Field(alias="tr_day_yn")
    is_open: Flag = Field(alias="opnd_yn")
    is_settlement_day: Flag = Field(alias="sttl_day_yn")


class Condition(Model):
    """A conditional search saved by the HTS user (psearch-title)."""

    seq: str = Field(alias="seq")
    name: str = Field(alias="condition_nm")
    group: str = Field("", alias="grp_nm")
    user_id: str = Field("", alias="user_id")


class ConditionMatch(Model):
    """A listing that meets a condition now (psearch-result)."""

    symbol: str = Field(alias="code")
    name: str = Field("", alias="name")
    price: UnsignedKrw = Field(alias="price")
    change: Krw = Field(0, alias="change")
    percentage: Ratio = Field(0, alias="chgrate")
    volume: UnsignedKrw = Field(0, alias="acml_vol")
    value: UnsignedKrw = Field(0, alias="trade_amt")
    open: UnsignedKrw = Field(0, alias="open")
    high: UnsignedKrw = Field(0, alias="high")
    low: UnsignedKrw = Field(0, alias="low")


class ReservedOrder(Model):
    """A reserved order (order-resv-ccnl): sent to the exchange at the open of its day.
    ``status``: "waiting", "sent", "refused" or "canceled"; ``order_id`` is the order it
    became once sent."""

    id: str = Field(alias="rsvn_ord_seq")
    symbol: str = Field(alias="pdno")
    name: str = Field("", alias="kor_item_shtn_name")
    side: Annotated[OrderSide, BeforeValidator(_side)] = Field(alias="sll_buy_dvsn_cd")
    amount: Count = Field(alias="ord_rsvn_qty")
    price: Won | None = Field(None, alias="ord_rsvn_unpr")
    order_type: str = Field("", alias="ord_dvsn_cd")
    filled: Count = Field(0, alias="tot_ccld_qty")
    filled_value: Won = Field(0, alias="tot_ccld_amt")
    reserved_on: Day = Field(alias="rsvn_ord_ord_dt")
    end_date: OptionalDay = Field(None, alias="rsvn_end_dt")
    canceled_on: OptionalDay = Field(None, alias="cncl_ord_dt")
    order_id: str = Field("", alias="odno")
    result: str = Field("", alias="prcs_rslt")
    reason: str = Field("", alias="rjct_rson2")
    org_no: str = ""

    @property
    def status(self) -> str:
        return {"미처리": "waiting", "처리": "sent", "거부": "refused", "취소": "canceled"
                }.get(self.result.strip(), self.result.strip() or "waiting")


class RealizedTrade(Model):
    """One day's trades of one symbol and what they realised (inquire-period-trade-
    profit): ``realized`` = sale proceeds − their cost at the average purchase price −
    the sales' fees and taxes."""

    date: Day = Field(alias="trad_dt")
    symbol: str = Field(alias="pdno")
    name: str = Field("", alias="prdt_name")
    bought: Count = Field(0, alias="buy_qty")
    bought_value: Won = Field(0, alias="buy_amt")
    sold: Count = Field(0, alias="sll_qty")
    sold_value: Won = Field(0, alias="sll_amt")
    average_cost: UnsignedKrw = Field(0, alias="pchs_unpr")
    average_sale: UnsignedKrw = Field(0, alias="sll_pric")
    realized: Krw = Field(0, alias="rlzt_pfls")
    percentage: Ratio = Field(0, alias="pfls_rt")
    fee: Won = Field(0, alias="fee")
    tax: Won = Field(0, alias="tl_tax")
    held: Count = Field(0, alias="hldg_qty")


class DailyPnL(Model):
    """One day's realised profit over every symbol (inquire-period-profit)."""

    date: Day = Field(alias="trad_dt")
    bought_value: Won = Field(0, alias="buy_amt")
    sold_value: Won = Field(0, alias="sll_amt")
    realized: Krw = Field(0, alias="rlzt_pfls")
    fee: Won = Field(0, alias="fee")
    tax: Won = Field(0, alias="tl_tax")
    percentage: Ratio = Field(0, alias="pfls_rt")
    bought: Count = Field(0, alias="buy_qty1")
    sold: Count = Field(0, alias="sll_qty1")


class RealizedPnL(Model):
    """Realised profit over a period: the days (oldest first) and KIS's totals."""

    since: dt.date
    until: dt.date
    days: Annotated[list[DailyPnL], AfterValidator(ModelList)] = Field(default_factory=ModelList)
    realized: Krw = Field(0, alias="tot_rlzt_pfls")
    fees: Won = Field(0, alias="tot_fee")
    taxes: Won = Field(0, alias="tot_tltx")
    bought_value: Won = Field(0, alias="buy_tr_amt_smtl")
    sold_value: Won = Field(0, alias="sll_tr_amt_smtl")

    def to_pandas(self):
        return self.days.to_pandas()
