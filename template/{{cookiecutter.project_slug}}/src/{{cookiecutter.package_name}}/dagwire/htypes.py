"""Type markers with a meaning for execution, and the type rules: may a declared type flow into a
parameter (checked at build time), and is a value of a type (checked at run time).

``Parallelizable[T]`` marks a function that yields items, each of which runs the nodes downstream
of it once; ``Collect[T]`` marks the parameter that receives the list of those per-item results.
Both are ``Protocol`` classes over ``Iterable``, as in Apache Hamilton, so static type checkers
accept a generator where ``Parallelizable[int]`` is declared and a list where ``Collect[int]`` is.

``is_compatible`` is Apache Hamilton's edge rule: exact match, subclass, ``Any`` on either side, a
member of a ``Union``, or the same generic outer type (``list[int]`` into ``list``).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Protocol, TypeVar

__all__ = [
    "Collect",
    "Parallelizable",
    "check_instance",
    "column",
    "is_collect_type",
    "is_parallelizable_type",
]

#: Hamilton's name for ``Annotated`` (``column[pd.Series, int]``).
column = Annotated

ParallelizableElement = TypeVar("ParallelizableElement", covariant=True)
CollectElement = TypeVar("CollectElement", covariant=True)


class Parallelizable(Iterable[ParallelizableElement], Protocol[ParallelizableElement]):
    """Return type of a node whose items each run the block downstream of it once."""


class Collect(Iterable[CollectElement], Protocol[CollectElement]):
    """Parameter type that gathers one value per item of the enclosing ``Parallelizable`` block."""


_GENERIC_ALIAS = type(Parallelizable[int])  # checking the class first skips plain types fast


def is_parallelizable_type(tp: Any) -> bool:
    return tp is Parallelizable or (type(tp) is _GENERIC_ALIAS and tp.__origin__ is Parallelizable)


def is_collect_type(tp: Any) -> bool:
    return tp is Collect or (type(tp) is _GENERIC_ALIAS and tp.__origin__ is Collect)


def element_type(tp: Any) -> Any:
    """``T`` of ``Parallelizable[T]`` or ``Collect[T]`` (``Any`` when left bare)."""
    args = typing.get_args(tp)
    return args[0] if args else Any


_UNION_TYPES = (typing.Union, types.UnionType)
_NUMERIC_TOWER = {float: (float, int), complex: (complex, float, int)}


def accepts_input(value: Any, type_: Any) -> bool:
    """Whether a runtime input may feed a parameter annotated ``type_``: its outer type, and never
    stricter than Apache Hamilton, which takes any list or tuple for a sequence type and any
    iterable for a set or ``Iterable`` type."""
    origin = typing.get_origin(type_)
    if origin in _UNION_TYPES:
        return any(accepts_input(value, member) for member in typing.get_args(type_))
    if origin is Annotated:
        return accepts_input(value, typing.get_args(type_)[0])
    if origin in (list, tuple, Sequence):
        return isinstance(value, (list, tuple, Sequence))
    if origin in (set, frozenset, Iterable):
        return isinstance(value, Iterable)
    return check_instance(value, type_, deep=False)


def check_instance(obj: Any, type_: Any, deep: bool = True) -> bool:
    """Whether ``obj`` is a value of the annotation ``type_``, looking inside containers when
    ``deep`` (the type checker adapter) and at the outer type only otherwise (runtime inputs).

    What cannot be judged at run time (type variables, protocols, string annotations) is accepted
    rather than refused, and so is an int where a float is declared (PEP 484's numeric tower).
    """
    if type_ is Any or type_ is object:
        return True
    origin = typing.get_origin(type_)
    if origin is None:
        if isinstance(type_, type):
            if getattr(type_, "_is_protocol", False):
                return True
            return isinstance(obj, _NUMERIC_TOWER.get(type_, type_))
        supertype = getattr(type_, "__supertype__", None)  # typing.NewType
        return check_instance(obj, supertype, deep) if supertype is not None else True
    args = typing.get_args(type_)
    if origin is Annotated:
        return check_instance(obj, args[0], deep)
    if origin in _UNION_TYPES:
        return any(check_instance(obj, member, deep) for member in args)
    if origin is typing.Literal:
        return obj in args
    if origin in (Parallelizable, Collect):
        origin = Iterable
    if not isinstance(origin, type) or (
        getattr(origin, "_is_protocol", False) and origin is not Iterable
    ):
        return True
    if not isinstance(obj, origin):
        return False
    if not args or not deep:
        return True
    if isinstance(obj, dict):
        key_type, value_type = (args + (Any, Any))[:2]
        return all(
            check_instance(k, key_type) and check_instance(v, value_type) for k, v in obj.items()
        )
    if isinstance(obj, tuple) and origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return all(check_instance(item, args[0]) for item in obj)
        return len(obj) == len(args) and all(map(check_instance, obj, args))
    if isinstance(obj, (list, tuple, set, frozenset)):
        return all(check_instance(item, args[0]) for item in obj)
    return True  # other generics (iterators, callables): the outer type is all we can check


# --- may a declared type flow into a parameter (the edge rule) ----------------------------------
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
