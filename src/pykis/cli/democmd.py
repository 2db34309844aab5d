"""``pykis demo``: the embedded simulator on a real socket, and a quote fetched from it
over HTTP with KIS's own requests (token, then 주식현재가 시세)."""

from __future__ import annotations

import httpx
from rich.console import Console
from rich.table import Table

from pykis.sim import SimConfig, Simulator, SimServer

__all__ = ["run_demo"]

PRICE_PATH = "/uapi/domestic-stock/v1/quotations/inquire-price"


def run_demo(seed: int, symbol: str) -> None:
    console = Console()
    sim = Simulator(SimConfig(seed=seed, always_open=True))
    with SimServer(sim) as server:
        creds = sim.credentials("real")
        console.print(f"Simulator listening on [cyan]{server.base_url}[/] "
                      f"(account {creds.account_no}, no KIS account needed)")
        with httpx.Client(base_url=server.base_url, timeout=10) as http:
            token = http.post("/oauth2/tokenP", json={
                "grant_type": "client_credentials", "appkey": creds.app_key,
                "appsecret": creds.app_secret,
            }).json()
            console.print(f"Access token issued, valid until {token['access_token_token_expired']}")
            answer = http.get(PRICE_PATH, params={
                "FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": symbol,
            }, headers={
                "authorization": f"Bearer {token['access_token']}", "appkey": creds.app_key,
                "appsecret": creds.app_secret, "tr_id": "FHKST01010100", "custtype": "P",
            }).json()
    if answer.get("rt_cd") != "0":
        raise SystemExit(f"the simulator refused the quote: {answer}")
    quote = answer["output"]
    if quote["stck_prpr"] == "0":  # KIS's answer for a code it does not know
        raise SystemExit(f"unknown symbol {symbol!r}: try one of {', '.join(list(sim.market.universe)[:8])}")
    name = sim.market.universe[symbol].name if symbol in sim.market.universe else symbol
    table = Table(title=f"{name} ({symbol})", show_header=False)
    for label, key in [("price", "stck_prpr"), ("change", "prdy_vrss"), ("change %", "prdy_ctrt"),
                       ("open", "stck_oprc"), ("high", "stck_hgpr"), ("low", "stck_lwpr"),
                       ("volume", "acml_vol"), ("upper limit", "stck_mxpr"),
                       ("lower limit", "stck_llam"), ("tick", "aspr_unit")]:
        table.add_row(label, quote[key])
    console.print(table)
