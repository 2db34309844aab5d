"""Properties: bad input never reaches the network, and no answer from the server, however
malformed, escapes as anything but a PyKIS error."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pykis import KIS, InvalidInputError, KISError
from pykis.api.base import RetryPolicy
from pykis.auth import MemoryTokenStore
from pykis.utils.ratelimit import MemoryStore, Rate

KEY, SECRET, ACCOUNT = "PS" + "k" * 34, "s" * 180, "12345678-01"
TOKEN = {"access_token": "t" * 40, "access_token_token_expired": "2099-01-01 00:00:00",
         "token_type": "Bearer", "expires_in": 86400}


def client(handler) -> KIS:
    return KIS(KEY, SECRET, ACCOUNT, base_url="http://kis", transport=httpx.MockTransport(handler),
               token_store=MemoryTokenStore(), rate=Rate(10_000, 100), rate_store=MemoryStore(),
               retry=RetryPolicy(attempts=2, throttled_attempts=2, base=0.0, cap=0.0))


class Recorder:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(500, json={"rt_cd": "1", "msg_cd": "", "msg1": ""})


bad_symbols = st.one_of(st.text(max_size=8).filter(lambda s: len(s) != 6 or not s.isdigit()),
                        st.integers(), st.none(), st.floats(allow_nan=True))
bad_amounts = st.one_of(st.integers(max_value=0), st.floats(), st.booleans(), st.text(),
                        st.none())
off_grid = st.integers(min_value=2_001, max_value=5_000_000).filter(lambda p: p % 5)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(symbol=bad_symbols, amount=bad_amounts, price=off_grid,
       side=st.text(max_size=5).filter(lambda s: s not in ("buy", "sell")))
def test_invalid_input_never_sends(symbol, amount, price, side) -> None:
    recorder = Recorder()
    with client(recorder) as kis:
        for call in (lambda: kis.fetch_ticker(symbol),
                     lambda: kis.create_limit_order("005930", "buy", amount, 60_000),
                     lambda: kis.create_limit_order("005930", "buy", 1, price),
                     lambda: kis.create_market_order("005930", side, 1),
                     lambda: kis.create_market_order(symbol, "buy", 1)):
            with pytest.raises(InvalidInputError):
                call()
    assert recorder.requests == []


# Numbers as text that KIS never writes: Python's Decimal() and float() read most of them.
odd_numbers = st.sampled_from(["NaN", "Infinity", "-Infinity", "-1", "1E+4400", "9" * 5000,
                               "9" * 30, "2.5", "1_000", "١٢٣", " 7 "])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
    | odd_numbers,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=6),
    max_leaves=20,
)
# Bodies that look like KIS's, with missing, mistyped or odd sections.
kis_like = st.fixed_dictionaries(
    {"rt_cd": st.sampled_from(["0", "1", "7", "", None]),
     "msg_cd": st.sampled_from(["MCA00000", "APBK0952", "EGW00201", "", "XYZ"]),
     "msg1": st.text(max_size=10)},
    optional={name: json_values for name in ("output", "output1", "output2",
                                             "ctx_area_fk100", "ctx_area_nk100")},
)
bodies = st.one_of(kis_like.map(json.dumps), json_values.map(json.dumps),
                   st.binary(max_size=40).map(lambda b: b.decode("latin-1")))

CALLS = [
    lambda k: k.fetch_ticker("005930"),
    lambda k: k.fetch_tickers(["005930", "000660"]),
    lambda k: k.fetch_order_book("005930"),
    lambda k: k.fetch_trades("005930"),
    lambda k: k.fetch_ohlcv("005930", "1d", limit=3),
    lambda k: k.fetch_ohlcv("005930", "5m", limit=3),
    lambda k: k.fetch_balance(),
    lambda k: k.fetch_orders(),
    lambda k: k.fetch_open_orders(),
    lambda k: k.fetch_buying_power("005930"),
    lambda k: k.create_market_order("005930", "buy", 1),
    lambda k: k.cancel_order("1001"),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies, status=st.sampled_from([200, 200, 200, 403, 500, 502]),
       more=st.sampled_from(["", "M", "D"]), call=st.sampled_from(CALLS))
def test_malformed_answers_raise_pykis_errors_only(body, status, more, call) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/tokenP":
            return httpx.Response(200, json=TOKEN)
        return httpx.Response(status, content=body.encode(), headers={"tr_cont": more})

    with client(handler) as kis:
        try:
            call(kis)
        except KISError:
            pass  # a PyKIS error names what went wrong; anything else is a bug


# --- realistic answers, one field broken ---------------------------------------------------
# Random JSON rarely looks like a KIS row, so the test above seldom reaches the code that
# reads a row's fields. Here every answer is the simulator's genuine-looking one with a
# single value replaced (by another JSON value, or removed). Only calls that read are
# broken: placing orders would change the simulator between examples, and the runs would
# not repeat.
READS = CALLS[:-2]
READ_NAMES = ["ticker", "tickers", "order_book", "trades", "ohlcv_1d", "ohlcv_5m", "balance",
              "orders", "open_orders", "buying_power"]


class Breaking(httpx.BaseTransport):
    """Forwards to the simulator; once armed, breaks the value at ``pick`` (an index into
    the answer's values, modulo their count) in the next answer that is not a token's."""

    def __init__(self, sim) -> None:
        self.inner = sim.transport()
        self.armed, self.places, self.broken = None, 0, ""
        self.sent = 0

    def arm(self, pick: int | None, value=None, remove: bool = False) -> None:
        self.armed, self.broken, self.sent = (pick, value, remove), "", 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        # One broken answer must not set the client off into endless requests.
        assert self.sent < 40, f"runaway after breaking {self.broken}"
        response = self.inner.handle_request(request)
        response.read()
        if request.url.path.startswith("/oauth2/") or self.armed is None:
            return response
        (pick, value, remove), self.armed = self.armed, None
        body = json.loads(response.content)
        places = list(_places(body))
        self.places = len(places)
        if pick is None:  # only counting
            return response
        parent, key = places[pick % len(places)]
        self.broken = f"{request.url.path} [{key!r}] of {json.dumps(parent)[:80]}"
        if remove:
            del parent[key]
        else:
            parent[key] = value
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        # json.dumps writes an infinite float as Infinity, which Python's json reads back.
        return httpx.Response(response.status_code, headers=headers,
                              content=json.dumps(body).encode())


def _places(node):
    """(container, key) of the values inside ``node``, depth first; of a list's items,
    the first two and the last (rows are alike: a hundred candles would add nothing but
    time)."""
    if isinstance(node, dict):
        items = list(node.items())
    else:
        items = [(i, node[i]) for i in sorted({0, 1, len(node) - 1}) if 0 <= i < len(node)]
    for key, value in items:
        yield node, key
        if isinstance(value, dict | list):
            yield from _places(value)


@pytest.fixture(scope="module")
def busy_sim(tmp_path_factory):
    """A simulator whose account has holdings and today's orders, filled and open, so
    that every call's answer has rows to break; and a token store for every client."""
    from clients import build
    from pykis.sim import Env
    from support import make_sim

    sim, tokens = make_sim(), MemoryTokenStore()
    # One token store: the simulator's clock stands still, so a second issuance within
    # its minute would wait for ever.
    with build(sim, Env.REAL, "sync", tmp_path_factory.mktemp("busy"), token_store=tokens) as kis:
        last = kis.fetch_ticker("005930").last
        kis.create_market_order("005930", "buy", 3)
        kis.create_limit_order("005930", "buy", 2, int(last * 0.9) // 100 * 100)
    return sim, tokens


def breaking_client(busy_sim) -> tuple[KIS, Breaking]:
    from pykis.sim import Env

    sim, tokens = busy_sim
    creds, transport = sim.credentials(Env.REAL), Breaking(sim)
    kis = KIS(creds.app_key, creds.app_secret, creds.account_no, base_url="http://sim",
              transport=transport, token_store=tokens, rate=Rate(10_000, 100),
              rate_store=MemoryStore(), clock=sim.clock.timestamp,
              retry=RetryPolicy(attempts=2, throttled_attempts=2, base=0.0, cap=0.0))
    return kis, transport


def only_pykis_errors(kis: KIS, transport: Breaking, call) -> None:
    try:
        result = call(kis)
    except KISError:
        pass  # a PyKIS error names what went wrong
    except Exception as error:  # noqa: BLE001 - anything else is the bug this test is for
        pytest.fail(f"{type(error).__name__}: {error} after breaking {transport.broken}")
    else:
        try:
            repr(result)  # what an answer became can be printed
        except ValueError as error:
            pytest.fail(f"an unprintable result ({error}) after breaking {transport.broken}")


@pytest.mark.parametrize("call", READS, ids=READ_NAMES)
def test_every_value_of_an_answer_nulled_or_removed_raises_pykis_errors_only(busy_sim, call):
    kis, transport = breaking_client(busy_sim)
    with kis:
        transport.arm(None)
        call(kis)
        count = transport.places
        assert count >= 10  # a real answer, with rows
        for pick in range(count):
            for value, remove in ((None, True), (None, False), ("x", False), ([], False),
                                  ("Infinity", False), ("1E+4400", False)):
                transport.arm(pick, value, remove)
                only_pykis_errors(kis, transport, call)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(call=st.sampled_from(READS), pick=st.integers(0, 10_000), remove=st.booleans(),
       value=json_values)
def test_an_answer_with_one_value_broken_raises_pykis_errors_only(busy_sim, call, pick,
                                                                  remove, value) -> None:
    kis, transport = breaking_client(busy_sim)
    with kis:
        transport.arm(pick, value, remove)
        only_pykis_errors(kis, transport, call)
