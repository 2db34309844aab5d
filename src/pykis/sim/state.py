"""The simulator's state: what a KIS server knows, with no wire in it.

The market and its listings, the exchange with its accounts, orders and fills, the token
authority, the clock, the costs, the injected faults and the per-second limits. The
KIS wire (``pykis.sim.wire``) reads and changes it through handlers that take it; the
dispatcher (``pykis.sim.simulator.Simulator``) routes requests to them; the serving
adapters (``pykis.sim.serve``) put the dispatcher on a socket or in-process.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from dataclasses import replace

from pykis.market import TradingCalendar
from pykis.sim.accounts import Account, Position
from pykis.sim.auth import TokenAuthority
from pykis.sim.clock import SimClock
from pykis.sim.config import DEFAULT_CASH, AccountSpec, Credentials, SimConfig
from pykis.sim.env import PROFILES, Env
from pykis.sim.exchange import Exchange
from pykis.sim.extras import AccountExtras
from pykis.sim.faults import FaultPlan
from pykis.sim.market import AlwaysOpenCalendar, MarketState
from pykis.sim.ratelimit import RateLimiter
from pykis.sim.replay import replay_source, replay_start
from pykis.sim.universe import build_universe

__all__ = ["SimState"]


class SimState:
    """Everything a KIS server knows, without its wire: the market, the exchange and
    its accounts, the token authority, the clock, costs, faults and rate limits."""

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        self.lock = threading.RLock()
        self.replay = replay_source(self.config)
        start = self.config.start
        if self.replay is not None and start is None:
            start = replay_start(self.replay, self.config.replay_from)
        self.clock = SimClock(start, frozen=self.config.frozen, speed=self.config.speed)
        self.rate_limits = dict(self.config.rate_limits)
        self.limiter = RateLimiter(self.config.rate_window)
        self.reset()

    # --- state -------------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> None:
        """Start over: same clock, fresh market, accounts, tokens and faults."""
        with self.lock:
            if seed is not None:
                self.config.seed = seed
            seed = self.config.seed
            if self.config.always_open:
                calendar = AlwaysOpenCalendar()
            else:
                calendar = self.config.calendar or TradingCalendar()
            # Taxes follow the settlement date, so they must use the market's own calendar.
            costs = self.config.costs
            self.costs = replace(costs, tax=replace(costs.tax, calendar=calendar))
            self.market = MarketState(build_universe(seed, self.config.extra_listings), seed,
                                      calendar)
            # The always-open calendar's live day comes from this clock; the listings'
            # trade rates are scaled by the config's activity (before any trade is drawn).
            self.market.bind(self.clock, self.config.activity, self.config.calendar)
            self.market.replay = self.replay
            self.exchange = Exchange(self.market, self.costs)
            self.extras = AccountExtras(self.exchange)  # reservations, conditions, P&L
            secret = hashlib.sha256(f"pykis-sim:{seed}".encode()).digest()
            self.auth = TokenAuthority(secret, self.config.token_rules)
            self.faults = FaultPlan(seed)
            self.limiter.reset()
            self.accounts: list[Account] = []
            for spec in self.config.accounts:
                self.add_account(spec)

    def add_account(self, spec: AccountSpec) -> Credentials:
        with self.lock:
            index = len(self.accounts)
            account = self._new_account(spec, index)
            if account.app_key in self.auth.apps:
                raise ValueError(f"app key {account.app_key!r} is already in use")
            if self.account_by_number(account.number) is not None:
                raise ValueError(f"account number {account.number} is already in use")
            self.accounts.append(account)
            self.auth.apps[account.app_key] = account
            return self.credentials_of(account)

    def _new_account(self, spec: AccountSpec, index: int) -> Account:
        spec.validate(self.market.universe)
        env = Env(spec.env)
        number = spec.account_no or self._derive(f"{env}:{index}:acct", "digits", 7,
                                                 prefix="6" if env is Env.REAL else "5") + "01"
        number = number.replace("-", "")
        if len(number) != 10 or not number.isascii() or not number.isdigit():
            raise ValueError("account_no must be 10 digits: CANO (8) + product code (2)")
        account = Account(
            env=env, profile=PROFILES[env], cano=number[:8], product=number[8:],
            app_key=spec.app_key or "PS" + self._derive(f"{env}:{index}:key", "alnum", 34),
            app_secret=spec.app_secret or self._derive(f"{env}:{index}:secret", "secret", 180),
            hts_id=spec.hts_id or self._customer_hts_id(env),
            initial_cash=DEFAULT_CASH[env] if spec.cash is None else spec.cash,
        )
        for code, (qty, avg) in spec.positions.items():
            account.positions[code] = Position(code)
            account.positions[code].buy(qty, avg)
        return account

    def _customer_hts_id(self, env: Env) -> str:
        """The HTS ID of the next account of ``env``: one customer holds the i-th real and
        the i-th paper account, under one HTS ID, as a KIS customer's real and paper
        accounts are. The first of the pair gets a fresh ``simuserN``."""
        ordinal = sum(a.env is env for a in self.accounts)
        partners = [a for a in self.accounts if a.env is not env]
        if ordinal < len(partners):
            return partners[ordinal].hts_id
        taken = {a.hts_id for a in self.accounts}
        number = ordinal + 1
        while f"simuser{number}" in taken:  # never another customer's ID
            number += 1
        return f"simuser{number}"

    def _derive(self, label: str, alphabet: str, size: int, prefix: str = "") -> str:
        """A reproducible credential string of ``size`` characters."""
        chars = {
            "digits": "0123456789",
            "alnum": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            "secret": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        }[alphabet]
        out, counter = prefix, 0
        while len(out) < size + len(prefix):
            digest = hmac.new(str(self.config.seed).encode(), f"{label}:{counter}".encode(),
                              hashlib.sha256).digest()
            out += "".join(chars[b % len(chars)] for b in digest)
            counter += 1
        return out[: size + len(prefix)]

    def credentials(self, env: Env | str = Env.REAL, index: int = 0) -> Credentials:
        """Credentials of the ``index``-th account of environment ``env``."""
        matching = [a for a in self.accounts if a.env == Env(env)]
        return self.credentials_of(matching[index])

    @staticmethod
    def credentials_of(account: Account) -> Credentials:
        return Credentials(account.env, account.app_key, account.app_secret, account.number,
                           account.hts_id)

    def account_by_number(self, number: str) -> Account | None:
        number = number.replace("-", "")
        return next((a for a in self.accounts if a.number == number), None)
