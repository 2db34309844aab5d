"""Backtest throughput (issue 13): a year of one-minute bars, a 27-combination sweep on one
and on two cores, and backtrader on the same moving-average strategy and the same bars.

    python bench/backtest_throughput.py [--runs 3] [--skip-sweep] [--skip-backtrader]

* The bars: a year of one-minute bars of one symbol (every minute of the regular session
  of every KRX trading day of 2024: 09:00 to 15:19, from 10:00 on the year's first day and
  the exam day), a deterministic random walk on the tick grid (seed 7): 92,660 bars.
* One run: ``Backtest(MovingAverageCross(20, 60))`` over them, timed from the bars to the
  result (ticks made, engine rules, fills, metrics), best of ``--runs``. MA(20, 60) on
  ticks trades ~2,300 round trips a year; MA(5, 20) churns ~7,800 and is timed too.
* The sweep: short=5,10,20 x long=40,60,120 x risk.stop_loss=0.01,0.02,0.03 (27 runs)
  with ``workers=1`` and ``workers=2``, wall time, the ratio.
* backtrader (PyPI, in a venv of its own: ``$PYKIS_BACKTRADER_PYTHON``, default
  /tmp/bt-venv/bin/python; never installed into PyKIS's environment) runs the same
  strategy on the same data in a subprocess: the tick tape of those bars
  (``pykis.history.ticks``, what PyKIS's backtester trades on) as its bars, two
  ``bt.ind.SMA`` and the cross rule of ``MovingAverageCross`` (strictly above, a flip
  from the previous tick), 10 shares by market order, which backtrader fills at the next
  bar's open: the next tick's price, as PyKIS's fill model does. An order decided on a
  day's last tick expires in PyKIS (a day order) and would fill the next morning in
  backtrader, so backtrader is told which ticks close a day and sends none there. Both
  sides' fills (time, side, shares, price) must be identical; bars per second are the
  one-minute bars over the wall time of ``cerebro.run()`` (with its feed built) against
  PyKIS's whole run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pykis.backtest import Backtest, sweep
from pykis.engine.strategy import Buy, MovingAverageCross
from pykis.market import KST, Rounding, TradingCalendar, round_to_tick

BACKTRADER_PYTHON = os.environ.get("PYKIS_BACKTRADER_PYTHON", "/tmp/bt-venv/bin/python")
GRID = {"short": [5, 10, 20], "long": [40, 60, 120], "risk.stop_loss": [0.01, 0.02, 0.03]}
SHARES = 10


def year_of_minutes(year: int = 2024, seed: int = 7, price: int = 70_000) -> pd.DataFrame:
    calendar = TradingCalendar()
    days = [calendar.schedule(d) for d in calendar.trading_days(dt.date(year, 1, 1),
                                                                  dt.date(year, 12, 31))]
    starts = np.concatenate([  # every minute of the regular session (09:00-15:19 mostly)
        pd.Timestamp(d.regular_open).as_unit("ns").value + np.arange(
            (d.closing_auction_start - d.regular_open) // dt.timedelta(minutes=1),
            dtype=np.int64) * 60 * 10**9 for d in days])
    rng = np.random.default_rng(seed)
    count = len(starts)
    middle = price * np.exp(np.cumsum(rng.normal(0, 0.0012, count)))
    grid = np.vectorize(lambda p: round_to_tick(int(p), Rounding.NEAREST))
    close = grid(middle)
    open_ = np.concatenate([[close[0]], close[:-1]])
    spread = np.abs(rng.normal(0, 0.001, count)) * middle
    high = np.maximum.reduce([grid(np.maximum(open_, close) + spread), open_, close])
    low = np.minimum.reduce([grid(np.minimum(open_, close) - spread), open_, close])
    volume = rng.integers(2_000, 50_000, count)
    return pd.DataFrame({"time": pd.to_datetime(starts, utc=True).tz_convert(KST),
                         "open": open_, "high": high, "low": low, "close": close,
                         "volume": volume, "value": close * volume})


@dataclass
class SharesCross(MovingAverageCross):
    """``MovingAverageCross``, buying ``SHARES`` shares (a market order) instead of an
    amount: backtrader then has the very same orders to fill."""

    name: str = "moving_average_cross_shares"

    def on_tick(self, tick, holding):
        return tuple(Buy(s.ticker, quantity=SHARES, reason=s.reason) if isinstance(s, Buy)
                     else s for s in super().on_tick(tick, holding))


def timed_run(strategy, bars: pd.DataFrame, runs: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        test = Backtest(strategy, {"005930": bars}, ["005930"])
        started = time.perf_counter()
        result = test.run()
        best = min(best, time.perf_counter() - started)
    return best, result


BACKTRADER = r'''
import json, sys, time
import backtrader as bt
import pandas as pd

path, short, long_, shares = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
ticks = pd.read_parquet(path)
ticks.index = pd.to_datetime(ticks.pop("time"))

class Ticks(bt.feeds.PandasData):
    lines = ("closes_day",)
    params = (("closes_day", -1),)

class Cross(bt.Strategy):
    def __init__(self):
        self.short = bt.ind.SMA(self.data.close, period=short)
        self.long = bt.ind.SMA(self.data.close, period=long_)
        self.above = None
        self.fills = []

    def next(self):
        above = self.short[0] > self.long[0]
        was, self.above = self.above, above
        if was is None or was == above or self.data.closes_day[0]:
            return
        if above and not self.position:
            self.buy(size=shares)
        elif not above and self.position:
            self.sell(size=self.position.size)

    def notify_order(self, order):
        if order.status == order.Completed:
            self.fills.append((bt.num2date(order.executed.dt).isoformat(timespec="seconds"),
                               "buy" if order.isbuy() else "sell", abs(order.executed.size),
                               int(round(order.executed.price))))

started = time.perf_counter()
cerebro = bt.Cerebro(stdstats=False)
cerebro.adddata(Ticks(dataname=ticks, open="price", high="price", low="price", close="price",
                      volume="volume", openinterest=None))
cerebro.addstrategy(Cross)
cerebro.broker.setcash(10_000_000)
done = cerebro.run()
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "fills": done[0].fills, "version": bt.__version__}))
'''


def backtrader_run(bars: pd.DataFrame, short: int, long_: int) -> dict | None:
    if not Path(BACKTRADER_PYTHON).exists():
        print(f"backtrader: not run (no python at {BACKTRADER_PYTHON}; "
              "python -m venv /tmp/bt-venv && /tmp/bt-venv/bin/pip install backtrader pandas "
              "pyarrow, or set PYKIS_BACKTRADER_PYTHON)")
        return None
    test = Backtest(SharesCross(short, long_), {"005930": bars}, ["005930"])
    _, tape = test.prepare()
    day_end = np.r_[tape.day[1:] != tape.day[:-1], True]
    local = pd.to_datetime(tape.time, utc=True).tz_convert(KST).tz_localize(None)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "ticks.parquet")
        pd.DataFrame({"time": local, "price": tape.price.astype(float),
                      "volume": tape.volume.astype(float),
                      "closes_day": day_end.astype(float)}).to_parquet(path)
        script = Path(folder, "run_backtrader.py")
        script.write_text(BACKTRADER, encoding="utf-8")
        done = subprocess.run([BACKTRADER_PYTHON, str(script), str(path), str(short),
                               str(long_), str(SHARES)], capture_output=True, text=True,
                              check=False)
    if done.returncode != 0:
        print("backtrader failed:", done.stderr[-2000:])
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--skip-backtrader", action="store_true")
    parser.add_argument("--skip-single", action="store_true")
    options = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    bars = year_of_minutes()
    print(f"bars: {len(bars):,} one-minute bars, {bars['time'].iloc[0]:%Y-%m-%d} to "
          f"{bars['time'].iloc[-1]:%Y-%m-%d}")
    for short, long_ in () if options.skip_single else ((20, 60), (5, 20)):
        seconds, result = timed_run(MovingAverageCross(short, long_), bars, options.runs)
        print(f"MA({short},{long_}): {seconds:.2f} s (best of {options.runs}), "
              f"{len(bars) / seconds:,.0f} bars/s, {len(result.trades):,} round trips, "
              f"{len(result.fills):,} fills")
    if not options.skip_sweep:
        base = Backtest(MovingAverageCross(), {"005930": bars}, ["005930"])
        base.prepare()
        walls = {}
        for workers in (1, 2):
            started = time.perf_counter()
            found = sweep(base, GRID, workers=workers)
            walls[workers] = time.perf_counter() - started
            cpu = float(found.table["cpu_seconds"].sum())  # the runs' own CPU time
            print(f"sweep of {len(found.table)} on {workers} worker(s): {walls[workers]:.1f} s "
                  f"wall, {cpu:.1f} s CPU ({cpu / walls[workers]:.2f} cores busy)")
        print(f"sweep speed-up on 2 cores: {walls[1] / walls[2]:.2f}x (load average now "
              f"{os.getloadavg()[0]:.2f}: other work on the machine takes cores too)")
    if not options.skip_backtrader:
        mine_seconds, mine = timed_run(SharesCross(20, 60), bars, options.runs)
        theirs = backtrader_run(bars, 20, 60)
        if theirs is not None:
            ours = [(t.strftime("%Y-%m-%dT%H:%M:%S"), s, int(q), int(p)) for t, s, q, p in zip(
                mine.fills["time"].dt.tz_localize(None), mine.fills["side"],
                mine.fills["quantity"], mine.fills["price"], strict=True)]
            same = ours == [tuple(f) for f in theirs["fills"]]
            print(f"backtrader {theirs['version']}: {theirs['seconds']:.2f} s, "
                  f"{len(bars) / theirs['seconds']:,.0f} bars/s; PyKIS {mine_seconds:.2f} s, "
                  f"{len(bars) / mine_seconds:,.0f} bars/s: "
                  f"{theirs['seconds'] / mine_seconds:.1f}x; fills: {len(ours):,} vs "
                  f"{len(theirs['fills']):,}, identical: {same}")
            if not same:
                for a, b in zip(ours, theirs["fills"], strict=False):
                    if tuple(a) != tuple(b):
                        print("first difference:", a, b)
                        break
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    sys.exit(main())
