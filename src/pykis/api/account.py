"""Account flows (the seed's 계좌 API): the balance over every page, and buying power.

KIS: 주식잔고조회 TTTC8434R (50 rows a page real, 20 paper), 매수가능조회 TTTC8908R.
The balance's ``free`` is KIS's orderable cash (매수가능조회 ``ord_psbl_cash``): the
balance itself only has the D+2 deposit, which still counts cash held by buy orders
that are working. ``ord_psbl_cash`` is the account's, whatever symbol is asked about.
"""

from __future__ import annotations

from pykis import exceptions as ex
from pykis.api import endpoints as E
from pykis.api import listing, validate
from pykis.api.base import Context, call, pages
from pykis.api.flow import Flow
from pykis.api.quote import parse
from pykis.models import Balance, BuyingPower, ModelList, Position

__all__ = ["fetch_balance", "fetch_buying_power"]

ANY_SYMBOL = "005930"  # 매수가능조회 needs a symbol; its orderable cash does not depend on it


def fetch_balance(ctx: Context) -> Flow[Balance]:
    answers = yield from pages(ctx, E.BALANCE, {
        **ctx.account, "AFHR_FLPR_YN": "N", "OFL_YN": "", "INQR_DVSN": "02",
        "UNPR_DVSN": "01", "FUND_STTL_ICLD_YN": "N", "FNCG_AMT_AUTO_RDPT_YN": "N",
        "PRCS_DVSN": "00"})
    positions = ModelList(
        parse(Position, row, answer.tr_id)
        for answer in answers for row in answer.section("output1", list)
    )
    summary = answers[0].section("output2", list)
    if not summary or not isinstance(summary[0], dict):
        raise ex.APIError("KIS sent a balance without its summary", tr_id=answers[0].tr_id)
    held = next((p.symbol for p in positions if p.amount > 0), ANY_SYMBOL)
    power = yield from fetch_buying_power(ctx, held)
    return parse(Balance, summary[0], answers[0].tr_id, positions=positions, free=power.cash)


def fetch_buying_power(ctx: Context, symbol: str, price: int | None = None
                       ) -> Flow[BuyingPower]:
    """Orderable cash and the most ``symbol`` shares it buys at ``price`` (None: at the
    upper limit, as KIS margins a market order)."""
    symbol = validate.symbol(symbol)
    unit = validate.price(price) if price is not None else None
    if unit is not None:
        yield from listing.check_tick(ctx, symbol, unit)
    answer = yield from call(ctx, E.BUYING_POWER, params={
        **ctx.account, "PDNO": symbol, "ORD_UNPR": str(unit or ""),
        "ORD_DVSN": "00" if unit else "01", "CMA_EVLU_AMT_ICLD_YN": "N",
        "OVRS_ICLD_YN": "N"})
    output = answer.section("output", dict)
    return parse(BuyingPower, {"symbol": symbol, "price": output.get("psbl_qty_calc_unpr"),
                               "cash": output.get("ord_psbl_cash"),
                               "max_amount": output.get("nrcvb_buy_amt"),
                               "max_quantity": output.get("nrcvb_buy_qty")},
                 answer.tr_id, info=output)
