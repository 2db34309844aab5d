"""KIS's refusals in plain English: what a code means, and what to do about it.

KIS answers in Korean only (``msg1``), under a code (``msg_cd``): APBK... from the real
back end, EGW... from its gateway, eight digits 40xx0000 from the paper server.
``explain(code, msg1)`` gives one English sentence for the codes users meet, to show
beside KIS's own words (which stay: they are what KIS support asks for).

The paper server's codes are not reliable (several codes come with one text, and one
code with several texts: 40570000 is seen for "not open yet" and for "not enough
cash"), so for them the text decides and the code is the fallback; everywhere else the
code decides and the text is the fallback, for a code not listed here.
"""

from __future__ import annotations

import re

__all__ = ["explain"]

# --- what each refusal means, and what to do ----------------------------------------
CASH = ("Not enough cash for this order (a market buy is reserved at the day's upper "
        "limit price): buy fewer shares or give a limit price; the balance shows the "
        "orderable cash.")
SHARES = ("More shares than the account can order: for a sale, more than it holds and "
          "has not already offered in open sell orders; sell fewer (the balance shows the "
          "sellable shares).")
NOTHING_HELD = "The account holds no shares of this symbol to sell."
CLOSED = ("The market is closed for orders: KRX takes them on trading days from 08:30 to "
          "15:30 KST (regular session 09:00-15:20); send it again when the market is open.")
NOT_OPEN_YET = ("The market has not opened yet: KIS's paper server takes orders from 09:00 "
                "KST on trading days.")
NOT_TRADING_DAY = ("Today is not a KRX trading day (a weekend or holiday, or the order's "
                   "date is not the market's business day): send it on the next trading day.")
SINGLE_PRICE = ("During a single-price auction (08:30-09:00 and 15:20-15:30 KST) KIS takes "
                "only limit orders: give a limit price, or wait for the regular session.")
TICK = ("The price is off KRX's tick grid: stock prices move in steps of 1 KRW below 2,000, "
        "5 below 5,000, 10 below 20,000, 50 below 50,000, 100 below 200,000, 500 below "
        "500,000 and 1,000 above (ETFs and ETNs: 1 below 2,000, 5 above); round the price "
        "to a step.")
ABOVE_LIMIT = ("The price is above today's upper price limit (30% over the previous close): "
               "the quote shows today's limits.")
BELOW_LIMIT = ("The price is below today's lower price limit (30% under the previous "
               "close): the quote shows today's limits.")
OUTSIDE_LIMITS = ("The price is outside today's price limits (30% either side of the "
                  "previous close): the quote shows them.")
NOTHING_TO_CANCEL = ("Nothing is left of this order to amend or cancel: it was filled or "
                     "canceled already (today's orders show it).")
NO_SUCH_ORDER = ("KIS has no order with this number today (it numbers orders per day): "
                 "take the number from today's orders.")
NO_SUCH_SYMBOL = ("KIS has no such symbol, or it cannot be traded (suspended, or not "
                  "traded on KIS's paper server): check the code.")
RATE_LIMIT = ("Too many calls a second for this app key (KIS allows about 20 on a real "
              "account, 2 on paper): PyKIS waits and retries reads; slow down, or share one "
              "client between programs.")
BACK_OFFICE_BUSY = ("KIS's back office is busy (its per-second limit on balance inquiries "
                    "is shared by all customers): try again in a moment.")
TOKEN_MINUTE = ("KIS issues one access token a minute per app key: wait a minute. PyKIS "
                "keeps its token on disk, so the next run reuses it.")
TOKEN_EXPIRED = ("The access token has expired (they last a day): PyKIS gets a new one "
                 "and retries once; if this persists, delete its token cache.")
TOKEN_INVALID = ("KIS does not accept this access token (revoked, or issued by another "
                 "server or for another app key): PyKIS gets a new one; if this persists, "
                 "delete its token cache.")
APP_KEY = ("KIS does not know this app key: check KIS_APP_KEY (real and paper accounts "
           "have different keys), or try PyKIS without an account: --sim or `pykis sim`.")
APP_SECRET = ("The app secret does not match the app key: check KIS_APP_SECRET (a space "
              "or line break copied at its end is a common cause).")
NO_PERMISSION = ("This app key may not use this API: apply for it on KIS's developer "
                 "portal (apiportal.koreainvestment.com).")
IP_REFUSED = "KIS refuses calls from this IP address: register it on KIS's developer portal."
REAL_ONLY = ("KIS's paper server (모의투자) does not have this API: it needs a real "
             "account.")
WRONG_SERVER = ("KIS has no such service on this server: a real-account call sent to the "
                "paper server or the other way round; check --paper / KIS_PAPER.")
