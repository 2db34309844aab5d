"""Product information: 주식기본조회 (search-stock-info) and 상품기본조회 (search-info) through
the wire, real only, with unknown products; and KIS's stock master files, parsed back
with the official fixed-width layout."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import httpx
import pytest

from pykis.market import KST, InstrumentKind, Market
from pykis.sim import SimServer
from pykis.sim.universe import isin
from pykis.sim.wire import master
from support import MORNING, QUOTES, TRADING_DAY, Kis, caller, make_sim, ok, refused

STOCK_INFO, INFO = QUOTES + "search-stock-info", QUOTES + "search-info"

# The portal's field tables, in order (research note on product information).
STOCK_INFO_FIELDS = (
    "pdno", "prdt_type_cd", "mket_id_cd", "scty_grp_id_cd", "excg_dvsn_cd", "setl_mmdd",
    "lstg_stqt", "lstg_cptl_amt", "cpta", "papr", "issu_pric", "kospi200_item_yn",
    "scts_mket_lstg_dt", "scts_mket_lstg_abol_dt", "kosdaq_mket_lstg_dt",
    "kosdaq_mket_lstg_abol_dt", "frbd_mket_lstg_dt", "frbd_mket_lstg_abol_dt", "reits_kind_cd",
    "etf_dvsn_cd", "oilf_fund_yn", "idx_bztp_lcls_cd", "idx_bztp_mcls_cd", "idx_bztp_scls_cd",
    "stck_kind_cd", "mfnd_opng_dt", "mfnd_end_dt", "dpsi_erlm_cncl_dt", "etf_cu_qty", "prdt_name",
    "prdt_name120", "prdt_abrv_name", "std_pdno", "prdt_eng_name", "prdt_eng_name120",
    "prdt_eng_abrv_name", "dpsi_aptm_erlm_yn", "etf_txtn_type_cd", "etf_type_cd", "lstg_abol_dt",
    "nwst_odst_dvsn_cd", "sbst_pric", "thco_sbst_pric", "thco_sbst_pric_chng_dt", "tr_stop_yn",
    "admn_item_yn", "thdt_clpr", "bfdy_clpr", "clpr_chng_dt", "std_idst_clsf_cd",
    "std_idst_clsf_cd_name", "idx_bztp_lcls_cd_name", "idx_bztp_mcls_cd_name",
    "idx_bztp_scls_cd_name", "ocr_no", "crfd_item_yn", "elec_scty_yn", "issu_istt_cd",
    "etf_chas_erng_rt_dbnb", "etf_etn_ivst_heed_item_yn", "stln_int_rt_dvsn_cd",
    "frnr_psnl_lmt_rt", "lstg_rqsr_issu_istt_cd", "lstg_rqsr_item_cd", "trst_istt_issu_istt_cd",
    "cptt_trad_tr_psbl_yn", "nxt_tr_stop_yn",
)
INFO_FIELDS = (
    "pdno", "prdt_type_cd", "prdt_name", "prdt_name120", "prdt_abrv_name", "prdt_eng_name",
    "prdt_eng_name120", "prdt_eng_abrv_name", "std_pdno", "shtn_pdno", "prdt_sale_stat_cd",
    "prdt_risk_grad_cd", "prdt_clsf_cd", "prdt_clsf_name", "sale_strt_dt", "sale_end_dt",
    "wrap_asst_type_cd", "ivst_prdt_type_cd", "ivst_prdt_type_cd_name", "frst_erlm_dt",
)

# Tail widths of the official samples (kis_kospi_code_mst.py, kis_kosdaq_code_mst.py,
# kis_konex_code_mst.py in koreainvestment/open-trading-api).
KOSPI_WIDTHS = [2, 1, 4, 4, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                1, 1, 1, 1, 1, 1, 9, 5, 5, 1, 1, 1, 2, 1, 1, 1, 2, 2, 2, 3, 1, 3, 12, 12, 8,
                15, 21, 2, 7, 1, 1, 1, 1, 1, 9, 9, 9, 5, 9, 8, 9, 3, 1, 1, 1]
KOSDAQ_WIDTHS = [2, 1, 4, 4, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                 1, 1, 9, 5, 5, 1, 1, 1, 2, 1, 1, 1, 2, 2, 2, 3, 1, 3, 12, 12, 8, 15, 21, 2,
                 7, 1, 1, 1, 1, 9, 9, 9, 5, 9, 8, 9, 3, 1, 1, 1]
KONEX_WIDTHS = [2, 9, 5, 5, 1, 1, 1, 2, 1, 1, 1, 2, 2, 2, 3, 1, 3, 12, 12, 8, 15, 21, 2, 7,
                1, 1, 1, 1, 9, 9, 9, 5, 9, 8, 9, 1, 1, 1]
# Column positions (0-based) in the KOSPI / KOSDAQ tails.
KOSPI_AT = {"group": 0, "etp": 12, "base": 31, "unit": 32, "face": 48, "listed": 49,
            "shares": 50, "capital": 51, "month": 52, "preferred": 54, "krx300": 57,
            "kospi": 58, "cap": 65}
KOSDAQ_AT = {"group": 0, "etp": 8, "base": 26, "unit": 27, "face": 43, "listed": 44,
             "shares": 45, "capital": 46, "month": 47, "preferred": 49, "krx300": 52,
             "kosdaq150": 25, "cap": 59}
FILES = {"kospi": (Market.KOSPI, KOSPI_WIDTHS), "kosdaq": (Market.KOSDAQ, KOSDAQ_WIDTHS),
         "konex": (Market.KONEX, KONEX_WIDTHS)}


def stock_info(kis: Kis, code: str, kind: str = "300") -> httpx.Response:
    return kis.get(STOCK_INFO, "CTPF1002R", {"PRDT_TYPE_CD": kind, "PDNO": code})


def info(kis: Kis, code: str, kind: str = "300") -> httpx.Response:
    return kis.get(INFO, "CTPF1604R", {"PDNO": code, "PRDT_TYPE_CD": kind})


def price(kis: Kis, code: str) -> dict[str, str]:
    return ok(kis.price(code))["output"]


def luhn_isin_ok(code: str) -> bool:
    """The test's own ISIN check: letters as 10..35, then Luhn over the digit string."""
    digits = "".join(str(ord(c) - 55) if c.isalpha() else c for c in code)
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (1 if i % 2 == 0 else 2)  # the check digit itself is not doubled
        total += d // 10 + d % 10
    return len(code) == 12 and total % 10 == 0


