"""The simulator's listings: real KRX codes and names with synthetic, seeded prices.

Codes, names and segments are public facts; share counts are those KIS reported in July
2025 where known, otherwise round approximations. Price levels are only a starting point:
the seed moves each one by up to ±20 % and picks per-symbol volatility, liquidity (and
from it how often the listing trades: ``trade_interval``) and valuation figures, so a seed
gives the same market every time and different seeds give different markets. The
reference levels are spread over every tick band, ETFs included on both sides of
2,000 KRW.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from pykis.market import InstrumentKind, Market, Rounding, round_to_tick

__all__ = ["LISTINGS", "Instrument", "build_universe", "isin", "trade_interval"]

S, E = InstrumentKind.STOCK, InstrumentKind.ETF
KOSPI, KOSDAQ = Market.KOSPI, Market.KOSDAQ

# code, name, market, kind, reference price, listed shares, sector, index, face value,
# English name (KIS's prdt_eng_abrv_name style: the company's own short English name),
# listing date (YYYYMMDD; the real date where known, otherwise a plausible fixed one)
LISTINGS: tuple[tuple, ...] = (
    ("005930", "삼성전자", KOSPI, S, 65_850, 5_919_637_922, "전기·전자", "KOSPI200", 100,
     "Samsung Electronics", "19750611"),
    ("000660", "SK하이닉스", KOSPI, S, 270_000, 728_002_365, "전기·전자", "KOSPI200", 5000,
     "SK hynix", "19961226"),
    ("373220", "LG에너지솔루션", KOSPI, S, 363_000, 234_000_000, "전기·전자", "KOSPI200", 500,
     "LG Energy Solution", "20220127"),
    ("207940", "삼성바이오로직스", KOSPI, S, 1_078_000, 71_174_000, "제약", "KOSPI200", 2500,
     "Samsung Biologics", "20161110"),
    ("012450", "한화에어로스페이스", KOSPI, S, 943_000, 51_563_401, "운송장비·부품", "KOSPI200", 5000,
     "Hanwha Aerospace", "19870525"),
    ("105560", "KB금융", KOSPI, S, 119_100, 381_462_103, "금융", "KOSPI200", 5000,
     "KB Financial Group", "20081010"),
    ("005380", "현대차", KOSPI, S, 217_250, 204_757_766, "운송장비·부품", "KOSPI200", 5000,
     "Hyundai Motor", "19740628"),
    ("005935", "삼성전자우", KOSPI, S, 54_500, 815_974_664, "전기·전자", "KOSPI200", 100,
     "Samsung Electronics Pref", "19890925"),
    ("000270", "기아", KOSPI, S, 105_700, 397_672_632, "운송장비·부품", "KOSPI200", 5000,
     "Kia", "19730721"),
    ("034020", "두산에너빌리티", KOSPI, S, 65_300, 640_561_146, "기계·장비", "KOSPI200", 5000,
     "Doosan Enerbility", "20001025"),
    ("068270", "셀트리온", KOSPI, S, 178_000, 230_920_342, "제약", "KOSPI200", 1000,
     "Celltrion", "20180209"),
    ("329180", "HD현대중공업", KOSPI, S, 432_500, 88_773_116, "운송장비·부품", "KOSPI200", 5000,
     "HD Hyundai Heavy Industries", "20210917"),
    ("035420", "NAVER", KOSPI, S, 226_500, 158_437_008, "IT 서비스", "KOSPI200", 100,
     "NAVER", "20081128"),
    ("055550", "신한지주", KOSPI, S, 69_800, 485_494_934, "금융", "KOSPI200", 5000,
     "Shinhan Financial Group", "20010918"),
    ("028260", "삼성물산", KOSPI, S, 168_400, 169_976_544, "유통", "KOSPI200", 100,
     "Samsung C&T", "20141218"),
    ("012330", "현대모비스", KOSPI, S, 300_000, 91_795_094, "운송장비·부품", "KOSPI200", 5000,
     "Hyundai Mobis", "19891205"),
    ("042660", "한화오션", KOSPI, S, 88_000, 306_413_394, "운송장비·부품", "KOSPI200", 5000,
     "Hanwha Ocean", "20010202"),
    ("005490", "POSCO홀딩스", KOSPI, S, 331_500, 80_932_952, "금속", "KOSPI200", 5000,
     "POSCO Holdings", "19880610"),
    ("086790", "하나금융지주", KOSPI, S, 92_300, 284_723_889, "금융", "KOSPI200", 5000,
     "Hana Financial Group", "20051212"),
    ("032830", "삼성생명", KOSPI, S, 127_600, 200_000_000, "보험", "KOSPI200", 500,
     "Samsung Life Insurance", "20100512"),
    ("011200", "HMM", KOSPI, S, 24_750, 1_025_039_496, "운송·창고", "KOSPI200", 5000,
     "HMM", "19950929"),
    ("015760", "한국전력", KOSPI, S, 38_000, 641_964_077, "전기·가스", "KOSPI200", 5000,
     "Korea Electric Power", "19890825"),
    ("035720", "카카오", KOSPI, S, 54_300, 442_013_722, "IT 서비스", "KOSPI200", 100,
     "Kakao", "20170710"),
    ("051910", "LG화학", KOSPI, S, 305_000, 70_592_343, "화학", "KOSPI200", 5000,
     "LG Chem", "20010425"),
    ("000810", "삼성화재", KOSPI, S, 456_500, 46_011_155, "보험", "KOSPI200", 500,
     "Samsung Fire & Marine Insurance", "19750630"),
    ("001510", "SK증권", KOSPI, S, 3_330, 48_000_000, "증권", "KOSPI", 5000,
     "SK Securities", "19750515"),
    ("001440", "대한전선", KOSPI, S, 14_800, 185_000_000, "전기·전자", "KOSPI200", 1000,
     "Taihan Cable & Solution", "19680527"),
    ("003280", "흥아해운", KOSPI, S, 1_650, 240_000_000, "운송·창고", "KOSPI", 500,
     "Heung-A Shipping", "19760630"),
    ("196170", "알테오젠", KOSDAQ, S, 466_000, 53_464_968, "제약", "KOSDAQ150", 500,
     "Alteogen", "20141212"),
    ("247540", "에코프로비엠", KOSDAQ, S, 118_000, 97_801_344, "일반전기전자", "KOSDAQ150", 500,
     "EcoPro BM", "20190305"),
    ("028300", "HLB", KOSDAQ, S, 48_500, 131_000_000, "제약", "KOSDAQ150", 500,
     "HLB", "19960315"),
    ("263750", "펄어비스", KOSDAQ, S, 31_200, 64_000_000, "디지털컨텐츠", "KOSDAQ150", 100,
     "Pearl Abyss", "20170912"),
    ("035900", "JYP Ent.", KOSDAQ, S, 71_000, 35_500_000, "오락·문화", "KOSDAQ150", 500,
     "JYP Entertainment", "20011122"),
    ("024060", "흥구석유", KOSDAQ, S, 18_150, 15_000_000, "유통", "KOSDAQ", 500,
     "Heung-Gu Oil", "19940201"),
    ("032820", "우리기술", KOSDAQ, S, 2_230, 150_000_000, "일반전기전자", "KOSDAQ", 500,
     "Woori Technology", "20000530"),
    ("017670", "SK텔레콤", KOSPI, S, 55_000, 214_790_053, "통신", "KOSPI200", 100,
     "SK Telecom", "19891107"),
    ("030200", "KT", KOSPI, S, 50_000, 257_893_247, "통신", "KOSPI200", 5000,
     "KT", "19981223"),
    ("066570", "LG전자", KOSPI, S, 80_000, 163_647_814, "전기·전자", "KOSPI200", 5000,
     "LG Electronics", "20020422"),
    ("003550", "LG", KOSPI, S, 75_000, 157_300_000, "기타금융", "KOSPI200", 5000,
     "LG Corp", "19700413"),
    ("034730", "SK", KOSPI, S, 180_000, 72_000_000, "기타금융", "KOSPI200", 200,
     "SK Inc", "20091111"),
    ("096770", "SK이노베이션", KOSPI, S, 110_000, 150_000_000, "화학", "KOSPI200", 5000,
     "SK Innovation", "20070711"),
    ("010130", "고려아연", KOSPI, S, 900_000, 20_000_000, "금속", "KOSPI200", 5000,
     "Korea Zinc", "19900713"),
    ("009150", "삼성전기", KOSPI, S, 140_000, 74_693_696, "전기·전자", "KOSPI200", 5000,
     "Samsung Electro-Mechanics", "19790227"),
    ("018260", "삼성에스디에스", KOSPI, S, 160_000, 77_377_800, "IT 서비스", "KOSPI200", 500,
     "Samsung SDS", "20141114"),
    ("036570", "엔씨소프트", KOSPI, S, 200_000, 21_954_022, "IT 서비스", "KOSPI200", 500,
     "NCSOFT", "20030521"),
    ("251270", "넷마블", KOSPI, S, 55_000, 86_000_000, "IT 서비스", "KOSPI200", 100,
     "Netmarble", "20170512"),
    ("000720", "현대건설", KOSPI, S, 55_000, 111_355_765, "건설", "KOSPI200", 5000,
     "Hyundai E&C", "19840921"),
    ("010950", "S-Oil", KOSPI, S, 60_000, 112_582_792, "화학", "KOSPI200", 2500,
     "S-Oil", "19870527"),
    ("024110", "기업은행", KOSPI, S, 19_500, 797_000_000, "금융", "KOSPI200", 5000,
     "Industrial Bank of Korea", "20031224"),
    ("316140", "우리금융지주", KOSPI, S, 23_000, 742_000_000, "금융", "KOSPI200", 5000,
     "Woori Financial Group", "20190213"),
    ("323410", "카카오뱅크", KOSPI, S, 28_000, 477_000_000, "금융", "KOSPI200", 5000,
     "KakaoBank", "20210806"),
    ("259960", "크래프톤", KOSPI, S, 380_000, 48_000_000, "IT 서비스", "KOSPI200", 100,
     "KRAFTON", "20210810"),
    ("352820", "하이브", KOSPI, S, 290_000, 41_600_000, "오락·문화", "KOSPI200", 500,
     "HYBE", "20201015"),
    ("003490", "대한항공", KOSPI, S, 23_000, 368_000_000, "운송·창고", "KOSPI200", 5000,
     "Korean Air", "19660321"),
    ("000100", "유한양행", KOSPI, S, 120_000, 80_000_000, "제약", "KOSPI200", 1000,
     "Yuhan", "19621101"),
    ("086520", "에코프로", KOSDAQ, S, 90_000, 133_000_000, "일반전기전자", "KOSDAQ150", 100,
     "EcoPro", "20071026"),
    ("041510", "에스엠", KOSDAQ, S, 110_000, 23_800_000, "오락·문화", "KOSDAQ150", 500,
     "SM Entertainment", "20000427"),
    ("293490", "카카오게임즈", KOSDAQ, S, 17_000, 82_000_000, "디지털컨텐츠", "KOSDAQ150", 100,
     "Kakao Games", "20200910"),
    ("240810", "원익IPS", KOSDAQ, S, 30_000, 49_000_000, "반도체", "KOSDAQ150", 500,
     "Wonik IPS", "20160401"),
    ("039030", "이오테크닉스", KOSDAQ, S, 170_000, 12_300_000, "반도체", "KOSDAQ150", 500,
     "EO Technics", "20000530"),
    ("214150", "클래시스", KOSDAQ, S, 60_000, 65_000_000, "의료·정밀기기", "KOSDAQ150", 100,
     "Classys", "20170821"),
    ("069500", "KODEX 200", KOSPI, E, 35_500, 180_000_000, "ETF", "KOSPI", 0,
     "KODEX 200", "20021014"),
    ("102110", "TIGER 200", KOSPI, E, 35_600, 60_000_000, "ETF", "KOSPI", 0,
     "TIGER 200", "20080403"),
    ("122630", "KODEX 레버리지", KOSPI, E, 19_850, 150_000_000, "ETF", "KOSPI", 0,
     "KODEX Leverage", "20100222"),
    ("114800", "KODEX 인버스", KOSPI, E, 4_010, 250_000_000, "ETF", "KOSPI", 0,
     "KODEX Inverse", "20090907"),
    ("252670", "KODEX 200선물인버스2X", KOSPI, E, 1_930, 900_000_000, "ETF", "KOSPI", 0,
     "KODEX 200 Futures Inverse 2X", "20160927"),
    ("229200", "KODEX 코스닥150", KOSPI, E, 13_200, 90_000_000, "ETF", "KOSPI", 0,
     "KODEX KOSDAQ150", "20151001"),
    ("360750", "TIGER 미국S&P500", KOSPI, E, 21_400, 200_000_000, "ETF", "KOSPI", 0,
     "TIGER US S&P500", "20200807"),
)


@dataclass(frozen=True, slots=True)
class Instrument:
    """One listing and the seeded parameters that drive its synthetic prices."""

    code: str
    name: str
    market: Market
    kind: InstrumentKind
    level: int  # long-run price level the daily walk reverts to (on the tick grid)
    shares: int
    sector: str
    index_name: str
    face_value: int
    daily_vol: float  # standard deviation of daily log returns
    daily_volume: int  # typical shares traded per day
    tick_interval: float  # mean seconds between trades (trade_interval: from liquidity)
    eps: int
    bps: int
    foreign_ratio: float  # foreign holding ratio, percent
    eng_name: str = ""  # English name, as KIS's 주식기본조회 gives it
    listed: str = ""  # listing date, YYYYMMDD

    @property
    def capital(self) -> int:
        """Paid-in capital in 억 KRW (shares × face value)."""
        return self.shares * self.face_value // 100_000_000

    # --- how KIS names the listing ---------------------------------------------------
    @property
    def short_code(self) -> str:
        """The code KIS's master files and product look-ups show: ETNs carry a ``Q``."""
        return "Q" + self.code if self.kind is InstrumentKind.ETN else self.code

    @property
    def pdno(self) -> str:
        """KIS's 12-character product number: ``00000A005930``, ``00000Q500001``."""
        prefix = "" if self.kind is InstrumentKind.ETN else "A"
        return (prefix + self.short_code).rjust(12, "0")

    @property
    def std_code(self) -> str:
        """The standard code (ISIN) KRX assigned."""
        return isin(self.code, preferred=self.preferred)

    @property
    def preferred(self) -> bool:
        """A preferred share: 삼성전자우, 현대차2우B (KRX gives them codes ending in 5, 7, 9)."""
        return self.kind is InstrumentKind.STOCK and _PREFERRED.search(self.name) is not None

    @property
    def full_name(self) -> str:
        """The long Korean name (상품명): 삼성전자보통주, 삼성전자우선주; funds keep theirs."""
        if self.kind is not InstrumentKind.STOCK:
            return self.name
        if self.preferred:
            return self.name.removesuffix("우") + "우선주"
        return self.name + "보통주"

    @property
    def group_code(self) -> str:
        """증권그룹 code: ST stock, EF ETF, EN ETN, KN KONEX stock."""
        if self.kind is InstrumentKind.ETF:
            return "EF"
        if self.kind is InstrumentKind.ETN:
            return "EN"
        return "KN" if self.market is Market.KONEX else "ST"


