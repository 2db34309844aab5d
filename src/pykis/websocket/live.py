"""The models the watchers yield, built lazily: a ``Trade`` or an ``OrderBook`` that
converts each field from its record when the field is first read.

A watcher hands out many more models than its reader looks at closely, and building
one eagerly (converting every field, the ``info`` dict of 46 values, the time) costs
several times decoding its record. A live model is an instance of a subclass of the
public model made without validation, holding its source; each field is a descriptor
that converts the field once, stores it where pydantic keeps fields (the instance
``__dict__``) and is then out of the way, so a second read is a plain attribute read.

Everything pydantic does with a model goes through ``__dict__`` (dumps, JSON, repr,
copies, pickling, assignment, nested serialization); on a live model that attribute
first converts the fields not read yet, in the model's field order. So a live model
dumps, prints, compares and pickles as the public model would, with the same fields,
types and values: it compares equal to the public model with the same fields, its
repr names the public model, and it pickles as one. What it cannot hide is its type:
``isinstance(trade, Trade)`` holds, ``type(trade) is Trade`` does not.

No conversion can fail: the codec checked every number of the record before the
record became an event (``pykis.websocket.events``).
"""

from __future__ import annotations

import copyreg
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from pykis.models import OrderBook, Trade
from pykis.websocket.events import Event, TradeEvent

__all__ = ["live_model"]

M = TypeVar("M", bound=BaseModel)

# The slots BaseModel keeps per instance. A live model's class overrides these names
# with properties (so their first use completes the model), and reaches the storage
# itself through these descriptors.
_DICT = BaseModel.__dict__["__dict__"]
_FIELDS_SET = BaseModel.__dict__["__pydantic_fields_set__"]
_EXTRA = BaseModel.__dict__["__pydantic_extra__"]
_PRIVATE = BaseModel.__dict__["__pydantic_private__"]


class _Field:
    """A field converted on first read: a non-data descriptor, so once the value is in
    the instance's dictionary Python reads it from there without calling this."""

    __slots__ = ("name", "convert")

    def __init__(self, name: str, convert: Callable[[Any], Any]) -> None:
        self.name, self.convert = name, convert

    def __get__(self, model: Any, owner: type | None = None) -> Any:
        if model is None:
            return self
        value = self.convert(model._source)
        _DICT.__get__(model)[self.name] = value
        return value


def live_model(model: type[M], converters: dict[str, Callable[[Any], Any]]
               ) -> Callable[[Any], M]:
    """A factory of lazy ``model`` instances: ``make(source)``, where each field is
    ``converters[field](source)`` when first read. Every field needs a converter."""
    names = tuple(model.model_fields)
    if set(converters) != set(names):
        raise TypeError(f"converters for {sorted(set(names) ^ set(converters))} "
                        f"do not match {model.__name__}'s fields")
    every = frozenset(names)
    public = model.__name__

    def whole(self: Any) -> dict[str, Any]:
        """The fields, every one converted, in the model's order (dumps follow it)."""
        stored = _DICT.__get__(self)
        try:
            source = self._source
        except AttributeError:  # a copy, or complete already
            return stored
        ordered = {name: stored[name] if name in stored else converters[name](source)
                   for name in names}
        _DICT.__set__(self, ordered)
        try:
            del self._source  # complete: let the record go
        except AttributeError:  # another thread completed it first
            pass
        return ordered

    def fields_set(self: Any) -> set[str]:
        try:
            return _FIELDS_SET.__get__(self)
        except AttributeError:  # every field was given, as model_construct with all
            value: set[str] = set(every)
            _FIELDS_SET.__set__(self, value)
            return value

    def plain(self: Any) -> M:
        """The same model as the public class."""
        copy = model.__new__(model)
        _DICT.__set__(copy, dict(whole(self)))
        _FIELDS_SET.__set__(copy, set(fields_set(self)))
        _EXTRA.__set__(copy, None)
        _PRIVATE.__set__(copy, None)
        return copy

    def equals(self: Any, other: Any) -> Any:
        mine = plain(self)
        return model.__eq__(mine, plain(other) if isinstance(other, Live) else other)

    namespace = {
        "__slots__": ("_source",),
        "__module__": __name__,
        "__dict__": property(whole, _DICT.__set__),
        "__pydantic_fields_set__": property(fields_set, _FIELDS_SET.__set__),
        "__pydantic_extra__": property(_optional(_EXTRA), _EXTRA.__set__),
        "__pydantic_private__": property(_optional(_PRIVATE), _PRIVATE.__set__),
        "__eq__": equals,
        "__repr_name__": lambda self: public,
        "__reduce_ex__": lambda self, protocol: _as_public(plain(self)),
    }
    Live = type(f"Live{public}", (model,), namespace)
    for name in names:  # after the class is made: pydantic refuses to see fields redefined
        setattr(Live, name, _Field(name, converters[name]))
    new, source_slot = Live.__new__, Live.__dict__["_source"]

    def make(source: Any) -> M:
        instance = new(Live)
        source_slot.__set__(instance, source)
        return instance

    return make


def _as_public(model: BaseModel) -> tuple[Any, ...]:
    """What pickles ``model`` (of a public class) so that it loads as that class: the
    protocol-0 reconstructor, which pickle does not check against the live class."""
    return copyreg._reconstructor, (type(model), object, None), model.__getstate__()


def _optional(slot: Any) -> Callable[[Any], Any]:
    """A BaseModel slot read as None until set: a live model has no extra or private
    values, and setting them on every instance would cost more than the model."""
    def read(self: Any) -> Any:
        try:
            return slot.__get__(self)
        except AttributeError:
            return None
    return read


# --- the watchers' models -------------------------------------------------------------------
def _none(source: Any) -> None:
    return None


def _whole_number(index: int) -> Callable[[Event], int]:
    """The event's property for a whole number, read by position (a trade's first reads
    are its price and amount: they are worth the shortcut)."""
    def read(event: Event) -> int:
        text = event.values[index]
        return int(text) if text else 0
    return read


_price = _whole_number(TradeEvent._index["STCK_PRPR"])
_volume = _whole_number(TradeEvent._index["CNTG_VOL"])

live_trade = live_model(Trade, {
    "info": lambda e: e.info, "symbol": lambda e: e.key,
    "timestamp": lambda e: e.when[1], "datetime": lambda e: e.when[0],
    "price": _price, "amount": _volume, "cost": lambda e: _price(e) * _volume(e),
    "side": lambda e: e.side, "id": _none, "order_id": _none,
})
live_trade.__doc__ = "The ``Trade`` of a trade event (H0STCNT0), as ``watch_trades`` yields."

live_book = live_model(OrderBook, {
    "info": lambda e: e.info, "symbol": lambda e: e.key,
    "timestamp": lambda e: e.when[1], "datetime": lambda e: e.when[0],
    "bids": lambda e: [level for level in e.bids if level[0]],
    "asks": lambda e: [level for level in e.asks if level[0]],
})
live_book.__doc__ = "The ``OrderBook`` of a book event (H0STASP0), without empty levels."
