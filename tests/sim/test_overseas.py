"""The overseas account APIs a multi-market client calls on every balance and order list,
answered for the simulator's domestic-only accounts: valid, empty answers in KIS's
shapes, parameters checked as KIS checks the domestic ones, in both environments. And one
HTS ID per customer across its real and paper accounts. (The overseas execution notices
H0GSCNI0/H0GSCNI9, and notices under a shared HTS ID, are in test_realtime.py.)"""

from __future__ import annotations

import httpx
import pytest

from pykis.sim import AccountSpec, Env, Simulator
from pykis.sim.wire.overseas import FIELDS
from support import Kis, caller, make_sim, ok, refused

TRADING = "/uapi/overseas-stock/v1/trading/"
BLANK = " " * 200


def keys(endpoint: str, section: str) -> list[str]:
    return [name for name, _ in FIELDS["overseas_" + endpoint][section]]


def send(kis: Kis, api: str, query: dict[str, str], omit: str | None = None,
         tr_cont: str = "") -> httpx.Response:
    """One call of an overseas API, its parameters less ``omit``."""
    path, real_tr = {"present_balance": ("inquire-present-balance", "CTRP6504R"),
                     "nccs": ("inquire-nccs", "TTTS3018R"),
                     "ccnl": ("inquire-ccnl", "TTTS3035R"),
                     "balance": ("inquire-balance", "TTTS3012R")}[api]
    query = {k: v for k, v in query.items() if k != omit}
    extra = {"tr_cont": tr_cont} if tr_cont else {}
    return kis.get(TRADING + path, kis.tr(real_tr), query, **extra)


def present_balance(kis: Kis, omit: str | None = None, **params: str) -> httpx.Response:
    return send(kis, "present_balance", {
        **kis.account, "WCRC_FRCR_DVSN_CD": "02", "NATN_CD": "000", "TR_MKET_CD": "00",
        "INQR_DVSN_CD": "00", **params}, omit)


def nccs(kis: Kis, omit: str | None = None, tr_cont: str = "", **params: str
         ) -> httpx.Response:
    return send(kis, "nccs", {
        **kis.account, "OVRS_EXCG_CD": "NASD", "SORT_SQN": "DS", "CTX_AREA_FK200": "",
        "CTX_AREA_NK200": "", **params}, omit, tr_cont)


def ccnl(kis: Kis, omit: str | None = None, tr_cont: str = "", **params: str
         ) -> httpx.Response:
    return send(kis, "ccnl", {
        **kis.account, "PDNO": "%", "ORD_STRT_DT": "20261101", "ORD_END_DT": "20261120",
        "SLL_BUY_DVSN": "00", "CCLD_NCCS_DVSN": "00", "OVRS_EXCG_CD": "%", "SORT_SQN": "DS",
        "ORD_DT": "", "ORD_GNO_BRNO": "", "ODNO": "", "CTX_AREA_NK200": "",
        "CTX_AREA_FK200": "", **params}, omit, tr_cont)


def balance(kis: Kis, omit: str | None = None, **params: str) -> httpx.Response:
    return send(kis, "balance", {
        **kis.account, "OVRS_EXCG_CD": "NASD", "TR_CRCY_CD": "USD", "CTX_AREA_FK200": "",
        "CTX_AREA_NK200": "", **params}, omit)


CALLS = {"present_balance": present_balance, "nccs": nccs, "ccnl": ccnl, "balance": balance}


def padded(text: str) -> bool:
    """msg1 right-padded to 80 bytes of EUC-KR, as KIS's account inquiries write it."""
    return text.endswith(" ") and len(text.encode("euc-kr")) == 80