# --- ISIN -------------------------------------------------------------------------------
def test_isin_check_digits() -> None:
    assert isin("005930") == "KR7005930003"
    assert isin("000660") == "KR7000660001"
    assert isin("005935", preferred=True) == "KR7005931001"  # 삼성전자우
    assert luhn_isin_ok("KR7005930003") and luhn_isin_ok("US0378331005")
    assert not luhn_isin_ok("KR7005930004")


def test_every_listing_has_a_valid_isin_and_english_name() -> None:
    sim = make_sim(extra_listings=3)
    for code, inst in sim.market.universe.items():
        assert luhn_isin_ok(inst.std_code) and inst.std_code.startswith("KR7" + code[:5])
        assert inst.eng_name and inst.eng_name.isascii(), code
        assert dt.datetime.strptime(inst.listed, "%Y%m%d"), code
    assert sim.market.universe["900000"].eng_name == "SIM STOCK 0001"


# --- 주식기본조회 -------------------------------------------------------------------------
def test_stock_info_fields_envelope_and_values(real: Kis) -> None:
    data = ok(stock_info(real, "005930"))
    assert list(data) == ["output", "rt_cd", "msg_cd", "msg1"]
    assert data["msg_cd"] == "KIOK0530" and data["msg1"].rstrip() == "조회되었습니다"
    assert len(data["msg1"].encode("euc-kr")) == 80
    out = data["output"]
    assert tuple(out) == STOCK_INFO_FIELDS
    assert all(isinstance(v, str) for v in out.values())
    quote = price(real, "005930")
    assert (out["pdno"], out["std_pdno"], out["prdt_type_cd"]) == (
        "00000A005930", "KR7005930003", "300")
    assert (out["mket_id_cd"], out["scty_grp_id_cd"], out["excg_dvsn_cd"]) == ("STK", "ST", "02")
    assert (out["prdt_abrv_name"], out["prdt_name"], out["prdt_name120"]) == (
        "삼성전자", "삼성전자보통주", "삼성전자보통주")
    assert out["prdt_eng_abrv_name"] == "Samsung Electronics"
    assert (out["scts_mket_lstg_dt"], out["kosdaq_mket_lstg_dt"]) == ("19750611", "")
    assert (out["kospi200_item_yn"], out["stck_kind_cd"], out["etf_dvsn_cd"]) == ("Y", "101", "0")
    assert out["lstg_stqt"] == quote["lstn_stcn"] and out["papr"] == quote["stck_fcam"]
    assert out["thdt_clpr"] == quote["stck_prpr"] and out["bfdy_clpr"] == quote["stck_sdpr"]
    assert out["sbst_pric"] == quote["stck_sspr"]
    assert out["clpr_chng_dt"] == TRADING_DAY.strftime("%Y%m%d")
    assert out["setl_mmdd"] == "12" and out["frnr_psnl_lmt_rt"] == "0.00000000"


