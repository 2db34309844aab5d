"""KIS's stock master files (종목정보파일), built from the simulator's universe.

KIS publishes them on its download host, without authentication:

    GET /common/master/kospi_code.mst.zip     member kospi_code.mst
    GET /common/master/kosdaq_code.mst.zip    member kosdaq_code.mst
    GET /common/master/konex_code.mst.zip     member konex_code.mst

Each zip holds one member: cp949 text, one record per line, LF line ends. A record is
the short code left-justified in 9 characters, the standard code (ISIN) in 12, the
Korean name padded to exactly 40 bytes of cp949, then a fixed-width tail (KOSPI 227
characters in 70 columns, KOSDAQ 221 in 64, KONEX 184). Clients cut the name at byte 21
and the tail from the end of the line, so every width below must be exact.

The columns the universe gives meaning to are filled (group code, ETP code, base price,
trading unit, face value, listing date, listed shares in thousands, capital, fiscal
month, index flags, market value in 억); the rest hold what a listing without that
attribute shows: "N" flags, zero codes and amounts.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import zipfile
from typing import TYPE_CHECKING, Any

from pykis.market import InstrumentKind, Market
from pykis.sim.market import FIRST_DAY
from pykis.sim.universe import Instrument

if TYPE_CHECKING:
    from pykis.sim.state import SimState

__all__ = ["COLUMNS", "FILES", "NAME_BYTES", "build", "member", "record"]

PREFIX = "/common/master/"
ENCODING = "cp949"
CODE_WIDTH, STD_WIDTH, NAME_BYTES = 9, 12, 40

# A column: (name, width, what a listing without the attribute shows). The fill is
# repeated to the width: "N" for Y/N flags, "0" for codes and numbers.
Column = tuple[str, int, str]

_FLAG, _ZERO = "N", "0"


def _flags(*names: str) -> tuple[Column, ...]:
    return tuple((name, 1, _FLAG) for name in names)


# Column names and widths of the tails, in file order: the official samples in
# koreainvestment/open-trading-api, stocks_info/kis_kospi_code_mst.py (70 widths, sum
# 227), kis_kosdaq_code_mst.py (64 widths, sum 221) and kis_konex_code_mst.py (184
# characters), with the struct comments of stocks_info/종목마스터정보(코스피).h and
# (코스닥).h. Names are our labels; the same label means the same column in every file.
_HEAD: tuple[Column, ...] = (
    ("그룹코드", 2, " "), ("시가총액규모", 1, _ZERO), ("지수업종대분류", 4, _ZERO),
    ("지수업종중분류", 4, _ZERO), ("지수업종소분류", 4, _ZERO),
)
# From the base price on, the three files share their columns (KONEX without 그룹사코드
# and without the index flags).
_PRICE_AND_STATUS: tuple[Column, ...] = (
    ("기준가", 9, _ZERO), ("매매수량단위", 5, _ZERO), ("시간외수량단위", 5, _ZERO),
    *_flags("거래정지", "정리매매", "관리종목"), ("시장경고", 2, _ZERO),
    *_flags("경고예고", "불성실공시", "우회상장"), ("락구분", 2, _ZERO),
    ("액면변경", 2, _ZERO), ("증자구분", 2, _ZERO), ("증거금비율", 3, _ZERO),
    *_flags("신용가능"), ("신용기간", 3, _ZERO), ("전일거래량", 12, _ZERO),
    ("액면가", 12, _ZERO), ("상장일자", 8, _ZERO), ("상장주수", 15, _ZERO),
    ("자본금", 21, _ZERO), ("결산월", 2, _ZERO), ("공모가", 7, _ZERO), ("우선주", 1, _ZERO),
    *_flags("공매도과열", "이상급등"),
)
_FINANCIALS: tuple[Column, ...] = (
    ("매출액", 9, _ZERO), ("영업이익", 9, _ZERO), ("경상이익", 9, _ZERO),
    ("당기순이익", 5, _ZERO), ("ROE", 9, _ZERO), ("기준년월", 8, _ZERO),
    ("시가총액", 9, _ZERO),
)
_LENDING = _flags("회사신용한도초과", "담보대출가능", "대주가능")

COLUMNS: dict[str, tuple[Column, ...]] = {
    "kospi": (
        *_HEAD,
        *_flags("제조업", "저유동성", "지배구조지수종목"), ("KOSPI200섹터업종", 1, _ZERO),
        *_flags("KOSPI100", "KOSPI50", "KRX"), ("ETP", 1, _ZERO),
        *_flags("ELW발행", "KRX100", "KRX자동차", "KRX반도체", "KRX바이오", "KRX은행", "SPAC",
                "KRX에너지화학", "KRX철강"),
        ("단기과열", 1, _ZERO),
        *_flags("KRX미디어통신", "KRX건설", "Non1", "KRX증권", "KRX선박", "KRX섹터_보험",
                "KRX섹터_운송", "SRI"),
        *_PRICE_AND_STATUS, *_flags("KRX300", "KOSPI"), *_FINANCIALS,
        ("그룹사코드", 3, _ZERO), *_LENDING,
    ),
    "kosdaq": (
        *_HEAD,
        *_flags("벤처기업", "저유동성", "KRX"), ("ETP", 1, _ZERO),
        *_flags("KRX100", "KRX자동차", "KRX반도체", "KRX바이오", "KRX은행", "SPAC",
                "KRX에너지화학", "KRX철강"),
        ("단기과열", 1, _ZERO),
        *_flags("KRX미디어통신", "KRX건설", "투자주의환기", "KRX증권", "KRX선박", "KRX섹터_보험",
                "KRX섹터_운송", "KOSDAQ150"),
        *_PRICE_AND_STATUS, *_flags("KRX300"), *_FINANCIALS,
        ("그룹사코드", 3, _ZERO), *_LENDING,
    ),
    "konex": (
        _HEAD[0], *_PRICE_AND_STATUS, *_flags("KRX300"), *_FINANCIALS, *_LENDING,
    ),
}
TAIL_WIDTH = {name: sum(width for _, width, _ in cols) for name, cols in COLUMNS.items()}
assert TAIL_WIDTH == {"kospi": 227, "kosdaq": 221, "konex": 184}, TAIL_WIDTH
assert (len(COLUMNS["kospi"]), len(COLUMNS["kosdaq"])) == (70, 64)

MARKETS = {"kospi": Market.KOSPI, "kosdaq": Market.KOSDAQ, "konex": Market.KONEX}
FILES = {f"{PREFIX}{name}_code.mst.zip": name for name in MARKETS}

# ETP 상품구분코드: 0 none, 1 투자회사형, 2 수익증권형 (Korean ETFs are trusts), 3 ETN.
_ETP = {InstrumentKind.STOCK: "0", InstrumentKind.ETF: "2", InstrumentKind.ETN: "3"}


def member(path: str) -> str:
    """The zip member of a master file path: ``kospi_code.mst``."""
    return f"{FILES[path]}_code.mst"


def record(file: str, inst: Instrument, values: dict[str, Any]) -> bytes:
    """One line of a master file (without its LF), in cp949."""
    text = inst.name
    while len(text.encode(ENCODING, errors="replace")) > NAME_BYTES:
        text = text[:-1]  # never cut a two-byte character in half
    name = text.encode(ENCODING, errors="replace")
    head = inst.short_code.ljust(CODE_WIDTH) + inst.std_code
    tail = []
    for column, width, fill in COLUMNS[file]:
        value = values.get(column)
        if value is None:
            cell = fill * width
        elif isinstance(value, int):
            cell = str(value).rjust(width, "0")
        else:
            cell = str(value).ljust(width)
        if len(cell) != width:
            raise ValueError(f"{column} of {inst.code} does not fit in {width}: {cell!r}")
        tail.append(cell)
    return (head.encode("ascii") + name.ljust(NAME_BYTES, b" ")
            + "".join(tail).encode("ascii"))


def _values(state: SimState, inst: Instrument, day: dt.date) -> tuple[int, int]:
    """What the market gives a listing's line on the market day ``day``: the base price
    and the previous day's volume (the rest comes from the listing itself)."""
    market = state.market
    bar = market.history(inst.code).bar(day)
    previous = market.calendar.previous_trading_day(day)
    prev_volume = market.history(inst.code).bar(previous).volume if previous >= FIRST_DAY else 0
    return bar.base, prev_volume


