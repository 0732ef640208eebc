"""Where a parameter's value comes from, in decorators that rewire parameters.

``value(3)`` is a literal, ``source("raw")`` the value of another node (or input), ``group(...)`` a
list or dict of those, and ``configuration("key")`` a config value (in ``@subdag``'s config).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import InvalidDecoratorError, InvalidDecoratorException  # noqa: F401 - Hamilton's import path


class ParametrizedDependency:
    """Base of every dependency specification."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(
            getattr(self, s) == getattr(other, s) for s in self.__slots__
        )

    def __repr__(self) -> str:
        fields = ", ".join(repr(getattr(self, s)) for s in self.__slots__)
        return f"{type(self).__name__}({fields})"

    __hash__ = None  # type: ignore[assignment]  # literal values may be unhashable


class SingleDependency(ParametrizedDependency):
    __slots__ = ()


class LiteralDependency(SingleDependency):
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class UpstreamDependency(SingleDependency):
    __slots__ = ("source",)

    def __init__(self, source: str) -> None:
        self.source = source


class ConfigDependency(SingleDependency):
    __slots__ = ("source",)

    def __init__(self, source: str) -> None:
        self.source = source


class GroupedDependency(ParametrizedDependency):
    __slots__ = ()
    #: The container the parameter must be annotated with (``list[T]`` or ``dict[str, T]``).
    container: type = object
    container_abc: type = object

    def items(self) -> list[SingleDependency]:
        raise NotImplementedError

    def element_type(self, annotation: Any, param: str, where: str) -> Any:
        """The type each grouped value must have, from the parameter's annotation."""
        if typing.get_origin(annotation) in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = members[0] if len(members) == 1 else annotation
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        expected = 1 if self.container is list else 2
        ok = (
            isinstance(origin, type)
            and issubclass(origin, self.container_abc)
            and len(args) == expected
            and (expected == 1 or args[0] is str)
        )
        if not ok:
            shape = "list[T]" if expected == 1 else "dict[str, T]"
            raise InvalidDecoratorError(
                f"Parameter '{param}' of {where} receives a group(...), so annotate it as {shape} "
                f"(it is annotated {annotation!r}); each source is checked against the element "
                "type."
            )
        return args[-1]


class GroupedListDependency(GroupedDependency):
    __slots__ = ("sources",)
    container = list
    container_abc = Sequence

    def __init__(self, sources: list[SingleDependency]) -> None:
        self.sources = list(sources)

    def items(self) -> list[SingleDependency]:
        return self.sources


class GroupedDictDependency(GroupedDependency):
    __slots__ = ("sources",)
    container = dict
    container_abc = Mapping

    def __init__(self, sources: dict[str, SingleDependency]) -> None:
        self.sources = dict(sources)

    def items(self) -> list[SingleDependency]:
        return list(self.sources.values())


def value(literal_value: Any) -> LiteralDependency:
    """The parameter receives exactly this value."""
    if isinstance(literal_value, LiteralDependency):
        return literal_value
    return LiteralDependency(literal_value)


def source(dependency_on: Any) -> UpstreamDependency:
    """The parameter receives the value of the node (or input) with this name."""
    if isinstance(dependency_on, UpstreamDependency):
        return dependency_on
    if not isinstance(dependency_on, str):
        name = getattr(dependency_on, "__name__", None)
        if not callable(dependency_on) or name is None:
            raise InvalidDecoratorError(
                f"source() takes the name of a node or input, got {dependency_on!r}; "
                "write source('name'), or value(...) for a literal."
            )
        dependency_on = name
    return UpstreamDependency(dependency_on)


def configuration(dependency_on: str) -> ConfigDependency:
    """The parameter receives the config value with this key (in ``@subdag(config=...)``)."""
    return ConfigDependency(dependency_on)


def group(
    *dependency_args: SingleDependency, **dependency_kwargs: SingleDependency
) -> GroupedDependency:
    """Several sources/values gathered into one list (positional) or dict (keywords) parameter."""
    if dependency_args and dependency_kwargs:
        raise InvalidDecoratorError(
            "group() builds either a list (positional arguments) or a dict (keyword arguments), "
            "not both; split it into two parameters."
        )
    items = list(dependency_args) or list(dependency_kwargs.values())
    if not items:
        raise InvalidDecoratorError("group() needs at least one source(...) or value(...).")
    bad = [d for d in items if not isinstance(d, (LiteralDependency, UpstreamDependency))]
    if bad:
        raise InvalidDecoratorError(
            f"group() holds source(...) and value(...) items, got {bad[0]!r}; wrap it in value() "
            "for a literal or source() for a node."
        )
    if dependency_args:
        return GroupedListDependency(list(dependency_args))
    return GroupedDictDependency(dependency_kwargs)
