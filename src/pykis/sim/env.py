"""What differs between KIS's real (실전) and paper (모의투자) servers.

One simulator serves both: an app key belongs to one environment, as on KIS, where real
and paper keys are issued separately. Everything that differs is in a profile here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["Env", "EnvProfile", "PROFILES", "Reason"]


class Env(StrEnum):
    REAL = "real"
    PAPER = "paper"


class Reason(StrEnum):
    """Why an order was refused; each environment answers with its own code."""

    INSUFFICIENT_CASH = "insufficient_cash"
    OFF_TICK = "off_tick"
    ABOVE_UPPER_LIMIT = "above_upper_limit"
    BELOW_LOWER_LIMIT = "below_lower_limit"
    UNKNOWN_SYMBOL = "unknown_symbol"
    NOTHING_TO_SELL = "nothing_to_sell"
    NOTHING_TO_CANCEL = "nothing_to_cancel"
    UNKNOWN_ORDER = "unknown_order"
    BEFORE_OPEN = "before_open"
    MARKET_CLOSED = "market_closed"
    NOT_A_BUSINESS_DAY = "not_a_business_day"
    BAD_ACCOUNT = "bad_account"
    SINGLE_PRICE_SESSION = "single_price_session"  # only limit and market orders now


@dataclass(frozen=True)
class EnvProfile:
    env: Env
    balance_page: int  # inquire-balance rows per page
    ccld_page: int  # inquire-daily-ccld rows per page
    inquiry_ok: str  # msg_cd of a successful account inquiry
    buy_ok: str
    sell_ok: str
    amend_ok: str
    cancel_ok: str
    branch: str  # KRX_FWDG_ORD_ORGNO / ord_gno_brno
    rate_limit: int  # REST calls per second per app key
    short_order_numbers: bool  # paper answers orders with unpadded ODNO ("2696")
    rejections: dict[Reason, str] = field(default_factory=dict)
    # Paper takes orders only in the regular session (09:00-15:30).
    accepts_pre_market: bool = True

    def odno(self, number: int, *, in_order_answer: bool = False) -> str:
        if in_order_answer and self.short_order_numbers:
            return str(number)
        return f"{number:010d}"


PROFILES: dict[Env, EnvProfile] = {
    Env.REAL: EnvProfile(
        env=Env.REAL,
        balance_page=50,
        ccld_page=100,
        inquiry_ok="KIOK0510",
        buy_ok="APBK0013",
        sell_ok="APBK0013",
        amend_ok="APBK0013",
        cancel_ok="APBK0013",
        branch="06010",
        rate_limit=20,
        short_order_numbers=False,
        rejections={
            Reason.INSUFFICIENT_CASH: "APBK0952",
            Reason.OFF_TICK: "APBK0506",
            Reason.ABOVE_UPPER_LIMIT: "APBK0406",
            Reason.BELOW_LOWER_LIMIT: "APBK0407",
            Reason.UNKNOWN_SYMBOL: "APBK0656",
            Reason.NOTHING_TO_SELL: "APBK0400",
            Reason.NOTHING_TO_CANCEL: "APBK0344",
            Reason.UNKNOWN_ORDER: "APBK1680",
            Reason.BEFORE_OPEN: "APBK0918",
            Reason.MARKET_CLOSED: "APBK0918",
            Reason.NOT_A_BUSINESS_DAY: "APBK0919",
            Reason.BAD_ACCOUNT: "APAC0081",
            Reason.SINGLE_PRICE_SESSION: "APBK3013",
        },
    ),
    Env.PAPER: EnvProfile(
        env=Env.PAPER,
        balance_page=20,
        ccld_page=15,
        inquiry_ok="20310000",
        buy_ok="40600000",
        sell_ok="40590000",
        amend_ok="40620000",
        cancel_ok="40630000",
        branch="00950",
        rate_limit=2,
        short_order_numbers=True,
        accepts_pre_market=False,
        rejections={
            Reason.INSUFFICIENT_CASH: "40250000",
            Reason.OFF_TICK: "40030000",
            Reason.ABOVE_UPPER_LIMIT: "40050000",
            Reason.BELOW_LOWER_LIMIT: "40050000",
            Reason.UNKNOWN_SYMBOL: "40070000",
            Reason.NOTHING_TO_SELL: "40240000",
            Reason.NOTHING_TO_CANCEL: "40330000",
            Reason.UNKNOWN_ORDER: "40340000",
            Reason.BEFORE_OPEN: "40570000",
            Reason.MARKET_CLOSED: "40580000",
            Reason.NOT_A_BUSINESS_DAY: "40100000",
            Reason.BAD_ACCOUNT: "APAC0081",
            Reason.SINGLE_PRICE_SESSION: "APBK3013",  # [U] no paper code observed
        },
    ),
}
