"""PyKIS, synchronously: quotes, candles, an order and its cancellation, the balance.

    python examples/basic_usage.py

With KIS_APP_KEY, KIS_APP_SECRET and KIS_ACCOUNT_NO (and KIS_PAPER=true for a paper
account) in the environment or a .env file, it runs against your KIS account; it places
and cancels an order only on a paper account. Without them it starts PyKIS's simulator
on a local port and runs against that: no KIS account needed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from pykis import KIS, Order

SYMBOL = "005930"  # Samsung Electronics


@contextmanager
def connect() -> Iterator[tuple[KIS, bool]]:
    """A client of your account, or of an embedded simulator's account; and whether the
    example may trade on it."""
    if os.environ.get("KIS_APP_KEY"):
        with KIS.from_env() as kis:
            yield kis, kis.is_paper
        return
    from pykis.sim import SimConfig, SimServer, Simulator

    sim = Simulator(SimConfig(always_open=True))  # a market that never closes
    creds = sim.credentials("real")  # simulated: no money is real here
    with SimServer(sim) as server:
        print(f"No KIS credentials: using PyKIS's simulator at {server.base_url}")
        with KIS(creds.app_key, creds.app_secret, creds.account_no,
                 base_url=server.base_url) as kis:
            yield kis, True


def show_market(kis: KIS) -> int:
    ticker = kis.fetch_ticker(SYMBOL)
    print(f"{ticker.symbol} {ticker.name}: {ticker.last:,} KRW "
          f"({ticker.change:+,}, {ticker.change_percent:+.2f}%), volume {ticker.volume:,}")
    book = kis.fetch_order_book(SYMBOL)
    print(f"best bid {book.bids[0][0]:,} x {book.bids[0][1]:,}, "
          f"best ask {book.asks[0][0]:,} x {book.asks[0][1]:,}")
    candles = kis.fetch_ohlcv(SYMBOL, "1d", 5)
    for candle in candles:
        print(f"  {candle.datetime:%Y-%m-%d}  O {candle.open:,}  H {candle.high:,}  "
              f"L {candle.low:,}  C {candle.close:,}  V {candle.volume:,}")
    return ticker.last


def place_and_cancel(kis: KIS, last: int) -> Order:
    """A limit buy well below the market (it will not fill), then its cancellation."""
    price = kis.fetch_order_book(SYMBOL).bids[-1][0]  # the lowest bid level shown
    order = kis.create_limit_order(SYMBOL, "buy", 1, price)
    print(f"order {order.id}: {order.side} {order.amount} {order.symbol} at {order.price:,} "
          f"({order.status}; the market is at {last:,})")
    print("open orders:", [o.id for o in kis.fetch_open_orders()])
    canceled = kis.cancel_order(order.id, SYMBOL)
    print(f"canceled: {canceled.status}; open orders now: "
          f"{[o.id for o in kis.fetch_open_orders()]}")
    return canceled


def show_account(kis: KIS) -> None:
    balance = kis.fetch_balance()
    print(f"total {balance.total:,} KRW, orderable {balance.free:,}, deposit "
          f"{balance.deposit:,}, P&L {balance.total_pnl:+,} ({balance.total_pnl_percent:+.2f}%)")
    for position in balance.positions:
        print(f"  {position.symbol} {position.name}: {position.amount} @ "
              f"{position.average_price:,.0f}, now {position.current_price:,} "
              f"({position.unrealized_pnl:+,} KRW)")


def main() -> None:
    with connect() as (kis, may_trade):
        last = show_market(kis)
        if may_trade:
            place_and_cancel(kis, last)
        else:
            print("a real account: this example places no order")
        show_account(kis)


if __name__ == "__main__":
    main()
