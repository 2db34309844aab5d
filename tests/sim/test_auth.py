"""Token, approval-key and hash-key rules of /oauth2 and /uapi/hashkey, and how every API
refuses missing, invalid, revoked and expired credentials."""

from __future__ import annotations

import pytest

from pykis.sim import Env
from pykis.sim.auth import TokenRules
from support import Kis, caller, make_sim, ok, refused


def issue(kis: Kis):
    return kis.issue_token()


def test_token_answer_has_kis_fields_in_order(kis: Kis) -> None:
    answer = issue(kis)
    assert answer.status_code == 200
    data = answer.json()
    assert list(data) == ["access_token", "access_token_token_expired", "token_type",
                          "expires_in"]
    assert data["token_type"] == "Bearer"
    assert data["expires_in"] == 86400
    assert data["access_token_token_expired"] == "2026-11-21 10:30:00"
    assert data["access_token"].startswith("eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzUxMiJ9.")


def test_second_call_within_a_minute_is_refused_with_egw00133(kis: Kis) -> None:
    assert issue(kis).status_code == 200
    kis.sim.clock.advance(59)
    answer = issue(kis)
    assert answer.status_code == 403
    assert answer.json() == {
        "error_description": "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)",
        "error_code": "EGW00133",
    }


def test_same_token_within_six_hours_and_a_new_one_after(kis: Kis) -> None:
    first = issue(kis).json()
    kis.sim.clock.advance(61)
    again = issue(kis).json()
    assert again["access_token"] == first["access_token"]
    assert again["expires_in"] == 86400 - 61
    kis.sim.clock.advance(6 * 3600)
    later = issue(kis).json()
    assert later["access_token"] != first["access_token"]
    stats = kis.http.get("/_sim/stats").json()["apps"][kis.creds.app_key]
    assert (stats["token_calls"], stats["tokens_issued"]) == (3, 2)


def test_refused_calls_do_not_extend_the_one_minute_wait(kis: Kis) -> None:
    issue(kis)
    for _ in range(2):
        kis.sim.clock.advance(20)
        assert issue(kis).status_code == 403
    kis.sim.clock.advance(20)  # a minute after the last successful call
    assert issue(kis).status_code == 200


def test_previous_token_stays_valid_unless_configured(kis: Kis) -> None:
    kis.token
    kis.sim.clock.advance(7 * 3600)
    assert issue(kis).json()["access_token"] != kis.token
    assert ok(kis.price())  # the old token still works by default


def test_previous_token_voided_when_configured() -> None:
    sim = make_sim(token_rules=TokenRules(invalidate_previous=True))
    kis = caller(sim)
    kis.token
    sim.clock.advance(7 * 3600)
    assert issue(kis).json()["access_token"] != kis.token
    refused(kis.price(), "EGW00121", 500)


@pytest.mark.parametrize(("field", "value", "code"), [
    ("appkey", "PSnotarealkey000000000000000000000000", "EGW00103"),
    ("appsecret", "wrong", "EGW00105"),
])
def test_token_with_bad_credentials(kis: Kis, field: str, value: str, code: str) -> None:
    body = {"grant_type": "client_credentials", "appkey": kis.creds.app_key,
            "appsecret": kis.creds.app_secret, field: value}
    answer = kis.http.post("/oauth2/tokenP", json=body)
    assert answer.status_code == 403
    assert answer.json()["error_code"] == code


def test_token_with_wrong_grant_type_or_bad_json(kis: Kis) -> None:
    answer = kis.http.post("/oauth2/tokenP", json={"grant_type": "password"})
    assert (answer.status_code, answer.json()["error_code"]) == (403, "EGW00101")
    answer = kis.http.post("/oauth2/tokenP", content=b"{not json")
    assert (answer.status_code, answer.json()["error_code"]) == (403, "EGW00101")


def test_expired_token_answers_egw00123_with_http_500(kis: Kis) -> None:
    kis.token
    kis.sim.clock.advance(86400)
    answer = kis.price()
    assert answer.status_code == 500
    # The genuine capture writes msg1 before msg_cd.
    assert answer.text == '{"rt_cd":"1","msg1":"기간이 만료된 token 입니다.","msg_cd":"EGW00123"}'


def test_shorter_token_lifetime_for_tests() -> None:
    sim = make_sim(token_rules=TokenRules(lifetime=120))
    kis = caller(sim)
    data = kis.issue_token().json()
    kis.use_token(data["access_token"])
    assert data["expires_in"] == 120
    sim.clock.advance(120)
    refused(kis.price(), "EGW00123", 500)
    kis.use_token(None)
    assert ok(kis.price())  # a new token is issued past the minute


def test_revoke_then_use_gives_egw00121(kis: Kis) -> None:
    token = kis.token
    answer = kis.http.post("/oauth2/revokeP", json={
        "appkey": kis.creds.app_key, "appsecret": kis.creds.app_secret, "token": token})
    assert answer.json() == {"code": 200, "message": "접근토큰 폐기에 성공하였습니다."}
    refused(kis.price(), "EGW00121", 500)
    again = kis.http.post("/oauth2/revokeP", json={
        "appkey": kis.creds.app_key, "appsecret": kis.creds.app_secret, "token": token})
    assert again.status_code == 403
    assert again.json() == {"error_description": "유효하지 않은 token 입니다.",
                            "error_code": "EGW00121"}


