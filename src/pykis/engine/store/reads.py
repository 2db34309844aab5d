"""The store's reads without an ORM session: the statements of :mod:`.orders`,
:mod:`.fills` and :mod:`.trades` run on a plain connection, whole rows coming back as
the detached objects a session gives once its transaction ends.

On SQLite a session costs several times the query it runs (its unit of work, identity
map and loading machinery), and a reader needs none of it: the objects it returns are
detached anyway. :class:`RowReader` stands in for the session those functions take,
for the three calls they make to read (``scalars``, ``scalar``, ``execute``); writes
keep their session.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, inspect
from sqlalchemy.exc import MultipleResultsFound
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state

__all__ = ["RowReader"]


class Objects(list):
    """Rows as objects, with the look-up of a session's ``ScalarResult`` the store uses."""

    def one_or_none(self) -> Any:
        if len(self) > 1:
            raise MultipleResultsFound("Multiple rows were found when one or none was required")
        return self[0] if self else None


class RowReader:
    """A session's reading calls, on ``connection`` (inside its transaction)."""

    __slots__ = ("connection",)

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def execute(self, statement: Any, params: dict[str, Any] | None = None) -> Any:
        return self.connection.execute(statement, params)

    def scalar(self, statement: Any, params: dict[str, Any] | None = None) -> Any:
        return self.connection.scalar(statement, params)

    def scalars(self, statement: Any, params: dict[str, Any] | None = None) -> Any:
        """Objects of the mapped class ``statement`` selects, or the values of the one
        column it selects."""
        entity = _entity(statement)
        result = self.connection.execute(statement, params)
        if entity is None:
            return result.scalars()
        return Objects(_detached(entity, result.keys(), result))


# The class each statement selects (None: a column), for the statements built once.
_ENTITIES: WeakKeyDictionary[Any, type | None] = WeakKeyDictionary()


def _entity(statement: Any) -> type | None:
    try:
        return _ENTITIES[statement]
    except KeyError:
        [selected] = statement.column_descriptions
        entity = selected["expr"] if isinstance(selected["expr"], type) else None
        _ENTITIES[statement] = entity
        return entity


@cache
def _attributes(entity: type) -> tuple[Any, dict[str, str]]:
    """The class's instance factory, and its attribute for each column key."""
    mapper = inspect(entity)
    named = {column.key: prop.key for prop in mapper.column_attrs for column in prop.columns}
    return mapper.class_manager.new_instance, named


def _detached(entity: type, keys: Iterable[str], rows: Iterable[Any]) -> list[Any]:
    new, named = _attributes(entity)
    names = [named[key] for key in keys]
    objects = []
    for row in rows:
        instance = new()
        instance_state(instance).dict.update(zip(names, row, strict=True))
        # As a session leaves its objects: an identity, every column loaded and
        # unchanged, relationships loadable only in a session.
        make_transient_to_detached(instance)
        objects.append(instance)
    return objects
