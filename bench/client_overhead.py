"""Client overhead per ``fetch_ticker`` (issues 3 and 12): what each library's call costs,
like for like, then against the floor of a request re-sent, measured in interleaved
rounds in one run.

    python bench/client_overhead.py [--rounds 21] [--calls 200] [--only canned]

Every contender asks inquire-price (FHKST01010100) for 005930, ``--calls`` times in a row
per round; the contenders take turns, the order rotating each round, for ``--rounds``
rounds, and each figure is the median over rounds of (round time ÷ calls), so machine
noise falls on all of them alike. In-process contenders are timed both on the wall
clock and in CPU time (``time.process_time``); python-kis runs in a process of its own
and reports wall time only. Rate limits are off everywhere (simulator limit 0, PyKIS at
``Rate(1e9, 1000)`` with a ``MemoryStore`` and a ``MemoryTokenStore``, python-kis's own
limiter at 1e9/s): only the client's own work and the transport are measured.

Contenders, in the order they are reported:

1. Like for like, what a user gets from each library: **PyKIS ``KIS.fetch_ticker``** (a
   ``Ticker``) and **python-kis ``quote``** (its quote object, price read), each beside
   its own bare HTTP call: **bare httpx** ``client.get(url, params=..., headers=...)`` +
   ``json.loads``, **bare requests** ``session.get`` + ``json.loads``.
2. The floor: **prebuilt httpx request** built once and re-sent with ``client.send``, then
   ``json.loads`` (the issue's floor); **prebuilt request to the transport**: the same
   request handed to the client's transport directly (no ``Client.send`` at all: no
   cookie jar, no auth or redirect machinery), then ``json.loads``.

Three transports:

* **sim**: ``Simulator`` + ``sim.transport()`` in this process, no sockets; the
  simulator's own time per answer is in every figure.
* **canned** (the issue's target): a transport that hands back recorded simulator
  answers (no server work), so the ratios are client work over client work. python-kis
  runs here too, behind a requests adapter answering from the same recordings.
* **socket**: ``SimServer`` in a spawned process on 127.0.0.1; everyone over real
  keep-alive connections.

python-kis also imports as ``pykis``, so it cannot share an interpreter with this
project's ``pykis`` (nor with ``pykis.sim``): it runs in ``bench/.venvs/python-kis`` and
times its own loops; this process only tells it when. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import tempfile
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
PYKIS = "PyKIS `KIS.fetch_ticker`"
BARE = "bare httpx `client.get` + `json.loads`"
BARE_REQUESTS = "bare requests `session.get` + `json.loads`"
PREBUILT = "prebuilt httpx request, `client.send` + `json.loads`"
TRANSPORT = "prebuilt request to the transport + `json.loads`"
PARAMS = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": SYMBOL}


@dataclass
class Contender:
    transport: str
    name: str
    run: Callable[[int], tuple[float, float | None]]  # calls -> wall, CPU seconds (or None)
    wall: list[float] = field(default_factory=list)  # µs per call, one per round
    cpu: list[float] = field(default_factory=list)


# --- the contenders ----------------------------------------------------------------------------
def timed(call: Callable[[], object]) -> Callable[[int], tuple[float, float | None]]:
    call()  # warm: token, listings, connection, code paths

    def run(calls: int) -> tuple[float, float | None]:
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(calls):
            call()
        return time.perf_counter() - wall, time.process_time() - cpu
    return run


def ours(client: KIS) -> Callable[[int], tuple[float, float | None]]:
    return timed(lambda: client.fetch_ticker(SYMBOL))


def bare_httpx(http: httpx.Client, url: str, headers: dict[str, str]
               ) -> Callable[[int], tuple[float, float | None]]:
    return timed(lambda: json.loads(http.get(url, params=PARAMS, headers=headers).content))


def prebuilt_httpx(http: httpx.Client, url: str, headers: dict[str, str]
                   ) -> Callable[[int], tuple[float, float | None]]:
    """The floor: one request built once and sent again and again (no URL parsing, no
    header merging), then ``json.loads``."""
    request = http.build_request("GET", url, params=PARAMS, headers=headers)
    return timed(lambda: json.loads(http.send(request).content))


def prebuilt_transport(http: httpx.Client, url: str, headers: dict[str, str]
                       ) -> Callable[[int], tuple[float, float | None]]:
    """The absolute floor: the prebuilt request handed to the transport itself."""
    request = http.build_request("GET", url, params=PARAMS, headers=headers)
    transport = http._transport  # the client's own (a private attribute: a bench only)

    def call() -> object:
        response = transport.handle_request(request)
        return json.loads(response.read())
    return timed(call)


def python_kis(worker: PythonKisWorker, command: str, name: str
               ) -> Callable[[int], tuple[float, float | None]]:
    def run(calls: int) -> tuple[float, float | None]:
        answer = worker.ask(command, symbols=[SYMBOL] * calls, name=name)
        if answer.get("errors"):
            raise RuntimeError(f"python-kis failed: {answer['first_error']}")
        return answer["seconds"], None
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


class Recording(httpx.BaseTransport):
    """The simulator's transport, keeping the last answer to each path."""

    KEEP = ("content-type", "tr_id")

    def __init__(self, sim: Simulator) -> None:
        self.inner = sim.transport()
        self.answers: dict[str, tuple[int, dict[str, str], bytes]] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        body = response.read()
        headers = {k: v for k, v in response.headers.items() if k in self.KEEP}
        self.answers[request.url.path] = (response.status_code, headers, body)
        return httpx.Response(response.status_code, headers=headers, content=body,
                              request=request)


