"""mojito2 0.1.6 (PyPI ``mojito2``, sharebook-kr/mojito, import name ``mojito``), driven
by the conformance tests through its public API, as its README uses it:
``KoreaInvestment(api_key, api_secret, acc_no, mock=...)`` with ``fetch_price``,
``fetch_ohlcv``, ``fetch_today_1m_ohlcv``, ``create_limit_buy_order``,
``create_market_buy_order``, ``modify_order``, ``cancel_order``, ``fetch_open_order``,
``fetch_balance``, ``check_buy_order``, and ``KoreaInvestmentWS`` for real time.

Runs under ``tests/.venvs/mojito2/bin/python -I``. mojito2 returns KIS's JSON as it
came; an answer whose ``rt_cd`` is not "0" is raised here, so a test shows KIS's (the
simulator's) refusal.

The client is changed in nothing but its host. mojito2 has no host constant: it writes
KIS's hosts as literals inside its methods (the constructor issues a token from
``set_base_url``'s literal before any attribute could be set; ``KoreaInvestmentWS``
connects to a literal local to ``ws_client``). So the two KIS hosts are mapped to the
simulator where the connection is made, as a hosts-file entry would: requests'
``HTTPAdapter.send`` and ``websockets.connect`` get the same URL with the simulator's
scheme, host and port in place of KIS's; path, query, headers and body are untouched.
The map is installed at import, so it also holds in ``KoreaInvestmentWS``'s process.
"""

# ruff: noqa: I001
from __future__ import annotations

import datetime as dt
import queue
import sys
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # -I leaves the script dir out

from _protocol import KIS_REST, KIS_WS, SIM_URL, SIM_WS_URL, Events, serve

import requests
import requests.adapters
import websockets

import mojito


def _mapped(url: str, hosts: tuple[str, ...], sim: str) -> str:
    for host in hosts:
        if url.startswith(host):
            return sim + url[len(host):]
    return url


_send = requests.adapters.HTTPAdapter.send


def _to_simulator(self, request, *args, **kwargs):
    request.url = _mapped(request.url, KIS_REST, SIM_URL)
    if not request.url.startswith(SIM_URL):
        raise requests.ConnectionError(f"not the simulator: {request.url}")
    return _send(self, request, *args, **kwargs)


requests.adapters.HTTPAdapter.send = _to_simulator
_connect = websockets.connect


def _connect_to_simulator(uri: str, *args, **kwargs):
    return _connect(_mapped(uri, KIS_WS, SIM_WS_URL), *args, **kwargs)


websockets.connect = _connect_to_simulator

BROKER: mojito.KoreaInvestment | None = None
CREDS: dict[str, str] = {}
ORDERS: dict[str, dict[str, Any]] = {}  # ODNO -> {org_no, qty}
EVENTS = Events()
STREAMS: list[Any] = []
CHANNELS = {"체결": "trades", "호가": "orderbook", "체잔": "executions"}


class KISRefusal(Exception):
    """rt_cd != "0" in what the client returned."""


def _ok(answer: dict) -> dict:
    if answer.get("rt_cd") != "0":
        raise KISRefusal(f"rt_cd={answer.get('rt_cd')!r} msg_cd={answer.get('msg_cd')!r} "
                         f"msg1={str(answer.get('msg1', '')).strip()!r}")
    return answer


def setup(env: str, real: dict[str, str], paper: dict[str, str] | None = None) -> dict:
    global BROKER
    creds = paper if env == "paper" else real
    assert creds is not None
    CREDS.update(creds)
    number = creds["account_no"]
    BROKER = mojito.KoreaInvestment(api_key=creds["app_key"], api_secret=creds["app_secret"],
                                    acc_no=f"{number[:8]}-{number[8:]}", mock=env == "paper")
    return {"version": mojito.__version__, "base_url": BROKER.base_url}


def _broker() -> mojito.KoreaInvestment:
    assert BROKER is not None, "setup first"
    return BROKER


# --- REST ---------------------------------------------------------------------------------
def token() -> dict:
    scheme, _, value = _broker().access_token.partition(" ")
    return {"token": value, "type": scheme}


def quote(symbol: str) -> dict:
    output = _ok(_broker().fetch_price(symbol))["output"]
    return {"price": output["stck_prpr"], "open": output["stck_oprc"],
            "high": output["stck_hgpr"], "low": output["stck_lwpr"],
            "volume": output["acml_vol"], "raw": output}


def daily_candles(symbol: str, days: int) -> list[dict]:
    today = dt.date.today()
    answer = _ok(_broker().fetch_ohlcv(symbol, "D", (today - dt.timedelta(days=days))
                                       .strftime("%Y%m%d"), today.strftime("%Y%m%d")))
    return [{"date": r["stck_bsop_date"], "open": r["stck_oprc"], "high": r["stck_hgpr"],
             "low": r["stck_lwpr"], "close": r["stck_clpr"], "volume": r["acml_vol"]}
            for r in answer["output2"] if r]


