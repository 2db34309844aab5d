"""Seed 000 §5 and §6: the exception tree and ``KISError(message, code=None)``; the
constants ``BaseURL``, ``Endpoint`` and ``TrID`` by the seed's names, with the TR IDs KIS
renamed holding the current ones while the simulator, like KIS, still accepts the old."""

from __future__ import annotations

import pytest

from pykis.auth.manager import AuthManager
from pykis.constants import BaseURL, Endpoint, LegacyTrID, TrID
from pykis.exceptions import (
    APIError,
    AuthenticationError,
    InsufficientBalanceError,
    KISError,
    OrderError,
    RateLimitError,
    TokenExpiredError,
)
from pykis.utils.http import HTTPClient
from pykis.utils.ratelimit import MemoryStore


def test_the_seeds_tree() -> None:
    assert issubclass(AuthenticationError, KISError)
    assert issubclass(TokenExpiredError, AuthenticationError)
    assert issubclass(APIError, KISError)
    assert issubclass(OrderError, APIError)
    assert issubclass(InsufficientBalanceError, OrderError)
    assert issubclass(RateLimitError, KISError)


def test_kiserror_takes_a_message_and_a_code() -> None:
    error = KISError("invalid AppKey", code="EGW00103")
    assert (str(error), error.code) == ("invalid AppKey", "EGW00103")
    assert KISError("no code").code is None
    with pytest.raises(APIError) as caught:
        raise APIError("주문가능금액을 초과 했습니다", "APBK0952")
    assert caught.value.code == "APBK0952" and caught.value.msg_cd == "APBK0952"
    with pytest.raises(KISError):
        raise InsufficientBalanceError("잔고 부족", code="APBK0952")


SEED_CONSTANTS = {
    BaseURL: {"PRODUCTION": "https://openapi.koreainvestment.com:9443",
              "PAPER": "https://openapivts.koreainvestment.com:29443",
              "WS_PRODUCTION": "ws://ops.koreainvestment.com:21000",
              "WS_PAPER": "ws://ops.koreainvestment.com:31000"},
    Endpoint: {"TOKEN": "/oauth2/tokenP",
               "PRICE": "/uapi/domestic-stock/v1/quotations/inquire-price",
               "ORDERBOOK": "/uapi/domestic-stock/v1/quotations/inquire-asking-price-exp-ccn",
               "DAILY_PRICE": "/uapi/domestic-stock/v1/quotations/inquire-daily-price",
               "ORDER": "/uapi/domestic-stock/v1/trading/order-cash",
               "ORDER_MODIFY": "/uapi/domestic-stock/v1/trading/order-rvsecncl",
               "BALANCE": "/uapi/domestic-stock/v1/trading/inquire-balance",
               "OPEN_ORDERS": "/uapi/domestic-stock/v1/trading/inquire-psbl-rvsecncl"},
    # unchanged since the seed; the renamed ones below
    TrID: {"PRICE": "FHKST01010100", "ORDERBOOK": "FHKST01010200",
           "DAILY_PRICE": "FHKST01010400", "BALANCE": "TTTC8434R",
           "BALANCE_PAPER": "VTTC8434R"},
}
RENAMED = {"BUY": ("TTTC0802U", "TTTC0012U"), "SELL": ("TTTC0801U", "TTTC0011U"),
           "MODIFY": ("TTTC0803U", "TTTC0013U"), "BUY_PAPER": ("VTTC0802U", "VTTC0012U"),
           "SELL_PAPER": ("VTTC0801U", "VTTC0011U"),
           "MODIFY_PAPER": ("VTTC0803U", "VTTC0013U"),
           "OPEN_ORDERS": ("TTTC8036R", "TTTC0084R"),
           "OPEN_ORDERS_PAPER": ("VTTC8036R", "VTTC0084R")}


@pytest.mark.parametrize("holder", list(SEED_CONSTANTS), ids=lambda c: c.__name__)
def test_every_seed_name_holds_the_seeds_value(holder) -> None:
    for name, value in SEED_CONSTANTS[holder].items():
        assert getattr(holder, name) == value and isinstance(getattr(holder, name), str)
    assert f"{BaseURL.PRODUCTION}{Endpoint.TOKEN}" == \
        "https://openapi.koreainvestment.com:9443/oauth2/tokenP"


def test_a_renamed_tr_id_holds_the_current_one_and_the_seeds_is_kept() -> None:
    for name, (seed, current) in RENAMED.items():
        assert getattr(TrID, name) == current, name
        assert getattr(LegacyTrID, name) == seed, name


@pytest.mark.parametrize("tr_ids", [(TrID.BUY, TrID.SELL), (LegacyTrID.BUY, LegacyTrID.SELL)],
                         ids=["current", "seed"])
def test_the_simulator_accepts_the_current_and_the_seeds_order_tr_ids(tr_ids, sim, real,
                                                                       base_url, tmp_path):
    auth = AuthManager(real.app_key, real.app_secret, base_url, token_path=tmp_path / "t.json")
    account = {"CANO": real.account_no[:8], "ACNT_PRDT_CD": real.account_no[8:]}
    with HTTPClient(base_url, auth, rate_store=MemoryStore()) as http:
        for tr_id in tr_ids:
            answer = http.post(Endpoint.ORDER, tr_id, {
                **account, "PDNO": "005930", "ORD_DVSN": "01", "ORD_QTY": "1",
                "ORD_UNPR": "0"})
            assert answer["rt_cd"] == "0" and answer["output"]["ODNO"]
    assert sim.account_by_number(real.account_no).positions["005930"].qty == 0  # bought, sold