def test_stock_info_of_sk_hynix(real: Kis) -> None:
    out = ok(stock_info(real, "000660"))["output"]
    assert (out["pdno"], out["std_pdno"]) == ("00000A000660", "KR7000660001")
    assert out["prdt_eng_name"] == out["prdt_eng_abrv_name"] == "SK hynix"
    assert out["scts_mket_lstg_dt"] == "19961226" and out["issu_istt_cd"] == "00066"
    assert int(out["cpta"]) == 728_002_365 * 5000


def test_stock_info_of_every_listing_matches_the_universe_and_the_quote(real: Kis) -> None:
    for code, inst in real.sim.market.universe.items():
        out = ok(stock_info(real, code))["output"]
        quote = price(real, code)
        kospi = inst.market is Market.KOSPI
        fund = inst.kind is InstrumentKind.ETF
        assert out["pdno"] == "00000A" + code and out["std_pdno"] == inst.std_code
        assert out["mket_id_cd"] == ("STK" if kospi else "KSQ")
        assert out["excg_dvsn_cd"] == ("02" if kospi else "03")
        assert out["scty_grp_id_cd"] == ("EF" if fund else "ST")
        assert out["prdt_abrv_name"] == inst.name
        assert out["prdt_eng_abrv_name"] == inst.eng_name
        assert out["kospi200_item_yn"] == ("Y" if inst.index_name == "KOSPI200" else "N")
        listed = (out["scts_mket_lstg_dt"], out["kosdaq_mket_lstg_dt"])
        assert listed == ((inst.listed, "") if kospi else ("", inst.listed))
        assert out["lstg_stqt"] == quote["lstn_stcn"] == str(inst.shares)
        assert out["papr"] == quote["stck_fcam"]
        assert (out["thdt_clpr"], out["bfdy_clpr"]) == (quote["stck_prpr"], quote["stck_sdpr"])
        if fund:
            assert out["stck_kind_cd"] == "000" and out["etf_dvsn_cd"] != "0"


def test_etf_and_preferred_share(real: Kis) -> None:
    etf = ok(stock_info(real, "069500"))["output"]
    assert (etf["scty_grp_id_cd"], etf["mket_id_cd"], etf["prdt_abrv_name"]) == (
        "EF", "STK", "KODEX 200")
    assert etf["prdt_eng_abrv_name"] == "KODEX 200" and etf["std_pdno"] == "KR7069500007"
    pref = ok(stock_info(real, "005935"))["output"]
    assert (pref["stck_kind_cd"], pref["std_pdno"]) == ("201", "KR7005931001")
    assert pref["prdt_name"] == "삼성전자우선주"


def test_kosdaq_listing(real: Kis) -> None:
    out = ok(stock_info(real, "196170"))["output"]
    assert (out["mket_id_cd"], out["excg_dvsn_cd"], out["scts_mket_lstg_dt"]) == (
        "KSQ", "03", "")
    assert out["kosdaq_mket_lstg_dt"] == "20141212" and out["kospi200_item_yn"] == "N"


def test_before_the_first_trade_the_closes_are_the_last_complete_day() -> None:
    early = caller(make_sim(dt.datetime(2026, 11, 20, 8, 45, tzinfo=KST)))
    out = ok(stock_info(early, "005930"))["output"]
    rows = ok(early.get(QUOTES + "inquire-daily-price", "FHKST01010400", {
        "FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930", "FID_PERIOD_DIV_CODE": "D",
        "FID_ORG_ADJ_PRC": "0"}))["output"]
    done = [r for r in rows if r["stck_bsop_date"] < "20261120"]
    assert out["clpr_chng_dt"] == done[0]["stck_bsop_date"] == "20261119"
    assert (out["thdt_clpr"], out["bfdy_clpr"]) == (done[0]["stck_clpr"], done[1]["stck_clpr"])
    assert out["thdt_clpr"] == price(early, "005930")["stck_sdpr"]


