"""How a simulator is set up: its seed, accounts, token and rate rules, clock and costs."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from pykis.market import TradingCalendar, TradingCosts
from pykis.sim.auth import TokenRules
from pykis.sim.env import PROFILES, Env
from pykis.sim.ratelimit import WindowKind

__all__ = ["AccountSpec", "Credentials", "DEFAULT_CASH", "SimConfig"]

DEFAULT_CASH = {Env.REAL: 10_000_000, Env.PAPER: 500_000_000}  # paper accounts get 5억


@dataclass
class AccountSpec:
    """An account to create; whatever is left out is derived from the seed."""

    env: Env = Env.REAL
    cash: int | None = None
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)  # code: (qty, avg)
    app_key: str | None = None
    app_secret: str | None = None
    account_no: str | None = None  # 10 digits: CANO (8) + ACNT_PRDT_CD (2)
    # None: the i-th real and the i-th paper account belong to one customer and share its
    # HTS ID (simuserN), as a KIS customer's real and paper accounts do.
    hts_id: str | None = None

    def validate(self, universe: Mapping[str, object]) -> None:
        """Refuse a spec that would leave the simulator unable to answer (ValueError)."""
        Env(self.env)
        if self.cash is not None and (type(self.cash) is not int or self.cash < 0):
            raise ValueError("cash must be a whole number of KRW, zero or more")
        for code, holding in self.positions.items():
            if code not in universe:
                raise ValueError(f"unknown symbol {code!r}")
            qty, avg = holding
            if type(qty) is not int or type(avg) is not int or qty <= 0 or avg <= 0:
                raise ValueError("a position is [quantity, average price], both positive")
        for name in ("app_key", "app_secret", "account_no", "hts_id"):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), str):
                raise ValueError(f"{name} must be a string")


@dataclass(frozen=True)
class Credentials:
    """What a client needs to use an account of the simulator."""

    env: Env
    app_key: str
    app_secret: str
    account_no: str
    hts_id: str

    def __repr__(self) -> str:  # never print the secret
        return (f"Credentials(env={self.env.value!r}, app_key={self.app_key!r}, "
                f"account_no={self.account_no!r}, hts_id={self.hts_id!r})")


@dataclass
class SimConfig:
    seed: int = 42
    accounts: list[AccountSpec] = field(
        default_factory=lambda: [AccountSpec(Env.REAL), AccountSpec(Env.PAPER)]
    )
    token_rules: TokenRules = field(default_factory=TokenRules)
    rate_limits: dict[Env, int] = field(
        default_factory=lambda: {env: p.rate_limit for env, p in PROFILES.items()}
    )
    # How the limits count, KIS's own being undocumented [U]: calls in any second
    # (sliding, the stricter) or in each second of the clock (fixed).
    rate_window: WindowKind = WindowKind.SLIDING
    start: dt.datetime | None = None  # None: the wall clock
    frozen: bool = False
    # How fast simulator time runs against the wall clock while not frozen (60: a wall
    # second is a simulated minute).
    speed: float = 1.0
    # Replay (``pykis.sim.replay``): the listings with bars in this HistoryStore folder
    # follow them instead of their synthetic paths; the clock starts at ``replay_from``
    # (a date: a minute before its open; a datetime: then; None: the first stored day)
    # unless ``start`` says otherwise.
    replay: str | os.PathLike[str] | None = None
    replay_from: dt.date | dt.datetime | str | None = None
    # Demo mode: today (the clock's date) trades around the clock whatever day it is;
    # history keeps the KRX calendar (no weekend or holiday bars, KRX sessions).
    always_open: bool = False
    calendar: TradingCalendar | None = None
    extra_listings: int = 0  # synthetic stocks (900000...) beside the real listings
    costs: TradingCosts = field(default_factory=TradingCosts)
    # Real-time: how often a session gets new market frames and a PINGPONG heartbeat.
    # KIS's heartbeat interval is not documented (one report says about 110 s).
    ws_pump_interval: float = 0.05
    ws_heartbeat: float = 20.0  # what a 2025 log of the paper server shows
    # How busy the market is: a factor on every listing's trade rate, which follows its
    # liquidity (005930 several trades a second, small caps one every few seconds;
    # universe.trade_interval). A day's open, high, low, close and volume stay the same;
    # only the trades they are split into change. Below 1 for a lighter simulator.
    activity: float = 1.0
    # What FID_INPUT_HOUR_1=000000 asks of 주식당일분봉조회 (FHKST03010200); KIS does not
    # document it [U]. "now": the newest bars up to now, as python-kis 2.1.6 assumes (its
    # first call of a day chart sends 000000); "literal": bars ending at or before
    # 00:00:00, that is none.
    minute_chart_midnight: str = "now"
    # Market codes and Y/N flags of quote requests in lower case (j, nx, un; y, n): KIS's
    # answer is not documented [U]. True accepts them as upper case; False refuses them
    # with OPSQ2001 as any other invalid value.
    lower_case_codes: bool = True
    # --- who may talk to a served simulator (``pykis.sim.serve``) ---------------------
    # Host names (a port, if given, is ignored) accepted in the Host header besides the
    # loopback ones (localhost, 127.0.0.1, ::1), the address the server was bound to and
    # the address a connection arrived on: what a DNS rebinding page cannot send. Needed
    # when clients reach the simulator by a name, e.g. bound to 0.0.0.0 in docker and
    # called as http://sim:8080 ("sim"); "*" accepts any Host (a trusted network only).
    # `pykis sim` reads them from PYKIS_SIM_ALLOWED_HOSTS (comma-separated).
    allowed_hosts: tuple[str, ...] = ()
    # Browser origins (scheme://host:port) that may call the control plane (/_sim/)
    # besides the server's own (http://127.0.0.1:PORT, http://localhost:PORT), e.g. a
    # dashboard served on another port. `pykis sim`: PYKIS_SIM_ALLOWED_ORIGINS.
    allowed_origins: tuple[str, ...] = ()
    # When set, every /_sim/ request must carry it: `Authorization: Bearer TOKEN` or
    # `X-Sim-Token: TOKEN` (401 otherwise). `pykis sim`: PYKIS_SIM_CONTROL_TOKEN.
    control_token: str | None = None
