"""Bars for backtests, as a user gets them: downloaded through the client from the
simulator into a history store (one-minute bars of a week of June 2024, daily bars of
2023-2024), and KIS's genuine daily bars of 000660 (April-May 2022, a capture)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from clients import build
from pykis.history import HistoryStore, download
from pykis.market import KST
from pykis.sim import Env
from support import make_sim

AFTER_WEEK = dt.datetime(2024, 6, 14, 16, 0, tzinfo=KST)  # a Friday after the close
AFTER_NEW_YEAR = dt.datetime(2025, 1, 3, 16, 0, tzinfo=KST)
WEEK = (dt.date(2024, 6, 10), dt.date(2024, 6, 14))
SYMBOLS = ["005930", "000660"]
CAPTURE = Path(__file__).parents[1] / "fixtures" / "captures" / \
    "inquire-daily-itemchartprice.000660.D.real.json"


@pytest.fixture(scope="session")
def history(tmp_path_factory: pytest.TempPathFactory) -> HistoryStore:
    """A store with one-minute bars of ``SYMBOLS`` for ``WEEK`` (and the Friday before,
    whose close sets Monday's price limits), and their daily bars since mid-2023; and
    005930's daily bars across the turn of 2024 to 2025 (the sale tax changed)."""
    root = tmp_path_factory.mktemp("history")
    sim = make_sim(AFTER_WEEK)
    kis = build(sim, Env.REAL, "sync", root / "client")
    store = HistoryStore(root / "store")
    try:
        download(kis, SYMBOLS, "1m", since=dt.date(2024, 6, 7), until=WEEK[1], store=store,
                 progress=False)
        download(kis, SYMBOLS, "1d", since=dt.date(2023, 6, 1), until=WEEK[1], store=store,
                 progress=False)
    finally:
        kis.close()
    later = build(make_sim(AFTER_NEW_YEAR), Env.REAL, "sync", root / "client-2025")
    try:
        download(later, ["005930"], "1d", since=dt.date(2024, 12, 2), until=AFTER_NEW_YEAR.date(),
                 store=store, progress=False)
    finally:
        later.close()
    return store


@pytest.fixture(scope="session")
def minutes(history: HistoryStore) -> dict[str, pd.DataFrame]:
    return {s: history.bars(s, "1m") for s in SYMBOLS}


@pytest.fixture(scope="session")
def captured_daily() -> dict[str, pd.DataFrame]:
    """KIS's own daily bars of 000660 (a real-server answer), in the store's format."""
    rows = json.loads(CAPTURE.read_text(encoding="utf-8"))["output2"]
    frame = pd.DataFrame({
        "time": pd.DatetimeIndex([dt.datetime.strptime(r["stck_bsop_date"], "%Y%m%d")
                                  .replace(hour=9, tzinfo=KST) for r in rows]),
        "open": [int(r["stck_oprc"]) for r in rows], "high": [int(r["stck_hgpr"]) for r in rows],
        "low": [int(r["stck_lwpr"]) for r in rows], "close": [int(r["stck_clpr"]) for r in rows],
        "volume": [int(r["acml_vol"]) for r in rows],
        "value": [int(r["acml_tr_pbmn"]) for r in rows]})
    return {"000660": frame.sort_values("time", ignore_index=True)}
