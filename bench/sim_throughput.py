"""Requests per second the simulator's threaded server sustains (issue 2).

    python bench/sim_throughput.py [--seconds N] [--connections C] [--warmup S]

Three scenarios, one after another, each against its own server process so the load
generator never shares the server's GIL:

* baseline: a bare Starlette app on the same uvicorn settings as ``SimServer``, answering
  a small fixed JSON: the ceiling of the HTTP stack on this machine;
* inquire-price: FHKST01010100 over the first 20 symbols of the simulator's universe;
* order-cash: market buys and sells of 1 share of 005930, alternating, so nothing rests.

The simulator runs with rate limits off (0): the point is server capacity, not KIS's
per-second limit. Each client connection sends a request, reads the whole answer and
sends the next (HTTP/1.1 keep-alive, no pipelining). Only HTTP 200 answers carrying
``"rt_cd":"0"`` count; anything else is an error. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import multiprocessing as mp
import os
import platform
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Self

HOST = "127.0.0.1"
PRICE_PATH = "/uapi/domestic-stock/v1/quotations/inquire-price"
ORDER_PATH = "/uapi/domestic-stock/v1/trading/order-cash"
OK_MARK = b'"rt_cd":"0"'  # the simulator writes compact JSON, so this is exact
SYMBOLS = 20
ORDER_SYMBOL = "005930"
# Sells can run ahead of buys by one per connection; this many shares covers that.
STARTING_SHARES = 1_000
BASELINE_BODY = b'{"rt_cd":"0","msg_cd":"MCA00000","msg1":"OK"}'

# uvloop (installed with uvicorn[standard]) keeps the client's cost per request low, so on
# two cores the client is not what limits the server.
try:
    from uvloop import new_event_loop
except ImportError:
    from asyncio import new_event_loop


# --- servers: each runs in a child process ------------------------------------------------
def _sim_server():
    from pykis.sim import AccountSpec, Env, SimConfig, SimServer, Simulator

    sim = Simulator(SimConfig(
        always_open=True,  # the market trades whenever the benchmark runs
        rate_limits={Env.REAL: 0, Env.PAPER: 0},
        accounts=[AccountSpec(Env.REAL, cash=10**13)],
    ))
    server = SimServer(sim)
    creds = sim.credentials(Env.REAL)
    info = {"app_key": creds.app_key, "app_secret": creds.app_secret,
            "account_no": creds.account_no, "symbols": list(sim.market.universe)[:SYMBOLS]}
    return server, info


def _baseline_server():
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    from pykis.sim import SimServer

    async def fixed(request):
        return Response(BASELINE_BODY, media_type="application/json")

    server = SimServer()  # its default Simulator stays idle
    # Swap only the app, so the uvicorn settings and the serving thread stay exactly
    # those of SimServer and the comparison isolates the simulator's own cost.
    server._server.config.app = Starlette(routes=[Route("/{path:path}", fixed)])
    return server, {}


SERVERS: dict[str, Callable] = {"sim": _sim_server, "baseline": _baseline_server}


def _serve(kind: str, ready: mp.Queue, stop: mp.Event) -> None:
    """Child process: start a server, report its port, serve until told to stop."""
    server, info = SERVERS[kind]()
    server.start()
    ready.put({**info, "port": server.port})
    stop.wait()
    server.stop()


class ServerProcess:
    """A server in a spawned process, with its port, details and CPU time."""

    def __init__(self, kind: str) -> None:
        context = mp.get_context("spawn")
        self._ready, self._stop = context.Queue(), context.Event()
        self._process = context.Process(target=_serve, args=(kind, self._ready, self._stop),
                                        daemon=True)

    def __enter__(self) -> Self:
        self._process.start()
        self.info = self._wait_ready()
        self.port = self.info["port"]
        return self

    def _wait_ready(self) -> dict:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                return self._ready.get(timeout=0.5)
            except queue.Empty:
                if not self._process.is_alive():
                    break  # it failed to start; its traceback is on stderr
        raise RuntimeError("the server process did not start")

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._process.join(timeout=15)
        if self._process.is_alive():
            self._process.terminate()

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (Linux /proc)."""
        with open(f"/proc/{self._process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- requests ------------------------------------------------------------------------------
def _request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"host: {HOST}", *(f"{k}: {v}" for k, v in
                                                              headers.items())]
    if body:
        lines.append(f"content-length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _call(port: int, method: str, path: str, headers: dict[str, str] | None = None,
          body: dict | None = None) -> dict:
    """One request with the standard library, for setup: the decoded JSON answer."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    payload = json.dumps(body).encode() if body is not None else None
    connection.request(method, path, payload, {"content-type": "application/json",
                                               **(headers or {})})
    answer = connection.getresponse()
    data = json.loads(answer.read())
    connection.close()
    # tokenP answers without KIS's envelope (no rt_cd); every API call carries one.
    if answer.status != 200 or data.get("rt_cd", "0") != "0":
        raise RuntimeError(f"{method} {path}: HTTP {answer.status} {data}")
    return data


def _api_headers(info: dict, token: str, tr_id: str) -> dict[str, str]:
    return {"content-type": "application/json; charset=utf-8",
            "authorization": f"Bearer {token}", "appkey": info["app_key"],
            "appsecret": info["app_secret"], "tr_id": tr_id, "custtype": "P"}


def _token(server: ServerProcess) -> str:
    info = server.info
    return _call(server.port, "POST", "/oauth2/tokenP", body={
        "grant_type": "client_credentials", "appkey": info["app_key"],
        "appsecret": info["app_secret"]})["access_token"]


def _price_query(code: str) -> str:
    return f"{PRICE_PATH}?FID_COND_MRKT_DIV_CODE=J&FID_INPUT_ISCD={code}"


def _order_body(info: dict, qty: int) -> dict[str, str]:
    number = info["account_no"]
    return {"CANO": number[:8], "ACNT_PRDT_CD": number[8:], "PDNO": ORDER_SYMBOL,
            "ORD_DVSN": "01", "ORD_QTY": str(qty), "ORD_UNPR": "0"}


def price_requests(server: ServerProcess, token: str) -> list[bytes]:
    headers = _api_headers(server.info, token, "FHKST01010100")
    return [_request("GET", _price_query(code), headers) for code in server.info["symbols"]]


def order_requests(server: ServerProcess, token: str) -> list[bytes]:
    body = json.dumps(_order_body(server.info, 1)).encode()
    return [_request("POST", ORDER_PATH, _api_headers(server.info, token, tr_id), body)
            for tr_id in ("TTTC0012U", "TTTC0011U")]  # buy, sell


def prime_prices(server: ServerProcess, token: str) -> None:
    """Ask each symbol once: its first quote builds its daily bars and the day's trades,
    a one-off cost that is set-up, not steady-state serving."""
    headers = _api_headers(server.info, token, "FHKST01010100")
    for code in server.info["symbols"]:
        _call(server.port, "GET", _price_query(code), headers)


def prime_orders(server: ServerProcess, token: str) -> None:
    headers = _api_headers(server.info, token, "TTTC0012U")
    _call(server.port, "POST", ORDER_PATH, headers, _order_body(server.info, STARTING_SHARES))


# --- load generator --------------------------------------------------------------------------
@dataclass
class Tally:
    """What the connections saw while recording."""

    recording: bool = False
    running: bool = True
    started: float = 0.0  # perf_counter at the start and the end of recording
    stopped: float = 0.0
    ok: int = 0
    errors: int = 0
    first_error: str = ""
    latencies_ns: list[int] = field(default_factory=list)
    per_second: list[int] = field(default_factory=list)

    def answer(self, head: bytes, body: bytes, latency_ns: int) -> None:
        if head.startswith(b"HTTP/1.1 200") and OK_MARK in body:
            self.ok += 1
            self.latencies_ns.append(latency_ns)
            second = int(time.perf_counter() - self.started)
            if second < len(self.per_second):  # the last answers may land past the end
                self.per_second[second] += 1
        else:
            self.failure((head + body)[:300].decode(errors="replace"))

    def failure(self, what: str) -> None:
        self.errors += 1
        self.first_error = self.first_error or what


def _content_length(head: bytes) -> int:
    start = head.lower().index(b"content-length:") + 15
    return int(head[start:head.index(b"\r\n", start)])


async def _connection(port: int, requests: list[bytes], offset: int, tally: Tally) -> None:
    """Request, whole answer, next request, until the tally stops running."""
    reader, writer = await asyncio.open_connection(HOST, port)
    index = offset
    while tally.running:
        request = requests[index % len(requests)]
        index += 1
        start = time.perf_counter_ns()
        try:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            body = await reader.readexactly(_content_length(head))
        except (ConnectionError, asyncio.IncompleteReadError) as error:
            if tally.recording:
                tally.failure(f"connection: {error!r}")
            writer.close()
            reader, writer = await asyncio.open_connection(HOST, port)
            continue
        if tally.recording:
            tally.answer(head, body, time.perf_counter_ns() - start)
    writer.close()


async def _drive(port: int, requests: list[bytes], connections: int, warmup: float,
                 seconds: float, on_window: Callable[[], None]) -> Tally:
    tally = Tally(per_second=[0] * int(seconds))
    tasks = [asyncio.create_task(_connection(port, requests, i, tally))
             for i in range(connections)]
    await asyncio.sleep(warmup)
    tally.started = time.perf_counter()
    tally.recording = True
    on_window()
    await asyncio.sleep(seconds)
    tally.recording = False
    tally.stopped = time.perf_counter()
    on_window()
    tally.running = False
    await asyncio.gather(*tasks)
    return tally


# --- scenarios -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Clocks:
    """CPU seconds so far: the server, this client, and the whole machine, so a noisy
    neighbour (other processes, or the hypervisor stealing time) shows in the report."""

    server: float
    client: float
    machine_busy: float
    steal: float

    @classmethod
    def read(cls, server: ServerProcess) -> Clocks:
        with open("/proc/stat") as stat:
            ticks = [int(t) for t in stat.readline().split()[1:]]
        hz = os.sysconf("SC_CLK_TCK")
        user, nice, system, _idle, _iowait, irq, softirq, steal = ticks[:8]
        return cls(server.cpu_seconds(), time.process_time(),
                   (user + nice + system + irq + softirq) / hz, steal / hz)

    def __sub__(self, other: Clocks) -> Clocks:
        return Clocks(self.server - other.server, self.client - other.client,
                      self.machine_busy - other.machine_busy, self.steal - other.steal)

    @property
    def others(self) -> float:
        """CPU seconds the rest of the machine spent: other processes and kernel
        interrupt work (the loopback traffic's share of which lands here too)."""
        return max(0.0, self.machine_busy - self.server - self.client)


@dataclass
class Result:
    name: str
    tally: Tally
    cpu: Clocks  # CPU seconds spent during the window

    @property
    def seconds(self) -> float:
        return self.tally.stopped - self.tally.started

    @property
    def rate(self) -> float:
        return self.tally.ok / self.seconds

    def latency_ms(self, quantile: float) -> float:
        ordered = sorted(self.tally.latencies_ns)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(quantile * len(ordered)))] / 1e6


