"""Conditional search (조건검색): the HTS user's saved conditions (psearch-title
HHKST03900300) and the listings that meet one now (psearch-result HHKST03900400, at
most 100). Both need the HTS ID the conditions were saved under; real only.

KIS answers a search that finds nothing with rt_cd 1, MCA05918 "종목코드 오류입니다."
(the portal's note): that is an empty result here, not an error.
"""

from __future__ import annotations

from pykis import exceptions as ex
from pykis.api import accountx_endpoints as X
from pykis.api.base import Context, call
from pykis.api.flow import Flow
from pykis.api.quote import _rows, parse
from pykis.api.validate import refuse
from pykis.models import ModelList
from pykis.models.accountx import Condition, ConditionMatch

__all__ = ["fetch_conditions", "run_condition"]

NOTHING_FOUND = "MCA05918"
NONE_SAVED = "KIOK0500"  # with rt_cd 1, when the user saved no condition [U] code


def _hts_id(hts_id: object) -> str:
    if not isinstance(hts_id, str) or not hts_id.strip() or len(hts_id) > 16:
        raise refuse("hts_id", hts_id, "the HTS ID the conditions were saved under: pass "
                     "hts_id= to KIS()/AsyncKIS() or set KIS_HTS_ID")
    return hts_id.strip()


def fetch_conditions(ctx: Context, hts_id: object) -> Flow[ModelList[Condition]]:
    user = _hts_id(hts_id)
    try:
        answer = yield from call(ctx, X.CONDITIONS, params={"user_id": user})
    except ex.APIError as error:
        if error.code == NONE_SAVED:  # "조회가 계속 됩니다": nothing saved on the server
            return ModelList()
        raise
    return ModelList(parse(Condition, row, answer.tr_id) for row in _rows(answer, "output2"))


def run_condition(ctx: Context, hts_id: object, condition: object
                  ) -> Flow[ModelList[ConditionMatch]]:
    """The listings meeting ``condition``: a ``Condition``, its seq ("0") or its name."""
    user = _hts_id(hts_id)
    if isinstance(condition, Condition):
        seq = condition.seq
    elif isinstance(condition, str) and condition.strip():
        seq = yield from _seq(ctx, user, condition.strip())
    else:
        raise refuse("condition", condition, "a Condition, its seq or its name")
    try:
        answer = yield from call(ctx, X.CONDITION_RESULT, params={"user_id": user, "seq": seq})
    except ex.APIError as error:
        if error.code == NOTHING_FOUND:
            return ModelList()
        raise
    return ModelList(parse(ConditionMatch, row, answer.tr_id)
                     for row in _rows(answer, "output2"))


def _seq(ctx: Context, user: str, name_or_seq: str) -> Flow[str]:
    conditions = yield from fetch_conditions(ctx, user)
    for item in conditions:
        if item.name == name_or_seq:
            return item.seq
    for item in conditions:
        if item.seq == name_or_seq:
            return item.seq
    names = ", ".join(repr(c.name) for c in conditions) or "none"
    raise ex.NotFoundError(f"no saved condition named {name_or_seq!r} (saved: {names})",
                           tr_id=X.CONDITIONS.tr_id)
