"""One engine in a process of its own, for the decision-lock test: it waits for a go
file, buys one share of a ticker, and prints its TradeResult as JSON.

    python decision_worker.py BASE_URL APP_KEY APP_SECRET ACCOUNT DATABASE TOKENS TICKER GO
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from pykis import KIS
from pykis.engine import EngineSettings, ExecutionSettings, KISTradingEngine, RiskLimits
from pykis.utils.ratelimit import MemoryStore, Rate


def main() -> None:
    base_url, key, secret, account, database, tokens, ticker, go = sys.argv[1:9]
    kis = KIS(key, secret, account, base_url=base_url, token_path=tokens,
              rate=Rate(10_000.0, 100), rate_store=MemoryStore())
    settings = EngineSettings(execution=ExecutionSettings(fill_timeout=0.0, settle_seconds=0.3))
    with KISTradingEngine(kis, database, limits=RiskLimits(max_open_positions=1),
                          settings=settings) as engine:
        print("ready", flush=True)
        while not Path(go).exists():  # both processes start deciding together
            time.sleep(0.001)
        result = engine.execute_buy_order(ticker, 1)
        print(result.model_dump_json(), flush=True)


if __name__ == "__main__":
    main()
