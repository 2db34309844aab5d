"""Listings: every KRX symbol with its names, market and kind, and the name of a quote.

KIS's price answer has no name, and no KIS API lists the market. KIS publishes both in
its stock master files (종목정보파일: ``kospi_code.mst.zip``, ``kosdaq_code.mst.zip``,
``konex_code.mst.zip``), refreshed daily and downloaded without a login; PyKIS reads
them once a day (kept on disk, shared by processes) and takes names from them. A symbol
the files lack (listed today) is looked up in KIS's 주식기본조회 CTPF1002R (real only).
English names are not in the files: 주식기본조회 has them, one symbol a call
(``fetch_markets(english=True)`` asks for every listing once and keeps them 30 days).

Master file record (cp949): short code (9), standard code (12), Korean name (40 bytes),
then a fixed-width tail counted from the end of the line: KOSPI 227, KOSDAQ 221, KONEX
184 characters. The tail opens with the security group (ST stock, EF ETF, EN ETN, ...).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import threading
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from pykis import exceptions as ex
from pykis.api import endpoints as E
from pykis.api import validate
from pykis.api.base import Context, call
from pykis.api.flow import Blocking, Flow, Gather, Send, Sleep
from pykis.constants import BaseURL, MasterFile
from pykis.market.instruments import InstrumentKind, Market
from pykis.market.ticks import is_on_grid
from pykis.models import Listing, ModelList
from pykis.models.base import KST

__all__ = ["ListingCache", "check_tick", "fetch_markets", "kind_of", "listings", "master_url",
           "name_of", "parse_master", "search_markets", "stock_info"]

log = logging.getLogger("pykis")

# market -> (file, tail length, offset of the ETP product code in the tail or None)
LAYOUT: dict[Market, tuple[MasterFile, int, int | None]] = {
    Market.KOSPI: (MasterFile.KOSPI, 227, 22),
    Market.KOSDAQ: (MasterFile.KOSDAQ, 221, 18),
    Market.KONEX: (MasterFile.KONEX, 184, None),
}
_ETF_GROUPS = {"EF", "FE"}  # ETF, foreign ETF
RETRY_AFTER = 600.0  # seconds before a failed download of the files is tried again
ENGLISH_DAYS = 30  # English names change about never: kept this long


def parse_master(archive: bytes, market: Market) -> list[Listing]:
    """The listings of one market's master file (the zip KIS publishes)."""
    _, tail, etp_at = LAYOUT[market]
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        text = zipped.read(zipped.namelist()[0]).decode("cp949", errors="replace")
    listings = []
    for line in text.splitlines():
        if len(line) <= 21 + tail:
            continue
        head, rest = line[:-tail], line[-tail:]
        symbol, isin, name = head[:9].strip(), head[9:21].strip(), head[21:].strip()
        if not symbol or not name:
            continue
        group = rest[:2]
        etn = group == "EN" or (etp_at is not None and rest[etp_at] in "34")
        kind = InstrumentKind.ETN if etn else InstrumentKind.ETF if group in _ETF_GROUPS \
            else InstrumentKind.STOCK
        listings.append(Listing(symbol=symbol, isin=isin, name=name, market=market,
                                kind=kind, info={"group": group}))
    return listings


@dataclass
class ListingCache:
    """One client's listings: loaded once a KST day (single-flight), from the disk
    copy when another process fetched them today; English names kept apart."""

    master_url: str
    directory: Path | None
    day: dt.date | None = None
    listings: dict[str, Listing] = field(default_factory=dict)
    english: dict[str, str] = field(default_factory=dict)
    loading: bool = False
    failed_until: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def claim(self, day: dt.date, now: float) -> str:
        """"ready", "wait" (another flow is loading), "load" (this one must), or
        "failed" (a recent download failed: go on without names)."""
        with self.lock:
            if self.day == day:
                return "ready"
            if self.loading:
                return "wait"
            if now < self.failed_until:
                return "failed"
            self.loading = True
            return "load"

    def finish(self, day: dt.date, listings: list[Listing] | None, now: float) -> None:
        with self.lock:
            self.loading = False
            if listings is None:
                self.failed_until = now + RETRY_AFTER
                return
            self.day, self.listings = day, {item.symbol: item for item in listings}

    def release(self) -> None:
        """The loading flow was interrupted: the next caller loads."""
        with self.lock:
            self.loading = False

    def file(self, kind: str, stamp: str) -> Path | None:
        if self.directory is None:
            return None
        host = "".join(c if c.isalnum() else "_" for c in self.master_url)[-60:]
        return self.directory / f"{kind}-{host}-{stamp}.json"

    def with_english(self, listing: Listing) -> Listing:
        english = self.english.get(listing.symbol)
        return listing.model_copy(update={"english_name": english}) if english else listing


