"""PyKIS with asyncio: many quotes at once, a real-time trade, an order and its fill.

    python examples/async_usage.py

With KIS_APP_KEY, KIS_APP_SECRET and KIS_ACCOUNT_NO (and KIS_PAPER=true for a paper
account) in the environment or a .env file, it runs against your KIS account; it places
an order only on a paper account. Without them it starts PyKIS's simulator on a local
port and runs against that: no KIS account needed.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pykis import AsyncKIS

SYMBOLS = ["005930", "000660", "035420", "005380"]


@asynccontextmanager
async def connect() -> AsyncIterator[tuple[AsyncKIS, bool]]:
    """A client of your account, or of an embedded simulator's account; and whether the
    example may trade on it."""
    if os.environ.get("KIS_APP_KEY"):
        async with AsyncKIS.from_env() as kis:
            yield kis, kis.is_paper
        return
    from pykis.sim import SimConfig, SimServer, Simulator

    sim = Simulator(SimConfig(always_open=True))  # a market that never closes
    creds = sim.credentials("real")  # simulated: no money is real here
    with SimServer(sim) as server:
        print(f"No KIS credentials: using PyKIS's simulator at {server.base_url}")
        async with AsyncKIS(creds.app_key, creds.app_secret, creds.account_no,
                            base_url=server.base_url, hts_id=creds.hts_id) as kis:
            yield kis, True


async def quotes(kis: AsyncKIS) -> None:
    """Single quotes, concurrently: the rate limiter spaces them, whatever the tasks."""
    tickers = await asyncio.gather(*(kis.fetch_ticker(symbol) for symbol in SYMBOLS))
    for ticker in tickers:
        print(f"{ticker.symbol} {ticker.name}: {ticker.last:,} KRW "
              f"({ticker.change_percent:+.2f}%)")


async def one_trade(kis: AsyncKIS) -> None:
    """The next trade of any of the symbols, from KIS's real-time stream."""
    async with kis.watch_trades_for_symbols(SYMBOLS) as trades:
        trade = await anext(trades)
        print(f"real time: {trade.symbol} {trade.amount:,} at {trade.price:,} "
              f"({trade.datetime:%H:%M:%S})")


async def buy_one(kis: AsyncKIS) -> None:
    """A market buy of one share; its fill, from the execution notices when the client
    has an HTS ID, else from the order read back."""
    fills = kis.watch_my_trades() if kis.hts_id else None
    order = await kis.create_market_order(SYMBOLS[0], "buy", 1)
    print(f"order {order.id}: {order.side} {order.amount} {order.symbol} ({order.type})")
    if fills is not None:
        fill = await asyncio.wait_for(anext(fills), 30)
        print(f"filled: {fill.amount} at {fill.price:,} KRW")
        await fills.aclose()
    else:
        print("order now:", (await kis.fetch_order(order.id)).status)
    position = (await kis.fetch_balance()).get_position(SYMBOLS[0])
    print(f"position: {position.amount if position else 0} share(s)")


async def main() -> None:
    async with connect() as (kis, may_trade):
        await quotes(kis)
        await one_trade(kis)
        if may_trade:
            await buy_one(kis)
        else:
            print("a real account: this example places no order")


if __name__ == "__main__":
    asyncio.run(main())
