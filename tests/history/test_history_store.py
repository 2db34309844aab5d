"""The history store: Parquet files a period each, read back as pandas through DuckDB;
and CSV imports, from a plain file and from genuine KIS chart answers (tests/fixtures)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from pykis.exceptions import InvalidInputError
from pykis.history import COLUMNS, HistoryStore, import_csv

CAPTURES = Path(__file__).parent.parent / "fixtures" / "captures"
KST = "Asia/Seoul"


def minutes(start: str, count: int, price: int = 1000) -> pd.DataFrame:
    times = pd.date_range(start, periods=count, freq="min", tz=KST)
    return pd.DataFrame({"time": times, "open": price, "high": price + 10, "low": price - 10,
                         "close": price + 5, "volume": 100, "value": 100 * price})


def days(*dates: str, price: int = 5000) -> pd.DataFrame:
    return pd.DataFrame({"time": list(dates), "open": price, "high": price + 100,
                         "low": price - 100, "close": price, "volume": 10})


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    return HistoryStore(tmp_path / "history")


# --- reading and writing -----------------------------------------------------------------
def test_bars_come_back_typed_sorted_and_in_kst(store: HistoryStore) -> None:
    frame = minutes("2026-03-04 09:00", 5).iloc[::-1]  # written newest first
    assert store.write("005930", "1m", frame) == 5
    back = store.bars("005930", "1m")
    assert list(back.columns) == list(COLUMNS)
    assert str(back["time"].dt.tz) == KST and back["time"].is_monotonic_increasing
    assert all(back[c].dtype == "int64" for c in COLUMNS[1:])
    assert back["time"].iloc[0] == pd.Timestamp("2026-03-04 09:00", tz=KST)
    assert back["close"].tolist() == [1005] * 5


def test_a_merge_keeps_one_bar_a_time_and_the_new_one_wins(store: HistoryStore) -> None:
    store.write("005930", "1m", minutes("2026-03-04 09:00", 5))
    newer = minutes("2026-03-04 09:03", 4, price=2000)  # two overlap, two are new
    assert store.write("005930", "1m", newer) == 2
    back = store.bars("005930", "1m")
    assert len(back) == 7 and back["time"].is_unique
    assert back["open"].tolist() == [1000, 1000, 1000, 2000, 2000, 2000, 2000]
    assert store.write("005930", "1m", newer) == 0  # nothing new the second time


def test_a_daily_bar_is_its_day_at_nine_and_value_defaults_to_zero(store: HistoryStore
                                                                    ) -> None:
    store.write("005930", "1d", days("2026-03-04", "2026-03-05 15:30"))
    back = store.bars("005930", "1d")
    assert back["time"].tolist() == [pd.Timestamp("2026-03-04 09:00", tz=KST),
                                     pd.Timestamp("2026-03-05 09:00", tz=KST)]
    assert back["value"].tolist() == [0, 0]


def test_start_and_end_are_inclusive_and_take_dates_strings_and_datetimes(
        store: HistoryStore) -> None:
    store.write("005930", "1m", minutes("2026-03-04 23:00", 120))  # into the next day
    assert len(store.bars("005930", "1m", start="2026-03-04", end="2026-03-04")) == 60
    assert len(store.bars("005930", "1m", start=dt.date(2026, 3, 5))) == 60
    moment = dt.datetime(2026, 3, 4, 23, 10)  # naive: KST
    chosen = store.bars("005930", "1m", start=moment, end="2026-03-04T23:19")
    assert chosen["time"].dt.strftime("%H:%M").tolist()[:2] == ["23:10", "23:11"]
    assert len(chosen) == 10


def test_nothing_stored_is_an_empty_frame_with_the_same_columns(store: HistoryStore) -> None:
    empty = store.bars("000660", "1d")
    assert list(empty.columns) == list(COLUMNS) and len(empty) == 0
    store.write("005930", "1d", days("2026-03-04"))
    assert len(store.bars("005930", "1d", start="2027-01-01")) == 0
    assert len(store.bars("005930", "1d", adjusted=False)) == 0  # raw bars are apart


def test_files_are_one_a_month_or_year_and_a_new_day_leaves_the_rest_alone(
        store: HistoryStore) -> None:
    store.write("005930", "1m", pd.concat([minutes("2026-02-27 09:00", 3),
                                           minutes("2026-03-03 09:00", 3)]))
    store.write("005930", "1d", days("2025-12-30", "2026-01-02"))
    folder = store.root / "1m" / "005930"
    assert sorted(p.name for p in folder.glob("*.parquet")) == ["2026-02.parquet",
                                                                "2026-03.parquet"]
    assert sorted(p.name for p in (store.root / "1d" / "adjusted" / "005930").iterdir()) == [
        "2025.parquet", "2026.parquet"]
    february = (folder / "2026-02.parquet").stat().st_mtime_ns
    store.write("005930", "1m", minutes("2026-03-04 09:00", 3))
    assert (folder / "2026-02.parquet").stat().st_mtime_ns == february
    assert not [p for p in store.root.rglob("*") if p.name.endswith(".tmp")]
    assert len(store.bars("005930", "1m")) == 9


def test_list_and_symbols_say_what_is_kept(store: HistoryStore) -> None:
    store.write("005930", "1m", minutes("2026-03-04 09:00", 30))
    store.write("005930", "1d", days("2026-03-03", "2026-03-04"))
    store.write("000660", "1d", days("2026-03-04"), adjusted=False)
    listed = store.list()
    assert list(listed.columns) == ["symbol", "timeframe", "adjusted", "first", "last", "rows"]
    rows = {(r.symbol, r.timeframe, r.adjusted): r for r in listed.itertuples()}
    assert set(rows) == {("000660", "1d", False), ("005930", "1d", True),
                         ("005930", "1m", False)}
    assert rows[("005930", "1m", False)].rows == 30
    assert rows[("005930", "1m", False)].last == pd.Timestamp("2026-03-04 09:29", tz=KST)
    assert store.symbols("1d") == ["000660", "005930"] and store.symbols("1m") == ["005930"]
    assert HistoryStore(store.root / "nowhere").list().empty


def test_the_default_root_is_pykis_history_dir(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PYKIS_HISTORY_DIR", str(tmp_path / "mine"))
    assert HistoryStore().root == tmp_path / "mine"
    monkeypatch.delenv("PYKIS_HISTORY_DIR")
    monkeypatch.setenv("PYKIS_CACHE_DIR", str(tmp_path / "cache"))
    assert HistoryStore().root == tmp_path / "cache" / "history"


@pytest.mark.parametrize(("call", "argument"), [
    (lambda s: s.bars("005930", "5m"), "timeframe"),
    (lambda s: s.bars("../etc", "1d"), "symbol"),
    (lambda s: s.bars("005930", "1d", start="March"), "start"),
    (lambda s: s.write("005930", "1d", days("2026-03-04").drop(columns="close")), "frame"),
    (lambda s: s.write("005930", "1d", days("2026-03-04").assign(volume=-1)), "frame"),
    (lambda s: s.write("005930", "1d", days("2026-03-04").assign(low=9_999)), "frame"),
    (lambda s: s.write("005930", "1d", days("2026-03-04").assign(open=1.5)), "frame"),
    (lambda s: s.write("005930", "1m", minutes("2026-03-04 09:00:30", 2)), "frame"),
    (lambda s: s.write("005930", "1d", [1, 2, 3]), "frame"),
])
def test_bad_input_is_refused_naming_the_argument(store: HistoryStore, call, argument) -> None:
    with pytest.raises(InvalidInputError) as error:
        call(store)
    assert error.value.argument == argument
    assert not store.root.exists()  # nothing written


# --- CSV -------------------------------------------------------------------------------------
def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_plain_csv_is_imported_and_named_columns_are_mapped(store: HistoryStore,
                                                              tmp_path: Path) -> None:
    plain = write_csv(tmp_path / "a.csv", [
        {"Date": "2024-01-03", "Open": 100, "High": 110, "Low": 90, "Close": 105,
         "Volume": 7},
        {"Date": "2024-01-02", "Open": 95, "High": 101, "Low": 94, "Close": 100,
         "Volume": 5}])
    assert import_csv(plain, "005930", store=store) == 2
    back = store.bars("005930", "1d")
    assert back["close"].tolist() == [100, 105] and back["value"].tolist() == [0, 0]
    odd = write_csv(tmp_path / "b.csv", [{"when": "2024-01-04 09:00", "o": 1, "h": 2,
                                          "l": 1, "c": 2, "v": 3, "krw": 6}])
    mapping = {"time": "when", "open": "o", "high": "h", "low": "l", "close": "c",
               "volume": "v", "value": "krw"}
    assert import_csv(odd, "005930", "1m", store=store, columns=mapping) == 1
    assert store.bars("005930", "1m")["value"].tolist() == [6]


def test_a_csv_without_a_needed_column_is_refused(store: HistoryStore, tmp_path: Path) -> None:
    bad = write_csv(tmp_path / "bad.csv", [{"date": "2024-01-02", "close": 1}])
    with pytest.raises(InvalidInputError) as error:
        import_csv(bad, "005930", store=store)
    assert "open" in str(error.value)
    with pytest.raises(InvalidInputError) as error:
        import_csv(tmp_path / "missing.csv", "005930", store=store)
    assert error.value.argument == "path"


def capture_rows(name: str) -> list[dict]:
    return json.loads((CAPTURES / name).read_text(encoding="utf-8"))["output2"]


def test_genuine_kis_daily_rows_import_as_they_are(store: HistoryStore, tmp_path: Path
                                                   ) -> None:
    rows = capture_rows("inquire-daily-itemchartprice.000660.D.real.json")
    path = write_csv(tmp_path / "000660.csv", rows)
    assert import_csv(path, "000660", store=store) == len(rows) == 20
    back = store.bars("000660", "1d")
    newest = rows[0]  # KIS sends the newest first
    assert back.iloc[-1]["time"] == pd.Timestamp(f"{newest['stck_bsop_date']} 09:00", tz=KST)
    assert back.iloc[-1][["open", "high", "low", "close", "volume", "value"]].tolist() == [
        int(newest[k]) for k in ("stck_oprc", "stck_hgpr", "stck_lwpr", "stck_clpr",
                                 "acml_vol", "acml_tr_pbmn")]


def test_genuine_kis_minute_rows_are_stamped_with_their_start(store: HistoryStore,
                                                              tmp_path: Path) -> None:
    rows = capture_rows("inquire-time-itemchartprice.005930.vts.20250113.hour093000.json")
    path = write_csv(tmp_path / "005930.csv", rows)
    assert import_csv(path, "005930", "1m", store=store) == 30
    back = store.bars("005930", "1m")
    # KIS labels a minute bar by its end: "093000" is the bar of 09:29.
    assert back["time"].iloc[-1] == pd.Timestamp("2025-01-13 09:29", tz=KST)
    assert back["time"].iloc[0] == pd.Timestamp("2025-01-13 09:00", tz=KST)
    assert back.iloc[-1]["close"] == int(rows[0]["stck_prpr"])
    assert back.iloc[-1]["volume"] == int(rows[0]["cntg_vol"])
