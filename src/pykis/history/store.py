"""The local store of bars: Parquet files, one per symbol and period, queried with DuckDB.

Why Parquet and DuckDB, not SQLite or CSV: bars are read by column over long spans (a
year of closes, a month of one-minute bars) and written in appends, which is what a
columnar file is made for. Parquet stores each column compressed (a year of one-minute
bars of one symbol, about 90,000 rows, is a few hundred KB against several MB of CSV),
keeps its types (a tz-aware time, int64 prices: no parsing, no float drift), and is read
natively by pandas, DuckDB, Polars, Spark and pyarrow, so the files are useful without
PyKIS. DuckDB, the analytics engine that runs in-process on one machine, queries many
files at once with SQL and reads only the files and columns a query needs; SQLite is a
row store for transactions, and CSV has neither types nor compression nor partial reads.

Layout under the root (``$PYKIS_HISTORY_DIR``, else ``cache_dir()/history``)::

    1d/adjusted/005930/2024.parquet     daily bars, adjusted prices, one file a year
    1d/raw/005930/2024.parquet          daily bars as traded (KIS's 원주가)
    1m/005930/2024-03.parquet           one-minute bars (always as traded), a file a month
    .../005930/_checked.json            days known complete (bars stored, or none at KIS)

A file per period keeps writes incremental: a new day rewrites one month of one-minute
bars (about 8,000 rows) or one year of daily bars (about 250), never the years before.
Every file is written whole to a temporary file in the same folder and moved into place
with ``os.replace``, which is atomic: a reader, or a download interrupted mid-way, sees
the old file or the new one, never half of one.

Every frame read or written has the columns ``time, open, high, low, close, volume,
value``: ``time`` the tz-aware (Asia/Seoul) start of the bar (a daily bar at 09:00 of
its day), prices in whole KRW, volume in shares and value in KRW traded (0 if unknown),
all int64.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pykis.exceptions import InvalidInputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COLUMNS", "HistoryStore", "TIMEFRAMES", "as_date"]

COLUMNS = ("time", "open", "high", "low", "close", "volume", "value")
PRICES = ("open", "high", "low", "close")
TIMEFRAMES = ("1d", "1m")
TZ = "Asia/Seoul"
CHECKED = "_checked.json"


def _research():
    """pandas, pyarrow and duckdb: the "research" extra."""
    try:
        import duckdb
        import pandas
        import pyarrow
        import pyarrow.parquet
    except ImportError as error:  # pragma: no cover - only without the extra
        raise ImportError("pykis.history needs its extra: pip install 'pykis[research]'"
                          ) from error
    return pandas, pyarrow, duckdb


def as_date(value: Any, argument: str) -> dt.date | None:
    """A date from a date, a datetime (its KST date) or "YYYY-MM-DD"; None stays None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(_kst()).date() if value.tzinfo else value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidInputError(argument, value, "a date, a datetime or 'YYYY-MM-DD'")


def _kst() -> dt.tzinfo:
    from pykis.market import KST

    return KST