def _columns(inst: Instrument, base: int, prev_volume: int) -> dict[str, Any]:
    """The columns this listing gives meaning to."""
    stock = inst.kind is InstrumentKind.STOCK
    return {
        "그룹코드": inst.group_code, "ETP": _ETP[inst.kind], "기준가": base,
        "매매수량단위": 1, "시간외수량단위": 1, "증거금비율": 20 if stock else 100,
        "신용가능": "Y" if stock else "N", "신용기간": 90 if stock else 0,
        "전일거래량": prev_volume, "액면가": inst.face_value,
        "상장일자": inst.listed or "00000000", "상장주수": inst.shares // 1000,
        "자본금": inst.shares * inst.face_value, "결산월": "12",
        "우선주": "1" if inst.preferred else "0",
        "KRX300": "Y" if inst.index_name in ("KOSPI200", "KOSDAQ150") else "N",
        "KOSPI": "Y" if stock and inst.market is Market.KOSPI else "N",
        "KOSDAQ150": "Y" if inst.index_name == "KOSDAQ150" else "N",
        "시가총액": base * inst.shares // 100_000_000,
    }


# A line and a zip are pure in what they are built from, so they are kept for the whole
# process: every fresh simulator of a test serves the same files again.
@functools.lru_cache(maxsize=1 << 12)
def _line(file: str, inst: Instrument, base: int, prev_volume: int) -> bytes:
    return record(file, inst, _columns(inst, base, prev_volume)) + b"\n"


@functools.lru_cache(maxsize=32)
def _zip(path: str, day: dt.date, text: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        entry = zipfile.ZipInfo(member(path), date_time=(day.year, day.month, day.day,
                                                         0, 0, 0))
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry.external_attr = 0o644 << 16
        archive.writestr(entry, text)
    return buffer.getvalue()


def build(state: SimState, path: str) -> bytes:
    """The zip KIS serves at ``path``, for the simulator's current market day."""
    file = FILES[path]
    day = state.market.market_day(state.clock.now())

    def compute() -> bytes:
        listings = sorted((inst for inst in state.market.universe.values()
                           if inst.market is MARKETS[file]), key=lambda i: i.short_code)
        text = b"".join(_line(file, inst, *_values(state, inst, day)) for inst in listings)
        return _zip(path, day, text)

    return state.market.memo(("master-file", file, day), compute)
