"""Conditional search (조건검색): each HTS user's saved conditions, and the listings that
meet one right now. No I/O.

At KIS a user builds conditions in the HTS ([0110] 조건검색) and saves them on the server;
the API lists them (psearch-title) and runs one (psearch-result). Here they are defined
through the control plane (``/_sim/conditions/{hts_id}``) as small expressions over a
listing's live quote, the same quote inquire-price shows::

    change >= 3 and volume > 100000
    (price < 10000 or change <= -5) and value >= 1000000000

Fields: ``price`` (current price, won), ``change`` (percent against the previous close),
``volume`` (shares traded today), ``value`` (won traded today). Comparisons: ``>``,
``>=``, ``<``, ``<=``, ``==`` (or ``=``), ``!=``; joined by ``and`` / ``or`` (``and``
binds tighter) with parentheses. The text is parsed by the small recursive-descent parser
below into closures: nothing is ever evaluated as Python.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pykis.sim.market import Quote

__all__ = ["Condition", "ConditionBook", "ConditionError", "parse", "values_of"]

MAX_CONDITIONS = 100  # per user; KIS's HTS keeps a bounded list too [U] exact bound
MAX_EXPRESSION = 500  # characters
RESULT_CAP = 100  # KIS: "조건당 100건으로 제한" (psearch-result) [V]

_TOKEN = re.compile(r"\s*(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<op>>=|<=|==|!=|=|>|<)"
                    r"|(?P<word>[A-Za-z_]+)|(?P<paren>[()]))")
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
    "==": operator.eq, "=": operator.eq, "!=": operator.ne,
}
FIELDS = ("price", "change", "volume", "value")

Values = dict[str, float]
Test = Callable[[Values], bool]


class ConditionError(ValueError):
    """A condition that cannot be defined: the message says what is wrong."""


def values_of(quote: Quote) -> Values:
    """What a condition can test, from one quote."""
    change = (quote.price - quote.base) / quote.base * 100 if quote.base else 0.0
    return {"price": quote.price, "change": round(change, 2), "volume": quote.volume,
            "value": quote.value}


# --- the parser ------------------------------------------------------------------------
def _tokens(text: str) -> list[str]:
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ConditionError(f"cannot read the expression at {text[position:]!r}")
        tokens.append(match.group(match.lastgroup).lower())
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens, self.at = tokens, 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise ConditionError("the expression ends too early")
        self.at += 1
        return token

    def either(self) -> Test:  # a or b or ...
        tests = [self.both()]
        while self.peek() == "or":
            self.take()
            tests.append(self.both())
        return tests[0] if len(tests) == 1 else (lambda v: any(t(v) for t in tests))

    def both(self) -> Test:  # a and b and ...
        tests = [self.single()]
        while self.peek() == "and":
            self.take()
            tests.append(self.single())
        return tests[0] if len(tests) == 1 else (lambda v: all(t(v) for t in tests))

    def single(self) -> Test:
        token = self.take()
        if token == "(":
            test = self.either()
            if self.take() != ")":
                raise ConditionError("a '(' is not closed")
            return test
        if token not in FIELDS:
            raise ConditionError(f"unknown field {token!r}: use one of {', '.join(FIELDS)}")
        op = self.take()
        if op not in _OPS:
            raise ConditionError(f"expected a comparison after {token!r}, got {op!r}")
        number = self.take()
        try:
            limit = float(number)
        except ValueError:
            raise ConditionError(f"expected a number after {token} {op}, got {number!r}"
                                 ) from None
        compare, name = _OPS[op], token
        return lambda v: compare(v[name], limit)


def parse(expression: str) -> Test:
    """The test ``expression`` describes; ``ConditionError`` if it is not one."""
    if not isinstance(expression, str) or not expression.strip():
        raise ConditionError("the expression is empty")
    if len(expression) > MAX_EXPRESSION:
        raise ConditionError(f"the expression is longer than {MAX_EXPRESSION} characters")
    parser = _Parser(_tokens(expression))
    test = parser.either()
    if parser.peek() is not None:
        raise ConditionError(f"unexpected {parser.peek()!r} in the expression")
    return test


# --- the saved conditions --------------------------------------------------------------
@dataclass(frozen=True)
class Condition:
    seq: str  # KIS's key of the condition (psearch-title's seq, psearch-result's input)
    name: str
    expression: str
    group: str
    test: Test = field(repr=False, compare=False)

    def matches(self, quote: Quote) -> bool:
        return self.test(values_of(quote))

    def public(self) -> dict[str, Any]:
        return {"seq": self.seq, "name": self.name, "expression": self.expression,
                "group": self.group}


class ConditionBook:
    """Each HTS user's conditions, in the order they were saved; seq counts from "0"
    as KIS's samples show (``psearch_result(user_id, seq="0")``)."""

    def __init__(self) -> None:
        self._by_user: dict[str, list[Condition]] = {}

    def of(self, hts_id: str) -> list[Condition]:
        return list(self._by_user.get(hts_id, ()))

    def find(self, hts_id: str, seq: str) -> Condition | None:
        return next((c for c in self._by_user.get(hts_id, ()) if c.seq == seq), None)

    def define(self, hts_id: str, items: list[dict[str, Any]]) -> list[Condition]:
        """Replace ``hts_id``'s conditions with ``items`` ({"name", "expression",
        "group"?}); all or nothing: one bad item changes nothing."""
        if not isinstance(items, list) or len(items) > MAX_CONDITIONS:
            raise ConditionError(f"conditions must be a list of at most {MAX_CONDITIONS}")
        conditions = [self._condition(i, item) for i, item in enumerate(items)]
        names = [c.name for c in conditions]
        if len(set(names)) != len(names):
            raise ConditionError("two conditions have the same name")
        self._by_user[hts_id] = conditions
        return conditions

    @staticmethod
    def _condition(index: int, item: Any) -> Condition:
        if not isinstance(item, dict):
            raise ConditionError("each condition is an object with a name and an expression")
        name, expression = item.get("name"), item.get("expression")
        group = item.get("group", "기본그룹")
        if not isinstance(name, str) or not name.strip() or len(name) > 40:
            raise ConditionError("each condition needs a name of 1 to 40 characters")
        if not isinstance(group, str) or len(group) > 40:
            raise ConditionError("a condition's group is text of at most 40 characters")
        return Condition(str(index), name.strip(), expression, group, parse(expression))

    def clear(self, hts_id: str) -> None:
        self._by_user.pop(hts_id, None)


def control(book: ConditionBook, method: str, parts: list[str]):
    """The control plane's ``/_sim/conditions/{hts_id}``: GET lists, POST
    ``{"conditions": [{"name", "expression", "group"?}]}`` replaces, DELETE clears.
    Returns the action (a function of the JSON body) or None for another path."""
    if len(parts) != 1 or method not in ("GET", "POST", "DELETE"):
        return None
    user = parts[0]

    def act(body: dict[str, Any]) -> dict[str, Any]:
        if method == "POST":
            book.define(user, body.get("conditions"))
        elif method == "DELETE":
            book.clear(user)
        return {"hts_id": user, "conditions": [c.public() for c in book.of(user)]}

    return act