def test_synthetic_listings() -> None:
    kis = caller(make_sim(extra_listings=2))
    out = ok(stock_info(kis, "900001"))["output"]
    assert (out["prdt_abrv_name"], out["prdt_eng_abrv_name"]) == ("시뮬종목0002", "SIM STOCK 0002")
    assert out["mket_id_cd"] == "STK" and luhn_isin_ok(out["std_pdno"])


# --- 상품기본조회 -------------------------------------------------------------------------
def test_info_fields_and_values(real: Kis) -> None:
    data = ok(info(real, "005930"))
    assert list(data) == ["output", "rt_cd", "msg_cd", "msg1"]
    assert data["msg_cd"] == "KIOK0530" and data["msg1"].rstrip() == "조회되었습니다"
    out = data["output"]
    assert tuple(out) == INFO_FIELDS
    full = ok(stock_info(real, "005930"))["output"]
    assert (out["pdno"], out["shtn_pdno"], out["std_pdno"]) == (
        "00000A005930", "005930", "KR7005930003")
    for name in ("prdt_name", "prdt_name120", "prdt_abrv_name", "prdt_eng_name",
                 "prdt_eng_name120", "prdt_eng_abrv_name", "prdt_type_cd"):
        assert out[name] == full[name], name


def test_info_of_every_listing(real: Kis) -> None:
    for code, inst in real.sim.market.universe.items():
        out = ok(info(real, code))["output"]
        assert (out["shtn_pdno"], out["std_pdno"]) == (code, inst.std_code)
        assert (out["prdt_abrv_name"], out["prdt_eng_abrv_name"]) == (inst.name, inst.eng_name)


# --- refusals and unknown products ---------------------------------------------------------
def test_paper_refuses_both_like_other_real_only_trs(paper: Kis) -> None:
    other = refused(paper.get(QUOTES + "intstock-multprice", "FHKST11300006",
                              {"FID_COND_MRKT_DIV_CODE_1": "J", "FID_INPUT_ISCD_1": "005930"}),
                    "EGW02006", 500)
    for answer in (stock_info(paper, "005930"), info(paper, "005930")):
        assert refused(answer, "EGW02006", 500) == other
        assert answer.headers["tr_id"] in ("CTPF1002R", "CTPF1604R")


@pytest.mark.parametrize("call", [stock_info, info])
def test_unknown_product_is_no_data(real: Kis, call) -> None:
    for code, kind in (("999999", "300"), ("", "300"), ("Q500001", "300"), ("005930", "301"),
                       ("005930", "302"), ("005930", "306")):
        data = refused(call(real, code, kind), "KIOK0560")
        assert data["rt_cd"] == "7" and data["msg1"].rstrip() == "조회할 내용이 없습니다"
        assert "output" not in data


def test_missing_parameters_are_refused(real: Kis) -> None:
    answer = real.get(STOCK_INFO, "CTPF1002R", {"PRDT_TYPE_CD": "300"})
    refused(answer, "OPSQ2001")
    refused(real.get(INFO, "CTPF1604R", {"PDNO": "005930"}), "OPSQ2001")


# --- master files ---------------------------------------------------------------------------
def download(http: httpx.Client, file: str) -> tuple[httpx.Response, bytes]:
    answer = http.get(f"/common/master/{file}_code.mst.zip")  # no credentials at all
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    assert archive.namelist() == [f"{file}_code.mst"]
    return answer, archive.read(f"{file}_code.mst")


def cut(tail: str, widths: list[int]) -> list[str]:
    cells, at = [], 0
    for width in widths:
        cells.append(tail[at:at + width])
        at += width
    assert at == len(tail)
    return cells


def parse(raw: bytes, widths: list[int]) -> dict[str, tuple[str, str, str, list[str]]]:
    """code → (standard code, name, tail text, tail cells), from the bytes as KIS lays
    them out: name in bytes 21..61, tail counted from the end of the line."""
    assert b"\r" not in raw and (not raw or raw.endswith(b"\n"))
    size = sum(widths)
    rows = {}
    for line in raw.split(b"\n")[:-1]:
        assert len(line) == 9 + 12 + 40 + size
        code = line[:9].decode("ascii").rstrip()
        name = line[21:61].decode("cp949").rstrip()
        tail = line[-size:].decode("ascii")
        rows[code] = (line[9:21].decode("ascii"), name, tail, cut(tail, widths))
    return rows


