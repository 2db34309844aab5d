"""Response layouts of the account and information APIs beyond the trading core, in
wire order, from the field tables of KIS's official samples (koreainvestment/
open-trading-api, examples_llm/domestic_stock/*/chk_*.py) and the portal.

Each layout is written as ``"name:kind name:kind ..."``; kinds pick the value of a field
a handler leaves out (int "0", dec "0.00", decN N places, anything else ""). Where the
samples list one table for two sections, the split between ``output1`` (rows) and
``output2`` (totals) follows the portal's tables [V]; ``docs/kis-breadth-account.md``
lists them.
"""

from __future__ import annotations

__all__ = ["LAYOUTS"]

Layout = dict[str, tuple[tuple[str, str], ...]]


def _spec(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((name, kind or "text") for name, _, kind in
                 (item.partition(":") for item in text.split()))


_BALANCE_ROW = _spec(
    "pdno:id prdt_name trad_dvsn_name bfdy_buy_qty:int bfdy_sll_qty:int thdt_buyqty:int "
    "thdt_sll_qty:int hldg_qty:int ord_psbl_qty:int pchs_avg_pric:dec4 pchs_amt:int "
    "prpr:int evlu_amt:int evlu_pfls_amt:int evlu_pfls_rt:dec evlu_erng_rt:dec "
    "loan_dt:date loan_amt:int stln_slng_chgs:int expd_dt:date stck_loan_unpr:dec4 "
    "bfdy_cprs_icdc:int fltt_rt:dec")
_ORDER_ANSWER = _spec("KRX_FWDG_ORD_ORGNO ODNO ORD_TMD")

LAYOUTS: dict[str, Layout] = {
    "chk_holiday": {"output": _spec(
        "bass_dt:date wday_dvsn_cd:code bzdy_yn:flag tr_day_yn:flag opnd_yn:flag "
        "sttl_day_yn:flag")},
    "market_time": {"output1": _spec(
        "date1:date date2:date date3:date date4:date date5:date today:date time:time "
        "s_time:time e_time:time")},
    "psearch_title": {"output2": _spec("user_id seq grp_nm condition_nm")},
    "psearch_result": {"output2": _spec(
        "code:id name daebi:code price:dec chgrate:dec acml_vol:dec trade_amt:dec "
        "change:dec cttr:dec open:dec high:dec low:dec high52:dec low52:dec expprice:dec "
        "expchange:dec expchggrate:dec expcvol:dec chgrate2:dec expdaebi:code recprice:dec "
        "uplmtprice:dec dnlmtprice:dec stotprice:dec")},
    "order_resv": {"output": _spec("RSVN_ORD_SEQ")},
    "order_resv_rvsecncl": {"output": _spec("nrml_prcs_yn:flag")},
    "order_resv_ccnl": {"output": _spec(
        "rsvn_ord_seq rsvn_ord_ord_dt:date rsvn_ord_rcit_dt:date pdno:id ord_dvsn_cd:code "
        "ord_rsvn_qty:int tot_ccld_qty:int cncl_ord_dt:date ord_tmd:time ctac_tlno "
        "rjct_rson2 odno rsvn_ord_rcit_tmd:time kor_item_shtn_name sll_buy_dvsn_cd:code "
        "ord_rsvn_unpr:int tot_ccld_amt:int loan_dt:date cncl_rcit_tmd:time prcs_rslt "
        "ord_dvsn_name tmnl_mdia_kind_cd:code rsvn_end_dt:date")},
    "inquire_balance_rlz_pl": {
        "output1": _BALANCE_ROW,
        "output2": _spec(
            "dnca_tot_amt:int nxdy_excc_amt:int prvs_rcdl_excc_amt:int cma_evlu_amt:int "
            "bfdy_buy_amt:int thdt_buy_amt:int nxdy_auto_rdpt_amt:int bfdy_sll_amt:int "
            "thdt_sll_amt:int d2_auto_rdpt_amt:int bfdy_tlex_amt:int thdt_tlex_amt:int "
            "tot_loan_amt:int scts_evlu_amt:int tot_evlu_amt:int nass_amt:int "
            "fncg_gld_auto_rdpt_yn:flag pchs_amt_smtl_amt:int evlu_amt_smtl_amt:int "
            "evlu_pfls_smtl_amt:int tot_stln_slng_chgs:int bfdy_tot_asst_evlu_amt:int "
            "asst_icdc_amt:int asst_icdc_erng_rt:dec rlzt_pfls:int rlzt_erng_rt:dec "
            "real_evlu_pfls:int real_evlu_pfls_erng_rt:dec"),
    },
    "inquire_period_trade_profit": {
        "output1": _spec(
            "trad_dt:date pdno:id prdt_name trad_dvsn_name loan_dt:date hldg_qty:int "
            "pchs_unpr:dec4 buy_qty:int buy_amt:int sll_pric:dec4 sll_qty:int sll_amt:int "
            "rlzt_pfls:int pfls_rt:dec fee:int tl_tax:int loan_int:int"),
        "output2": _spec(
            "sll_qty_smtl:int sll_tr_amt_smtl:int sll_fee_smtl:int sll_tltx_smtl:int "
            "sll_excc_amt_smtl:int buyqty_smtl:int buy_tr_amt_smtl:int buy_fee_smtl:int "
            "buy_tax_smtl:int buy_excc_amt_smtl:int tot_qty:int tot_tr_amt:int tot_fee:int "
            "tot_tltx:int tot_excc_amt:int tot_rlzt_pfls:int loan_int:int tot_pftrt:dec"),
    },
    "inquire_period_profit": {
        "output1": _spec(
            "trad_dt:date buy_amt:int sll_amt:int rlzt_pfls:int fee:int loan_int:int "
            "tl_tax:int pfls_rt:dec sll_qty1:int buy_qty1:int"),
        "output2": _spec(
            "sll_qty_smtl:int sll_tr_amt_smtl:int sll_fee_smtl:int sll_tltx_smtl:int "
            "sll_excc_amt_smtl:int buy_qty_smtl:int buy_tr_amt_smtl:int buy_fee_smtl:int "
            "buy_tax_smtl:int buy_excc_amt_smtl:int tot_qty:int tot_tr_amt:int tot_fee:int "
            "tot_tltx:int tot_excc_amt:int tot_rlzt_pfls:int loan_int:int"),
    },
    "inquire_account_balance": {
        "output1": _spec("pchs_amt:int evlu_amt:int evlu_pfls_amt:int crdt_lnd_amt:int "
                         "real_nass_amt:int whol_weit_rt:dec"),
        "output2": _spec(
            "pchs_amt_smtl:int nass_tot_amt:int loan_amt_smtl:int evlu_pfls_amt_smtl:int "
            "evlu_amt_smtl:int tot_asst_amt:int tot_lnda_tot_ulst_lnda:int "
            "cma_auto_loan_amt:int tot_mgln_amt:int stln_evlu_amt:int crdt_fncg_amt:int "
            "ocl_apl_loan_amt:int pldg_stup_amt:int frcr_evlu_tota:int tot_dncl_amt:int "
            "cma_evlu_amt:int dncl_amt:int tot_sbst_amt:int thdt_rcvb_amt:int "
            "ovrs_stck_evlu_amt1:int ovrs_bond_evlu_amt:int mmf_cma_mgge_loan_amt:int "
            "sbsc_dncl_amt:int pbst_sbsc_fnds_loan_use_amt:int etpr_crdt_grnt_loan_amt:int"),
    },
    "inquire_credit_psamount": {"output": _spec(
        "ord_psbl_cash:int ord_psbl_sbst:int ruse_psbl_amt:int fund_rpch_chgs:int "
        "psbl_qty_calc_unpr:int nrcvb_buy_amt:int nrcvb_buy_qty:int max_buy_amt:int "
        "max_buy_qty:int cma_evlu_amt:int ovrs_re_use_amt_wcrc:int "
        "ord_psbl_frcr_amt_wcrc:int")},
    "intgr_margin": {"output": _spec(
        "acmga_rt:dec acmga_pct100_aptm_rson stck_cash_objt_amt:int stck_sbst_objt_amt:int "
        "stck_evlu_objt_amt:int stck_ruse_psbl_objt_amt:int stck_fund_rpch_chgs_objt_amt:int "
        "stck_fncg_rdpt_objt_atm:int bond_ruse_psbl_objt_amt:int stck_cash_use_amt:int "
        "stck_sbst_use_amt:int stck_evlu_use_amt:int stck_ruse_psbl_amt_use_amt:int "
        "stck_fund_rpch_chgs_use_amt:int stck_fncg_rdpt_amt_use_amt:int "
        "bond_ruse_psbl_amt_use_amt:int stck_cash_ord_psbl_amt:int "
        "stck_sbst_ord_psbl_amt:int stck_evlu_ord_psbl_amt:int "
        "stck_ruse_psbl_ord_psbl_amt:int stck_fund_rpch_ord_psbl_amt:int "
        "bond_ruse_psbl_ord_psbl_amt:int rcvb_amt:int stck_loan_grta_ruse_psbl_amt:int "
        "stck_cash20_max_ord_psbl_amt:int stck_cash30_max_ord_psbl_amt:int "
        "stck_cash40_max_ord_psbl_amt:int stck_cash50_max_ord_psbl_amt:int "
        "stck_cash60_max_ord_psbl_amt:int stck_cash100_max_ord_psbl_amt:int "
        "stck_rsip100_max_ord_psbl_amt:int bond_max_ord_psbl_amt:int "
        "stck_fncg45_max_ord_psbl_amt:int stck_fncg50_max_ord_psbl_amt:int "
        "stck_fncg60_max_ord_psbl_amt:int stck_fncg70_max_ord_psbl_amt:int "
        "stck_stln_max_ord_psbl_amt:int lmt_amt:int ovrs_stck_itgr_mgna_dvsn_name "
        "usd_objt_amt:dec usd_use_amt:dec usd_ord_psbl_amt:dec hkd_objt_amt:dec "
        "hkd_use_amt:dec hkd_ord_psbl_amt:dec jpy_objt_amt:dec jpy_use_amt:dec "
        "jpy_ord_psbl_amt:dec cny_objt_amt:dec cny_use_amt:dec cny_ord_psbl_amt:dec "
        "usd_ruse_objt_amt:dec usd_ruse_amt:dec usd_ruse_ord_psbl_amt:dec "
        "hkd_ruse_objt_amt:dec hkd_ruse_amt:dec hkd_ruse_ord_psbl_amt:dec "
        "jpy_ruse_objt_amt:dec jpy_ruse_amt:dec jpy_ruse_ord_psbl_amt:dec "
        "cny_ruse_objt_amt:dec cny_ruse_amt:dec cny_ruse_ord_psbl_amt:dec "
        "usd_gnrl_ord_psbl_amt:dec usd_itgr_ord_psbl_amt:dec hkd_gnrl_ord_psbl_amt:dec "
        "hkd_itgr_ord_psbl_amt:dec jpy_gnrl_ord_psbl_amt:dec jpy_itgr_ord_psbl_amt:dec "
        "cny_gnrl_ord_psbl_amt:dec cny_itgr_ord_psbl_amt:dec "
        "stck_itgr_cash20_ord_psbl_amt:int stck_itgr_cash30_ord_psbl_amt:int "
        "stck_itgr_cash40_ord_psbl_amt:int stck_itgr_cash50_ord_psbl_amt:int "
        "stck_itgr_cash60_ord_psbl_amt:int stck_itgr_cash100_ord_psbl_amt:int "
        "stck_itgr_100_ord_psbl_amt:int stck_itgr_fncg45_ord_psbl_amt:int "
        "stck_itgr_fncg50_ord_psbl_amt:int stck_itgr_fncg60_ord_psbl_amt:int "
        "stck_itgr_fncg70_ord_psbl_amt:int stck_itgr_stln_ord_psbl_amt:int "
        "bond_itgr_ord_psbl_amt:int stck_cash_ovrs_use_amt:int stck_sbst_ovrs_use_amt:int "
        "stck_evlu_ovrs_use_amt:int stck_re_use_amt_ovrs_use_amt:int "
        "stck_fund_rpch_ovrs_use_amt:int stck_fncg_rdpt_ovrs_use_amt:int "
        "bond_re_use_ovrs_use_amt:int usd_oth_mket_use_amt:dec jpy_oth_mket_use_amt:dec "
        "cny_oth_mket_use_amt:dec hkd_oth_mket_use_amt:dec usd_re_use_oth_mket_use_amt:dec "
        "jpy_re_use_oth_mket_use_amt:dec cny_re_use_oth_mket_use_amt:dec "
        "hkd_re_use_oth_mket_use_amt:dec hgkg_cny_re_use_amt:dec usd_frst_bltn_exrt:dec "
        "hkd_frst_bltn_exrt:dec jpy_frst_bltn_exrt:dec cny_frst_bltn_exrt:dec")},
    "period_rights": {"output": _spec(
        "acno10 rght_type_cd:code bass_dt:date rght_cblc_type_cd:code rptt_pdno:id pdno:id "
        "prdt_type_cd:code shtn_pdno:id prdt_name cblc_qty:int last_alct_qty:int "
        "excs_alct_qty:int tot_alct_qty:int last_ftsk_qty:int last_alct_amt:int "
        "last_ftsk_chgs:int rdpt_prca:int dlay_int_amt:int lstg_dt:date sbsc_end_dt:date "
        "cash_dfrm_dt:date rqst_qty:int rqst_amt:int rqst_dt:date rfnd_dt:date "
        "rfnd_amt:int lstg_stqt:int tax_amt:int sbsc_unpr:int")},
    "order_credit": {"output": _ORDER_ANSWER},
    "pension_inquire_balance": {
        "output1": _spec(
            "cblc_dvsn_name prdt_name pdno:id item_dvsn_name thdt_buyqty:int thdt_sll_qty:int "
            "hldg_qty:int ord_psbl_qty:int pchs_avg_pric:dec4 pchs_amt:int prpr:int "
            "evlu_amt:int evlu_pfls_amt:int evlu_erng_rt:dec"),
        "output2": _spec(
            "dnca_tot_amt:int nxdy_excc_amt:int prvs_rcdl_excc_amt:int thdt_buy_amt:int "
            "thdt_sll_amt:int thdt_tlex_amt:int scts_evlu_amt:int tot_evlu_amt:int"),
    },
    "pension_inquire_daily_ccld": {"output": _spec(
        "ord_gno_brno sll_buy_dvsn_cd:code trad_dvsn_name odno orgn_odno pdno:id prdt_name "
        "ord_unpr:int ord_qty:int tot_ccld_qty:int nccs_qty:int ord_dvsn_cd:code "
        "ord_dvsn_name ord_tmd:time objt_cust_dvsn_name pchs_avg_pric:dec4")},
    "pension_inquire_deposit": {"output": _spec(
        "dnca_tota:int nxdy_excc_amt:int nxdy_sttl_amt:int nx2_day_sttl_amt:int")},
    "pension_inquire_present_balance": {
        "output1": _spec(
            "cblc_dvsn cblc_dvsn_name pdno:id prdt_name hldg_qty:int slpsb_qty:int "
            "pchs_avg_pric:dec4 evlu_pfls_amt:int evlu_pfls_rt:dec prpr:int evlu_amt:int "
            "pchs_amt:int cblc_weit:dec"),
        "output2": _spec(
            "pchs_amt_smtl_amt:int evlu_amt_smtl_amt:int evlu_pfls_smtl_amt:int "
            "trad_pfls_smtl:int thdt_tot_pfls_amt:int pftrt:dec"),
    },
    "pension_inquire_psbl_order": {"output": _spec(
        "ord_psbl_cash:int ruse_psbl_amt:int psbl_qty_calc_unpr:int max_buy_amt:int "
        "max_buy_qty:int")},
}
