"""Response field lists of the KIS REST endpoints the simulator serves, in wire order.

Generated once from kis-reference/rest-endpoints.json, then corrected where a genuine
capture disagrees (the capture wins): inquire-price has no ``new_hgpr_lwpr_cls_code`` /
``apprch_rate``; the daily chart's ``output1`` really has the key
``"itewhol_loan_rmnd_ratem name"`` (with a space); inquire-daily-ccld writes
``excg_id_dvsn_cd`` in lower case; order-rvsecncl answers in upper case like order-cash.
Kinds pick the value written when a handler leaves a field out: int "0", dec "0.00",
everything else "".

The two product look-ups (search-stock-info CTPF1002R, search-info CTPF1604R) follow the
KIS portal tables (field order of the portal table and of its JSON example); the last
two fields of search-stock-info (NXT) are newer than the 2024/2025 examples.
"""

from __future__ import annotations

__all__ = ["FIELDS"]

FIELDS: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "inquire_price": {
        "output": (
            ("iscd_stat_cls_code", "code"), ("marg_rate", "dec"),
            ("rprs_mrkt_kor_name", "text"), ("bstp_kor_isnm", "text"), ("temp_stop_yn", "flag"),
            ("oprc_rang_cont_yn", "flag"), ("clpr_rang_cont_yn", "flag"),
            ("crdt_able_yn", "flag"), ("grmn_rate_cls_code", "code"), ("elw_pblc_yn", "flag"),
            ("stck_prpr", "int"), ("prdy_vrss", "int"), ("prdy_vrss_sign", "code"),
            ("prdy_ctrt", "dec"), ("acml_tr_pbmn", "int"), ("acml_vol", "int"),
            ("prdy_vrss_vol_rate", "dec"), ("stck_oprc", "int"), ("stck_hgpr", "int"),
            ("stck_lwpr", "int"), ("stck_mxpr", "int"), ("stck_llam", "int"),
            ("stck_sdpr", "int"), ("wghn_avrg_stck_prc", "dec"), ("hts_frgn_ehrt", "dec"),
            ("frgn_ntby_qty", "int"), ("pgtr_ntby_qty", "int"), ("pvt_scnd_dmrs_prc", "int"),
            ("pvt_frst_dmrs_prc", "int"), ("pvt_pont_val", "int"), ("pvt_frst_dmsp_prc", "int"),
            ("pvt_scnd_dmsp_prc", "int"), ("dmrs_val", "int"), ("dmsp_val", "int"),
            ("cpfn", "int"), ("rstc_wdth_prc", "int"), ("stck_fcam", "int"),
            ("stck_sspr", "int"), ("aspr_unit", "int"), ("hts_deal_qty_unit_val", "int"),
            ("lstn_stcn", "int"), ("hts_avls", "int"), ("per", "dec"), ("pbr", "dec"),
            ("stac_month", "code"), ("vol_tnrt", "dec"), ("eps", "dec"), ("bps", "dec"),
            ("d250_hgpr", "int"), ("d250_hgpr_date", "date"),
            ("d250_hgpr_vrss_prpr_rate", "dec"), ("d250_lwpr", "int"),
            ("d250_lwpr_date", "date"), ("d250_lwpr_vrss_prpr_rate", "dec"),
            ("stck_dryy_hgpr", "int"), ("dryy_hgpr_vrss_prpr_rate", "dec"),
            ("dryy_hgpr_date", "date"), ("stck_dryy_lwpr", "int"),
            ("dryy_lwpr_vrss_prpr_rate", "dec"), ("dryy_lwpr_date", "date"),
            ("w52_hgpr", "int"), ("w52_hgpr_vrss_prpr_ctrt", "dec"), ("w52_hgpr_date", "date"),
            ("w52_lwpr", "int"), ("w52_lwpr_vrss_prpr_ctrt", "dec"), ("w52_lwpr_date", "date"),
            ("whol_loan_rmnd_rate", "dec"), ("ssts_yn", "flag"), ("stck_shrn_iscd", "id"),
            ("fcam_cnnm", "text"), ("cpfn_cnnm", "text"), ("frgn_hldn_qty", "int"),
            ("vi_cls_code", "code"), ("ovtm_vi_cls_code", "code"),
            ("last_ssts_cntg_qty", "int"), ("invt_caful_yn", "flag"),
            ("mrkt_warn_cls_code", "code"), ("short_over_yn", "flag"), ("sltr_yn", "flag"),
            ("mang_issu_cls_code", "code"),
        ),
    },
    "inquire_asking_price_exp_ccn": {
        "output1": (
            ("aspr_acpt_hour", "time"), ("askp1", "int"), ("askp2", "int"), ("askp3", "int"),
            ("askp4", "int"), ("askp5", "int"), ("askp6", "int"), ("askp7", "int"),
            ("askp8", "int"), ("askp9", "int"), ("askp10", "int"), ("bidp1", "int"),
            ("bidp2", "int"), ("bidp3", "int"), ("bidp4", "int"), ("bidp5", "int"),
            ("bidp6", "int"), ("bidp7", "int"), ("bidp8", "int"), ("bidp9", "int"),
            ("bidp10", "int"), ("askp_rsqn1", "int"), ("askp_rsqn2", "int"),
            ("askp_rsqn3", "int"), ("askp_rsqn4", "int"), ("askp_rsqn5", "int"),
            ("askp_rsqn6", "int"), ("askp_rsqn7", "int"), ("askp_rsqn8", "int"),
            ("askp_rsqn9", "int"), ("askp_rsqn10", "int"), ("bidp_rsqn1", "int"),
            ("bidp_rsqn2", "int"), ("bidp_rsqn3", "int"), ("bidp_rsqn4", "int"),
            ("bidp_rsqn5", "int"), ("bidp_rsqn6", "int"), ("bidp_rsqn7", "int"),
            ("bidp_rsqn8", "int"), ("bidp_rsqn9", "int"), ("bidp_rsqn10", "int"),
            ("askp_rsqn_icdc1", "int"), ("askp_rsqn_icdc2", "int"), ("askp_rsqn_icdc3", "int"),
            ("askp_rsqn_icdc4", "int"), ("askp_rsqn_icdc5", "int"), ("askp_rsqn_icdc6", "int"),
            ("askp_rsqn_icdc7", "int"), ("askp_rsqn_icdc8", "int"), ("askp_rsqn_icdc9", "int"),
            ("askp_rsqn_icdc10", "int"), ("bidp_rsqn_icdc1", "int"), ("bidp_rsqn_icdc2", "int"),
            ("bidp_rsqn_icdc3", "int"), ("bidp_rsqn_icdc4", "int"), ("bidp_rsqn_icdc5", "int"),
            ("bidp_rsqn_icdc6", "int"), ("bidp_rsqn_icdc7", "int"), ("bidp_rsqn_icdc8", "int"),
            ("bidp_rsqn_icdc9", "int"), ("bidp_rsqn_icdc10", "int"), ("total_askp_rsqn", "int"),
            ("total_bidp_rsqn", "int"), ("total_askp_rsqn_icdc", "int"),
            ("total_bidp_rsqn_icdc", "int"), ("ovtm_total_askp_icdc", "int"),
            ("ovtm_total_bidp_icdc", "int"), ("ovtm_total_askp_rsqn", "int"),
            ("ovtm_total_bidp_rsqn", "int"), ("ntby_aspr_rsqn", "int"),
            ("new_mkop_cls_code", "code"),
        ),
        "output2": (
            ("antc_mkop_cls_code", "code"), ("stck_prpr", "int"), ("stck_oprc", "int"),
            ("stck_hgpr", "int"), ("stck_lwpr", "int"), ("stck_sdpr", "int"),
            ("antc_cnpr", "int"), ("antc_cntg_vrss_sign", "code"), ("antc_cntg_vrss", "int"),
            ("antc_cntg_prdy_ctrt", "dec"), ("antc_vol", "int"), ("stck_shrn_iscd", "id"),
            ("vi_cls_code", "code"),
        ),
    },
    "inquire_ccnl": {
        "output": (
            ("stck_cntg_hour", "time"), ("stck_prpr", "int"), ("prdy_vrss", "int"),
            ("prdy_vrss_sign", "code"), ("cntg_vol", "int"), ("tday_rltv", "dec"),
            ("prdy_ctrt", "dec"),
        ),
    },
    "inquire_daily_price": {
        "output": (
            ("stck_bsop_date", "date"), ("stck_oprc", "int"), ("stck_hgpr", "int"),
            ("stck_lwpr", "int"), ("stck_clpr", "int"), ("acml_vol", "int"),
            ("prdy_vrss_vol_rate", "dec"), ("prdy_vrss", "int"), ("prdy_vrss_sign", "code"),
            ("prdy_ctrt", "dec"), ("hts_frgn_ehrt", "dec"), ("frgn_ntby_qty", "int"),
            ("flng_cls_code", "code"), ("acml_prtt_rate", "dec"),
        ),
    },
    "inquire_daily_itemchartprice": {
        "output1": (
            ("prdy_vrss", "int"), ("prdy_vrss_sign", "code"), ("prdy_ctrt", "dec"),
            ("stck_prdy_clpr", "int"), ("acml_vol", "int"), ("acml_tr_pbmn", "int"),
            ("hts_kor_isnm", "text"), ("stck_prpr", "int"), ("stck_shrn_iscd", "id"),
            ("prdy_vol", "int"), ("stck_mxpr", "int"), ("stck_llam", "int"),
            ("stck_oprc", "int"), ("stck_hgpr", "int"), ("stck_lwpr", "int"),
            ("stck_prdy_oprc", "int"), ("stck_prdy_hgpr", "int"), ("stck_prdy_lwpr", "int"),
            ("askp", "int"), ("bidp", "int"), ("prdy_vrss_vol", "int"), ("vol_tnrt", "dec"),
            ("stck_fcam", "int"), ("lstn_stcn", "int"), ("cpfn", "int"), ("hts_avls", "int"),
            ("per", "dec"), ("eps", "dec"), ("pbr", "dec"),
            ("itewhol_loan_rmnd_ratem name", "dec"),
        ),
        "output2": (
            ("stck_bsop_date", "date"), ("stck_clpr", "int"), ("stck_oprc", "int"),
            ("stck_hgpr", "int"), ("stck_lwpr", "int"), ("acml_vol", "int"),
            ("acml_tr_pbmn", "int"), ("flng_cls_code", "code"), ("prtt_rate", "dec"),
            ("mod_yn", "flag"), ("prdy_vrss_sign", "code"), ("prdy_vrss", "int"),
            ("revl_issu_reas", "code"),
        ),
    },
    "inquire_time_itemchartprice": {
        "output1": (
            ("prdy_vrss", "int"), ("prdy_vrss_sign", "code"), ("prdy_ctrt", "dec"),
            ("stck_prdy_clpr", "int"), ("acml_vol", "int"), ("acml_tr_pbmn", "int"),
            ("hts_kor_isnm", "text"), ("stck_prpr", "int"),
        ),
        "output2": (
            ("stck_bsop_date", "date"), ("stck_cntg_hour", "time"), ("stck_prpr", "int"),
            ("stck_oprc", "int"), ("stck_hgpr", "int"), ("stck_lwpr", "int"),
            ("cntg_vol", "int"), ("acml_tr_pbmn", "int"),
        ),
    },
    "inquire_time_dailychartprice": {
        "output1": (
            ("prdy_vrss", "int"), ("prdy_vrss_sign", "code"), ("prdy_ctrt", "dec"),
            ("stck_prdy_clpr", "int"), ("acml_vol", "int"), ("acml_tr_pbmn", "int"),
            ("hts_kor_isnm", "text"), ("stck_prpr", "int"),
        ),
        "output2": (
            ("stck_bsop_date", "date"), ("stck_cntg_hour", "time"), ("stck_prpr", "int"),
            ("stck_oprc", "int"), ("stck_hgpr", "int"), ("stck_lwpr", "int"),
            ("cntg_vol", "int"), ("acml_tr_pbmn", "int"),
        ),
    },
    "intstock_multprice": {
        "output": (
            ("kospi_kosdaq_cls_name", "text"), ("mrkt_trtm_cls_name", "text"),
            ("hour_cls_code", "code"), ("inter_shrn_iscd", "id"), ("inter_kor_isnm", "text"),
            ("inter2_prpr", "int"), ("inter2_prdy_vrss", "int"), ("prdy_vrss_sign", "code"),
            ("prdy_ctrt", "dec"), ("acml_vol", "int"), ("inter2_oprc", "int"),
            ("inter2_hgpr", "int"), ("inter2_lwpr", "int"), ("inter2_llam", "int"),
            ("inter2_mxpr", "int"), ("inter2_askp", "int"), ("inter2_bidp", "int"),
            ("seln_rsqn", "int"), ("shnu_rsqn", "int"), ("total_askp_rsqn", "int"),
            ("total_bidp_rsqn", "int"), ("acml_tr_pbmn", "int"), ("inter2_prdy_clpr", "int"),
            ("oprc_vrss_hgpr_rate", "dec"), ("intr_antc_cntg_vrss", "int"),
            ("intr_antc_cntg_vrss_sign", "code"), ("intr_antc_cntg_prdy_ctrt", "dec"),
            ("intr_antc_vol", "int"), ("inter2_sdpr", "int"),
        ),
    },
    "order_cash": {
        "output": (
            ("KRX_FWDG_ORD_ORGNO", "id"), ("ODNO", "id"), ("ORD_TMD", "time"),
        ),
    },
    "order_rvsecncl": {
        "output": (
            ("KRX_FWDG_ORD_ORGNO", "id"), ("ODNO", "id"), ("ORD_TMD", "time"),
        ),
    },
    "inquire_psbl_rvsecncl": {
        "output": (
            ("ord_gno_brno", "id"), ("odno", "id"), ("orgn_odno", "id"),
            ("ord_dvsn_name", "text"), ("pdno", "id"), ("prdt_name", "text"),
            ("rvse_cncl_dvsn_name", "text"), ("ord_qty", "int"), ("ord_unpr", "int"),
            ("ord_tmd", "time"), ("tot_ccld_qty", "int"), ("tot_ccld_amt", "int"),
            ("psbl_qty", "int"), ("sll_buy_dvsn_cd", "code"), ("ord_dvsn_cd", "code"),
            ("mgco_aptm_odno", "id"), ("excg_dvsn_cd", "code"), ("excg_id_dvsn_cd", "code"),
            ("excg_id_dvsn_name", "text"), ("stpm_cndt_pric", "int"),
            ("stpm_efct_occr_yn", "flag"),
        ),
    },
    "inquire_daily_ccld": {
        "output1": (
            ("ord_dt", "date"), ("ord_gno_brno", "id"), ("odno", "id"), ("orgn_odno", "id"),
            ("ord_dvsn_name", "text"), ("sll_buy_dvsn_cd", "code"),
            ("sll_buy_dvsn_cd_name", "text"), ("pdno", "id"), ("prdt_name", "text"),
            ("ord_qty", "int"), ("ord_unpr", "int"), ("ord_tmd", "time"),
            ("tot_ccld_qty", "int"), ("avg_prvs", "dec"), ("cncl_yn", "flag"),
            ("tot_ccld_amt", "int"), ("loan_dt", "date"), ("ordr_empno", "text"),
            ("ord_dvsn_cd", "code"), ("cncl_cfrm_qty", "int"), ("rmn_qty", "int"),
            ("rjct_qty", "int"), ("ccld_cndt_name", "text"), ("inqr_ip_addr", "text"),
            ("cpbc_ordp_ord_rcit_dvsn_cd", "code"), ("cpbc_ordp_infm_mthd_dvsn_cd", "code"),
            ("infm_tmd", "time"), ("ctac_tlno", "text"), ("prdt_type_cd", "code"),
            ("excg_dvsn_cd", "code"), ("cpbc_ordp_mtrl_dvsn_cd", "code"), ("ord_orgno", "id"),
            ("rsvn_ord_end_dt", "date"), ("excg_id_dvsn_cd", "code"), ("stpm_cndt_pric", "int"),
            ("stpm_efct_occr_dtmd", "text"),
        ),
        "output2": (
            ("tot_ord_qty", "int"), ("tot_ccld_qty", "int"), ("tot_ccld_amt", "int"),
            ("prsm_tlex_smtl", "int"), ("pchs_avg_pric", "dec"),
        ),
    },
    "inquire_balance": {
        "output1": (
            ("pdno", "id"), ("prdt_name", "text"), ("trad_dvsn_name", "text"),
            ("bfdy_buy_qty", "int"), ("bfdy_sll_qty", "int"), ("thdt_buyqty", "int"),
            ("thdt_sll_qty", "int"), ("hldg_qty", "int"), ("ord_psbl_qty", "int"),
            ("pchs_avg_pric", "dec"), ("pchs_amt", "int"), ("prpr", "int"), ("evlu_amt", "int"),
            ("evlu_pfls_amt", "int"), ("evlu_pfls_rt", "dec"), ("evlu_erng_rt", "dec"),
            ("loan_dt", "date"), ("loan_amt", "int"), ("stln_slng_chgs", "int"),
            ("expd_dt", "date"), ("fltt_rt", "dec"), ("bfdy_cprs_icdc", "int"),
            ("item_mgna_rt_name", "text"), ("grta_rt_name", "text"), ("sbst_pric", "int"),
            ("stck_loan_unpr", "dec"),
        ),
        "output2": (
            ("dnca_tot_amt", "int"), ("nxdy_excc_amt", "int"), ("prvs_rcdl_excc_amt", "int"),
            ("cma_evlu_amt", "int"), ("bfdy_buy_amt", "int"), ("thdt_buy_amt", "int"),
            ("nxdy_auto_rdpt_amt", "int"), ("bfdy_sll_amt", "int"), ("thdt_sll_amt", "int"),
            ("d2_auto_rdpt_amt", "int"), ("bfdy_tlex_amt", "int"), ("thdt_tlex_amt", "int"),
            ("tot_loan_amt", "int"), ("scts_evlu_amt", "int"), ("tot_evlu_amt", "int"),
            ("nass_amt", "int"), ("fncg_gld_auto_rdpt_yn", "flag"),
            ("pchs_amt_smtl_amt", "int"), ("evlu_amt_smtl_amt", "int"),
            ("evlu_pfls_smtl_amt", "int"), ("tot_stln_slng_chgs", "int"),
            ("bfdy_tot_asst_evlu_amt", "int"), ("asst_icdc_amt", "int"),
            ("asst_icdc_erng_rt", "dec"),
        ),
    },
    "inquire_psbl_order": {
        "output": (
            ("ord_psbl_cash", "int"), ("ord_psbl_sbst", "int"), ("ruse_psbl_amt", "int"),
            ("fund_rpch_chgs", "int"), ("psbl_qty_calc_unpr", "int"), ("nrcvb_buy_amt", "int"),
            ("nrcvb_buy_qty", "int"), ("max_buy_amt", "int"), ("max_buy_qty", "int"),
            ("cma_evlu_amt", "int"), ("ovrs_re_use_amt_wcrc", "int"),
            ("ord_psbl_frcr_amt_wcrc", "int"),
        ),
    },
    "inquire_psbl_sell": {
        "output": (
            ("pdno", "id"), ("prdt_name", "text"), ("buy_qty", "int"), ("sll_qty", "int"),
            ("cblc_qty", "int"), ("nsvg_qty", "int"), ("ord_psbl_qty", "int"),
            ("pchs_avg_pric", "dec"), ("pchs_amt", "int"), ("now_pric", "int"),
            ("evlu_amt", "int"), ("evlu_pfls_amt", "int"), ("evlu_pfls_rt", "dec"),
        ),
    },
    "search_stock_info": {
        "output": (
            ("pdno", "id"), ("prdt_type_cd", "code"), ("mket_id_cd", "code"),
            ("scty_grp_id_cd", "code"), ("excg_dvsn_cd", "code"), ("setl_mmdd", "text"),
            ("lstg_stqt", "int"), ("lstg_cptl_amt", "int"), ("cpta", "int"), ("papr", "int"),
            ("issu_pric", "int"), ("kospi200_item_yn", "flag"), ("scts_mket_lstg_dt", "date"),
            ("scts_mket_lstg_abol_dt", "date"), ("kosdaq_mket_lstg_dt", "date"),
            ("kosdaq_mket_lstg_abol_dt", "date"), ("frbd_mket_lstg_dt", "date"),
            ("frbd_mket_lstg_abol_dt", "date"), ("reits_kind_cd", "code"),
            ("etf_dvsn_cd", "code"), ("oilf_fund_yn", "flag"), ("idx_bztp_lcls_cd", "code"),
            ("idx_bztp_mcls_cd", "code"), ("idx_bztp_scls_cd", "code"),
            ("stck_kind_cd", "code"), ("mfnd_opng_dt", "date"), ("mfnd_end_dt", "date"),
            ("dpsi_erlm_cncl_dt", "date"), ("etf_cu_qty", "int"), ("prdt_name", "text"),
            ("prdt_name120", "text"), ("prdt_abrv_name", "text"), ("std_pdno", "id"),
            ("prdt_eng_name", "text"), ("prdt_eng_name120", "text"),
            ("prdt_eng_abrv_name", "text"), ("dpsi_aptm_erlm_yn", "flag"),
            ("etf_txtn_type_cd", "code"), ("etf_type_cd", "code"), ("lstg_abol_dt", "date"),
            ("nwst_odst_dvsn_cd", "code"), ("sbst_pric", "int"), ("thco_sbst_pric", "int"),
            ("thco_sbst_pric_chng_dt", "date"), ("tr_stop_yn", "flag"),
            ("admn_item_yn", "flag"), ("thdt_clpr", "int"), ("bfdy_clpr", "int"),
            ("clpr_chng_dt", "date"), ("std_idst_clsf_cd", "code"),
            ("std_idst_clsf_cd_name", "text"), ("idx_bztp_lcls_cd_name", "text"),
            ("idx_bztp_mcls_cd_name", "text"), ("idx_bztp_scls_cd_name", "text"),
            ("ocr_no", "code"), ("crfd_item_yn", "flag"), ("elec_scty_yn", "flag"),
            ("issu_istt_cd", "code"), ("etf_chas_erng_rt_dbnb", "int"),
            ("etf_etn_ivst_heed_item_yn", "flag"), ("stln_int_rt_dvsn_cd", "code"),
            ("frnr_psnl_lmt_rt", "dec"), ("lstg_rqsr_issu_istt_cd", "code"),
            ("lstg_rqsr_item_cd", "id"), ("trst_istt_issu_istt_cd", "code"),
            ("cptt_trad_tr_psbl_yn", "flag"), ("nxt_tr_stop_yn", "flag"),
        ),
    },
    "search_info": {
        "output": (
            ("pdno", "id"), ("prdt_type_cd", "code"), ("prdt_name", "text"),
            ("prdt_name120", "text"), ("prdt_abrv_name", "text"), ("prdt_eng_name", "text"),
            ("prdt_eng_name120", "text"), ("prdt_eng_abrv_name", "text"), ("std_pdno", "id"),
            ("shtn_pdno", "id"), ("prdt_sale_stat_cd", "code"), ("prdt_risk_grad_cd", "code"),
            ("prdt_clsf_cd", "code"), ("prdt_clsf_name", "text"), ("sale_strt_dt", "date"),
            ("sale_end_dt", "date"), ("wrap_asst_type_cd", "code"),
            ("ivst_prdt_type_cd", "code"), ("ivst_prdt_type_cd_name", "text"),
            ("frst_erlm_dt", "date"),
        ),
    },
}
