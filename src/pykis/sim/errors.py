"""Every answer the simulator gives besides data: KIS's codes, texts, envelopes, statuses.

Each entry is a fact about KIS, with its confidence: [G] seen in a genuine server answer
(captures/, logs, issue reports), [S] secondary, [U] not observed (a plausible choice,
kept in one place so it is easy to correct). The wire layer raises ``SimError`` with one
of these and never builds an error body by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

__all__ = ["CODES", "EMPTY_INQUIRY", "Envelope", "KisCode", "SimError", "pad_msg"]


class Envelope(Enum):
    """Shape of an error body."""

    API = "api"  # {"rt_cd", "msg_cd", "msg1"} in the order given by ``key_order``
    OAUTH = "oauth"  # {"error_description", "error_code"} on /oauth2/*


@dataclass(frozen=True, slots=True)
class KisCode:
    code: str
    text: str
    status: int = 200
    rt_cd: str = "1"
    envelope: Envelope = Envelope.API
    # The gateway (EGW*) writes msg1 before msg_cd; the back end writes msg_cd first.
    msg1_first: bool = False


def _gateway(code: str, text: str, status: int = 500) -> KisCode:
    return KisCode(code, text, status=status, msg1_first=True)


def _oauth(code: str, text: str) -> KisCode:
    return KisCode(code, text, status=403, envelope=Envelope.OAUTH)


CODES: dict[str, KisCode] = {
    c.code: c
    for c in (
        # --- /oauth2/* (HTTP 403, OAuth-style body) ---------------------------------
        _oauth("EGW00133", "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)"),  # [G]
        _oauth("EGW00103", "유효하지 않은 AppKey입니다."),  # [G]
        _oauth("EGW00105", "유효하지 않은 AppSecret입니다."),  # [S]
        _oauth("EGW00101", "유효하지 않은 요청입니다."),  # [S] code; text [U]
        # --- gateway, on every REST API ----------------------------------------------
        _gateway("EGW00121", "유효하지 않은 token 입니다."),  # [G] HTTP 500
        _gateway("EGW00123", "기간이 만료된 token 입니다."),  # [G] HTTP 500
        _gateway("EGW00205", "credentials_type이 유효하지 않습니다.(Bearer)"),  # [S]
        _gateway("EGW00102", "AppKey는 필수입니다."),  # [S] text; status [U]
        _gateway("EGW00104", "AppSecret은 필수입니다."),  # [S] text; status [U]
        _gateway("EGW00131", "유효하지 않은 hashkey 입니다."),  # [U] text
        _gateway("EGW02006", "모의투자 TR 이 아닙니다."),  # [G] real TR on paper
        # [G] HTTP 500; this one is written msg_cd first.
        KisCode("EGW00201", "초당 거래건수를 초과하였습니다.", status=500),
        KisCode("IGW00007", "MCA 전문바디 구성 중 오류가 발생하였습니다.", status=500),  # [G]
        KisCode("OPSQ0002", "없는 서비스 코드 입니다.", status=500),  # [G] text; status [U]
        KisCode("OPSQ9999", "JSON PARSING ERROR : tr_id not found", status=500),  # [S]
        KisCode("OPSQ9997", "JSON PARSING ERROR : invalid json format", status=500),  # [S]
        KisCode("OPSQ9995", "JSON PARSING ERROR : body not found", status=500),  # [S]
        KisCode("OPSQ2000", "ERROR : INPUT INVALID_CHECK_ACNO", rt_cd="2"),  # [G] note
        KisCode("OPSQ2001", "ERROR INVALID FID_COND_MRKT_DIV_CODE", rt_cd="2"),  # [G]
        KisCode("SIM00404", "요청하신 URL이 없습니다.", status=404),  # [U] unknown path
        KisCode("SIM00500", "시뮬레이터 내부 오류입니다.", status=500),  # simulator bug
        # A valid KIS order type the simulator does not model (after-hours, stop, ...).
        KisCode("SIM00501", "시뮬레이터가 지원하지 않는 주문구분입니다."),
        # --- success ---------------------------------------------------------------
        KisCode("MCA00000", "정상처리 되었습니다.", rt_cd="0"),  # [G] quotes
        KisCode("APBK0013", "주문 전송 완료 되었습니다.", rt_cd="0"),  # [G] real order
        KisCode("KIOK0510", "조회가 완료되었습니다", rt_cd="0"),  # [G] real inquiry
        KisCode("KIOK0500", "조회가 계속됩니다..다음버튼을 Click 하십시오.", rt_cd="0"),  # [V]
        KisCode("KIOK0460", "조회 되었습니다. (마지막 자료)", rt_cd="0"),  # [V]
        KisCode("KIOK0420", "정상적으로 조회되었습니다", rt_cd="0"),  # [G] psbl-sell
        KisCode("KIOK0530", "조회되었습니다", rt_cd="0"),  # [V]
        KisCode("20310000", "모의투자 조회가 완료되었습니다.", rt_cd="0"),  # [G] paper
        KisCode("40600000", "모의투자 매수주문이 완료 되었습니다.", rt_cd="0"),  # [G]
        KisCode("40590000", "모의투자 매도주문이 완료 되었습니다.", rt_cd="0"),  # [G]
        KisCode("40620000", "모의투자 정정주문이 완료 되었습니다.", rt_cd="0"),  # [G]
        KisCode("40630000", "모의투자 취소주문이 완료 되었습니다.", rt_cd="0"),  # [S]
        # --- business rejections, real (HTTP 200) ------------------------------------
        KisCode("APBK0952", "주문가능금액을 초과 했습니다", rt_cd="7"),  # [G] note
        KisCode("APBK0506", "주식주문호가단위 오류"),  # [S]
        KisCode("APBK0406", "주문가격이 상한가를 초과합니다"),  # [S]
        KisCode("APBK0407", "주문가격이 하한가 미만입니다"),  # [U] code and text
        KisCode("APBK0656", "해당종목정보가 없습니다"),  # [S]
        # The product look-ups (search-info, search-stock-info) on a product KIS does not
        # have: python-kis reads rt_cd "7" there as "no data"; KIOK0560 is KIS's usual
        # no-data text. [S] rt_cd; [U] code and text on these two APIs.
        KisCode("KIOK0560", "조회할 내용이 없습니다", rt_cd="7"),
        KisCode("APBK0400", "주문가능수량을 초과했습니다."),  # [S]
        KisCode("APBK0344", "정정/취소할 수량이 없습니다."),  # [U] code; text [S]
        KisCode("APBK0918", "장운영시간이 아닙니다.(주문불가)"),  # [S]
        KisCode("APBK0919", "장운영일자가 주문일과 상이합니다"),  # [G] note, rt_cd 1
        KisCode("APAC0081", "계좌번호 입력 오류입니다", rt_cd="7"),  # [G]
        KisCode("APBK3013", "[단일가매매] 지정가 주문(신규/정정/취소) 및 최유리/최우선 취소 "
                "주문만 가능합니다"),  # [S]
        KisCode("APBK1680", "원주문번호가 존재하지 않습니다."),  # [U] unknown order
        # --- business rejections, paper (HTTP 200, rt_cd 1) ----------------------------
        KisCode("40250000", "모의투자 주문가능금액이 부족합니다."),  # [G] note
        KisCode("40030000", "모의투자 주문처리가 안되었습니다(호가단위 오류)"),  # [G] note
        KisCode("40050000", "모의투자 주문처리가 안되었습니다(가격제한폭 초과)"),  # [U]
        KisCode("40070000", "모의투자 주문처리가 안되었습니다(매매불가 종목)"),  # [S]
        KisCode("40240000", "모의투자 잔고내역이 없습니다."),  # [G] note
        KisCode("40330000", "모의투자 정정/취소할 수량이 없습니다."),  # [G] note
        KisCode("40580000", "모의투자 장종료 입니다."),  # [G] note
        KisCode("40570000", "모의투자 장시작전 입니다."),  # [S]
        KisCode("40100000", "모의투자 영업일이 아닙니다."),  # [S]
        KisCode("40340000", "모의투자 원주문번호가 존재하지 않습니다."),  # [U]
    )
}


# KIOK0560 also comes as a success: an inquiry that found nothing answers rt_cd "0" with
# it (the portal's examples of the overseas order list inquire-ccnl and of
# inquire-algo-ccnl, on empty results). [V] Keyed apart from the rt_cd "7" form above.
EMPTY_INQUIRY = "KIOK0560+0"
CODES[EMPTY_INQUIRY] = KisCode("KIOK0560", "조회할 내용이 없습니다", rt_cd="0")


def pad_msg(text: str, width: int = 80) -> str:
    """Right-pad ``text`` to ``width`` bytes of EUC-KR, as KIS's account inquiries do
    ("조회가 완료되었습니다" + 59 spaces: Hangul counts two bytes)."""
    size = len(text.encode("euc-kr", errors="replace"))
    return text + " " * max(0, width - size)


class SimError(Exception):
    """A KIS error answer: raised anywhere in the wire layer, rendered in one place."""

    def __init__(
        self,
        code: str,
        *,
        text: str | None = None,
        headers: dict | None = None,
        as_api: bool = False,
        as_oauth: bool = False,
    ):
        kis = CODES[code]
        # The same code comes in the other envelope on the other kind of endpoint: an
        # unknown app key on a REST API, an invalid token on /oauth2/revokeP.
        if as_api and kis.envelope is Envelope.OAUTH:
            kis = replace(kis, envelope=Envelope.API, status=500, msg1_first=True)
        if as_oauth and kis.envelope is Envelope.API:
            kis = replace(kis, envelope=Envelope.OAUTH, status=403)
        self.kis = kis
        self.text = text if text is not None else self.kis.text
        self.headers = headers or {}
        super().__init__(f"{code} {self.text}")

    @property
    def status(self) -> int:
        return self.kis.status

    def body(self) -> dict[str, str]:
        kis = self.kis
        if kis.envelope is Envelope.OAUTH:
            return {"error_description": self.text, "error_code": kis.code}
        if kis.msg1_first:
            return {"rt_cd": kis.rt_cd, "msg1": self.text, "msg_cd": kis.code}
        return {"rt_cd": kis.rt_cd, "msg_cd": kis.code, "msg1": self.text}
