"""What every REST call passes before its handler: paths, TR IDs per environment, bodies,
and the per-app-key rate limit. Bad input always gets KIS-shaped JSON, never a traceback."""

from __future__ import annotations

import httpx
import pytest

from pykis.sim import Env
from pykis.sim.ratelimit import RateLimiter, WindowKind
from support import QUOTES, TRADING, Kis, make_sim, ok, refused

PRICE = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"}


def test_missing_tr_id(kis: Kis) -> None:
    headers = kis.headers("x")
    del headers["tr_id"]
    answer = kis.http.get(QUOTES + "inquire-price", params=PRICE, headers=headers)
    refused(answer, "OPSQ9999", 500)


def test_unknown_tr_id(kis: Kis) -> None:
    refused(kis.get(QUOTES + "inquire-price", "FHKST99999999", PRICE), "OPSQ0002", 500)


def test_tr_id_of_another_api_on_this_path(kis: Kis) -> None:
    refused(kis.get(QUOTES + "inquire-price", "FHKST01010200", PRICE), "OPSQ0002", 500)


@pytest.mark.parametrize(("path", "tr_id", "params"), [
    (QUOTES + "intstock-multprice", "FHKST11300006",
     {"FID_COND_MRKT_DIV_CODE_1": "J", "FID_INPUT_ISCD_1": "005930"}),
    (QUOTES + "inquire-time-dailychartprice", "FHKST03010230",
     {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930", "FID_INPUT_HOUR_1": "100000",
      "FID_INPUT_DATE_1": "20261119"}),
    (TRADING + "inquire-psbl-rvsecncl", "TTTC0084R", {}),
    (TRADING + "inquire-psbl-sell", "TTTC8408R", {}),
    (TRADING + "inquire-balance", "TTTC8434R", {}),  # the real TR on the paper server
])
def test_paper_refuses_real_only_trs_with_egw02006(paper: Kis, path, tr_id, params) -> None:
    answer = paper.get(path, tr_id, params)
    assert answer.status_code == 500
    assert answer.json() == {"rt_cd": "1", "msg1": "모의투자 TR 이 아닙니다.",
                             "msg_cd": "EGW02006"}


def test_paper_v_variant_of_a_real_only_tr_does_not_exist(paper: Kis) -> None:
    refused(paper.get(TRADING + "inquire-psbl-rvsecncl", "VTTC0084R", {}), "OPSQ0002", 500)


def test_real_server_has_no_paper_trs(real: Kis) -> None:
    refused(real.get(TRADING + "inquire-balance", "VTTC8434R", {}), "OPSQ0002", 500)


def test_unknown_path_answers_in_kis_shape(kis: Kis) -> None:
    answer = kis.get("/uapi/domestic-stock/v1/quotations/no-such-api", "FHKST01010100", PRICE)
    assert answer.status_code == 404
    assert answer.json()["rt_cd"] == "1" and answer.json()["msg_cd"] == "SIM00404"


def test_wrong_method(kis: Kis) -> None:
    answer = kis.http.post(QUOTES + "inquire-price", json={}, headers=kis.headers("FHKST01010100"))
    assert answer.status_code == 404 and answer.json()["rt_cd"] == "1"
    assert kis.http.get("/oauth2/tokenP").status_code == 404


@pytest.mark.parametrize(("content", "code"), [
    (b"", "OPSQ9995"),
    (b"   ", "OPSQ9995"),
    (b"{not json", "OPSQ9997"),
    (b"[1, 2]", "OPSQ9997"),
    (b'"text"', "OPSQ9997"),
])
def test_malformed_order_bodies(kis: Kis, content: bytes, code: str) -> None:
    answer = kis.http.post(TRADING + "order-cash", content=content,
                           headers=kis.headers(kis.tr("TTTC0012U")))
    refused(answer, code, 500)
    assert kis.ledger()["orders"] == []