# --- answers -------------------------------------------------------------------------------
def test_present_balance_is_empty_with_a_zero_summary(kis: Kis) -> None:
    answer = present_balance(kis)
    data = ok(answer)
    assert list(data) == ["output1", "output2", "output3", "rt_cd", "msg_cd", "msg1"]
    assert data["output1"] == [] and data["output2"] == []
    summary = data["output3"]
    assert list(summary) == keys("inquire_present_balance", "output3")
    assert all(float(value) == 0 for value in summary.values())
    assert summary["tot_asst_amt"] == "0" and summary["evlu_erng_rt1"] == "0.00000000"
    assert data["msg_cd"] == ("20310000" if kis.paper else "KIOK0510")
    assert padded(data["msg1"])
    assert answer.headers["tr_id"] == kis.tr("CTRP6504R") and answer.headers["tr_cont"] == "D"


def test_open_orders_are_an_empty_page(kis: Kis) -> None:
    answer = nccs(kis)
    data = ok(answer)
    assert list(data) == ["ctx_area_fk200", "ctx_area_nk200", "output", "rt_cd", "msg_cd",
                          "msg1"]
    assert data["output"] == []
    cano, product = kis.account["CANO"], kis.account["ACNT_PRDT_CD"]
    assert data["ctx_area_fk200"] == f"{cano}^{product}^NASD^DS^".ljust(200)
    assert data["ctx_area_nk200"] == BLANK
    assert answer.headers["tr_cont"] == "D"
    if kis.paper:
        assert data["msg_cd"] == "20310000"
    else:  # KIS's answer to an inquiry that found nothing: a success
        assert (data["msg_cd"], data["msg1"].rstrip()) == ("KIOK0560", "조회할 내용이 없습니다")
    assert padded(data["msg1"])


def test_orders_and_fills_are_an_empty_page(kis: Kis) -> None:
    answer = ccnl(kis)
    data = ok(answer)
    # KIS writes this API's cursors NK first.
    assert list(data) == ["ctx_area_nk200", "ctx_area_fk200", "output", "rt_cd", "msg_cd",
                          "msg1"]
    assert data["output"] == [] and data["ctx_area_nk200"] == BLANK
    assert len(data["ctx_area_fk200"]) == 200
    assert data["ctx_area_fk200"].startswith(kis.account["CANO"] + "^")
    assert data["msg_cd"] == ("20310000" if kis.paper else "KIOK0560")
    assert answer.headers["tr_cont"] == "D"


def test_overseas_balance_is_empty_with_a_zero_summary(kis: Kis) -> None:
    data = ok(balance(kis))
    assert list(data) == ["ctx_area_fk200", "ctx_area_nk200", "output1", "output2", "rt_cd",
                          "msg_cd", "msg1"]
    assert data["output1"] == []
    assert list(data["output2"]) == keys("inquire_balance", "output2")
    # Each figure at the scale KIS writes it (the portal example's figures).
    assert data["output2"]["frcr_pchs_amt1"] == "0.00000"
    assert data["output2"]["tot_pftrt"] == "0.00000000"
    assert data["msg_cd"] == ("20310000" if kis.paper else "KIOK0510")


def test_a_continued_page_is_still_the_last(kis: Kis) -> None:
    first = ok(nccs(kis))
    again = nccs(kis, tr_cont="N", CTX_AREA_FK200=first["ctx_area_fk200"],
                 CTX_AREA_NK200=first["ctx_area_nk200"])
    assert ok(again)["output"] == [] and again.headers["tr_cont"] == "D"
    first = ok(ccnl(kis))
    again = ccnl(kis, tr_cont="N", CTX_AREA_FK200=first["ctx_area_fk200"],
                 CTX_AREA_NK200=first["ctx_area_nk200"])
    assert ok(again)["output"] == [] and again.headers["tr_cont"] == "D"


