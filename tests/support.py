"""Test support: a simulator on a frozen clock, and KIS requests as a bare HTTP client
sends them (the simulator is tested from the outside, through its wire protocol)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from pykis.market import KST
from pykis.sim import Credentials, Env, SimConfig, Simulator

# A Friday in a normal week: a regular session, no holiday around it.
TRADING_DAY = dt.date(2026, 11, 20)
MORNING = dt.datetime(2026, 11, 20, 10, 30, tzinfo=KST)

QUOTES = "/uapi/domestic-stock/v1/quotations/"
TRADING = "/uapi/domestic-stock/v1/trading/"


def make_sim(at: dt.datetime = MORNING, *, rate_limits: bool = False, **config: Any
             ) -> Simulator:
    """A simulator frozen at ``at``; rate limits are off unless a test is about them."""
    limits = {} if rate_limits else {"rate_limits": {Env.REAL: 0, Env.PAPER: 0}}
    return Simulator(SimConfig(start=at, frozen=True, **limits, **config))


def caller(sim: Simulator, env: Env = Env.REAL) -> Kis:
    """A KIS caller with its own in-process HTTP client, for tests with their own sim."""
    http = httpx.Client(transport=sim.transport(), base_url="http://sim")
    return Kis(sim, http, sim.credentials(env))


class Kis:
    """KIS REST calls for one account, written out as a client with no library would."""

    def __init__(self, sim: Simulator, http: httpx.Client, creds: Credentials) -> None:
        self.sim, self.http, self.creds = sim, http, creds
        self._token: str | None = None

    @property
    def paper(self) -> bool:
        return self.creds.env is Env.PAPER

    def tr(self, real_tr: str) -> str:
        """The TR ID of this environment: paper swaps the first letter for V."""
        return "V" + real_tr[1:] if self.paper and real_tr[0] in "TJC" else real_tr

    @property
    def account(self) -> dict[str, str]:
        return {"CANO": self.creds.account_no[:8], "ACNT_PRDT_CD": self.creds.account_no[8:]}

    def issue_token(self) -> httpx.Response:
        return self.http.post("/oauth2/tokenP", json={
            "grant_type": "client_credentials", "appkey": self.creds.app_key,
            "appsecret": self.creds.app_secret})

    def use_token(self, value: str | None) -> None:
        """Send ``value`` from now on (None: issue a new token on the next call)."""
        self._token = value

    @property
    def token(self) -> str:
        if self._token is None:
            answer = self.issue_token()
            assert answer.status_code == 200, answer.text
            self._token = answer.json()["access_token"]
        return self._token

    def headers(self, tr_id: str, **extra: str) -> dict[str, str]:
        return {"content-type": "application/json; charset=utf-8",
                "authorization": f"Bearer {self.token}", "appkey": self.creds.app_key,
                "appsecret": self.creds.app_secret, "tr_id": tr_id, "custtype": "P", **extra}

    def get(self, path: str, tr_id: str, params: dict[str, str], **headers: str
            ) -> httpx.Response:
        return self.http.get(path, params=params, headers=self.headers(tr_id, **headers))

    def post(self, path: str, tr_id: str, body: dict[str, Any], **headers: str
             ) -> httpx.Response:
        return self.http.post(path, json=body, headers=self.headers(tr_id, **headers))

    # --- the calls tests use most --------------------------------------------------------
    def price(self, code: str = "005930") -> httpx.Response:
        return self.get(QUOTES + "inquire-price", "FHKST01010100",
                        {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": code})

    def order(self, side: str, code: str, qty: int, price: int = 0, dvsn: str | None = None,
              tr_id: str | None = None, **extra: str) -> httpx.Response:
        dvsn = dvsn or ("00" if price else "01")
        tr_id = tr_id or self.tr("TTTC0012U" if side == "buy" else "TTTC0011U")
        body = {**self.account, "PDNO": code, "ORD_DVSN": dvsn, "ORD_QTY": str(qty),
                "ORD_UNPR": str(price), **extra}
        return self.post(TRADING + "order-cash", tr_id, body)

    def revise(self, odno: str, *, cancel: bool, qty: int = 0, price: int = 0,
               dvsn: str = "00", all_qty: bool = True) -> httpx.Response:
        branch = "00950" if self.paper else "06010"  # what order-cash answered
        body = {**self.account, "KRX_FWDG_ORD_ORGNO": branch, "ORGN_ODNO": odno, "ORD_DVSN": dvsn, "RVSE_CNCL_DVSN_CD": "02" if cancel else "01",
                "ORD_QTY": str(qty), "ORD_UNPR": str(price),
                "QTY_ALL_ORD_YN": "Y" if all_qty else "N"}
        return self.post(TRADING + "order-rvsecncl", self.tr("TTTC0013U"), body)

    def balance(self, **cursor: str) -> httpx.Response:
        params = {**self.account, "AFHR_FLPR_YN": "N", "OFL_YN": "", "INQR_DVSN": "02",
                  "UNPR_DVSN": "01", "FUND_STTL_ICLD_YN": "N", "FNCG_AMT_AUTO_RDPT_YN": "N",
                  "PRCS_DVSN": "00", "CTX_AREA_FK100": cursor.get("fk", ""),
                  "CTX_AREA_NK100": cursor.get("nk", "")}
        extra = {"tr_cont": "N"} if cursor else {}
        return self.get(TRADING + "inquire-balance", self.tr("TTTC8434R"), params, **extra)

    def daily_ccld(self, day: dt.date = TRADING_DAY, *, end: dt.date | None = None,
                   newest_first: bool = True, filled: str = "00", **cursor: str
                   ) -> httpx.Response:
        params = {**self.account, "INQR_STRT_DT": day.strftime("%Y%m%d"),
                  "INQR_END_DT": (end or day).strftime("%Y%m%d"), "SLL_BUY_DVSN_CD": "00",
                  "INQR_DVSN": "00" if newest_first else "01", "PDNO": "", "CCLD_DVSN": filled,
                  "ORD_GNO_BRNO": "", "ODNO": "", "INQR_DVSN_3": "00", "INQR_DVSN_1": "",
                  "EXCG_ID_DVSN_CD": "KRX", "CTX_AREA_FK100": cursor.get("fk", ""),
                  "CTX_AREA_NK100": cursor.get("nk", "")}
        extra = {"tr_cont": "N"} if cursor else {}
        return self.get(TRADING + "inquire-daily-ccld", self.tr("TTTC0081R"), params, **extra)

    def open_orders(self, **cursor: str) -> httpx.Response:
        params = {**self.account, "CTX_AREA_FK100": cursor.get("fk", ""),
                  "CTX_AREA_NK100": cursor.get("nk", ""), "INQR_DVSN_1": "0",
                  "INQR_DVSN_2": "0"}
        extra = {"tr_cont": "N"} if cursor else {}
        return self.get(TRADING + "inquire-psbl-rvsecncl", "TTTC0084R", params, **extra)

    def buying_power(self, code: str = "005930", price: int = 0, dvsn: str = "01"
                     ) -> httpx.Response:
        params = {**self.account, "PDNO": code, "ORD_UNPR": str(price) if price else "",
                  "ORD_DVSN": dvsn, "CMA_EVLU_AMT_ICLD_YN": "N", "OVRS_ICLD_YN": "N"}
        return self.get(TRADING + "inquire-psbl-order", self.tr("TTTC8908R"), params)

    def ledger(self) -> dict[str, Any]:
        return self.http.get("/_sim/ledger", params={"account": self.creds.account_no}).json()


def body(response: httpx.Response) -> dict[str, Any]:
    return response.json()


def ok(response: httpx.Response) -> dict[str, Any]:
    """The JSON of a successful KIS answer (HTTP 200, rt_cd "0")."""
    data = response.json()
    assert response.status_code == 200 and data.get("rt_cd") == "0", response.text
    return data


def refused(response: httpx.Response, msg_cd: str, status: int = 200) -> dict[str, Any]:
    data = response.json()
    assert (response.status_code, data.get("msg_cd")) == (status, msg_cd), response.text
    assert data["rt_cd"] != "0"
    return data


def use_account(monkeypatch, creds: Credentials) -> None:
    """The account's credentials in the environment, as a .env file gives them to
    ``KIS.from_env()`` and the engine seed's ``KISAPIClient()``."""
    monkeypatch.setenv("KIS_APP_KEY", creds.app_key)
    monkeypatch.setenv("KIS_APP_SECRET", creds.app_secret)
    monkeypatch.setenv("KIS_ACCOUNT_NO", creds.account_no)
    monkeypatch.setenv("KIS_PAPER", "true" if creds.env is Env.PAPER else "false")
