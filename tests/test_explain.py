"""``pykis.explain``: KIS's refusals in English, for every code the simulator sends and
the gateway's limits, tokens and keys; the paper server's codes by their text."""

from __future__ import annotations

import pytest

from pykis.api.errors import RATE_LIMITED, TOKEN_INVALID
from pykis.explain import explain
from pykis.sim.env import PROFILES
from pykis.sim.errors import CODES

# What the simulator answers an order or an inquiry it refuses, real and paper: the
# refusals users meet.
REFUSALS = sorted({(code, CODES[code].text) for profile in PROFILES.values()
                   for code in profile.rejections.values()})
GATEWAY = sorted(RATE_LIMITED | TOKEN_INVALID | {"EGW00133", "EGW00102", "EGW00103",
                                                  "EGW00104", "EGW00105", "EGW02006"})


@pytest.mark.parametrize(("code", "text"), REFUSALS, ids=[c for c, _ in REFUSALS])
def test_every_refusal_the_simulator_sends_is_explained(code: str, text: str) -> None:
    said = explain(code, text)
    assert said and said[0].isupper() and said.endswith(".")
    assert said.isascii()  # English: KIS's Korean is shown beside it, not repeated
    assert explain(code) == said or code.startswith("4")  # the code alone will do too


@pytest.mark.parametrize("code", GATEWAY)
def test_limits_tokens_and_keys_are_explained(code: str) -> None:
    assert explain(code, CODES[code].text if code in CODES else None)


@pytest.mark.parametrize(("code", "text", "words"), [
    ("APBK0400", "주문가능수량을 초과했습니다.", "sellable"),
    ("APBK0952", "주문가능금액을 초과 했습니다", "cash"),
    ("APBK0918", "장운영시간이 아닙니다.(주문불가)", "closed"),
    ("APBK0919", "장운영일자가 주문일과 상이합니다", "trading day"),
    ("APBK0506", "주식주문호가단위 오류", "tick"),
    ("APBK0406", "주문가격이 상한가를 초과합니다", "upper"),
    ("APBK0344", "정정/취소할 수량이 없습니다.", "Nothing is left"),
    ("EGW00201", "초당 거래건수를 초과하였습니다.", "a second"),
    ("EGW00133", "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)", "one access token a minute"),
    ("EGW00123", "기간이 만료된 token 입니다.", "expired"),
    ("EGW00103", "유효하지 않은 AppKey입니다.", "KIS_APP_KEY"),
])
def test_what_each_says(code: str, text: str, words: str) -> None:
    assert words in explain(code, text)


def test_the_paper_servers_text_decides_over_its_code() -> None:
    """40570000 comes as "not open yet" and as "not enough cash" (third-party fixtures);
    40310000 is another code for the cash refusal."""
    assert "not opened yet" in explain("40570000", "모의투자 장시작전 입니다.")
    assert "cash" in explain("40570000", "모의투자 주문가능금액이 부족합니다.")
    assert "cash" in explain("40310000", "모의투자 주문가능금액이 부족합니다.")
    assert "not opened yet" in explain("40570000")  # no text: the code's usual meaning


def test_an_unknown_code_is_read_by_its_text() -> None:
    padded = "모의투자 주문처리가 안되었습니다(호가단위 오류)" + " " * 40  # KIS pads msg1
    assert "tick" in explain("40990000", padded)
    assert "tick" in explain(None, padded)
    assert explain("apbk0952") == explain("APBK0952")


def test_nothing_is_made_up() -> None:
    assert explain(None) is None
    assert explain("", "") is None
    assert explain("ZZZZ0000", "알 수 없는 오류") is None
    assert explain("MCA00000", "정상처리 되었습니다.") is None  # a success is no refusal