def test_the_calls_python_kis_makes(kis: Kis) -> None:
    """python-kis 2.1.6's own parameters: the cursors in lower case, and on paper the
    exchange and currency blank (balance), PDNO and exchange blank (orders)."""
    page = {"ctx_area_fk200": "", "ctx_area_nk200": ""}
    ok(present_balance(kis, WCRC_FRCR_DVSN_CD="02", NATN_CD="000", TR_MKET_CD="00"))
    ok(present_balance(kis, NATN_CD="344", TR_MKET_CD="00"))  # country="HK"
    blank = "" if kis.paper else "%"
    ok(kis.get(TRADING + "inquire-ccnl", kis.tr("TTTS3035R"), {
        **kis.account, "PDNO": blank, "ORD_STRT_DT": "20261120", "ORD_END_DT": "20261120",
        "SLL_BUY_DVSN": "00", "CCLD_NCCS_DVSN": "00", "OVRS_EXCG_CD": blank,
        "SORT_SQN": "DS", "ORD_DT": "", "ORD_GNO_BRNO": "", "ODNO": "", **page}))
    ok(kis.get(TRADING + "inquire-nccs", kis.tr("TTTS3018R"), {
        **kis.account, "OVRS_EXCG_CD": "", "SORT_SQN": "DS" if kis.paper else "", **page}))
    ok(kis.get(TRADING + "inquire-balance", kis.tr("TTTS3012R"), {
        **kis.account, "OVRS_EXCG_CD": "", "TR_CRCY_CD": "", **page}))


def test_every_documented_exchange_and_nation(kis: Kis) -> None:
    for exchange in ("NASD", "NYSE", "AMEX", "SEHK", "SHAA", "SZAA", "TKSE", "HASE", "VNSE"):
        ok(nccs(kis, OVRS_EXCG_CD=exchange))
        ok(ccnl(kis, OVRS_EXCG_CD=exchange))
        ok(balance(kis, OVRS_EXCG_CD=exchange))
    for nation, market in (("840", "05"), ("156", "04"), ("392", "01"), ("704", "02"),
                           ("344", "03")):
        ok(present_balance(kis, NATN_CD=nation, TR_MKET_CD=market))


def test_nas_is_a_real_balance_exchange_only(real: Kis, paper: Kis) -> None:
    ok(balance(real, OVRS_EXCG_CD="NAS"))
    refused(balance(paper, OVRS_EXCG_CD="NAS"), "OPSQ2001")


# --- refusals --------------------------------------------------------------------------------
REQUIRED = {
    "present_balance": ["CANO", "ACNT_PRDT_CD", "WCRC_FRCR_DVSN_CD", "NATN_CD", "TR_MKET_CD",
                        "INQR_DVSN_CD"],
    "nccs": ["CANO", "ACNT_PRDT_CD", "OVRS_EXCG_CD", "SORT_SQN"],
    "ccnl": ["CANO", "ACNT_PRDT_CD", "PDNO", "ORD_STRT_DT", "ORD_END_DT", "SLL_BUY_DVSN",
             "CCLD_NCCS_DVSN", "OVRS_EXCG_CD", "SORT_SQN"],
    "balance": ["CANO", "ACNT_PRDT_CD", "OVRS_EXCG_CD", "TR_CRCY_CD"],
}


@pytest.mark.parametrize(("api", "name"), [(api, name) for api, names in REQUIRED.items()
                                           for name in names])
def test_a_missing_parameter_is_refused(kis: Kis, api: str, name: str) -> None:
    data = refused(CALLS[api](kis, omit=name), "OPSQ2001")
    assert (data["rt_cd"], data["msg1"]) == ("2", f"INPUT_FIELD_NAME {name}")