def record(sim: Simulator) -> dict[str, tuple[int, dict[str, str], bytes]]:
    """Every answer one ``fetch_ticker`` needs, as the simulator gives them: the token,
    KIS's master files (the quote's name) and inquire-price."""
    recording = Recording(sim)
    saved = os.environ.get("PYKIS_CACHE_DIR")
    with tempfile.TemporaryDirectory() as empty:  # no listings on disk: they are asked for
        os.environ["PYKIS_CACHE_DIR"] = empty
        client = pykis_client(sim.add_account(AccountSpec(Env.REAL)), recording, "http://sim")
        client.fetch_ticker(SYMBOL)
        client.close()
    if saved is not None:
        os.environ["PYKIS_CACHE_DIR"] = saved
    return recording.answers


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
            wall, cpu = contender.run(calls)
            contender.wall.append(1e6 * wall / calls)
            if cpu is not None:
                contender.cpu.append(1e6 * cpu / calls)


def table(contenders: list[Contender]) -> str:
    rows = [("| transport | client | µs per call, CPU (median) | fastest – slowest round "
             "| µs per call, wall (median) | ÷ prebuilt, CPU | ÷ prebuilt to the transport, "
             "CPU | ÷ its own bare client, wall | PyKIS ÷ python-kis, wall |"),
            "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for transport in dict.fromkeys(c.transport for c in contenders):
        group = {c.name: c for c in contenders if c.transport == transport}
        cpu = {name: median(c.cpu) for name, c in group.items() if c.cpu}
        wall = {name: median(c.wall) for name, c in group.items()}
        pk = next((name for name in group if name.startswith("python-kis")), None)
        for name, c in group.items():
            own = BARE if name in (PYKIS, BARE) else BARE_REQUESTS if name in (
                pk, BARE_REQUESTS) else None
            rows.append("| " + " | ".join([
                transport, name,
                f"{cpu[name]:,.0f}" if name in cpu else "–",
                f"{min(c.cpu):,.0f} – {max(c.cpu):,.0f}" if c.cpu else
                f"{min(c.wall):,.0f} – {max(c.wall):,.0f} (wall)",
                f"{wall[name]:,.0f}",
                f"**{cpu[name] / cpu[PREBUILT]:.2f}×**" if name in cpu else "",
                f"{cpu[name] / cpu[TRANSPORT]:.2f}×" if name in cpu and TRANSPORT in cpu else "",
                f"{wall[name] / wall[own]:.2f}×" if own in wall and name != own else "",
                f"**{wall[PYKIS] / wall[pk]:.2f}×**" if name == PYKIS and pk else "",
            ]) + " |")
    return "\n".join(rows)


def group_of(transport: str, client: KIS, http: httpx.Client, url: str,
             headers: dict[str, str]) -> list[Contender]:
    """PyKIS and the httpx floors on one transport."""
    return [Contender(transport, PYKIS, ours(client)),
            Contender(transport, BARE, bare_httpx(http, url, headers)),
            Contender(transport, PREBUILT, prebuilt_httpx(http, url, headers)),
            Contender(transport, TRANSPORT, prebuilt_transport(http, url, headers))]


def theirs(worker: PythonKisWorker, transport: str, name: str, version: str
           ) -> list[Contender]:
    return [Contender(transport, f"python-kis {version} `quote`",
                      python_kis(worker, "quotes", name)),
            Contender(transport, BARE_REQUESTS, python_kis(worker, "bare", name))]


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
    # The clients' day's listings (the quote's name) go to a cache of this run's own.
    scratch = tempfile.TemporaryDirectory()
    os.environ["PYKIS_CACHE_DIR"] = scratch.name

    worker = None if args.no_python_kis else PythonKisWorker()
    results: list[Contender] = []
    try:
        sim = new_sim()
        if "sim" in transports:
            a, b = sim.add_account(AccountSpec(Env.REAL)), sim.add_account(AccountSpec(Env.REAL))
            client = pykis_client(a, sim.transport(), "http://sim")
            http = httpx.Client(transport=sim.transport())
            headers = api_headers(b.app_key, b.app_secret, token_of(http, "http://sim", b),
                                  "FHKST01010100")
            group = group_of("sim (in-process)", client, http, "http://sim" + PRICE_PATH,
                             headers)
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
            group = group_of("canned (no server)", client, http, "http://canned" + PRICE_PATH,
                             headers)
            if worker is not None:  # python-kis needs the token and the quote only
                wire = {path: [status, headers_, answers[path][2].decode()]
                        for path, (status, headers_, _) in answers.items()
                        if path in (TOKEN_PATH, PRICE_PATH)}
                version = pykis_worker_setup(worker, "canned", "http://canned", a, wire)
                group[1:1] = theirs(worker, "canned (no server)", "canned", version)
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
                group = group_of("socket (127.0.0.1)", client, http, url, headers)
                if worker is not None:
                    version = pykis_worker_setup(worker, "socket", server.base_url, c)
                    group[1:1] = theirs(worker, "socket (127.0.0.1)", "socket", version)
                measure(group, args.rounds, args.calls)
                results += group
                client.close()
                http.close()
    finally:
        if worker is not None:
            worker.close()

    print(f"inquire-price for {SYMBOL}; {args.rounds} rounds × {args.calls} calls per "
          f"contender, interleaved, order rotating; rate limits off; {machine()}; load "
          f"average {os.getloadavg()[0]:.2f} at the end\n")
    print(table(results))
    print("\nRatios of medians in the same transport and run. ÷ prebuilt: over the prebuilt "
          "httpx request re-sent with client.send (the issue's floor; target for PyKIS on "
          "canned: ≤ 1.3×). ÷ its own bare client: PyKIS over bare httpx, python-kis and "
          "bare requests over bare requests. sim includes the simulator's own time per "
          "answer; canned has no server work; socket adds a loopback round trip.")


if __name__ == "__main__":
    main()