@pytest.mark.parametrize("missing", ["CANO", "ACNT_PRDT_CD", "PDNO", "ORD_DVSN", "ORD_QTY",
                                     "ORD_UNPR"])
def test_order_body_missing_a_field_gets_igw00007(kis: Kis, missing: str) -> None:
    order = {**kis.account, "PDNO": "005930", "ORD_DVSN": "01", "ORD_QTY": "1", "ORD_UNPR": "0"}
    del order[missing]
    answer = kis.post(TRADING + "order-cash", kis.tr("TTTC0012U"), order)
    assert answer.status_code == 500
    assert answer.json() == {"rt_cd": "1", "msg_cd": "IGW00007",
                             "msg1": "MCA 전문바디 구성 중 오류가 발생하였습니다."}


@pytest.mark.parametrize(("field", "value"), [
    ("ORD_QTY", "abc"), ("ORD_QTY", "0"), ("ORD_QTY", "-1"), ("ORD_QTY", "1.5"),
    ("ORD_UNPR", "x"), ("ORD_QTY", ["1"]),
])
def test_order_body_with_bad_numbers(kis: Kis, field: str, value) -> None:
    order = {**kis.account, "PDNO": "005930", "ORD_DVSN": "01", "ORD_QTY": "1", "ORD_UNPR": "0",
             field: value}
    refused(kis.post(TRADING + "order-cash", kis.tr("TTTC0012U"), order), "IGW00007", 500)


def test_numbers_sent_as_json_numbers_are_read(kis: Kis) -> None:
    order = {**kis.account, "PDNO": "005930", "ORD_DVSN": "01", "ORD_QTY": 1, "ORD_UNPR": 0}
    ok(kis.post(TRADING + "order-cash", kis.tr("TTTC0012U"), order))


@pytest.mark.parametrize(("params", "text"), [
    ({"FID_INPUT_ISCD": "005930"}, "INPUT_FIELD_NAME FID_COND_MRKT_DIV_CODE"),
    ({"FID_COND_MRKT_DIV_CODE": "J"}, "INPUT_FIELD_NAME FID_INPUT_ISCD"),
    ({"FID_COND_MRKT_DIV_CODE": "X", "FID_INPUT_ISCD": "005930"},
     "ERROR INVALID FID_COND_MRKT_DIV_CODE"),
])
def test_bad_query_parameters_get_opsq2001(kis: Kis, params, text: str) -> None:
    data = refused(kis.get(QUOTES + "inquire-price", "FHKST01010100", params), "OPSQ2001")
    assert data == {"rt_cd": "2", "msg_cd": "OPSQ2001", "msg1": text}


def test_other_account_number_is_refused(kis: Kis) -> None:
    refused(kis.order("buy", "005930", 1, CANO="99999999"), "APAC0081")
    params = {**kis.account, "CANO": "99999999"}
    answer = kis.get(TRADING + "inquire-psbl-order", kis.tr("TTTC8908R"),
                     {**params, "PDNO": "005930", "ORD_UNPR": "", "ORD_DVSN": "01",
                      "CMA_EVLU_AMT_ICLD_YN": "N", "OVRS_ICLD_YN": "N"})
    assert refused(answer, "OPSQ2000")["rt_cd"] == "2"


def test_responses_echo_the_tr_id(kis: Kis) -> None:
    assert kis.price().headers["tr_id"] == "FHKST01010100"


