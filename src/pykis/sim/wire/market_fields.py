"""Response field layouts of the market-data APIs beyond the core (rankings, indices,
investor and member flows, quote extras), in wire order.

Names and order are those of KIS's official samples (the column lists of
koreainvestment/open-trading-api's examples_llm/domestic_stock, commit 885dd4e), split
into sections where a sample reads ``output1`` and ``output2``. The samples give no types:
``layout`` infers each field's blank value from its name (rates, ratios and index levels
are decimals "0.00"; codes, names, dates, times and flags are text ""; the rest are whole
numbers "0") [U: a blank field's exact text is KIS's].
"""

from __future__ import annotations

__all__ = ["FIELDS", "layout"]

_DECIMAL_ENDS = ("_ctrt", "_rate", "_rlim", "_dsrt", "dprt", "_tnrt", "_inrt", "tday_rltv",
                 "_rlim1", "_rlim2", "_rlim3", "_rlim4", "_rlim5")
_DECIMALS = {"per", "pbr", "pcr", "psr", "eps", "bps", "ctrt", "vol_inrt", "divi_rate",
             "ovtm_untp_antc_cntg_ctrt", "invt_new_psdg", "bis", "grs", "eva"}
_TEXT_MARKS = ("_name", "isnm", "_yn", "cls_code", "sign", "date", "hour", "iscd", "_no",
               "stac_month", "_cd", "_gb", "divi_kind", "mrkt_div_cls", "reas")


def _kind(name: str) -> str:
    if any(mark in name for mark in _TEXT_MARKS) and not name.endswith(("_rate", "_ctrt")):
        return "text"
    if name in _DECIMALS or name.endswith(_DECIMAL_ENDS) or "nmix" in name \
            or name.startswith("futs_prdy") or name.endswith("_rlim"):
        return "dec"
    return "int"


def layout(names: str) -> tuple[tuple[str, str], ...]:
    """A section's fields from their names (whitespace-separated), with inferred kinds."""
    return tuple((name, _kind(name)) for name in names.split())


_RANK_BASE = "prdy_vrss prdy_vrss_sign prdy_ctrt acml_vol"
_INDEX_NOW = ("bstp_nmix_prdy_vrss prdy_vrss_sign bstp_nmix_prdy_ctrt prdy_nmix acml_vol "
              "acml_tr_pbmn hts_kor_isnm bstp_nmix_prpr bstp_cls_code prdy_vol "
              "bstp_nmix_oprc bstp_nmix_hgpr bstp_nmix_lwpr futs_prdy_oprc futs_prdy_hgpr "
              "futs_prdy_lwpr")
_INDEX_DAY = ("bstp_nmix_prpr bstp_nmix_prdy_vrss prdy_vrss_sign bstp_nmix_prdy_ctrt "
              "acml_vol acml_tr_pbmn bstp_nmix_oprc bstp_nmix_hgpr bstp_nmix_lwpr prdy_vol "
              "ascn_issu_cnt down_issu_cnt stnr_issu_cnt uplm_issu_cnt lslm_issu_cnt "
              "prdy_tr_pbmn dryy_bstp_nmix_hgpr_date dryy_bstp_nmix_hgpr dryy_bstp_nmix_lwpr "
              "dryy_bstp_nmix_lwpr_date")
_INVESTOR_GROUPS = ("frgn", "prsn", "orgn", "scrt", "ivtr", "pe_fund", "bank", "insu", "mrbn",
                    "fund", "etc_orgt", "etc_corp")


def _member_fields() -> str:
    names = []
    for side, qty in (("seln", "total_seln_qty"), ("shnu", "total_shnu_qty")):
        names += [f"{side}_mbcr_no{n}" for n in range(1, 6)]
        names += [f"{side}_mbcr_name{n}" for n in range(1, 6)]
        names += [f"{qty}{n}" for n in range(1, 6)]
        names += [f"{side}_mbcr_rlim{n}" for n in range(1, 6)]
        names += [f"{side}_qty_icdc{n}" for n in range(1, 6)]
    names += ["glob_total_seln_qty", "glob_seln_rlim", "glob_ntby_qty", "glob_total_shnu_qty",
              "glob_shnu_rlim"]
    names += [f"seln_mbcr_glob_yn_{n}" for n in range(1, 6)]
    names += [f"shnu_mbcr_glob_yn_{n}" for n in range(1, 6)]
    names += ["glob_total_seln_qty_icdc", "glob_total_shnu_qty_icdc"]
    return " ".join(names)