def _today(ctx: Context) -> dt.date:
    return dt.datetime.fromtimestamp(ctx.clock(), KST).date()


def listings(ctx: Context) -> Flow[dict[str, Listing]]:
    """Today's listings by symbol (empty when the files cannot be had: a quote does not
    fail for want of a name)."""
    cache = ctx.listings
    if cache is None:
        return {}
    day = _today(ctx)
    while True:
        state = cache.claim(day, ctx.clock())
        if state == "ready":
            return cache.listings
        if state == "failed":
            return {}
        if state == "wait":
            yield Sleep(0.02)
            continue
        try:
            loaded = yield from _load(ctx, cache, day)
        except BaseException:
            cache.release()
            raise
        cache.finish(day, loaded, ctx.clock())
        return cache.listings if loaded is not None else {}


def _load(ctx: Context, cache: ListingCache, day: dt.date) -> Flow[list[Listing] | None]:
    path = cache.file("listings", f"{day:%Y%m%d}")
    stored = yield Blocking(lambda: _read_json(path))
    if isinstance(stored, list):
        try:
            return [Listing.model_validate(item) for item in stored]
        except ValueError:
            pass  # a damaged copy: download again
    found: list[Listing] = []
    for market, (name, _, _) in LAYOUT.items():
        request = httpx.Request("GET", f"{cache.master_url}/{name}",
                                extensions={"timeout": ctx.timeout.as_dict()})
        try:
            response = yield Send(request)
            response.raise_for_status()
            found += parse_master(response.content, market)
        except (httpx.HTTPError, zipfile.BadZipFile, KeyError, IndexError, ValueError) as error:
            log.warning("KIS's master file %s could not be read (%s): quotes go without "
                        "names for %.0f minutes", name, type(error).__name__, RETRY_AFTER / 60)
            return None
    yield Blocking(lambda: _write_json(path, [item.model_dump(mode="json") for item in found]))
    return found


def name_of(ctx: Context, symbol: str) -> Flow[str | None]:
    """The Korean name of ``symbol``: from the master files, else (real) 주식기본조회."""
    known = yield from listings(ctx)
    if symbol in known:
        return known[symbol].name
    if ctx.paper or ctx.listings is None:
        return None
    try:
        info = yield from stock_info(ctx, symbol)
    except ex.KISError as error:
        log.debug("no product information for %s: %s", symbol, error)
        return None
    name = str(info.get("prdt_abrv_name") or info.get("prdt_name") or "").strip()
    return name or None


def kind_of(ctx: Context, symbol: str) -> Flow[InstrumentKind | None]:
    """Stock, ETF or ETN (their tick grids differ), as the master files say; an ETN by its
    "Q"; None when the files cannot be had or lack the symbol (listed today)."""
    known = yield from listings(ctx)
    if symbol in known:
        return known[symbol].kind
    return InstrumentKind.ETN if symbol.startswith("Q") else None


def check_tick(ctx: Context, symbol: str, price: int, argument: str = "price") -> Flow[None]:
    """Refuse ``price`` (on the ETF/ETN grid already) if ``symbol`` is a stock and the
    price is off the stock grid: 70,005 KRW is an ETF's price, never a stock's. Where
    the kind cannot be known, KIS decides (APBK0506)."""
    if is_on_grid(price, InstrumentKind.STOCK):  # valid for every kind: nothing to look up
        return
    kind = yield from kind_of(ctx, symbol)
    if kind is InstrumentKind.STOCK:
        validate.on_stock_grid(price, argument)