@pytest.mark.parametrize("file", ["kospi", "kosdaq"])
def test_master_files_parse_back_with_the_official_layout(real: Kis, file: str) -> None:
    market, widths = FILES[file]
    _, raw = download(real.http, file)
    rows = parse(raw, widths)
    universe = real.sim.market.universe
    listings = {c: i for c, i in universe.items() if i.market is market}
    assert set(rows) == set(listings) and listings
    at = KOSPI_AT if file == "kospi" else KOSDAQ_AT
    for code, inst in listings.items():
        std, name, _, cells = rows[code]
        quote = price(real, code)
        assert (std, name) == (inst.std_code, inst.name)
        fund = inst.kind is InstrumentKind.ETF
        assert cells[at["group"]] == ("EF" if fund else "ST")
        assert cells[at["etp"]] == ("2" if fund else "0")
        assert int(cells[at["base"]]) == int(quote["stck_sdpr"])
        assert int(cells[at["unit"]]) == 1
        assert int(cells[at["face"]]) == inst.face_value == int(quote["stck_fcam"])
        assert cells[at["listed"]] == inst.listed
        assert int(cells[at["shares"]]) == inst.shares // 1000
        assert int(cells[at["capital"]]) == inst.shares * inst.face_value
        assert cells[at["month"]] == "12"
        assert cells[at["preferred"]] == ("1" if inst.preferred else "0")
        assert int(cells[at["cap"]]) == int(quote["stck_sdpr"]) * inst.shares // 10**8
        index_member = inst.index_name in ("KOSPI200", "KOSDAQ150")
        assert cells[at["krx300"]] == ("Y" if index_member else "N")
        if file == "kospi":
            assert cells[at["kospi"]] == ("N" if fund else "Y")
        else:
            assert cells[at["kosdaq150"]] == ("Y" if inst.index_name == "KOSDAQ150" else "N")
        assert all(cell.strip() for cell in cells), code  # every column written


@pytest.mark.parametrize("file", ["kospi", "kosdaq"])
def test_master_files_parse_the_way_the_official_sample_does(real: Kis, file: str) -> None:
    """Decoded to text first, the name is what lies between offset 21 and the tail."""
    market, widths = FILES[file]
    text = download(real.http, file)[1].decode("cp949")
    size = sum(widths)
    names = {row[:9].rstrip(): row[21:-size].strip() for row in text.splitlines()}
    assert names == {c: i.name for c, i in real.sim.market.universe.items()
                     if i.market is market}


def test_konex_file_is_a_valid_zip_without_records(real: Kis) -> None:
    _, raw = download(real.http, "konex")
    assert raw == b""
    assert sum(KONEX_WIDTHS) == 184


def test_master_file_widths_of_the_official_samples() -> None:
    assert (sum(KOSPI_WIDTHS), len(KOSPI_WIDTHS)) == (227, 70)
    assert (sum(KOSDAQ_WIDTHS), len(KOSDAQ_WIDTHS)) == (221, 64)
    # The simulator's own column table (the KONEX file has no record to check it by).
    for file, (_, widths) in FILES.items():
        assert [width for _, width, _ in master.COLUMNS[file]] == widths, file


def test_master_files_are_stable_and_need_no_authentication(http: httpx.Client) -> None:
    first, second = download(http, "kospi")[1], download(http, "kospi")[1]
    assert first == second
    assert http.post("/common/master/kospi_code.mst.zip").status_code == 404
    assert http.get("/common/master/nothing.mst.zip").status_code == 404


def test_master_files_with_synthetic_listings() -> None:
    sim = make_sim(extra_listings=4)
    with httpx.Client(transport=sim.transport(), base_url="http://sim") as http:
        kospi = parse(download(http, "kospi")[1], KOSPI_WIDTHS)
        kosdaq = parse(download(http, "kosdaq")[1], KOSDAQ_WIDTHS)
    assert {"900001", "900003"} <= set(kospi) and {"900000", "900002"} <= set(kosdaq)
    assert kosdaq["900000"][1] == "시뮬종목0001"


def test_master_files_over_a_real_socket() -> None:
    sim = make_sim(MORNING)
    with SimServer(sim) as server, httpx.Client(base_url=server.base_url, timeout=10) as http:
        answer, raw = download(http, "kospi")
        download(http, "konex")
    with httpx.Client(transport=sim.transport(), base_url="http://sim") as local:
        assert download(local, "kospi")[1] == raw
    assert int(answer.headers["content-length"]) == len(answer.content)
