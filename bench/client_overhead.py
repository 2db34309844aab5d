"""Client overhead per ``fetch_ticker`` (issue 3): PyKIS vs. a bare httpx request plus
``json.loads`` vs. python-kis, measured in interleaved rounds in one run.

    python bench/client_overhead.py [--rounds 21] [--calls 200]

Every contender asks inquire-price (FHKST01010100) for 005930, ``--calls`` times in a row
per round; the contenders take turns, the order rotating each round, for ``--rounds``
rounds, and each figure is the median over rounds of (round time ÷ calls), so machine
noise falls on all of them alike. Rate limits are off everywhere (simulator limit 0,
PyKIS at ``Rate(1e9, 1000)`` with a ``MemoryStore`` and a ``MemoryTokenStore``): only the
client's own work and the transport are measured. Three transports:

Beside the bare request (``client.get(url, params=..., headers=...)``, what a user would
write) runs a stricter floor: one ``httpx.Request`` built once and re-sent with
``client.send``, so no URL parsing or header merging per call.

* **sim** (the issue's target): ``Simulator`` + ``sim.transport()`` in this process, no
  sockets. PyKIS (``KIS(transport=sim.transport())``) vs. ``httpx.Client(transport=
  sim.transport())`` sending the same GET with the same headers, then
  ``json.loads(response.content)``. Both include the simulator's own time per answer.
* **canned**: a transport that hands back a recorded simulator answer (no simulator
  work), so the ratio is client work over client work. python-kis runs here too, in its
  own venv and process, behind a requests adapter answering from the same recordings,
  with a bare ``requests.Session.get`` + ``json.loads`` beside it.
* **socket**: ``SimServer`` in a spawned process on 127.0.0.1; PyKIS, bare httpx,
  python-kis and bare requests all over real keep-alive connections.

python-kis also imports as ``pykis``, so it cannot share an interpreter with this
project's ``pykis`` (nor with ``pykis.sim``): it runs in ``bench/.venvs/python-kis`` and
times its own loops; this process only tells it when. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from _client_common import (
    PRICE_PATH,
    PythonKisWorker,
    ServerProcess,
    api_headers,
    machine,
    median,
    prime,
)

from pykis import KIS
from pykis.auth import MemoryTokenStore
from pykis.sim import AccountSpec, Credentials, Env, SimConfig, Simulator
from pykis.utils.ratelimit import MemoryStore, Rate

SYMBOL = "005930"
TOKEN_PATH = "/oauth2/tokenP"
NO_LIMIT = Rate(1e9, 1000)
PREBUILT = "bare httpx, prebuilt request re-sent + `json.loads`"
PARAMS = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": SYMBOL}


@dataclass
class Contender:
    transport: str
    name: str
    run: Callable[[int], float]  # calls -> seconds
    per_call: list[float] = field(default_factory=list)  # µs, one per round


# --- the contenders ----------------------------------------------------------------------------
def ours(client: KIS) -> Callable[[int], float]:
    client.fetch_ticker(SYMBOL)  # warm: token, connection, code paths

    def run(calls: int) -> float:
        started = time.perf_counter()
        for _ in range(calls):
            client.fetch_ticker(SYMBOL)
        return time.perf_counter() - started
    return run


def bare_httpx(http: httpx.Client, url: str, headers: dict[str, str]) -> Callable[[int], float]:
    json.loads(http.get(url, params=PARAMS, headers=headers).content)

    def run(calls: int) -> float:
        started = time.perf_counter()
        for _ in range(calls):
            json.loads(http.get(url, params=PARAMS, headers=headers).content)
        return time.perf_counter() - started
    return run


def prebuilt_httpx(http: httpx.Client, url: str, headers: dict[str, str]
                   ) -> Callable[[int], float]:
    """The floor: one request built once and sent again and again (no URL parsing, no
    header merging), then ``json.loads``."""
    request = http.build_request("GET", url, params=PARAMS, headers=headers)
    json.loads(http.send(request).content)

    def run(calls: int) -> float:
        started = time.perf_counter()
        for _ in range(calls):
            json.loads(http.send(request).content)
        return time.perf_counter() - started
    return run


def python_kis(worker: PythonKisWorker, command: str, name: str) -> Callable[[int], float]:
    def run(calls: int) -> float:
        answer = worker.ask(command, symbols=[SYMBOL] * calls, name=name)
        if answer.get("errors"):
            raise RuntimeError(f"python-kis failed: {answer['first_error']}")
        return answer["seconds"]
    return run


def token_of(http: httpx.Client, base_url: str, creds) -> str:
    answer = http.post(base_url + TOKEN_PATH, json={
        "grant_type": "client_credentials", "appkey": creds.app_key,
        "appsecret": creds.app_secret})
    return answer.json()["access_token"]


class Canned(httpx.BaseTransport):
    """Recorded answers by path: what a transport costs when the server costs nothing."""

    def __init__(self, answers: dict[str, tuple[int, dict[str, str], bytes]]) -> None:
        self.answers = answers

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        status, headers, body = self.answers[request.url.path]
        return httpx.Response(status, headers=headers, content=body, request=request)


def record(sim: Simulator) -> dict[str, tuple[int, dict[str, str], bytes]]:
    """A token answer and an inquire-price answer, as the simulator gives them."""
    creds = sim.add_account(AccountSpec(Env.REAL))
    with httpx.Client(transport=sim.transport()) as http:
        token = http.post("http://sim" + TOKEN_PATH, json={
            "grant_type": "client_credentials", "appkey": creds.app_key,
            "appsecret": creds.app_secret})
        price = http.get("http://sim" + PRICE_PATH, params=PARAMS, headers=api_headers(
            creds.app_key, creds.app_secret, token.json()["access_token"], "FHKST01010100"))
    keep = ("content-type", "tr_id")
    return {path: (r.status_code, {k: v for k, v in r.headers.items() if k in keep}, r.content)
            for path, r in ((TOKEN_PATH, token), (PRICE_PATH, price))}


def pykis_client(creds, transport: httpx.BaseTransport | None, base_url: str) -> KIS:
    return KIS(creds.app_key, creds.app_secret, creds.account_no, base_url=base_url,
               transport=transport, rate=NO_LIMIT, rate_store=MemoryStore(),
               token_store=MemoryTokenStore())


def new_sim() -> Simulator:
    sim = Simulator(SimConfig(always_open=True, rate_limits={Env.REAL: 0, Env.PAPER: 0},
                              accounts=[AccountSpec(Env.REAL)]))
    prime(sim, [SYMBOL])
    return sim


def credentials(data: dict[str, str]) -> Credentials:
    """An account from the control plane (``POST /_sim/accounts``)."""
    return Credentials(Env(data["env"]), data["app_key"], data["app_secret"],
                       data["account_no"], data["hts_id"])


def pykis_worker_setup(worker: PythonKisWorker, name: str, url: str, creds,
                       canned: dict | None = None) -> str:
    answer = worker.ask("setup", name=name, url=url, warm=SYMBOL, canned=canned, unlimited=True,
                        app_key=creds.app_key, app_secret=creds.app_secret,
                        account_no=creds.account_no, hts_id=creds.hts_id)
    return answer["version"]


# --- the run ---------------------------------------------------------------------------------
def measure(contenders: list[Contender], rounds: int, calls: int) -> None:
    for contender in contenders:  # one unmeasured round each
        contender.run(calls)
    for round_ in range(rounds):
        shift = round_ % len(contenders)
        for contender in contenders[shift:] + contenders[:shift]:
            gc.collect()
            contender.per_call.append(1e6 * contender.run(calls) / calls)


def table(contenders: list[Contender]) -> str:
    rows = [("| transport | client | µs per call (median) | fastest – slowest round "
             "| ÷ bare httpx | µs beyond bare httpx | ÷ prebuilt |"),
            "|---|---|---:|---:|---:|---:|---:|"]
    for transport in dict.fromkeys(c.transport for c in contenders):
        group = [c for c in contenders if c.transport == transport]
        bare = median(next(c for c in group if c.name.startswith("bare httpx +")).per_call)
        floor = median(next(c for c in group if c.name == PREBUILT).per_call)
        for c in group:
            us = median(c.per_call)
            rows.append(f"| {transport} | {c.name} | {us:,.0f} | {min(c.per_call):,.0f} – "
                        f"{max(c.per_call):,.0f} | {us / bare:.2f}× | {us - bare:+,.0f} "
                        f"| {us / floor:.2f}× |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=21, help="measured rounds per transport")
    parser.add_argument("--calls", type=int, default=200, help="calls per contender per round")
    parser.add_argument("--no-python-kis", action="store_true", help="leave python-kis out")
    parser.add_argument("--only", choices=["sim", "canned", "socket"], action="append",
                        help="run only these transports (repeatable)")
    args = parser.parse_args()
    if args.rounds < 1 or args.calls < 1:
        parser.error("--rounds and --calls must be at least 1")
    transports = args.only or ["sim", "canned", "socket"]

    worker = None if args.no_python_kis else PythonKisWorker()
    version = ""
    results: list[Contender] = []
    try:
        sim = new_sim()
        if "sim" in transports:
            a, b = sim.add_account(AccountSpec(Env.REAL)), sim.add_account(AccountSpec(Env.REAL))
            client = pykis_client(a, sim.transport(), "http://sim")
            http = httpx.Client(transport=sim.transport())
            headers = api_headers(b.app_key, b.app_secret, token_of(http, "http://sim", b),
                                  "FHKST01010100")
            group = [Contender("sim (in-process)", "PyKIS `KIS.fetch_ticker`", ours(client)),
                     Contender("sim (in-process)", "bare httpx + `json.loads`",
                               bare_httpx(http, "http://sim" + PRICE_PATH, headers)),
                     Contender("sim (in-process)", PREBUILT,
                               prebuilt_httpx(http, "http://sim" + PRICE_PATH, headers))]
            measure(group, args.rounds, args.calls)
            results += group
            client.close()
            http.close()

        if "canned" in transports:
            answers = record(sim)
            a = sim.add_account(AccountSpec(Env.REAL))
            client = pykis_client(a, Canned(answers), "http://canned")
            http = httpx.Client(transport=Canned(answers))
            headers = api_headers(a.app_key, a.app_secret, "canned", "FHKST01010100")
            group = [Contender("canned (no server)", "PyKIS `KIS.fetch_ticker`", ours(client)),
                     Contender("canned (no server)", "bare httpx + `json.loads`",
                               bare_httpx(http, "http://canned" + PRICE_PATH, headers)),
                     Contender("canned (no server)", PREBUILT,
                               prebuilt_httpx(http, "http://canned" + PRICE_PATH, headers))]
            if worker is not None:
                wire = {path: [status, headers_, body.decode()]
                        for path, (status, headers_, body) in answers.items()}
                version = pykis_worker_setup(worker, "canned", "http://canned", a, wire)
                group += [Contender("canned (no server)", f"python-kis {version} `quote`",
                                    python_kis(worker, "quotes", "canned")),
                          Contender("canned (no server)", "bare requests + `json.loads`",
                                    python_kis(worker, "bare", "canned"))]
            measure(group, args.rounds, args.calls)
            results += group
            client.close()
            http.close()

        if "socket" in transports:
            with ServerProcess(real_limit=0, paper_limit=0, symbols=1) as server:
                a, b, c = (credentials(server.new_account()) for _ in range(3))
                client = pykis_client(a, None, server.base_url)
                http = httpx.Client()
                url = server.base_url + PRICE_PATH
                headers = api_headers(b.app_key, b.app_secret,
                                      token_of(http, server.base_url, b), "FHKST01010100")
                group = [Contender("socket (127.0.0.1)", "PyKIS `KIS.fetch_ticker`", ours(client)),
                         Contender("socket (127.0.0.1)", "bare httpx + `json.loads`",
                                   bare_httpx(http, url, headers)),
                         Contender("socket (127.0.0.1)", PREBUILT,
                                   prebuilt_httpx(http, url, headers))]
                if worker is not None:
                    version = pykis_worker_setup(worker, "socket", server.base_url, c)
                    group += [Contender("socket (127.0.0.1)", f"python-kis {version} `quote`",
                                        python_kis(worker, "quotes", "socket")),
                              Contender("socket (127.0.0.1)", "bare requests + `json.loads`",
                                        python_kis(worker, "bare", "socket"))]
                measure(group, args.rounds, args.calls)
                results += group
                client.close()
                http.close()
    finally:
        if worker is not None:
            worker.close()

    print(f"inquire-price for {SYMBOL}; {args.rounds} rounds × {args.calls} calls per "
          f"contender, interleaved, order rotating; rate limits off; {machine()}\n")
    print(table(results))
    print("\n÷ bare httpx: the median µs per call over bare httpx's median in the same "
          "transport. sim includes the simulator's own time per answer, in both; canned has "
          "no server work, so its ratio is the client's work alone; socket adds a loopback "
          "round trip to a server in another process.")


if __name__ == "__main__":
    main()
