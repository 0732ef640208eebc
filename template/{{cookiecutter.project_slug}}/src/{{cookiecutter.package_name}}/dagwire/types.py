"""Whether a value of one declared type may flow into a parameter of another.

Apache Hamilton's rule, checked at build time: exact match, subclass, ``Any`` on either side, a
member of a ``Union``, or the same generic outer type (``list[int]`` into ``list``).
"""

from __future__ import annotations

import types
import typing
from typing import Any

from .htypes import Collect, Parallelizable, element_type

_UNION_TYPES = (typing.Union, types.UnionType)


def is_compatible(produced: Any, accepted: Any) -> bool:
    if produced is accepted or produced is Any or accepted is Any or accepted is object:
        return True
    if produced == accepted:
        return True
    accepted_origin = typing.get_origin(accepted)
    if accepted_origin is typing.Annotated:
        return is_compatible(produced, typing.get_args(accepted)[0])
    if typing.get_origin(produced) is typing.Annotated:
        return is_compatible(typing.get_args(produced)[0], accepted)
    if accepted_origin is Collect or accepted is Collect:  # receives each parallel item's value
        return is_compatible(produced, element_type(accepted))
    if typing.get_origin(produced) is Parallelizable or produced is Parallelizable:
        return is_compatible(element_type(produced), accepted)  # each item flows on its own
    if accepted_origin in _UNION_TYPES:
        return any(is_compatible(produced, member) for member in typing.get_args(accepted))
    produced_origin = typing.get_origin(produced)
    if produced_origin in _UNION_TYPES:
        return all(is_compatible(member, accepted) for member in typing.get_args(produced))
    if isinstance(accepted, typing.TypeVar):
        return True
    produced_class = produced_origin or produced
    accepted_class = accepted_origin or accepted
    if isinstance(produced_class, type) and isinstance(accepted_class, type):
        if not issubclass(produced_class, accepted_class):
            return False
        if produced_origin is None or accepted_origin is None:
            return True  # list[int] into list, or list into list[int]: the outer type decides
        return _args_compatible(typing.get_args(produced), typing.get_args(accepted))
    return _is_unresolvable(produced) or _is_unresolvable(accepted)


def _args_compatible(produced: tuple[Any, ...], accepted: tuple[Any, ...]) -> bool:
    if len(produced) != len(accepted):
        return True
    return all(is_compatible(p, a) for p, a in zip(produced, accepted, strict=True))


def _is_unresolvable(tp: Any) -> bool:
    """Protocols, NewTypes and the like: accept rather than refuse what we cannot judge."""
    return not isinstance(tp, type) and typing.get_origin(tp) is None
