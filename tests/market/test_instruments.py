"""KRX short codes: six characters, strings only, letters allowed except I, O and U."""

from __future__ import annotations

import pytest

from pykis.exceptions import InvalidInputError
from pykis.market import InstrumentKind, validate_symbol


@pytest.mark.parametrize(
    "symbol",
    [
        "005930",  # Samsung Electronics
        "000660",
        "069500",  # an ETF code looks like a stock code
        "0000J0",  # letter codes issued since 2024
        "0008Z0",
        "0126A0",
        "Q500001",  # ETN with its type letter
        "Q500067",
    ],
)
def test_valid_symbols_are_returned_unchanged(symbol):
    assert validate_symbol(symbol) == symbol


@pytest.mark.parametrize(
    "symbol",
    [
        5930,  # codes are strings, never integers
        5930.0,
        None,
        b"005930",
        "",
        "05930",  # 5 characters
        "0059301",  # 7 characters without the Q prefix
        "A005930",  # full code with the stock type letter
        "Q5000011",  # Q + 7
        " 005930",
        "005930 ",
        "005930\n",  # 7 characters: a trailing newline is not part of a code
        "0000j0",  # lower case
        "q500001",
        "0000I0",  # I, O and U are never used
        "0000O0",
        "0000U0",
        "Q5000I1",
        "00-930",
    ],
    ids=repr,
)
def test_invalid_symbols_are_rejected(symbol):
    with pytest.raises(InvalidInputError) as caught:
        validate_symbol(symbol)
    assert caught.value.argument == "symbol"
    assert caught.value.value == symbol


def test_the_argument_name_is_reported():
    with pytest.raises(InvalidInputError) as caught:
        validate_symbol("5930", argument="pdno")
    assert caught.value.argument == "pdno"


@pytest.mark.parametrize(
    ("kind", "fund_like"),
    [(InstrumentKind.STOCK, False), (InstrumentKind.ETF, True), (InstrumentKind.ETN, True)],
)
def test_fund_like_kinds(kind, fund_like):
    assert kind.is_fund_like is fund_like
