"""The KIS WebSocket, without I/O: sessions, subscriptions, control answers, market data
frames and encrypted execution notices. The ASGI adapter moves the texts.

KIS: 실시간 [실시간-000/-003/-004/-005], as in kis-reference/websocket.md: subscribe messages
carry the approval key from /oauth2/Approval; one session per app key (OPSP8996); at most
41 registrations a session (OPSP0008); trades (H0STCNT0) and books (H0STASP0) as
'^'-separated records, several to a frame; notices (H0STCNI0 real, H0STCNI9 paper) for the
HTS ID they were subscribed with, AES-256-CBC encrypted with the key and iv the
subscription's answer carried.

The overseas execution notices (해외주식 실시간체결통보 [실시간-009]: H0GSCNI0 real,
H0GSCNI9 paper; tr_key the HTS ID, as the domestic ones [V: open-trading-api
examples_llm/overseas_stock/ccnl_notice]) are accepted the same way: the same answer with
encrypt "Y" and a key and iv, one of the 41 registrations. They never fire: a simulated
account trades at home only. python-kis subscribes both notices on every ``on("execution")``.

A real and a paper account of one customer share its HTS ID, but KIS serves them from two
servers: a real account's notices go out on H0STCNI0 to real sessions only, a paper
account's on H0STCNI9 to paper sessions only.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import random
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from pykis.sim.accounts import Account, Fill, Order
from pykis.sim.env import Env
from pykis.sim.market import Quote
from pykis.sim.wire import records

if TYPE_CHECKING:
    from pykis.sim.state import SimState

__all__ = ["MAX_REGISTRATIONS", "NOTICE_TRS", "OVERSEAS_NOTICE_TRS", "RealtimeHub", "WsFaults",
           "WsSession"]

MAX_REGISTRATIONS = 41  # the 42nd registration of a session is refused
MARKET_TRS = ("H0STCNT0", "H0STASP0")
NOTICE_TRS = {Env.REAL: "H0STCNI0", Env.PAPER: "H0STCNI9"}
OVERSEAS_NOTICE_TRS = {Env.REAL: "H0GSCNI0", Env.PAPER: "H0GSCNI9"}  # accepted, never fire
MAX_RECORDS = 500  # records of one symbol per pump (a clock jump must not flood a client)
RECORDS_PER_FRAME = 50


@dataclass
class WsSession:
    """One WebSocket connection."""

    id: int
    generation: int = 0
    opened: float = 0.0  # the network's monotonic time at connection (RealtimeHub.monotonic)
    account: Account | None = None  # known from the first valid approval key
    registrations: dict[tuple[str, str], None] = field(default_factory=dict)  # ordered set
    ciphers: dict[str, tuple[str, str]] = field(default_factory=dict)  # tr_id -> (key, iv)
    streamed: dict[tuple[str, dt.date], int] = field(default_factory=dict)  # last trade sent
    outbox: list[str] = field(default_factory=list)  # answers and notices to send
    heartbeats_answered: int = 0  # PINGPONG texts echoed by the client


@dataclass
class WsFaults:
    """Network faults of the real-time sessions, set through the control plane. Times
    are the network's (``RealtimeHub.monotonic``: the simulator's time source, the wall
    clock unless a test's), not the market's: they do not follow jumps of the market."""

    drop_every: float | None = None  # close every session this long after it opened
    stall_until: float = 0.0  # sessions send nothing (not even PINGPONG) until then
    extra_fields: int = 0  # values appended to every data record
    generation: int = 0  # sessions opened in an older generation are dropped
    dropped: int = 0  # sessions closed by a fault so far
    monotonic: Callable[[], float] = field(default=time.monotonic, repr=False)  # the hub's

    def as_dict(self) -> dict[str, Any]:
        return {"drop_every": self.drop_every,
                "stalled_for": max(0.0, self.stall_until - self.monotonic()),
                "extra_fields": self.extra_fields, "dropped": self.dropped}


class RealtimeHub:
    def __init__(self, sim: SimState) -> None:
        self.sim = sim
        self.sessions: dict[int, WsSession] = {}
        self.faults = WsFaults(monotonic=self.monotonic)
        self._ids = itertools.count(1)
        self._rng = random.Random(f"ws:{sim.config.seed}")
        self._wakers: dict[int, Callable[[], None]] = {}

    def monotonic(self) -> float:
        """Network time: the simulator clock's source (``SimClock.follow``)."""
        return self.sim.clock.source.monotonic()

    # --- connections ---------------------------------------------------------------
    def open(self, waker: Callable[[], None] | None = None) -> WsSession:
        """A new session; ``waker`` is called (from any thread) when it has frames due
        sooner than its next look: a notice, or a trade made by hand."""
        session = WsSession(next(self._ids), generation=self.faults.generation,
                            opened=self.monotonic())
        self.sessions[session.id] = session
        if waker is not None:
            self._wakers[session.id] = waker
        return session

    def close(self, session: WsSession) -> None:
        self.sessions.pop(session.id, None)
        self._wakers.pop(session.id, None)

    def wake(self) -> None:
        for waker in list(self._wakers.values()):
            waker()

    # --- faults --------------------------------------------------------------------------
    def should_drop(self, session: WsSession) -> bool:
        """Whether a fault closes ``session`` now (counted once)."""
        faults = self.faults
        due = session.generation < faults.generation or (
            faults.drop_every is not None
            and self.monotonic() >= session.opened + faults.drop_every)
        if due:
            faults.dropped += 1
        return due

    def stalled(self) -> bool:
        return self.monotonic() < self.faults.stall_until

    def reset(self) -> None:
        """Faults off and every session closed (its accounts are gone)."""
        generation = self.faults.generation
        self.faults = WsFaults(generation=generation, monotonic=self.monotonic)
        self.drop_all()

    def drop_all(self) -> None:
        self.faults.generation += 1
        self.wake()

    def stall(self, seconds: float) -> None:
        self.faults.stall_until = self.monotonic() + seconds

    def heartbeat(self) -> str:
        stamp = self.sim.clock.now().strftime("%Y%m%d%H%M%S")
        return json.dumps({"header": {"tr_id": "PINGPONG", "datetime": stamp}},
                          separators=(",", ":"))

    # --- client messages --------------------------------------------------------------
    def receive(self, session: WsSession, text: str) -> list[str]:
        """Answers to one client text: a subscription change, or an echoed PINGPONG."""
        try:
            message = json.loads(text)
        except ValueError:
            return [_control("(null)", "", "9", "OPSP9999", "JSON PARSING ERROR : invalid json format")]
        if not isinstance(message, dict) or not isinstance(message.get("header"), dict):
            return [_control("(null)", "", "9", "OPSP9999", "JSON PARSING ERROR : header not found")]
        header = message["header"]
        if header.get("tr_id") == "PINGPONG":
            session.heartbeats_answered += 1
            return []
        body = message.get("body")
        entry = body.get("input") if isinstance(body, dict) else None
        if not isinstance(entry, dict):
            return [_control("(null)", "", "9", "OPSP9999", "JSON PARSING ERROR : body not found")]
        return [self._register(session, header, str(entry.get("tr_id", "")),
                               str(entry.get("tr_key", "")))]

    def _register(self, session: WsSession, header: dict[str, Any], tr_id: str,
                  tr_key: str) -> str:
        account = self.sim.auth.approval_app(str(header.get("approval_key", "")))
        if account is None:
            return _control(tr_id, tr_key, "9", "OPSP0011",
                            f"invalid approval : {header.get('approval_key', '')}")
        holder = next((s for s in self.sessions.values() if s.account is account
                       and s is not session), None)
        if holder is not None:
            return _control(tr_id, tr_key, "9", "OPSP8996", "ALREADY IN USE appkey")
        session.account = account
        if tr_id not in (*MARKET_TRS, NOTICE_TRS[account.env], OVERSEAS_NOTICE_TRS[account.env]):
            return _control(tr_id, tr_key, "9", "OPSP8991", "invalid tr_id")
        if not tr_key:
            return _control(tr_id, tr_key, "9", "OPSP9999", "JSON PARSING ERROR : invalid tr_key")
        subscribe = str(header.get("tr_type")) == "1"
        if str(header.get("tr_type")) not in ("1", "2"):
            return _control(tr_id, tr_key, "9", "OPSP8997", "tr_type error")
        return self._subscribe(session, tr_id, tr_key) if subscribe \
            else self._unsubscribe(session, tr_id, tr_key)

    def _subscribe(self, session: WsSession, tr_id: str, tr_key: str) -> str:
        key = (tr_id, tr_key)
        if key in session.registrations:
            return _control(tr_id, tr_key, "1", "OPSP0002", "ALREADY IN SUBSCRIBE")
        if len(session.registrations) >= MAX_REGISTRATIONS:
            return _control(tr_id, tr_key, "1", "OPSP0008", "MAX SUBSCRIBE OVER")
        session.registrations[key] = None
        if tr_id in MARKET_TRS:  # stream from now on, not the day so far
            quote = self._quote(tr_key)
            if quote is not None:
                session.streamed[(tr_key, quote.day)] = quote.index
        cipher = session.ciphers.setdefault(tr_id, (_random(self._rng, 32), _random(self._rng, 16)))
        encrypted = tr_id not in MARKET_TRS
        return _control(tr_id, tr_key, "0", "OPSP0000", "SUBSCRIBE SUCCESS", cipher, encrypted)

    def _unsubscribe(self, session: WsSession, tr_id: str, tr_key: str) -> str:
        if session.registrations.pop((tr_id, tr_key), "absent") == "absent":
            return _control(tr_id, tr_key, "1", "OPSP0003", "UNSUBSCRIBE ERROR(not found!)")
        return _control(tr_id, tr_key, "0", "OPSP0001", "UNSUBSCRIBE SUCCESS")

    # --- market data ---------------------------------------------------------------------
    def pump(self, session: WsSession) -> list[str]:
        """Frames due to ``session``: notices, then new trades and books of its symbols.
        Orders are matched up to now first, so fills happen as the market moves even when
        no REST call comes in."""
        self.sim.exchange.sync(self.sim.accounts, self.sim.clock.now())
        frames, session.outbox = session.outbox, []
        for code in self._symbols(session):
            frames += self._market_frames(session, code)
        return frames

    def next_due(self, session: WsSession) -> float | None:
        """Simulator time of the next trade of the session's symbols (None: none left)."""
        now = self.sim.clock.timestamp()
        due = None
        for code in self._symbols(session):
            latest = self._quote(code)
            if latest is None:
                continue
            path = self.sim.market.path(code, latest.day)
            if latest.index + 1 < len(path):
                ts = path.trade(latest.index + 1).ts
                due = ts if due is None else min(due, ts)
        return max(due, now) if due is not None else None

    @staticmethod
    def _symbols(session: WsSession) -> list[str]:
        return sorted({key for tr_id, key in session.registrations if tr_id in MARKET_TRS})

    def _market_frames(self, session: WsSession, code: str) -> list[str]:
        latest = self._quote(code)
        if latest is None or latest.index < 0:
            return []
        key = (code, latest.day)
        first = session.streamed.get(key, -1) + 1
        if first > latest.index:
            return []
        session.streamed[key] = latest.index
        first = max(first, latest.index + 1 - MAX_RECORDS)
        frames = []
        if ("H0STCNT0", code) in session.registrations:
            quotes = [self.sim.market.quote_at(code, latest.day, i, latest.session)
                      for i in range(first, latest.index + 1)]
            rows = [self._trade(q) for q in quotes]
            for start in range(0, len(rows), RECORDS_PER_FRAME):
                frames.append(self._frame("H0STCNT0", rows[start:start + RECORDS_PER_FRAME]))
        if ("H0STASP0", code) in session.registrations:
            frames.append(self._frame("H0STASP0", [records.book(self.sim, latest)]))
        return frames

    def _trade(self, quote: Quote) -> list[str]:
        path = self.sim.market.path(quote.inst.code, quote.day)
        return records.trade(self.sim, quote, path.trade(quote.index))

    def _quote(self, code: str) -> Quote | None:
        if code not in self.sim.market.universe:
            return None
        return self.sim.market.quote(code, self.sim.clock.now())

    def _frame(self, tr_id: str, rows: list[list[str]]) -> str:
        extra = [str(n) for n in range(self.faults.extra_fields)]
        values = [v for row in rows for v in row + extra]
        return f"0|{tr_id}|{len(rows):03d}|" + "^".join(values)

    # --- execution notices ---------------------------------------------------------------------
    def on_order_event(self, event: str, order: Order, fill: Fill | None) -> None:
        account = order.account
        tr_id = NOTICE_TRS[account.env]
        row = records.notice(self.sim, event, order, fill)
        row += [str(n) for n in range(self.faults.extra_fields)]
        woken = False
        for session in self.sessions.values():
            # The HTS ID names the customer, whose real and paper accounts share it; the
            # environment is the server: a paper session never hears of a real order.
            if session.account is None or session.account.env is not account.env:
                continue
            if (tr_id, account.hts_id) in session.registrations:
                key, iv = session.ciphers[tr_id]
                session.outbox.append(f"1|{tr_id}|001|{_encrypt(key, iv, '^'.join(row))}")
                woken = True
        if woken:
            self.wake()


def _control(tr_id: str, tr_key: str, rt_cd: str, msg_cd: str, msg1: str,
             cipher: tuple[str, str] | None = None, encrypted: bool = False) -> str:
    body: dict[str, Any] = {"rt_cd": rt_cd, "msg_cd": msg_cd, "msg1": msg1}
    if cipher is not None:
        body["output"] = {"iv": cipher[1], "key": cipher[0]}
    return json.dumps({"header": {"tr_id": tr_id, "tr_key": tr_key,
                                  "encrypt": "Y" if encrypted else "N"}, "body": body},
                      ensure_ascii=False, separators=(",", ":"))


def _random(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(size))


def _encrypt(key: str, iv: str, text: str) -> str:
    padder = padding.PKCS7(128).padder()
    data = padder.update(text.encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key.encode()), modes.CBC(iv.encode())).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()