def measure(name: str, server: ServerProcess, requests: list[bytes], args) -> Result:
    marks: list[Clocks] = []

    def on_window() -> None:
        marks.append(Clocks.read(server))

    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        tally = runner.run(_drive(server.port, requests, args.connections, args.warmup,
                                  args.seconds, on_window))
    return Result(name, tally, marks[1] - marks[0])


def run_simulator(args) -> tuple[list[Result], list[bytes]]:
    """The simulator's scenarios, and the inquire-price requests for the baseline."""
    with ServerProcess("sim") as server:
        token = _token(server)
        prime_prices(server, token)
        price_bytes = price_requests(server, token)
        prices = measure("inquire-price", server, price_bytes, args)
        prime_orders(server, token)
        orders = measure("order-cash", server, order_requests(server, token), args)
        return [prices, orders], price_bytes


def run_baseline(args, requests: list[bytes]) -> Result:
    # The very bytes inquire-price sent, so both servers parse identical requests.
    with ServerProcess("baseline") as server:
        return measure("baseline (bare Starlette)", server, requests, args)


# --- report ----------------------------------------------------------------------------------
def table(results: list[Result], baseline: Result) -> str:
    rows = [("| scenario | req/s | vs baseline | first s → last s req/s | p50 ms | p99 ms "
             "| errors | server CPU | server µs/req | client CPU | others' CPU | steal |"),
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        seconds = r.tally.per_second
        rows.append(
            f"| {r.name} | {r.rate:,.0f} | {r.rate / baseline.rate:.2f} "
            f"| {seconds[0]:,} → {seconds[-1]:,} | {r.latency_ms(0.50):.2f} "
            f"| {r.latency_ms(0.99):.2f} | {r.tally.errors} "
            f"| {r.cpu.server / r.seconds:.0%} | {1e6 * r.cpu.server / max(1, r.tally.ok):,.0f} "
            f"| {r.cpu.client / r.seconds:.0%} "
            f"| {r.cpu.others / r.seconds:.0%} | {r.cpu.steal / r.seconds:.0%} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="measured seconds per scenario")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds first")
    args = parser.parse_args()
    if args.seconds < 1 or args.connections < 1:
        parser.error("--seconds and --connections must be at least 1")

    simulator, price_bytes = run_simulator(args)
    baseline = run_baseline(args, price_bytes)
    results = [baseline, *simulator]
    print(f"{args.connections} connections, {args.warmup:g} s warm-up + {args.seconds} s "
          f"measured per scenario; Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, client loop {new_event_loop.__module__}\n")
    print(table(results, baseline))
    print("\nCPU columns are shares of one core over the measured window. server µs/req: the "
          "server process's CPU time per counted answer. others' CPU: the rest of the machine's "
          "busy time (other processes, and kernel interrupt work such as this loopback "
          "traffic). steal: time the hypervisor gave to other guests.")
    for r in results:
        if r.tally.errors:
            print(f"\n{r.name}: first error: {r.tally.first_error}")


if __name__ == "__main__":
    main()