def _investor_day_fields() -> str:
    """investor-trade-by-stock-daily output2: nets, then nets' values, then each
    group's sells and buys (KIS's order)."""
    nets = ("frgn_ntby_qty frgn_reg_ntby_qty frgn_nreg_ntby_qty prsn_ntby_qty orgn_ntby_qty "
            "scrt_ntby_qty ivtr_ntby_qty pe_fund_ntby_vol bank_ntby_qty insu_ntby_qty "
            "mrbn_ntby_qty fund_ntby_qty etc_ntby_qty etc_corp_ntby_vol etc_orgt_ntby_vol "
            "frgn_reg_ntby_pbmn frgn_ntby_tr_pbmn frgn_nreg_ntby_pbmn prsn_ntby_tr_pbmn "
            "orgn_ntby_tr_pbmn scrt_ntby_tr_pbmn pe_fund_ntby_tr_pbmn ivtr_ntby_tr_pbmn "
            "bank_ntby_tr_pbmn insu_ntby_tr_pbmn mrbn_ntby_tr_pbmn fund_ntby_tr_pbmn "
            "etc_ntby_tr_pbmn etc_corp_ntby_tr_pbmn etc_orgt_ntby_tr_pbmn")
    sides = " ".join(f"{g}_seln_vol {g}_shnu_vol {g}_seln_tr_pbmn {g}_shnu_tr_pbmn"
                     for g in ("frgn", "prsn", "orgn", "scrt", "ivtr", "pe_fund", "bank",
                               "insu", "mrbn", "fund", "etc", "etc_orgt", "etc_corp"))
    return ("stck_bsop_date stck_clpr prdy_vrss prdy_vrss_sign prdy_ctrt acml_vol "
            f"acml_tr_pbmn stck_oprc stck_hgpr stck_lwpr {nets} {sides} bold_yn")


def _market_investor_fields() -> str:
    return " ".join(f"{g}_seln_vol {g}_shnu_vol {g}_ntby_qty {g}_seln_tr_pbmn "
                    f"{g}_shnu_tr_pbmn {g}_ntby_tr_pbmn" for g in _INVESTOR_GROUPS)


def _book(prefix: str, count: int = 10) -> str:
    return " ".join(f"{prefix}{n}" for n in range(1, count + 1))


