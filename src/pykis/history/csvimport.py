"""Bars from elsewhere: a CSV file into the store.

The file needs a time (or date) column and open, high, low, close and volume; value
(KRW traded) is optional. ``columns`` maps the store's names to the file's when they
differ, e.g. ``{"time": "Date", "close": "Close"}``. Times without an offset are KST; a
date alone is a daily bar (stored at 09:00 of its day). KIS's own names
(stck_bsop_date, stck_cntg_hour, stck_oprc, stck_hgpr, stck_lwpr, stck_clpr/stck_prpr,
acml_vol/cntg_vol, acml_tr_pbmn) are recognised without a mapping.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pykis.exceptions import InvalidInputError
from pykis.history.store import COLUMNS, HistoryStore, _research

__all__ = ["import_csv"]

# What a column may be called in a file when ``columns`` does not say (lower case).
ALIASES = {
    "time": ("time", "datetime", "date", "timestamp", "stck_bsop_date"),
    "open": ("open", "stck_oprc"),
    "high": ("high", "stck_hgpr"),
    "low": ("low", "stck_lwpr"),
    "close": ("close", "stck_clpr", "stck_prpr"),
    "volume": ("volume", "acml_vol", "cntg_vol"),
    "value": ("value", "acml_tr_pbmn"),
}


def import_csv(path: str | os.PathLike[str], symbol: str, timeframe: str = "1d", *,
               store: HistoryStore | None = None, adjusted: bool = True,
               columns: Mapping[str, str] | None = None) -> int:
    """Read ``path`` and merge its bars into the store; the number of new bars."""
    pandas, _, _ = _research()
    store = store if store is not None else HistoryStore()
    store.folder(symbol, timeframe, adjusted)  # symbol and timeframe checked before reading
    try:
        raw = pandas.read_csv(path, dtype=str, skipinitialspace=True)
    except FileNotFoundError:
        raise InvalidInputError("path", str(path), "an existing CSV file") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInputError("path", str(path), f"a CSV file ({error})") from None
    sources = _sources(list(raw.columns), columns or {})
    frame = pandas.DataFrame({name: raw[source] for name, source in sources.items()})
    times = frame["time"].astype(str).str.strip()
    hour = next((c for c in raw.columns if c.lower().strip() == "stck_cntg_hour"), None)
    if hour is not None and "time" not in (columns or {}):
        # KIS's minute rows: a date and the hour the bar ENDS (stck_cntg_hour 090100 is
        # the bar of 09:00:00-09:00:59), read as the client reads them.
        ends = _times(times + raw[hour].astype(str).str.strip().str.zfill(6), pandas)
        frame["time"] = ends - pandas.Timedelta(minutes=1)
    else:
        frame["time"] = _times(times, pandas)
    return store.write(symbol, timeframe, frame, adjusted)


def _sources(found: list[str], columns: Mapping[str, str]) -> dict[str, str]:
    """The file's column for each of the store's."""
    unknown = [name for name in columns if name not in COLUMNS]
    if unknown:
        raise InvalidInputError("columns", dict(columns),
                                f"a mapping from {', '.join(COLUMNS)} to the file's names")
    lower = {name.lower().strip(): name for name in found}
    sources = {}
    for name in COLUMNS:
        if name in columns:
            if columns[name] not in found:
                raise InvalidInputError("columns", dict(columns),
                                        f"names of the file's columns ({', '.join(found)})")
            sources[name] = columns[name]
            continue
        match = next((lower[a] for a in ALIASES[name] if a in lower), None)
        if match is None and name != "value":
            raise InvalidInputError("path", found, f"a column for {name} (or name it in "
                                    "columns=)")
        if match is not None:
            sources[name] = match
    return sources


def _times(values, pandas):
    """Times as pandas reads them; KIS's YYYYMMDD (and YYYYMMDDHHMMSS) as well."""
    text = values.astype(str).str.strip()
    for layout, size in (("%Y%m%d%H%M%S", 14), ("%Y%m%d", 8)):
        if text.str.fullmatch(r"\d{%d}" % size).all():
            return pandas.to_datetime(text, format=layout)
    try:
        return pandas.to_datetime(text, format="mixed")
    except (ValueError, TypeError) as error:
        raise InvalidInputError("path", text.iloc[0] if len(text) else "",
                                f"times pandas can read ({error})") from None