@pytest.mark.parametrize(("api", "name", "value"), [
    ("present_balance", "WCRC_FRCR_DVSN_CD", "03"), ("present_balance", "NATN_CD", "410"),
    ("present_balance", "TR_MKET_CD", "07"), ("present_balance", "INQR_DVSN_CD", "9"),
    ("nccs", "OVRS_EXCG_CD", "KRX"), ("ccnl", "SLL_BUY_DVSN", "03"),
    ("ccnl", "CCLD_NCCS_DVSN", "9"), ("ccnl", "ORD_STRT_DT", "2026-11-01"),
    ("ccnl", "ORD_END_DT", "20261131"), ("ccnl", "SORT_SQN", "XX"),
    ("ccnl", "OVRS_EXCG_CD", "NASDAQ"), ("balance", "TR_CRCY_CD", "KRW"),
    ("balance", "OVRS_EXCG_CD", "KRX"),
])
def test_a_bad_value_is_refused(kis: Kis, api: str, name: str, value: str) -> None:
    data = refused(CALLS[api](kis, **{name: value}), "OPSQ2001")
    assert data["msg1"] == f"ERROR INVALID {name}"


@pytest.mark.parametrize("api", list(CALLS))
def test_another_account_number_is_refused(kis: Kis, api: str) -> None:
    refused(CALLS[api](kis, CANO="12345678"), "OPSQ2000")


@pytest.mark.parametrize(("path", "real_tr"), [
    ("inquire-present-balance", "CTRP6504R"), ("inquire-nccs", "TTTS3018R"),
    ("inquire-ccnl", "TTTS3035R"), ("inquire-balance", "TTTS3012R")])
def test_each_server_takes_its_own_tr_ids(real: Kis, paper: Kis, path: str,
                                          real_tr: str) -> None:
    paper_tr = "V" + real_tr[1:]
    refused(paper.get(TRADING + path, real_tr, paper.account), "EGW02006", status=500)
    refused(real.get(TRADING + path, paper_tr, real.account), "OPSQ0002", status=500)


def test_a_held_domestic_position_is_not_overseas() -> None:
    kis = caller(make_sim(accounts=[AccountSpec(Env.REAL, positions={"005930": (10, 70000)})]))
    assert ok(kis.balance())["output1"]  # at home it is there
    assert ok(present_balance(kis))["output1"] == []
    assert ok(balance(kis))["output1"] == []


# --- one customer, one HTS ID -----------------------------------------------------------------
def test_a_customers_real_and_paper_accounts_share_its_hts_id(sim: Simulator) -> None:
    assert sim.credentials(Env.REAL).hts_id == sim.credentials(Env.PAPER).hts_id == "simuser1"


def test_the_ith_real_and_the_ith_paper_account_are_one_customer(sim: Simulator) -> None:
    assert sim.add_account(AccountSpec(Env.PAPER)).hts_id == "simuser2"  # its real one later
    assert sim.add_account(AccountSpec(Env.REAL)).hts_id == "simuser2"
    assert sim.add_account(AccountSpec(Env.REAL, hts_id="alice")).hts_id == "alice"
    assert sim.add_account(AccountSpec(Env.PAPER)).hts_id == "alice"  # alice's paper account
    assert sim.add_account(AccountSpec(Env.PAPER, hts_id="bob")).hts_id == "bob"  # stated
    assert sim.add_account(AccountSpec(Env.REAL)).hts_id == "bob"
    assert sim.add_account(AccountSpec(Env.REAL)).hts_id == "simuser5"
    sim.reset()  # the configured accounts again, as they were
    assert [a.hts_id for a in sim.accounts] == ["simuser1", "simuser1"]


def test_a_new_customer_never_takes_another_ones_hts_id() -> None:
    sim = make_sim(accounts=[AccountSpec(Env.REAL, hts_id="simuser2"), AccountSpec(Env.REAL)])
    assert [a.hts_id for a in sim.accounts] == ["simuser2", "simuser3"]


def test_accounts_added_through_the_control_plane_pair_up(http: httpx.Client) -> None:
    real = http.post("/_sim/accounts", json={"env": "real"}).json()
    paper = http.post("/_sim/accounts", json={"env": "paper"}).json()
    assert real["hts_id"] == paper["hts_id"] == "simuser2"
    state = http.get("/_sim/state").json()["accounts"]
    assert [a["hts_id"] for a in state] == ["simuser1", "simuser1", "simuser2", "simuser2"]
