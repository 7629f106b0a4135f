"""How ids from a file are compared.

Files keep their ids as written (ints, strings, ints beyond 64 bits). For
lookups, a decimal string and the int it spells are the same id, so a file
that writes image ``"2299"`` and ``image_id: 2299`` still links up; validation
reports the mixed types as a warning.
"""

from __future__ import annotations

from typing import Any, Hashable


def id_key(value: Any) -> Hashable:
    """The key under which an id is indexed."""
    kind = type(value)
    if kind is int:
        return value
    if kind is str:
        if value.isascii() and value.isdigit():
            return int(value)
        return value
    if kind is float and value.is_integer():
        return int(value)
    if kind is bool or value is None:
        return ("?", repr(value))
    try:
        hash(value)
    except TypeError:
        return ("?", repr(value))
    return value


def format_id(value: Any) -> str:
    """An id as a person reads it in a message: strings quoted, ints bare."""
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def is_valid_id(value: Any) -> bool:
    """Ids are ints or strings (not bools, floats, lists, null)."""
    return type(value) is int or type(value) is str
