"""Account and information methods beyond the trading core: the trading calendar,
conditional search, reserved orders, realised profit and loss."""

from __future__ import annotations

from pykis.methods import Methods

__all__ = ["AccountExtraMethods"]


class AccountExtraMethods(Methods):
    pass
