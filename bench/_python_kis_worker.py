"""python-kis (PyPI ``python-kis``, Soju06/python-kis) driven by the client benchmarks.

Runs under ``bench/.venvs/python-kis/bin/python -I`` only: there ``import pykis`` is
python-kis, not this project. Reads one JSON command per line on stdin and writes one
JSON answer per line on stdout (anything python-kis prints goes to stderr):

    {"command": "setup", "url", "app_key", "app_secret", "account_no", "hts_id",
     "warm": symbol, "canned"?: {path: [status, headers, body]}, "name"?,
     "unlimited"?: true (python-kis's own 19/s limiter, which no option turns off, raised)}
    {"command": "quotes", "symbols": [...], "name"?}  python-kis's quote(), one per symbol
    {"command": "bare", "symbols": [...], "name"?}    requests.Session.get + json.loads
    {"command": "quit"}

python-kis hard-codes KIS's hosts (``pykis.__env__.REAL_DOMAIN``/``VIRTUAL_DOMAIN``,
imported by name into ``pykis.kis``, which builds every URL with ``urljoin``); setup
points both at the simulator. With ``canned``, no socket at all: a requests adapter
answers every path with a recorded simulator answer, to measure client overhead alone.
"""

# ruff: noqa: I001  (ruff sorts python-kis's pykis.* as this project's or not, module by module)
from __future__ import annotations

import json
import sys
import time
import traceback
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

import pykis  # python-kis, not this project: this file runs only in its venv
import pykis.__env__
import pykis.kis
import pykis.logging
from pykis.api.stock.quote import quote
from pykis.utils.rate_limit import RateLimiter

PROTOCOL = sys.stdout
sys.stdout = sys.stderr  # python-kis's own prints must not garble the protocol

# Its warnings ("waiting for the rate limit", EGW00201) go to stderr on every wait; the
# benchmarks count EGW00201 at the simulator instead.
pykis.logging.logger.setLevel("ERROR")

PRICE_PATH = "/uapi/domestic-stock/v1/quotations/inquire-price"


class Canned(BaseAdapter):
    """Answers from memory, built as requests' HTTPAdapter builds a response."""

    def __init__(self, answers: dict[str, list]) -> None:
        super().__init__()
        self.answers = {path: (status, headers, body.encode())
                        for path, (status, headers, body) in answers.items()}

    def send(self, request, **kwargs):
        status, headers, body = self.answers[urlsplit(request.url).path]
        response = requests.Response()
        response.status_code, response.reason = status, "OK"
        response.headers = CaseInsensitiveDict(headers)
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        response._content = body
        response.url, response.request, response.connection = request.url, request, self
        return response

    def close(self) -> None:
        pass


class State:
    def __init__(self, kis, url: str, bare: requests.Session, headers: dict[str, str]) -> None:
        self.kis, self.url, self.bare, self.headers = kis, url, bare, headers


STATES: dict[str, State] = {}  # by name: one per simulator (or canned answers) in use


def point_at(url: str) -> None:
    """python-kis reads these module globals on every request."""
    pykis.__env__.REAL_DOMAIN = pykis.kis.REAL_DOMAIN = url
    pykis.__env__.VIRTUAL_DOMAIN = pykis.kis.VIRTUAL_DOMAIN = url


def setup(url: str, app_key: str, app_secret: str, account_no: str, hts_id: str, warm: str,
          canned: dict | None = None, name: str = "default", unlimited: bool = False) -> dict:
    point_at(url)
    kis = pykis.PyKis(id=hts_id, account=account_no, appkey=app_key, secretkey=app_secret,
                      use_websocket=False, keep_token=False)
    if unlimited:  # for overhead runs: its limiter still runs (its lock), but never waits
        kis._rate_limiters = {domain: RateLimiter(10**9, 1) for domain in kis._rate_limiters}
    bare = requests.Session()
    if canned:
        for session in (*kis._sessions.values(), bare):
            session.mount(url, Canned(canned))
    quote(kis, warm, "KRX")  # issues the token, opens the connection
    headers = {"tr_id": "FHKST01010100", "custtype": "P", "appkey": app_key,
               "appsecret": app_secret, "content-type": "application/json; charset=utf-8"}
    kis.token.build(headers)  # authorization: Bearer ...
    bare.get(url + PRICE_PATH, params={"FID_COND_MRKT_DIV_CODE": "J",
                                       "FID_INPUT_ISCD": warm}, headers=headers)
    STATES[name] = State(kis, url, bare, headers)
    return {"version": pykis.__env__.VERSION, "requests": requests.__version__}


def quotes(symbols: list[str], name: str = "default") -> dict:
    kis = STATES[name].kis
    point_at(STATES[name].url)
    errors, first_error = 0, ""
    started = time.perf_counter()
    for symbol in symbols:
        try:
            quote(kis, symbol, "KRX").price  # noqa: B018  (parse the price)
        except Exception as error:  # noqa: BLE001  (counted; the run goes on)
            errors += 1
            first_error = first_error or f"{type(error).__name__}: {str(error)[:500]}"
    return {"seconds": time.perf_counter() - started, "calls": len(symbols), "errors": errors,
            "first_error": first_error}


def bare(symbols: list[str], name: str = "default") -> dict:
    state = STATES[name]
    session, url, headers = state.bare, state.url + PRICE_PATH, state.headers
    started = time.perf_counter()
    for symbol in symbols:
        response = session.get(url, params={"FID_COND_MRKT_DIV_CODE": "J",
                                            "FID_INPUT_ISCD": symbol}, headers=headers)
        json.loads(response.content)
    return {"seconds": time.perf_counter() - started, "calls": len(symbols)}


COMMANDS = {"setup": setup, "quotes": quotes, "bare": bare}


def main() -> None:
    for line in sys.stdin:
        message = json.loads(line)
        command = message.pop("command")
        if command == "quit":
            PROTOCOL.write(json.dumps({"ok": True}) + "\n")
            PROTOCOL.flush()
            return
        try:
            answer = COMMANDS[command](**message)
        except Exception as error:  # noqa: BLE001  (reported to the parent)
            traceback.print_exc()
            answer = {"error": f"{type(error).__name__}: {str(error)[:1000]}"}
        PROTOCOL.write(json.dumps(answer) + "\n")
        PROTOCOL.flush()


if __name__ == "__main__":
    main()