BAD_ACCOUNT = ("KIS does not know this account number: check KIS_ACCOUNT_NO (8 digits and "
               "the 2-digit product code, e.g. 12345678-01) and that it belongs to this app "
               "key (real or paper).")

_BY_CODE: dict[str, str] = {
    # orders and inquiries, real accounts
    "APBK0952": CASH,
    "APBK0400": SHARES,
    "APBK0918": CLOSED,
    "KIOK0320": CLOSED,
    "APBK0919": NOT_TRADING_DAY,
    "APBK3013": SINGLE_PRICE,
    "APBK0506": TICK,
    "APBK0406": ABOVE_LIMIT,
    "APBK0407": BELOW_LIMIT,
    "APBK0344": NOTHING_TO_CANCEL,
    "APBK1680": NO_SUCH_ORDER,
    "APBK0656": NO_SUCH_SYMBOL,
    "APAC0081": BAD_ACCOUNT,
    "OPSQ2000": BAD_ACCOUNT,
    # paper accounts (the text decides first: see the module docstring)
    "40250000": CASH,
    "40310000": CASH,
    "40240000": NOTHING_HELD,
    "40580000": CLOSED,
    "40570000": NOT_OPEN_YET,
    "40100000": NOT_TRADING_DAY,
    "40030000": TICK,
    "40050000": OUTSIDE_LIMITS,
    "40330000": NOTHING_TO_CANCEL,
    "40340000": NO_SUCH_ORDER,
    "40070000": NO_SUCH_SYMBOL,
    # the gateway: limits, tokens, keys
    "EGW00201": RATE_LIMIT,
    "EGW00215": BACK_OFFICE_BUSY,
    "EGW00133": TOKEN_MINUTE,
    "EGW00123": TOKEN_EXPIRED,
    "EGW00121": TOKEN_INVALID,
    "EGW00122": TOKEN_INVALID,
    "EGW00102": APP_KEY,
    "EGW00103": APP_KEY,
    "EGW00104": APP_SECRET,
    "EGW00105": APP_SECRET,
    "EGW00206": NO_PERMISSION,
    "EGW00207": IP_REFUSED,
    "EGW02006": REAL_ONLY,
    "OPSQ0002": WRONG_SERVER,
}

# KIS's phrases, for codes not above and for the paper server's. More specific first:
# "주문가능금액" before anything that mentions 주문.
_BY_TEXT: tuple[tuple[str, str], ...] = (
    ("주문가능금액", CASH),
    ("주문가능수량", SHARES),
    ("잔고내역이 없", NOTHING_HELD),
    ("호가단위", TICK),
    ("상한가", ABOVE_LIMIT),
    ("하한가", BELOW_LIMIT),
    ("가격제한폭", OUTSIDE_LIMITS),
    ("단일가", SINGLE_PRICE),
    ("장시작전", NOT_OPEN_YET),
    ("장종료", CLOSED),
    ("장운영시간", CLOSED),
    ("장운영일자", NOT_TRADING_DAY),
    ("영업일이 아", NOT_TRADING_DAY),
    ("취소할 수량", NOTHING_TO_CANCEL),
    ("정정할 수량", NOTHING_TO_CANCEL),
    ("원주문번호", NO_SUCH_ORDER),
    ("매매불가", NO_SUCH_SYMBOL),
    ("종목정보가 없", NO_SUCH_SYMBOL),
    ("종목 정보가 없", NO_SUCH_SYMBOL),
    ("초당 거래건수", RATE_LIMIT),
    ("1분당 1회", TOKEN_MINUTE),
    ("만료된 token", TOKEN_EXPIRED),
    ("유효하지 않은 token", TOKEN_INVALID),
    ("유효하지 않은 AppKey", APP_KEY),
    ("유효하지 않은 AppSecret", APP_SECRET),
    ("모의투자 TR", REAL_ONLY),
    ("계좌번호", BAD_ACCOUNT),
)
_PAPER_CODE = re.compile(r"4\d{7}")


def explain(code: str | None, msg1: str | None = None) -> str | None:
    """What KIS's refusal ``code`` (its ``msg_cd``), with its text ``msg1``, means and
    what to do, in one English sentence; None for a code and text not known here."""
    code = (code or "").strip().upper()
    text = " ".join((msg1 or "").split())  # KIS pads msg1 with spaces
    if _PAPER_CODE.fullmatch(code):
        return _by_text(text) or _BY_CODE.get(code)
    return _BY_CODE.get(code) or _by_text(text)


def _by_text(text: str) -> str | None:
    folded = text.casefold()
    for phrase, meaning in _BY_TEXT:
        if phrase.casefold() in folded:
            return meaning
    return None
