"""What the store refuses, so that the ledger never says something that did not happen.

::

    KISError
    └── StoreError              the store refused an operation; nothing was written
        ├── OrderStateError     an order cannot move from its state to the one asked
        ├── OversellError       a sale of more shares than the trade holds (less the
        │                       shares that orders already working may sell)
        ├── DecisionLockError   another engine on the account kept deciding too long
        └── FillConflictError   a fill that contradicts what is recorded: more than the
                                order's quantity, a broker total below the recorded
                                fills, or a known fill key with other figures
"""

from __future__ import annotations

from pykis.exceptions import KISError

__all__ = ["DecisionLockError", "FillConflictError", "OrderStateError", "OversellError",
           "StoreError"]


class StoreError(KISError):
    """The store refused an operation; the transaction was rolled back."""


class OrderStateError(StoreError):
    """The order is not in a state that allows this change."""

    def __init__(self, order_id: int, state: str, wanted: str) -> None:
        super().__init__(f"order {order_id} is {state!r}; it cannot become {wanted!r}")
        self.order_id = order_id
        self.state = state
        self.wanted = wanted


class OversellError(StoreError):
    """A sale larger than the shares the trade holds and no other order is selling."""

    def __init__(self, trade_id: int, quantity: int, available: int) -> None:
        super().__init__(
            f"cannot sell {quantity} shares of trade {trade_id}: {available} available"
        )
        self.trade_id = trade_id
        self.quantity = quantity
        self.available = available


class FillConflictError(StoreError):
    """A fill that disagrees with the fills already recorded for the order."""


class DecisionLockError(StoreError):
    """Another engine on the same account kept deciding past the timeout; nothing was
    recorded or sent. Trying again later is safe."""

    kind = "busy"
    retryable = True