@pytest.mark.parametrize(("authorization", "code"), [
    (None, "EGW00205"),
    ("Basic abc", "EGW00205"),
    ("Bearer ", "EGW00205"),
    ("Bearer not-a-token", "EGW00121"),
])
def test_bad_authorization_header(kis: Kis, authorization, code: str) -> None:
    headers = kis.headers("FHKST01010100")
    headers.pop("authorization")
    if authorization is not None:
        headers["authorization"] = authorization
    answer = kis.http.get("/uapi/domestic-stock/v1/quotations/inquire-price", headers=headers,
                          params={"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"})
    refused(answer, code, 500)


def test_token_of_another_app_key_is_invalid(sim, http) -> None:
    real, paper = Kis(sim, http, sim.credentials(Env.REAL)), Kis(sim, http,
                                                                 sim.credentials(Env.PAPER))
    headers = real.headers("FHKST01010100")
    headers["authorization"] = f"Bearer {paper.token}"
    answer = http.get("/uapi/domestic-stock/v1/quotations/inquire-price", headers=headers,
                      params={"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"})
    refused(answer, "EGW00121", 500)


@pytest.mark.parametrize(("missing", "code"), [("appkey", "EGW00102"),
                                               ("appsecret", "EGW00104")])
def test_missing_app_headers(kis: Kis, missing: str, code: str) -> None:
    headers = kis.headers("FHKST01010100")
    del headers[missing]
    answer = kis.http.get("/uapi/domestic-stock/v1/quotations/inquire-price", headers=headers,
                          params={"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"})
    refused(answer, code, 500)


def test_unknown_app_key_on_an_api_uses_the_api_envelope(kis: Kis) -> None:
    headers = kis.headers("FHKST01010100", appkey="PSunknown")
    answer = kis.http.get("/uapi/domestic-stock/v1/quotations/inquire-price", headers=headers,
                          params={"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"})
    assert answer.status_code == 500
    assert answer.json() == {"rt_cd": "1", "msg1": "유효하지 않은 AppKey입니다.",
                             "msg_cd": "EGW00103"}


def test_approval_key_uses_the_secretkey_field(kis: Kis) -> None:
    answer = kis.http.post("/oauth2/Approval", json={
        "grant_type": "client_credentials", "appkey": kis.creds.app_key,
        "secretkey": kis.creds.app_secret})
    key = answer.json()["approval_key"]
    assert len(key) == 36 and key.count("-") == 4
    wrong = kis.http.post("/oauth2/Approval", json={
        "grant_type": "client_credentials", "appkey": kis.creds.app_key,
        "appsecret": kis.creds.app_secret})
    assert wrong.status_code == 403 and wrong.json()["error_code"] == "EGW00105"
    assert kis.sim.auth.approval_app(key).app_key == kis.creds.app_key


def test_hashkey_echoes_the_body_and_signs_it(kis: Kis) -> None:
    order = {**kis.account, "PDNO": "005930", "ORD_DVSN": "01", "ORD_QTY": "1",
             "ORD_UNPR": "0"}
    answer = kis.http.post("/uapi/hashkey", json=order, headers={
        "appkey": kis.creds.app_key, "appsecret": kis.creds.app_secret})
    data = answer.json()
    assert data["JsonBody"] == order and len(data["HASH"]) == 44
    ok(kis.post("/uapi/domestic-stock/v1/trading/order-cash", kis.tr("TTTC0012U"), order,
                hashkey=data["HASH"]))
    bad = kis.post("/uapi/domestic-stock/v1/trading/order-cash", kis.tr("TTTC0012U"),
                   {**order, "ORD_QTY": "2"}, hashkey=data["HASH"])
    refused(bad, "EGW00131", 500)
    assert len(kis.ledger()["orders"]) == 1  # the tampered order was not placed


def test_hashkey_needs_valid_app_headers(kis: Kis) -> None:
    answer = kis.http.post("/uapi/hashkey", json={"a": "1"}, headers={"appkey": "x"})
    refused(answer, "EGW00104", 500)


def test_control_plane_expires_and_revokes_tokens(kis: Kis) -> None:
    kis.token
    assert kis.http.post("/_sim/tokens/expire", json={}).json()["expired"] >= 1
    refused(kis.price(), "EGW00123", 500)
    kis.sim.clock.advance(61)
    kis.use_token(None)
    assert ok(kis.price())
    assert kis.http.post("/_sim/tokens/revoke",
                         json={"app_key": kis.creds.app_key}).json()["revoked"] >= 1
    refused(kis.price(), "EGW00121", 500)


def test_credentials_repr_hides_the_secret(sim) -> None:
    creds = sim.credentials(Env.REAL)
    assert creds.app_secret not in repr(creds)
    assert len(creds.app_key) == 36 and len(creds.app_secret) == 180