def _bound(value: Any, argument: str, end: bool) -> dt.datetime | None:
    """An inclusive bound as a KST datetime: a date covers its whole day."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=_kst())
    if isinstance(value, str) and len(value.strip()) > 10:
        try:
            return _bound(dt.datetime.fromisoformat(value.strip()), argument, end)
        except ValueError:
            pass
    day = as_date(value, argument)
    assert day is not None
    moment = dt.datetime(day.year, day.month, day.day, tzinfo=_kst())
    return moment + dt.timedelta(days=1, microseconds=-1) if end else moment


def _timeframe(timeframe: str) -> str:
    if timeframe not in TIMEFRAMES:
        raise InvalidInputError("timeframe", timeframe, '"1d" or "1m"')
    return timeframe


def _symbol(symbol: str) -> str:
    if not isinstance(symbol, str) or not symbol.strip().isalnum() or len(symbol.strip()) > 12:
        raise InvalidInputError("symbol", symbol, "a KRX short code such as '005930'")
    return symbol.strip()


class HistoryStore:
    """Bars kept on disk (see the module docstring for the layout and the choice)."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        if root is None:
            from pykis.config import cache_dir

            root = os.environ.get("PYKIS_HISTORY_DIR") or cache_dir() / "history"
        self.root = Path(root).expanduser()
        self._lock = threading.Lock()  # one writer per store object at a time

    def __repr__(self) -> str:
        return f"HistoryStore(root={str(self.root)!r})"

    # --- layout ----------------------------------------------------------------------
    def folder(self, symbol: str, timeframe: str, adjusted: bool = True) -> Path:
        """Where the files of one symbol, timeframe and adjustment live."""
        symbol, timeframe = _symbol(symbol), _timeframe(timeframe)
        if timeframe == "1m":  # KIS's minute bars are as traded: there is no other kind
            return self.root / "1m" / symbol
        return self.root / "1d" / ("adjusted" if adjusted else "raw") / symbol

    @staticmethod
    def _partition(timeframe: str, moment: dt.datetime) -> str:
        return f"{moment:%Y-%m}" if timeframe == "1m" else f"{moment:%Y}"

    def _files(self, folder: Path, start: dt.datetime | None, end: dt.datetime | None,
               timeframe: str) -> list[Path]:
        """The files that may hold bars between ``start`` and ``end`` (names sort as
        periods do, so a range keeps the files whose period overlaps it)."""
        if not folder.is_dir():
            return []
        first = self._partition(timeframe, start) if start else ""
        last = self._partition(timeframe, end) if end else "~"
        return sorted(p for p in folder.glob("*.parquet") if first <= p.stem <= last)

    # --- reading ---------------------------------------------------------------------
    def bars(self, symbol: str, timeframe: str = "1d", start: Any = None, end: Any = None,
             adjusted: bool = True) -> pd.DataFrame:
        """Bars from ``start`` to ``end`` (inclusive; a date covers its day), oldest first."""
        pandas, _, duckdb = _research()
        folder = self.folder(symbol, timeframe, adjusted)
        low, high = _bound(start, "start", False), _bound(end, "end", True)
        files = self._files(folder, low, high, timeframe)
        if not files:
            return empty_frame()
        where, params = [], []
        if low is not None:
            where.append("time >= ?")
            params.append(low)
        if high is not None:
            where.append("time <= ?")
            params.append(high)
        query = (f"SELECT {', '.join(COLUMNS)} FROM read_parquet(?) "
                 f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY time")
        with duckdb.connect() as con:
            frame = con.execute(query, [[str(f) for f in files], *params]).df()
        return _typed(frame, pandas)

    def list(self) -> pd.DataFrame:
        """What the store holds: symbol, timeframe, adjusted, first, last, rows."""
        pandas, _, duckdb = _research()
        sets = [(folder, "1m", False) for folder in self._children(self.root / "1m")]
        for kind in ("adjusted", "raw"):
            sets += [(folder, "1d", kind == "adjusted")
                     for folder in self._children(self.root / "1d" / kind)]
        rows = []
        with duckdb.connect() as con:
            for folder, timeframe, adjusted in sets:
                files = sorted(folder.glob("*.parquet"))
                if not files:
                    continue
                first, last, count = con.execute(
                    "SELECT min(time), max(time), count(*) FROM read_parquet(?)",
                    [[str(f) for f in files]]).fetchone()
                if count:
                    rows.append({"symbol": folder.name, "timeframe": timeframe,
                                 "adjusted": adjusted, "first": first, "last": last,
                                 "rows": int(count)})
        columns = ["symbol", "timeframe", "adjusted", "first", "last", "rows"]
        frame = pandas.DataFrame(rows, columns=columns)
        for name in ("first", "last"):
            frame[name] = pandas.to_datetime(frame[name], utc=True).dt.tz_convert(TZ)
        frame["rows"] = frame["rows"].astype("int64")
        frame["adjusted"] = frame["adjusted"].astype(bool)
        return frame.sort_values(["symbol", "timeframe", "adjusted"], ignore_index=True)

    @staticmethod
    def _children(folder: Path) -> list[Path]:
        return sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    def symbols(self, timeframe: str = "1d") -> list[str]:
        """Symbols with bars of ``timeframe`` (either adjustment for daily bars)."""
        timeframe = _timeframe(timeframe)
        roots = [self.root / "1m"] if timeframe == "1m" else [
            self.root / "1d" / "adjusted", self.root / "1d" / "raw"]
        return sorted({p.name for root in roots for p in self._children(root)
                       if any(p.glob("*.parquet"))})

    def days(self, symbol: str, timeframe: str = "1d", adjusted: bool = True,
             start: Any = None, end: Any = None) -> set[dt.date]:
        """The days that have bars."""
        frame = self.bars(symbol, timeframe, start, end, adjusted)
        return set(frame["time"].dt.date) if len(frame) else set()

    # --- what is known complete ----------------------------------------------------------
    def checked(self, symbol: str, timeframe: str = "1d", adjusted: bool = True
                ) -> set[dt.date]:
        """Days a download found complete: their bars are stored, or KIS had none."""
        path = self.folder(symbol, timeframe, adjusted) / CHECKED
        try:
            days = json.loads(path.read_text(encoding="utf-8")).get("days", [])
            return {dt.date.fromisoformat(day) for day in days}
        except (OSError, ValueError, AttributeError, TypeError):
            return set()  # no record (or a damaged one): everything is fetched again

    def mark_checked(self, symbol: str, timeframe: str, days: Iterable[dt.date],
                     adjusted: bool = True) -> None:
        days = set(days)
        if not days:
            return
        folder = self.folder(symbol, timeframe, adjusted)
        with self._lock:
            known = self.checked(symbol, timeframe, adjusted) | days
            text = json.dumps({"days": sorted(d.isoformat() for d in known)})
            _atomic(folder / CHECKED, lambda path: Path(path).write_text(text, "utf-8"))

    # --- writing ---------------------------------------------------------------------
    def write(self, symbol: str, timeframe: str, frame: pd.DataFrame, adjusted: bool = True
              ) -> int:
        """Merge ``frame`` into the store by time (a bar already there is replaced by the
        new one); the number of bars that were not there before."""
        pandas, pyarrow, _ = _research()
        folder = self.folder(symbol, timeframe, adjusted)
        new = normalized(frame, timeframe)
        if not len(new):
            return 0
        added = 0
        keys = new["time"].dt.strftime("%Y-%m" if timeframe == "1m" else "%Y")
        with self._lock:
            for key, part in new.groupby(keys, sort=True):
                path = folder / f"{key}.parquet"
                old = _read(path, pandas)
                merged = pandas.concat([old, part], ignore_index=True) if len(old) else part
                merged = merged.drop_duplicates("time", keep="last").sort_values(
                    "time", ignore_index=True)
                added += len(merged) - len(old)
                table = pyarrow.Table.from_pandas(merged[list(COLUMNS)], preserve_index=False)
                _atomic(path, lambda target, t=table: _write_table(t, target))
        return added


# --- frames ------------------------------------------------------------------------------
def empty_frame() -> pd.DataFrame:
    pandas, _, _ = _research()
    frame = pandas.DataFrame({name: pandas.Series(dtype="int64") for name in COLUMNS})
    frame["time"] = pandas.Series(dtype=f"datetime64[us, {TZ}]")
    return frame


def _typed(frame: pd.DataFrame, pandas) -> pd.DataFrame:
    if not len(frame):
        return empty_frame()
    frame = frame.copy()
    frame["time"] = pandas.to_datetime(frame["time"], utc=True).dt.tz_convert(TZ).astype(
        f"datetime64[us, {TZ}]")
    for name in COLUMNS[1:]:
        frame[name] = frame[name].astype("int64")
    return frame.reset_index(drop=True)


def normalized(frame: pd.DataFrame, timeframe: str) -> pd.DataFrame:
    """``frame`` as the store keeps it, or InvalidInputError naming what is wrong: the
    columns, tz-aware KST times (naive ones are KST; a daily bar moves to 09:00 of its
    day), whole non-negative numbers, sorted and without duplicate times."""
    pandas, _, _ = _research()
    timeframe = _timeframe(timeframe)
    if not isinstance(frame, pandas.DataFrame):
        raise InvalidInputError("frame", type(frame).__name__, "a pandas DataFrame")
    missing = [c for c in COLUMNS if c not in frame.columns and c != "value"]
    if missing:
        raise InvalidInputError("frame", list(frame.columns),
                                f"columns {', '.join(COLUMNS)} (missing {', '.join(missing)})")
    out = pandas.DataFrame()
    try:
        times = frame["time"]
        times = pandas.to_datetime(times) if pandas.api.types.is_datetime64_any_dtype(
            times) else pandas.to_datetime(times, format="mixed")
    except (ValueError, TypeError) as error:
        raise InvalidInputError("frame", "time", f"times pandas can read ({error})") from None
    times = times.dt.tz_localize(TZ) if times.dt.tz is None else times.dt.tz_convert(TZ)
    if times.isna().any():
        raise InvalidInputError("frame", "time", "a time on every row")
    if timeframe == "1d":
        times = times.dt.normalize() + pandas.Timedelta(hours=9)
    elif (times.dt.second != 0).any() or (times.dt.microsecond != 0).any():
        raise InvalidInputError("frame", "time", "one-minute bars starting on whole minutes")
    out["time"] = times.astype(f"datetime64[us, {TZ}]").reset_index(drop=True)
    for name in COLUMNS[1:]:
        column = frame[name] if name in frame.columns else pandas.Series(0, index=frame.index)
        values = pandas.to_numeric(column, errors="coerce")
        if values.isna().any() or (values < 0).any() or (values % 1 != 0).any():
            raise InvalidInputError("frame", name, "whole numbers, zero or more, on every row")
        out[name] = values.astype("int64").reset_index(drop=True)
    bad = (out["high"] < out[["open", "close", "low"]].max(axis=1)) | (
        out["low"] > out[["open", "close"]].min(axis=1))
    if bad.any():
        row = out[bad].iloc[0]
        raise InvalidInputError("frame", f"bar at {row['time']}",
                                "a high at or above the open, close and low, a low at or "
                                "below the open and close")
    return out.drop_duplicates("time", keep="last").sort_values("time", ignore_index=True)


def _read(path: Path, pandas) -> pd.DataFrame:
    if not path.exists():
        return empty_frame()
    import pyarrow.parquet as pq

    return _typed(pq.read_table(path).to_pandas(), pandas)


def _write_table(table, target: str) -> None:
    import pyarrow.parquet as pq

    pq.write_table(table, target, compression="zstd")


def _atomic(path: Path, write) -> None:
    """Write ``path`` through a temporary file in its folder and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                         dir=path.parent)
    os.close(handle)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
