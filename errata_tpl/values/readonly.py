"""Values whose fields are set once, in their constructor.

A value keeps what it derives from its fields (a hash, rpm's comparison key), and
sets and dicts hold it by that hash: a field changed later would leave them stale.
So setting or deleting an attribute is refused; a constructor sets each ``__slots__``
field through the slot's own setter (``setter``), which costs no more than a plain
assignment and leaves reading a field as fast as ever.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class ReadOnly:
    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a {type(self).__name__} is read-only: {name} cannot be set")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"a {type(self).__name__} is read-only: {name} cannot be deleted")


def setter(cls: type, name: str) -> Callable[[Any, Any], None]:
    """The setter of ``cls``'s slot ``name``, for its constructor."""
    found: Callable[[Any, Any], None] = cls.__dict__[name].__set__
    return found
