"""``@extract_columns``, ``@extract_fields``, ``@unpack_fields``: parts of a result as nodes.

The function keeps its own node (the whole DataFrame or dict); each column or field becomes a node
that reads it. DataFrame support needs no import of its own: a function annotated ``->
pd.DataFrame`` has already imported pandas (polars works the same way).
"""

from __future__ import annotations

import sys
import types
import typing
from collections.abc import Callable
from typing import Any

from ..errors import InvalidDecoratorError
from ..htypes import is_compatible
from ..node import Dependency, Node, origin_of, type_name
from .base import decorator_name
from .transformers import NodeTransformer

#: The end of the error for a column or field the result lacks.
MISSING_FIX = (
    "Return it from the function, fix the name, or pass fill_with=... to fill missing ones."
)


class extract_columns(NodeTransformer):
    """``@extract_columns("a", ("b", "doc of b"))``: a node per column of the returned DataFrame."""

    single_target = True
    #: What to do when the DataFrame lacks a column (the error ends with it).
    missing_fix = MISSING_FIX

    def __init__(self, *columns: str | tuple[str, str], fill_with: Any = None) -> None:
        if not columns:
            raise InvalidDecoratorError(
                "@extract_columns() needs the names of the columns to extract, "
                "e.g. @extract_columns('a', 'b')."
            )
        if isinstance(columns[0], list):
            raise InvalidDecoratorError(
                "@extract_columns takes column names as separate arguments; unpack the list with "
                "@extract_columns(*columns)."
            )
        for column in columns:
            ok = isinstance(column, str) or (
                isinstance(column, tuple)
                and len(column) == 2
                and all(isinstance(part, str) for part in column)
            )
            if not ok:
                raise InvalidDecoratorError(
                    f"@extract_columns: {column!r} is not a column name or a (name, docstring) "
                    "pair."
                )
        self.columns = columns
        self.fill_with = fill_with

    def transform_node(
        self, node: Node, fn: Callable[..., Any], config: dict[str, Any]
    ) -> list[Node]:
        series_type = column_type(node.type, fn)
        frame_node = node
        if self.fill_with is not None:
            frame_node = node.copy(fn=_filled(node.fn, self.columns, self.fill_with, _set_column))
        out = [frame_node]
        for column in self.columns:
            name, doc = column if isinstance(column, tuple) else (column, node.doc)
            who = f"@{decorator_name(self)}"
            getter = _getter(node.name, name, "column", who, node.origin, self.missing_fix)
            out.append(
                Node(
                    name,
                    getter,
                    {node.name: Dependency(node.type, False)},
                    series_type,
                    tags=dict(node.tags),
                    doc=doc,
                    origin=node.origin,
                    user_function=node.user_function,
                )
            )
        return out


class extract_fields(NodeTransformer):
    """``@extract_fields({"a": int, "b": str})``: one node per field of the returned dict.

    Field names alone are enough when the return annotation says the types: ``dict[str, int]`` or a
    ``TypedDict`` (then the decorator may even be used without arguments).
    """

    single_target = True

    def __init__(
        self,
        fields: dict[str, Any] | list[str] | str | None = None,
        *others: str,
        fill_with: Any = None,
    ) -> None:
        if isinstance(fields, list):
            fields = [*fields, *others]
        elif fields is not None and not isinstance(fields, dict):
            fields = [fields, *others]
        elif others:
            raise InvalidDecoratorError(
                "@extract_fields takes a dict of field -> type, or field names; not both."
            )
        self.fields = fields
        self.fill_with = fill_with

    def validate(self, fn: Callable[..., Any]) -> None:
        """An empty set of fields is refused when decorating, as in Hamilton."""
        if self.fields is not None and not self.fields:
            raise InvalidDecoratorError(
                f"@extract_fields on {origin_of(fn)} got an empty set of fields: name the "
                'fields to extract, e.g. @extract_fields({"a": int}), or leave the arguments out '
                "to read a TypedDict."
            )

    def transform_node(
        self, node: Node, fn: Callable[..., Any], config: dict[str, Any]
    ) -> list[Node]:
        fields = _resolve_fields(self.fields, node.type, fn)
        dict_node = node
        if self.fill_with is not None:
            dict_node = node.copy(fn=_filled(node.fn, list(fields), self.fill_with, _set_item))
        out = [dict_node]
        for name, field_type in fields.items():
            getter = _getter(node.name, name, "field", "@extract_fields", node.origin)
            out.append(
                Node(
                    name,
                    getter,
                    {node.name: Dependency(node.type, False)},
                    field_type,
                    tags=dict(node.tags),
                    doc=node.doc,
                    origin=node.origin,
                    user_function=node.user_function,
                )
            )
        return out


# --- helpers -------------------------------------------------------------------------------------
def _getter(
    source: str,
    key: Any,
    kind: str,
    who: str,
    origin: str,
    fix: str = MISSING_FIX,
) -> Callable[..., Any]:
    def get(**kwargs: Any) -> Any:
        whole = kwargs[source]
        try:
            return whole[key]
        except (KeyError, IndexError, TypeError):
            if kind == "column":
                have = getattr(whole, "columns", ())
            else:
                have = whole.keys() if hasattr(whole, "keys") else range(len(whole))
            raise InvalidDecoratorError(
                f"{who} ({origin}): '{source}' has no {kind} {key!r}; it has "
                f"{', '.join(map(repr, have)) or 'none'}. {fix}"
            ) from None

    return get


def _filled(
    fn: Callable[..., Any], keys: Any, fill: Any, setter: Callable[..., None]
) -> Callable[..., Any]:
    names = [k[0] if isinstance(k, tuple) else k for k in keys]

    def filled(**kwargs: Any) -> Any:
        whole = fn(**kwargs)
        for name in names:
            if name not in whole:
                setter(whole, name, fill)
        return whole

    return filled