_PREFERRED = re.compile(r"[0-9]?우B?$")
_SHARE_CLASS = {"5": "1", "7": "2", "9": "3"}  # last digit of a preferred's short code


def isin(code: str, *, preferred: bool = False) -> str:
    """The ISIN of a KRX share with a 6-digit short code: ``KR7`` + the code + ``00`` + the
    check digit (Luhn over the letters-as-numbers), e.g. 005930 → KR7005930003.

    A preferred share (short code ending in 5, 7, 9) puts its class (1, 2, 3) where the
    short code has its last digit: 005935 → KR7005931001, as KRX does.
    """
    if preferred and code[-1] in _SHARE_CLASS:
        code = code[:-1] + _SHARE_CLASS[code[-1]]
    body = f"KR7{code}00"
    digits = "".join(str(int(c, 36)) for c in body)  # A=10 ... Z=35
    total = 0
    for i, ch in enumerate(reversed(digits)):  # double every other digit from the right
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str(-total % 10)


# Trades a second of a listing trading 1 billion KRW a day; the rate grows with the square
# root of the traded value, so 005930 (~1-2 trillion KRW) trades several times a second and
# a small cap (~1 billion) every few seconds, as on KRX.
RATE_PER_SQRT_BILLION = 0.15
RATE_RANGE = (1 / 30, 15.0)  # trades a second, before SimConfig.activity scales them