# --- rate limits ----------------------------------------------------------------------
class Ticker:
    """A monotonic clock the limiter reads, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limited(kind: WindowKind = WindowKind.SLIDING) -> tuple:
    sim = make_sim(rate_limits=True)
    ticker = Ticker()
    sim.limiter = RateLimiter(kind, now=ticker)
    http = httpx.Client(transport=sim.transport(), base_url="http://sim")
    return sim, http, ticker


@pytest.mark.parametrize(("env", "limit"), [(Env.REAL, 20), (Env.PAPER, 2)])
def test_per_second_limits_answer_egw00201(env: Env, limit: int) -> None:
    sim, http, ticker = limited()
    kis = Kis(sim, http, sim.credentials(env))
    kis.token
    answers = [kis.price() for _ in range(limit + 3)]
    assert all(a.status_code == 200 for a in answers[:limit])
    for answer in answers[limit:]:
        assert answer.status_code == 500
        assert answer.json() == {"rt_cd": "1", "msg_cd": "EGW00201",
                                 "msg1": "초당 거래건수를 초과하였습니다."}
    ticker.now += 1.0
    assert kis.price().status_code == 200
    stats = http.get("/_sim/stats").json()["apps"][kis.creds.app_key]
    assert stats["rate_limited"] == 3


def test_sliding_window_counts_the_last_second() -> None:
    sim, http, ticker = limited()
    kis = Kis(sim, http, sim.credentials(Env.PAPER))
    kis.token
    assert kis.price().status_code == 200
    ticker.now += 0.6
    assert kis.price().status_code == 200
    ticker.now += 0.6  # the first call left the window, the second did not
    assert kis.price().status_code == 200
    assert kis.price().status_code == 500


def test_fixed_window_resets_on_the_second() -> None:
    sim, http, ticker = limited(WindowKind.FIXED)
    kis = Kis(sim, http, sim.credentials(Env.PAPER))
    kis.token
    ticker.now = 1000.7
    assert [kis.price().status_code for _ in range(3)] == [200, 200, 500]
    ticker.now = 1001.0
    assert [kis.price().status_code for _ in range(2)] == [200, 200]


def test_limits_are_per_app_key_and_configurable() -> None:
    sim, http, ticker = limited()
    real, paper = Kis(sim, http, sim.credentials(Env.REAL)), Kis(sim, http,
                                                                 sim.credentials(Env.PAPER))
    real.token, paper.token
    assert [paper.price().status_code for _ in range(3)] == [200, 200, 500]
    assert real.price().status_code == 200  # another key, another bucket
    assert http.post("/_sim/rate-limits", json={"paper": 5}).json()["paper"] == 5
    ticker.now += 1
    assert [paper.price().status_code for _ in range(6)] == [200] * 5 + [500]
    assert http.post("/_sim/rate-limits", json={"paper": -1}).status_code == 400


@pytest.mark.parametrize(("field", "value", "code"), [
    ("appkey", ["x"], "EGW00103"), ("appkey", {"a": 1}, "EGW00103"), ("appkey", 7, "EGW00103"),
    ("appsecret", 123, "EGW00105"), ("appsecret", ["s"], "EGW00105"),
])
def test_oauth_fields_of_the_wrong_type(kis: Kis, field: str, value, code: str) -> None:
    body = {"grant_type": "client_credentials", "appkey": kis.creds.app_key,
            "appsecret": kis.creds.app_secret, field: value}
    answer = kis.http.post("/oauth2/tokenP", json=body)
    assert (answer.status_code, answer.json()["error_code"]) == (403, code)
    approval = {"grant_type": "client_credentials", "appkey": kis.creds.app_key,
                "secretkey": value if field == "appsecret" else kis.creds.app_secret}
    if field == "appsecret":
        assert kis.http.post("/oauth2/Approval", json=approval).status_code == 403


@pytest.mark.parametrize("value", ["７８７００", "١", "²", "1e3", " 1", "+1"])
def test_only_ascii_digits_are_numbers(kis: Kis, value: str) -> None:
    order = {**kis.account, "PDNO": "005930", "ORD_DVSN": "01", "ORD_QTY": value,
             "ORD_UNPR": "0"}
    answer = kis.post(TRADING + "order-cash", kis.tr("TTTC0012U"), order)
    if value == " 1":  # KIS trims field values
        ok(answer)
    else:
        refused(answer, "IGW00007", 500)