def minute_candles(symbol: str) -> list[dict]:
    answer = _broker().fetch_today_1m_ohlcv(symbol)
    return [{"date": r["stck_bsop_date"], "time": r["stck_cntg_hour"],
             "open": r["stck_oprc"], "high": r["stck_hgpr"], "low": r["stck_lwpr"],
             "close": r["stck_prpr"], "volume": r["cntg_vol"]} for r in answer["output2"]]


def _order(answer: dict, qty: int) -> dict:
    output = _ok(answer)["output"]
    number = output["ODNO"]
    ORDERS[number] = {"org_no": output["KRX_FWDG_ORD_ORGNO"], "qty": qty}
    return {"number": number, "branch": output["KRX_FWDG_ORD_ORGNO"], "time": output["ORD_TMD"]}


def limit_buy(symbol: str, price: int, qty: int) -> dict:
    return _order(_broker().create_limit_buy_order(symbol, price, qty), qty)


def market_buy(symbol: str, qty: int) -> dict:
    return _order(_broker().create_market_buy_order(symbol, qty), qty)


def modify(number: str, price: int) -> dict:
    order = ORDERS[number]
    return _order(_broker().modify_order(order["org_no"], number, "00", price, order["qty"],
                                         True), order["qty"])


def cancel(number: str) -> dict:
    order = ORDERS[number]
    return _order(_broker().cancel_order(order["org_no"], number, order["qty"], True),
                  order["qty"])


def pending_orders() -> list[dict]:
    answer = _ok(_broker().fetch_open_order({"CTX_AREA_FK100": "", "CTX_AREA_NK100": "",
                                             "INQR_DVSN_1": "0", "INQR_DVSN_2": "0"}))
    return [{"number": r["odno"], "symbol": r["pdno"], "price": r["ord_unpr"],
             "qty": r["ord_qty"], "pending": r["psbl_qty"]} for r in answer["output"]]


def balance() -> dict:
    answer = _broker().fetch_balance()
    summary = answer["output2"][0]
    return {"stocks": [{"symbol": r["pdno"], "qty": r["hldg_qty"],
                        "orderable": r["ord_psbl_qty"], "price": r["prpr"]}
                       for r in answer["output1"]],
            "deposit": summary["dnca_tot_amt"], "summary": summary}


def buying_power(symbol: str, price: int | None) -> dict:
    answer = _ok(_broker().check_buy_order(symbol, price or 0, "00" if price else "01"))
    output = answer["output"]
    return {"amount": output["ord_psbl_cash"], "quantity": output["max_buy_qty"],
            "unit_price": output["psbl_qty_calc_unpr"], "tr_cont": answer["tr_cont"]}


# --- real time ----------------------------------------------------------------------------
def _stream(tr_ids: list[str], keys: list[str], user_id: str | None) -> None:
    stream = mojito.KoreaInvestmentWS(CREDS["app_key"], CREDS["app_secret"], tr_ids, keys,
                                      user_id=user_id)
    stream.start()  # its own process, as mojito2 runs it
    STREAMS.append(stream)

    def drain() -> None:
        while True:
            try:
                kind, record = stream.queue.get(timeout=0.5)
            except queue.Empty:
                if not stream.is_alive():
                    if stream.exitcode not in (0, None, -9, -15):  # not ended by us
                        for channel in CHANNELS.values():
                            EVENTS.put(channel, {"error": "mojito2's KoreaInvestmentWS "
                                                 f"process died (exit {stream.exitcode})"})
                    return
                continue
            EVENTS.put(CHANNELS.get(kind, kind), record)

    threading.Thread(target=drain, daemon=True).start()


def subscribe_trades(symbol: str) -> None:
    _stream(["H0STCNT0"], [symbol], None)


def subscribe_orderbook(symbol: str) -> None:
    _stream(["H0STASP0"], [symbol], None)


def subscribe_executions() -> None:
    _stream([], [], CREDS["hts_id"])


def events(channel: str, count: int = 1, wait: float = 10.0) -> list:
    return EVENTS.take(channel, count, wait)


def streams_alive() -> list[bool]:
    return [s.is_alive() for s in STREAMS]


def quit_streams() -> None:
    for stream in STREAMS:
        stream.terminate()
    STREAMS.clear()


if __name__ == "__main__":
    serve({"setup": setup, "token": token, "quote": quote, "daily_candles": daily_candles,
           "minute_candles": minute_candles, "limit_buy": limit_buy,
           "market_buy": market_buy, "modify": modify, "cancel": cancel,
           "pending_orders": pending_orders, "balance": balance,
           "buying_power": buying_power, "subscribe_trades": subscribe_trades,
           "subscribe_orderbook": subscribe_orderbook,
           "subscribe_executions": subscribe_executions, "events": events,
           "streams_alive": streams_alive, "quit_streams": quit_streams},
          on_quit=quit_streams)
