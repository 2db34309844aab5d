"""History you keep: bars downloaded through the client (or imported from CSV) into a
local store of Parquet files, read back as pandas.

    from pykis.history import HistoryStore, download, import_csv

    report = download(kis, ["005930", "000660"], "1d", since="2024-01-01")
    store = HistoryStore()                       # $PYKIS_HISTORY_DIR, else the cache
    frame = store.bars("005930", "1d", start="2024-06-01")

Needs the "research" extra (pandas, pyarrow, duckdb). ``pykis.history.ticks`` is the
documented tick path inside a bar, shared by the replaying simulator and the backtester.
"""

from pykis.history.csvimport import import_csv
from pykis.history.download import DownloadReport, download
from pykis.history.store import COLUMNS, HistoryStore

__all__ = ["COLUMNS", "DownloadReport", "HistoryStore", "download", "import_csv"]
