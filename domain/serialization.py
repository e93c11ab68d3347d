"""Dataclasses to JSON-safe data and back, by their type hints (standard library only).

Events and definitions are stored as JSON documents; hashing them needs one stable shape:
dates are ISO strings, enums their values, tuples lists. No floats are produced: ratios are
kept as "2/3" strings so the stored bytes and the hash never depend on float formatting.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


def to_data(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("datetimes in events must be timezone-aware")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_data(v) for k, v in value.items()}
    if isinstance(value, float):
        raise ValueError("floats are not stored: use an int or a 'p/q' ratio string")
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_data(cls: type[T], data: Any) -> T:
    target: Any = cls
    return typing.cast(T, _converter(target)(data))


def _convert(tp: Any, data: Any) -> Any:
    return _converter(tp)(data)


Converter = Callable[[Any], Any]


def _same(data: Any) -> Any:
    return data


@cache
def _converter(tp: Any) -> Converter:
    """The function turning JSON data into a value of ``tp``, worked out once per type: a
    read model catching up decodes millions of events, and inspecting the type hints again
    for every value cost more than everything else it did. A dataclass works out its fields'
    converters at its first use, so a type that refers to itself is no endless recursion."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        inner = _converter(options[0])
        return lambda data: None if data is None else inner(data)
    if origin is tuple:
        items = typing.get_args(tp)
        if len(items) == 2 and items[1] is Ellipsis:
            each = _converter(items[0])
            return lambda data: tuple([each(v) for v in data])
        converters = [_converter(a) for a in items]
        return lambda data: tuple([c(v) for c, v in zip(converters, data, strict=True)])
    if origin is dict:
        _, value_type = typing.get_args(tp)
        value = _converter(value_type)
        return lambda data: {k: value(v) for k, v in data.items()}
    if tp is Any:
        return _same
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass_converter(tp)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp
    if tp is datetime:
        return lambda data: data if isinstance(data, datetime) else datetime.fromisoformat(data)
    if tp is date:
        return lambda data: data if isinstance(data, date) else date.fromisoformat(data)
    if tp in (str, int, bool):
        def checked(data: Any) -> Any:
            if not isinstance(data, tp):
                raise ValueError(f"expected {tp.__name__}, got {type(data).__name__}")
            return data
        return checked
    return _same


def _dataclass_converter(tp: type) -> Converter:
    fields = frozenset(f.name for f in dataclasses.fields(tp) if f.init)
    known: dict[str, Converter] = {}

    def convert(data: Any) -> Any:
        if not known:
            hints = _hints(tp)
            known.update({name: _converter(hints[name]) for name in fields})
        unknown = set(data) - fields
        if unknown:
            raise ValueError(f"{tp.__name__}: unknown fields {sorted(unknown)}")
        return tp(**{name: known[name](value) for name, value in data.items()})
    return convert