def trade_interval(daily_value: float, jitter: float) -> float:
    """Mean seconds between trades of a listing that trades ``daily_value`` KRW a day."""
    rate = RATE_PER_SQRT_BILLION * (daily_value / 1e9) ** 0.5 * jitter
    return 1 / min(max(rate, RATE_RANGE[0]), RATE_RANGE[1])


def _instrument(row: tuple, rng: random.Random) -> Instrument:
    code, name, market, kind, price, shares, sector, index_name, face, eng_name, listed = row
    level = round_to_tick(price * rng.uniform(0.8, 1.2), Rounding.NEAREST, kind)
    fund = kind is InstrumentKind.ETF
    daily_vol = rng.uniform(0.006, 0.012) if fund else rng.uniform(0.012, 0.03)
    daily_volume = max(10_000, int(shares * rng.uniform(0.001, 0.006)))
    return Instrument(
        code=code,
        name=name,
        market=market,
        kind=kind,
        level=level,
        shares=shares,
        sector=sector,
        index_name=index_name,
        face_value=face,
        daily_vol=daily_vol,
        daily_volume=daily_volume,
        tick_interval=trade_interval(daily_volume * level, rng.uniform(0.75, 1.33)),
        eps=0 if fund else int(level / rng.uniform(6, 35)),
        bps=0 if fund else int(level / rng.uniform(0.5, 3.0)),
        foreign_ratio=0.0 if fund else round(rng.uniform(2, 55), 2),
        eng_name=eng_name,
        listed=listed,
    )


SYNTHETIC_LISTED = "20200102"  # the synthetic stocks all list on the first simulated day


def build_universe(seed: int, extra: int = 0) -> dict[str, Instrument]:
    """The listings with parameters drawn from ``seed``; same seed, same universe.

    ``extra`` adds that many synthetic stocks (codes 900000 and up, names "시뮬종목NNNN"
    and "SIM STOCK NNNN", prices spread over the tick bands) for workloads that need
    hundreds of symbols.
    """
    rng = random.Random(f"universe:{seed}")
    universe = {row[0]: _instrument(row, rng) for row in LISTINGS}
    levels = [row[4] for row in LISTINGS if row[3] is S]
    for n in range(extra):
        code = f"{900_000 + n:06d}"
        market = KOSPI if n % 2 else KOSDAQ
        row = (code, f"시뮬종목{n + 1:04d}", market, S, levels[n % len(levels)],
               100_000_000, "시뮬레이션", market.value, 500, f"SIM STOCK {n + 1:04d}",
               SYNTHETIC_LISTED)
        universe[code] = _instrument(row, rng)
    return universe