def stock_info(ctx: Context, symbol: str) -> Flow[dict[str, Any]]:
    """KIS's 주식기본조회 of ``symbol`` (real only); its English name is remembered."""
    answer = yield from call(ctx, E.STOCK_INFO, params={"PRDT_TYPE_CD": "300",
                                                        "PDNO": symbol})
    info = answer.section("output", dict)
    english = str(info.get("prdt_eng_abrv_name") or info.get("prdt_eng_name") or "").strip()
    if english and ctx.listings is not None:
        ctx.listings.english[symbol] = english
    return info


def fetch_markets(ctx: Context, english: bool = False) -> Flow[ModelList[Listing]]:
    """Every listing of KOSPI, KOSDAQ and KONEX. ``english``: fill in English names from
    주식기본조회 (real only; one call per listing not known yet, kept 30 days)."""
    validate.flag(english, "english")
    known = yield from listings(ctx)
    if ctx.listings is None or (not known and ctx.listings.day is None):
        raise ex.APIError("KIS's stock master files could not be read: no listings")
    if english:
        yield from _english(ctx, list(known))
    return ModelList(ctx.listings.with_english(item) for item in known.values())


def _english(ctx: Context, symbols: list[str]) -> Flow[None]:
    if ctx.paper:
        raise ex.UnsupportedError("English names come from 주식기본조회 (CTPF1002R), which "
                                  "KIS's paper server does not have: use a real account")
    cache = ctx.listings
    path = cache.file("english", str(_today(ctx).toordinal() // ENGLISH_DAYS))
    stored = yield Blocking(lambda: _read_json(path))
    if isinstance(stored, dict):
        cache.english.update({str(k): str(v) for k, v in stored.items()})
    missing = [s for s in symbols if s not in cache.english]
    for start in range(0, len(missing), 100):  # in slices, so a failure keeps the rest
        yield Gather([_quietly(stock_info(ctx, s)) for s in missing[start:start + 100]])
        yield Blocking(lambda: _write_json(path, dict(cache.english)))


def _quietly(flow: Flow[Any]) -> Flow[Any]:
    try:
        return (yield from flow)
    except ex.KISError as error:  # one symbol KIS has no information on
        log.debug("no product information: %s", error)
        return None


def search_markets(ctx: Context, query: str, limit: int = 20) -> Flow[ModelList[Listing]]:
    """Listings whose symbol, ISIN, Korean or known English name matches ``query``
    (case, spaces and width ignored): exact matches first, then names that start with
    it, then names that contain it."""
    if not isinstance(query, str) or not _fold(query):
        raise validate.refuse("query", query, "a name or code to look for")
    validate.count(limit, "limit")
    known = yield from listings(ctx)
    wanted = _fold(query)
    ranked = []
    for item in known.values():
        item = ctx.listings.with_english(item)
        names = [_fold(n) for n in (item.name, item.english_name or "")]
        codes = [_fold(item.symbol), _fold(item.isin)]
        if wanted in codes or wanted in names:
            rank = 0
        elif any(n.startswith(wanted) for n in names if n):
            rank = 1
        elif any(wanted in n for n in names if n):
            rank = 2
        else:
            continue
        ranked.append((rank, len(item.name), item.symbol, item))
    ranked.sort(key=lambda r: r[:3])
    return ModelList(r[3] for r in ranked[:limit])


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _read_json(path: Path | None) -> Any:
    if path is None:
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_json(path: Path | None, data: Any) -> None:
    """Atomically, so that a process reading it sees the old copy or the new one."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{threading.get_ident()}.tmp")
        temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        temporary.replace(path)
    except OSError as error:  # a read-only cache costs a download per process, no more
        log.debug("listings not kept on disk: %s", error)


def master_url(base_url: str) -> str:
    """Where the master files are: KIS's download host for KIS's servers, the same
    host for a simulator."""
    if base_url.rstrip("/") in (BaseURL.PRODUCTION, BaseURL.PAPER):
        return str(BaseURL.MASTER)
    return base_url.rstrip("/") + "/common/master"