FIELDS: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    # --- rankings ------------------------------------------------------------------------
    "volume_rank": {"output": layout(
        "hts_kor_isnm mksc_shrn_iscd data_rank stck_prpr prdy_vrss_sign prdy_vrss prdy_ctrt "
        "acml_vol prdy_vol lstn_stcn avrg_vol n_befr_clpr_vrss_prpr_rate vol_inrt vol_tnrt "
        "nday_vol_tnrt avrg_tr_pbmn tr_pbmn_tnrt nday_tr_pbmn_tnrt acml_tr_pbmn")},
    "fluctuation": {"output": layout(
        "stck_shrn_iscd data_rank hts_kor_isnm stck_prpr prdy_vrss prdy_vrss_sign prdy_ctrt "
        "acml_vol stck_hgpr hgpr_hour acml_hgpr_date stck_lwpr lwpr_hour acml_lwpr_date "
        "lwpr_vrss_prpr_rate dsgt_date_clpr_vrss_prpr_rate cnnt_ascn_dynu hgpr_vrss_prpr_rate "
        "cnnt_down_dynu oprc_vrss_prpr_sign oprc_vrss_prpr oprc_vrss_prpr_rate prd_rsfl "
        "prd_rsfl_rate")},
    "market_cap": {"output": layout(
        f"mksc_shrn_iscd data_rank hts_kor_isnm stck_prpr {_RANK_BASE} lstn_stcn stck_avls "
        "mrkt_whol_avls_rlim")},
    "volume_power": {"output": layout(
        f"stck_shrn_iscd data_rank hts_kor_isnm stck_prpr {_RANK_BASE} tday_rltv "
        "seln_cnqn_smtn shnu_cnqn_smtn")},
    "near_new_highlow": {"output": layout(
        "hts_kor_isnm mksc_shrn_iscd stck_prpr prdy_vrss_sign prdy_vrss prdy_ctrt askp "
        "askp_rsqn1 bidp bidp_rsqn1 acml_vol new_hgpr hprc_near_rate new_lwpr lwpr_near_rate "
        "stck_sdpr")},
    "bulk_trans_num": {"output": layout(
        "mksc_shrn_iscd data_rank hts_kor_isnm stck_prpr prdy_vrss_sign prdy_vrss prdy_ctrt "
        "acml_vol shnu_cntg_csnu seln_cntg_csnu ntby_cnqn")},
    "exp_trans_updown": {"output": layout(
        "stck_shrn_iscd hts_kor_isnm stck_prpr prdy_vrss prdy_vrss_sign prdy_ctrt stck_sdpr "
        "seln_rsqn askp bidp shnu_rsqn cntg_vol antc_tr_pbmn total_askp_rsqn "
        "total_bidp_rsqn")},
    "after_hour_balance": {"output": layout(
        "stck_shrn_iscd data_rank hts_kor_isnm stck_prpr prdy_vrss prdy_vrss_sign prdy_ctrt "
        "ovtm_total_askp_rsqn ovtm_total_bidp_rsqn mkob_otcp_vol mkfa_otcp_vol")},
    "quote_balance": {"output": layout(
        f"mksc_shrn_iscd data_rank hts_kor_isnm stck_prpr {_RANK_BASE} total_askp_rsqn "
        "total_bidp_rsqn total_ntsl_bidp_rsqn shnu_rsqn_rate seln_rsqn_rate")},
    "prefer_disparate_ratio": {"output": layout(
        "mksc_shrn_iscd data_rank hts_kor_isnm stck_prpr prdy_vrss prdy_vrss_sign acml_vol "
        "prst_iscd prst_kor_isnm prst_prpr prst_prdy_vrss prst_prdy_vrss_sign prst_acml_vol "
        "diff_prpr dprt prdy_ctrt prst_prdy_ctrt")},
    "disparity": {"output": layout(
        "mksc_shrn_iscd data_rank hts_kor_isnm stck_prpr prdy_vrss prdy_ctrt prdy_vrss_sign "
        "acml_vol d5_dsrt d10_dsrt d20_dsrt d60_dsrt d120_dsrt")},
    "short_sale": {"output": layout(
        "mksc_shrn_iscd hts_kor_isnm stck_prpr prdy_vrss prdy_vrss_sign prdy_ctrt acml_vol "
        "acml_tr_pbmn ssts_cntg_qty ssts_vol_rlim ssts_tr_pbmn ssts_tr_pbmn_rlim stnd_date1 "
        "stnd_date2 avrg_prc")},
    "hts_top_view": {"output1": layout("mrkt_div_cls_code mksc_shrn_iscd")},
    "top_interest_stock": {"output": layout(
        "mksc_shrn_iscd hts_kor_isnm stck_prpr prdy_vrss prdy_vrss_sign prdy_ctrt acml_vol "
        "acml_tr_pbmn askp bidp data_rank inter_issu_reg_csnu")},
    "market_value": {"output": layout(
        f"data_rank hts_kor_isnm mksc_shrn_iscd stck_prpr {_RANK_BASE} per pbr pcr psr eps "
        "eva ebitda pv_div_ebitda ebitda_div_fnnc_expn stac_month stac_month_cls_code "
        "iqry_csnu")},
    "overtime_fluctuation": {
        "output1": layout(
            "ovtm_untp_uplm_issu_cnt ovtm_untp_ascn_issu_cnt ovtm_untp_stnr_issu_cnt "
            "ovtm_untp_lslm_issu_cnt ovtm_untp_down_issu_cnt ovtm_untp_acml_vol "
            "ovtm_untp_acml_tr_pbmn ovtm_untp_exch_vol ovtm_untp_exch_tr_pbmn "
            "ovtm_untp_kosdaq_vol ovtm_untp_kosdaq_tr_pbmn"),
        "output2": layout(
            "mksc_shrn_iscd hts_kor_isnm ovtm_untp_prpr ovtm_untp_prdy_vrss "
            "ovtm_untp_prdy_vrss_sign ovtm_untp_prdy_ctrt ovtm_untp_askp1 "
            "ovtm_untp_seln_rsqn ovtm_untp_bidp1 ovtm_untp_shnu_rsqn ovtm_untp_vol "
            "ovtm_vrss_acml_vol_rlim stck_prpr acml_vol bidp askp")},
    "overtime_volume": {
        "output1": layout(
            "ovtm_untp_exch_vol ovtm_untp_exch_tr_pbmn ovtm_untp_kosdaq_vol "
            "ovtm_untp_kosdaq_tr_pbmn"),
        "output2": layout(
            "stck_shrn_iscd hts_kor_isnm ovtm_untp_prpr ovtm_untp_prdy_vrss "
            "ovtm_untp_prdy_vrss_sign ovtm_untp_prdy_ctrt ovtm_untp_seln_rsqn "
            "ovtm_untp_shnu_rsqn ovtm_untp_vol ovtm_vrss_acml_vol_rlim stck_prpr acml_vol "
            "bidp askp")},
    # --- indices -------------------------------------------------------------------------
    "inquire_index_price": {"output": layout(
        "bstp_nmix_prpr bstp_nmix_prdy_vrss prdy_vrss_sign bstp_nmix_prdy_ctrt acml_vol "
        "prdy_vol acml_tr_pbmn prdy_tr_pbmn bstp_nmix_oprc prdy_nmix_vrss_nmix_oprc "
        "oprc_vrss_prpr_sign bstp_nmix_oprc_prdy_ctrt bstp_nmix_hgpr prdy_nmix_vrss_nmix_hgpr "
        "hgpr_vrss_prpr_sign bstp_nmix_hgpr_prdy_ctrt bstp_nmix_lwpr prdy_clpr_vrss_lwpr "
        "lwpr_vrss_prpr_sign prdy_clpr_vrss_lwpr_rate ascn_issu_cnt uplm_issu_cnt "
        "stnr_issu_cnt down_issu_cnt lslm_issu_cnt dryy_bstp_nmix_hgpr "
        "dryy_hgpr_vrss_prpr_rate dryy_bstp_nmix_hgpr_date dryy_bstp_nmix_lwpr "
        "dryy_lwpr_vrss_prpr_rate dryy_bstp_nmix_lwpr_date total_askp_rsqn total_bidp_rsqn "
        "seln_rsqn_rate shnu_rsqn_rate ntby_rsqn")},
    "inquire_daily_indexchartprice": {
        "output1": layout(_INDEX_NOW),
        "output2": layout("stck_bsop_date bstp_nmix_prpr bstp_nmix_oprc bstp_nmix_hgpr "
                          "bstp_nmix_lwpr acml_vol acml_tr_pbmn mod_yn")},
    "inquire_time_indexchartprice": {
        "output1": layout(_INDEX_NOW),
        "output2": layout("stck_bsop_date stck_cntg_hour bstp_nmix_prpr bstp_nmix_oprc "
                          "bstp_nmix_hgpr bstp_nmix_lwpr cntg_vol acml_tr_pbmn")},
    "inquire_index_category_price": {
        "output1": layout(_INDEX_DAY),
        "output2": layout("bstp_cls_code hts_kor_isnm bstp_nmix_prpr bstp_nmix_prdy_vrss "
                          "prdy_vrss_sign bstp_nmix_prdy_ctrt acml_vol acml_tr_pbmn "
                          "acml_vol_rlim acml_tr_pbmn_rlim")},
    "inquire_index_daily_price": {
        "output1": layout(_INDEX_DAY),
        "output2": layout("stck_bsop_date bstp_nmix_prpr prdy_vrss_sign bstp_nmix_prdy_vrss "
                          "bstp_nmix_prdy_ctrt bstp_nmix_oprc bstp_nmix_hgpr bstp_nmix_lwpr "
                          "acml_vol_rlim acml_vol acml_tr_pbmn invt_new_psdg d20_dsrt")},
    "inquire_index_tickprice": {"output": layout(
        "stck_cntg_hour bstp_nmix_prpr bstp_nmix_prdy_vrss prdy_vrss_sign bstp_nmix_prdy_ctrt "
        "acml_tr_pbmn acml_vol cntg_vol")},
    "inquire_index_timeprice": {"output": layout(
        "bsop_hour bstp_nmix_prpr bstp_nmix_prdy_vrss prdy_vrss_sign bstp_nmix_prdy_ctrt "
        "acml_tr_pbmn acml_vol cntg_vol")},
    # --- investor, member and program flows ---------------------------------------------
    "inquire_investor": {"output": layout(
        "stck_bsop_date stck_clpr prdy_vrss prdy_vrss_sign prsn_ntby_qty frgn_ntby_qty "
        "orgn_ntby_qty prsn_ntby_tr_pbmn frgn_ntby_tr_pbmn orgn_ntby_tr_pbmn prsn_shnu_vol "
        "frgn_shnu_vol orgn_shnu_vol prsn_shnu_tr_pbmn frgn_shnu_tr_pbmn orgn_shnu_tr_pbmn "
        "prsn_seln_vol frgn_seln_vol orgn_seln_vol prsn_seln_tr_pbmn frgn_seln_tr_pbmn "
        "orgn_seln_tr_pbmn")},
    "inquire_member": {"output": layout(_member_fields())},
    "inquire_member_daily": {"output": layout(
        "stck_bsop_date total_seln_qty total_shnu_qty ntby_qty stck_prpr prdy_vrss "
        "prdy_vrss_sign prdy_ctrt acml_vol")},
    "investor_trade_by_stock_daily": {
        "output1": layout("stck_prpr prdy_vrss prdy_vrss_sign prdy_ctrt acml_vol prdy_vol "
                          "rprs_mrkt_kor_name"),
        "output2": layout(_investor_day_fields())},
    "foreign_institution_total": {"output": layout(
        "hts_kor_isnm mksc_shrn_iscd ntby_qty stck_prpr prdy_vrss_sign prdy_vrss prdy_ctrt "
        "acml_vol frgn_ntby_qty orgn_ntby_qty ivtr_ntby_qty bank_ntby_qty insu_ntby_qty "
        "mrbn_ntby_qty fund_ntby_qty etc_orgt_ntby_vol etc_corp_ntby_vol frgn_ntby_tr_pbmn "
        "orgn_ntby_tr_pbmn ivtr_ntby_tr_pbmn bank_ntby_tr_pbmn insu_ntby_tr_pbmn "
        "mrbn_ntby_tr_pbmn fund_ntby_tr_pbmn etc_orgt_ntby_tr_pbmn etc_corp_ntby_tr_pbmn")},
    "program_trade_by_stock": {"output": layout(
        "bsop_hour stck_prpr prdy_vrss prdy_vrss_sign prdy_ctrt acml_vol whol_smtn_seln_vol "
        "whol_smtn_shnu_vol whol_smtn_ntby_qty whol_smtn_seln_tr_pbmn whol_smtn_shnu_tr_pbmn "
        "whol_smtn_ntby_tr_pbmn whol_ntby_vol_icdc whol_ntby_tr_pbmn_icdc")},
    "program_trade_by_stock_daily": {"output": layout(
        "stck_bsop_date stck_clpr prdy_vrss prdy_vrss_sign prdy_ctrt acml_vol acml_tr_pbmn "
        "whol_smtn_seln_vol whol_smtn_shnu_vol whol_smtn_ntby_qty whol_smtn_seln_tr_pbmn "
        "whol_smtn_shnu_tr_pbmn whol_smtn_ntby_tr_pbmn whol_ntby_vol_icdc "
        "whol_ntby_tr_pbmn_icdc2")},
    "inquire_investor_time_by_market": {"output": layout(_market_investor_fields())},
    "inquire_investor_daily_by_market": {"output": layout(
        "stck_bsop_date bstp_nmix_prpr bstp_nmix_prdy_vrss prdy_vrss_sign bstp_nmix_prdy_ctrt "
        "bstp_nmix_oprc bstp_nmix_hgpr bstp_nmix_lwpr stck_prdy_clpr frgn_ntby_qty "
        "frgn_reg_ntby_qty frgn_nreg_ntby_qty prsn_ntby_qty orgn_ntby_qty scrt_ntby_qty "
        "ivtr_ntby_qty pe_fund_ntby_vol bank_ntby_qty insu_ntby_qty mrbn_ntby_qty "
        "fund_ntby_qty etc_ntby_qty etc_orgt_ntby_vol etc_corp_ntby_vol frgn_ntby_tr_pbmn "
        "frgn_reg_ntby_pbmn frgn_nreg_ntby_pbmn prsn_ntby_tr_pbmn orgn_ntby_tr_pbmn "
        "scrt_ntby_tr_pbmn ivtr_ntby_tr_pbmn pe_fund_ntby_tr_pbmn bank_ntby_tr_pbmn "
        "insu_ntby_tr_pbmn mrbn_ntby_tr_pbmn fund_ntby_tr_pbmn etc_ntby_tr_pbmn "
        "etc_orgt_ntby_tr_pbmn etc_corp_ntby_tr_pbmn")},
    "inquire_daily_trade_volume": {
        "output1": layout("shnu_cnqn_smtn seln_cnqn_smtn"),
        "output2": layout("stck_bsop_date total_seln_qty total_shnu_qty")},
    # --- quote extras --------------------------------------------------------------------
    "inquire_time_itemconclusion": {
        "output1": layout("stck_prpr prdy_vrss prdy_vrss_sign prdy_ctrt acml_vol prdy_vol "
                          "rprs_mrkt_kor_name"),
        "output2": layout("stck_cntg_hour stck_pbpr prdy_vrss prdy_vrss_sign prdy_ctrt askp "
                          "bidp tday_rltv acml_vol cnqn")},
    "inquire_daily_overtimeprice": {
        "output1": layout(
            "ovtm_untp_prpr ovtm_untp_prdy_vrss ovtm_untp_prdy_vrss_sign ovtm_untp_prdy_ctrt "
            "ovtm_untp_vol ovtm_untp_tr_pbmn ovtm_untp_mxpr ovtm_untp_llam ovtm_untp_oprc "
            "ovtm_untp_hgpr ovtm_untp_lwpr ovtm_untp_antc_cnpr ovtm_untp_antc_cntg_vrss "
            "ovtm_untp_antc_cntg_vrss_sign ovtm_untp_antc_cntg_ctrt ovtm_untp_antc_vol"),
        "output2": layout(
            "stck_bsop_date ovtm_untp_prpr ovtm_untp_prdy_vrss ovtm_untp_prdy_vrss_sign "
            "ovtm_untp_prdy_ctrt ovtm_untp_vol stck_clpr prdy_vrss prdy_vrss_sign prdy_ctrt "
            "acml_vol ovtm_untp_tr_pbmn")},
    "inquire_time_overtimeconclusion": {
        "output1": layout(
            "ovtm_untp_prpr ovtm_untp_prdy_vrss ovtm_untp_prdy_vrss_sign ovtm_untp_prdy_ctrt "
            "ovtm_untp_vol ovtm_untp_tr_pbmn ovtm_untp_mxpr ovtm_untp_llam ovtm_untp_oprc "
            "ovtm_untp_hgpr ovtm_untp_lwpr ovtm_untp_antc_cnpr ovtm_untp_antc_cntg_vrss "
            "ovtm_untp_antc_cntg_vrss_sign ovtm_untp_antc_cntg_ctrt ovtm_untp_antc_vol "
            "uplm_sign lslm_sign"),
        "output2": layout("stck_cntg_hour stck_prpr prdy_vrss prdy_vrss_sign prdy_ctrt askp "
                          "bidp acml_vol cntg_vol")},
    "inquire_overtime_price": {"output": layout(
        "bstp_kor_isnm mang_issu_cls_name ovtm_untp_prpr ovtm_untp_prdy_vrss "
        "ovtm_untp_prdy_vrss_sign ovtm_untp_prdy_ctrt ovtm_untp_vol ovtm_untp_tr_pbmn "
        "ovtm_untp_mxpr ovtm_untp_llam ovtm_untp_oprc ovtm_untp_hgpr ovtm_untp_lwpr marg_rate "
        "ovtm_untp_antc_cnpr ovtm_untp_antc_cntg_vrss ovtm_untp_antc_cntg_vrss_sign "
        "ovtm_untp_antc_cntg_ctrt ovtm_untp_antc_cnqn crdt_able_yn new_lstn_cls_name sltr_yn "
        "mang_issu_yn mrkt_warn_cls_code trht_yn vlnt_deal_cls_name ovtm_untp_sdpr "
        "mrkt_warn_cls_name revl_issu_reas_name insn_pbnt_yn flng_cls_name "
        "rprs_mrkt_kor_name ovtm_vi_cls_code bidp askp")},
    "inquire_overtime_asking_price": {"output": layout(
        f"ovtm_untp_last_hour {_book('ovtm_untp_askp')} {_book('ovtm_untp_bidp')} "
        f"{_book('ovtm_untp_askp_icdc')} {_book('ovtm_untp_bidp_icdc')} "
        f"{_book('ovtm_untp_askp_rsqn')} {_book('ovtm_untp_bidp_rsqn')} "
        "ovtm_untp_total_askp_rsqn ovtm_untp_total_bidp_rsqn ovtm_untp_total_askp_rsqn_icdc "
        "ovtm_untp_total_bidp_rsqn_icdc ovtm_untp_ntby_bidp_rsqn total_askp_rsqn "
        "total_bidp_rsqn total_askp_rsqn_icdc total_bidp_rsqn_icdc ovtm_total_askp_rsqn "
        "ovtm_total_bidp_rsqn ovtm_total_askp_icdc ovtm_total_bidp_icdc")},
    "inquire_price_2": {"output": layout(
        "rprs_mrkt_kor_name new_hgpr_lwpr_cls_code mxpr_llam_cls_code crdt_able_yn stck_mxpr "
        "elw_pblc_yn prdy_clpr_vrss_oprc_rate crdt_rate marg_rate lwpr_vrss_prpr "
        "lwpr_vrss_prpr_sign prdy_clpr_vrss_lwpr_rate stck_lwpr hgpr_vrss_prpr "
        "hgpr_vrss_prpr_sign prdy_clpr_vrss_hgpr_rate stck_hgpr oprc_vrss_prpr "
        "oprc_vrss_prpr_sign mang_issu_yn divi_app_cls_code short_over_yn mrkt_warn_cls_code "
        "invt_caful_yn stange_runup_yn ssts_hot_yn low_current_yn vi_cls_code "
        "short_over_cls_code stck_llam new_lstn_cls_name vlnt_deal_cls_name flng_cls_name "
        "revl_issu_reas_name mrkt_warn_cls_name stck_sdpr bstp_cls_code stck_prdy_clpr "
        "insn_pbnt_yn fcam_mod_cls_name stck_prpr prdy_vrss prdy_vrss_sign prdy_ctrt "
        "acml_tr_pbmn acml_vol prdy_vrss_vol_rate bstp_kor_isnm sltr_yn trht_yn "
        "oprc_rang_cont_yn vlnt_fin_cls_code stck_oprc prdy_vol")},
    "exp_closing_price": {"output": layout(
        "stck_shrn_iscd hts_kor_isnm stck_prpr prdy_vrss prdy_vrss_sign prdy_ctrt "
        "sdpr_vrss_prpr sdpr_vrss_prpr_rate cntg_vol")},
}
