"""``@tag``: attach key/value metadata to nodes, for queries like
``driver.list_available_variables(tag_filter={"owner": "data-team"})``.

Keys may be dotted (``**{"team.owner": "x"}``), each part an identifier; values are strings or lists
of strings. The namespaces the framework uses (``hamilton``, ``module``, ...) are reserved unless
``bypass_reserved_namespaces_=True``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import InvalidDecoratorError
from ..node import Node, origin_of, type_name
from .base import Phase
from .extractors import dataframe_class
from .transformers import RESERVED_TAG_NAMESPACES, NodeTransformer, check_target


class tag(NodeTransformer):
    """Tag the function's final nodes (or the nodes ``target_`` names; ``...`` for all)."""

    phase = Phase.DECORATE

    def __init__(
        self,
        *,
        target_: Any = None,
        bypass_reserved_namespaces_: bool = False,
        **tags: str | list[str],
    ) -> None:
        check_target(target_, "tag")
        self.target = target_
        self.tags = tags
        self.bypass_reserved_namespaces = bypass_reserved_namespaces_

    def validate(self, fn: Callable[..., Any]) -> None:
        problems = []
        for key, value in self.tags.items():
            parts = key.split(".")
            if not all(part.isidentifier() for part in parts):
                problems.append(f"key {key!r}: each dot-separated part must be an identifier")
            elif parts[0] in RESERVED_TAG_NAMESPACES and not self.bypass_reserved_namespaces:
                problems.append(f"key {key!r}: the namespace '{parts[0]}' is reserved")
            if not _value_allowed(value):
                problems.append(
                    f"{key}={value!r}: values are strings or non-empty lists of distinct strings"
                )
        if problems:
            raise InvalidDecoratorError(
                f"@tag on {origin_of(fn)}: " + "; ".join(problems) + ". "
                f"Reserved namespaces: {', '.join(RESERVED_TAG_NAMESPACES)}."
            )

    def transform_node(
        self, node: Node, fn: Callable[..., Any], config: dict[str, Any]
    ) -> list[Node]:
        return [node.copy(tags={**node.tags, **self.tags})]


def _value_allowed(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, str) for v in value)
        and len(set(value)) == len(value)
    )


class tag_outputs(NodeTransformer):
    """Different tags per generated node: ``@tag_outputs(col_a={"kind": "x"}, col_b={...})``."""

    phase = Phase.DECORATE
    target = Ellipsis

    def __init__(self, **tag_mapping: dict[str, str | list[str]]) -> None:
        self.tag_mapping = tag_mapping

    def validate(self, fn: Callable[..., Any]) -> None:
        for tags in self.tag_mapping.values():
            tag(**tags).validate(fn)

    def transform_node(
        self, node: Node, fn: Callable[..., Any], config: dict[str, Any]
    ) -> list[Node]:
        extra = self.tag_mapping.get(node.name)
        return [node.copy(tags={**node.tags, **extra})] if extra else [node]


class cache(NodeTransformer):
    """``@cache(behavior="recompute", format="json")``: hints for a caching adapter.

    Recorded as the tags ``cache.behavior`` and ``cache.format`` (the keys Hamilton's cache reads).
    ``Builder().with_cache()`` follows the behavior (its own lists win over it); results are
    always stored pickled, whatever the format.
    """

    phase = Phase.DECORATE
    BEHAVIORS = ("default", "recompute", "ignore", "disable")
    BEHAVIOR_KEY = "cache.behavior"  # Apache Hamilton's names for the two tags
    FORMAT_KEY = "cache.format"

    def __init__(
        self, *, behavior: str | None = None, format: str | None = None, target_: Any = ...
    ) -> None:
        if behavior is not None and behavior not in self.BEHAVIORS:
            raise InvalidDecoratorError(
                f"@cache(behavior={behavior!r}): use one of {', '.join(self.BEHAVIORS)}."
            )
        check_target(target_, "cache")
        self.target = target_
        self.cache_tags = {
            key: v for key, v in ((self.BEHAVIOR_KEY, behavior), (self.FORMAT_KEY, format)) if v
        }

    def transform_node(
        self, node: Node, fn: Callable[..., Any], config: dict[str, Any]
    ) -> list[Node]:
        return [node.copy(tags={**node.tags, **self.cache_tags})]


class SchemaOutput(NodeTransformer):
    """The columns a DataFrame node returns, as Hamilton records them: one tag whose value reads
    ``name=type,name=type`` (viewers draw it; nothing checks the data against it)."""

    phase = Phase.DECORATE
    display_name = "schema.output"
    allows_multiple = False

    def __init__(self, *fields: tuple[str, str], target_: str | None = None) -> None:
        bad = [f for f in fields if not _is_field(f)]
        if bad:
            raise InvalidDecoratorError(
                f"@schema.output: {', '.join(map(repr, bad))} is not a (column name, type name) "
                "pair of strings, e.g. ('price', 'float')."
            )
        check_target(target_, "schema.output")
        self.target = target_
        self.schema_tags = {
            schema.INTERNAL_SCHEMA_OUTPUT_KEY: ",".join(f"{name}={typ}" for name, typ in fields)
        }

    def transform_node(
        self, node: Node, fn: Callable[..., Any], config: dict[str, Any]
    ) -> list[Node]:
        if dataframe_class(node.type) is None:
            raise InvalidDecoratorError(
                f"@schema.output on {origin_of(fn)} describes the columns of a DataFrame, but "
                f"node '{node.name}' returns {type_name(node.type)}. Annotate it -> pd.DataFrame, "
                "or name the DataFrame node with target_=... when other decorators add nodes."
            )
        return [node.copy(tags={**node.tags, **self.schema_tags})]


def _is_field(field: Any) -> bool:
    return isinstance(field, tuple) and len(field) == 2 and all(isinstance(p, str) for p in field)


class schema:
    """Namespace of ``@schema.output(("column", "type"), ...)``, Apache Hamilton's spelling."""

    INTERNAL_SCHEMA_OUTPUT_KEY = "hamilton.internal.schema_output"

    @staticmethod
    def output(*fields: tuple[str, str], target_: str | None = None) -> SchemaOutput:
        return SchemaOutput(*fields, target_=target_)