def _set_column(frame: Any, name: str, fill: Any) -> None:
    frame[name] = fill


def _set_item(mapping: Any, name: str, fill: Any) -> None:
    mapping[name] = fill


def dataframe_class(tp: Any) -> type | None:
    """The DataFrame class (pandas, polars, ...) ``tp`` is or derives from, else None; known by
    name, so asking imports no DataFrame library."""
    if isinstance(tp, type):
        for cls in tp.__mro__:
            if cls.__name__ == "DataFrame":
                return cls
    return None


def column_type(frame_type: Any, fn: Callable[..., Any]) -> Any:
    """A DataFrame type's column type (pandas -> pandas.Series, polars -> polars.Series)."""
    frame = dataframe_class(frame_type)
    if frame is not None:
        library = sys.modules.get(frame.__module__.split(".")[0])
        series = getattr(library, "Series", None)
        if isinstance(series, type):
            return series
    raise InvalidDecoratorError(
        f"@extract_columns needs a function that returns a DataFrame, but {origin_of(fn)} is "
        f"annotated -> {type_name(frame_type)}. Annotate the return type (e.g. -> pd.DataFrame), "
        "or use @extract_fields for a dict."
    )


def _is_typeddict(tp: Any) -> bool:
    return (
        isinstance(tp, type)
        and issubclass(tp, dict)
        and hasattr(tp, "__required_keys__")
        and hasattr(tp, "__total__")
    )


def _resolve_fields(fields: Any, output_type: Any, fn: Callable[..., Any]) -> dict[str, Any]:
    """Field name -> type, checked against the function's return annotation."""
    where = f"@extract_fields on {origin_of(fn)}"
    if _is_typeddict(output_type):
        declared = typing.get_type_hints(output_type)
        if fields is None:
            fields = dict(declared)
        names = list(fields)
        unknown = [n for n in names if n not in declared]
        if unknown:
            raise InvalidDecoratorError(
                f"{where}: {', '.join(map(repr, unknown))} not in {output_type.__name__}, which "
                f"declares {', '.join(declared)}."
            )
        if isinstance(fields, list):
            fields = {n: declared[n] for n in names}
        for name, tp in fields.items():
            if not is_compatible(tp, declared[name]):
                raise InvalidDecoratorError(
                    f"{where}: field '{name}' is given type {type_name(tp)}, but "
                    f"{output_type.__name__} declares {type_name(declared[name])}."
                )
    elif output_type is dict or output_type is typing.Dict:  # noqa: UP006 - both spellings
        if not isinstance(fields, dict):
            raise InvalidDecoratorError(
                f"{where}: the function returns a plain dict, so give each field's type: "
                "@extract_fields({'a': int, 'b': str}) (or annotate -> dict[str, T] / a TypedDict)."
            )
    elif typing.get_origin(output_type) is dict:
        args = typing.get_args(output_type)
        if fields is None:
            raise InvalidDecoratorError(
                f"{where}: name the fields to extract, e.g. @extract_fields('a', 'b')."
            )
        if isinstance(fields, list):
            fields = {n: args[1] for n in fields}
    else:
        raise InvalidDecoratorError(
            f"{where}: the function must return a dict (dict, dict[str, T] or a TypedDict), but "
            f"it is annotated -> {type_name(output_type)}."
        )
    if not fields:
        raise InvalidDecoratorError(f"{where}: no fields to extract.")
    for name, tp in fields.items():
        if not isinstance(name, str):
            raise InvalidDecoratorError(f"{where}: field names must be strings, got {name!r}.")
        if not (
            isinstance(tp, type)
            or tp is Any
            or typing.get_origin(tp) is not None
            or isinstance(tp, types.UnionType)
        ):
            raise InvalidDecoratorError(
                f"{where}: field '{name}' maps to {tp!r}, which is not a type; "
                "give a type such as int or list[str]."
            )
    return dict(fields)


class unpack_fields(NodeTransformer):
    """``@unpack_fields("a", "b")`` on ``-> tuple[int, str]``: one node per tuple position."""

    single_target = True

    def __init__(self, *fields: str) -> None:
        if not fields or not all(isinstance(f, str) for f in fields):
            raise InvalidDecoratorError(
                "@unpack_fields takes the names of the tuple's positions, e.g. "
                "@unpack_fields('model', 'score')."
            )
        self.fields = fields

    def transform_node(
        self, node: Node, fn: Callable[..., Any], config: dict[str, Any]
    ) -> list[Node]:
        where = f"@unpack_fields on {origin_of(fn)}"
        args = typing.get_args(node.type) if typing.get_origin(node.type) is tuple else None
        if not args:
            raise InvalidDecoratorError(
                f"{where}: annotate the return type as a tuple of types, e.g. "
                f"-> tuple[int, str] (or tuple[int, ...]); it is {type_name(node.type)}."
            )
        if len(args) == 2 and args[1] is Ellipsis:
            args = (args[0],) * len(self.fields)
        if len(self.fields) > len(args):
            raise InvalidDecoratorError(
                f"{where}: {len(self.fields)} names for a tuple of {len(args)} "
                f"({type_name(node.type)})."
            )
        out = [node]
        for position, (name, field_type) in enumerate(zip(self.fields, args, strict=False)):
            getter = _getter(node.name, position, "position", "@unpack_fields", node.origin)
            out.append(
                Node(
                    name,
                    getter,
                    {node.name: Dependency(node.type, False)},
                    field_type,
                    tags=dict(node.tags),
                    doc=node.doc,
                    origin=node.origin,
                    user_function=node.user_function,
                )
            )
        return out
