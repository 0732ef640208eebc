"""``@subdag``: reuse a whole set of functions (modules) inside a graph, under a namespace.

    @subdag(features, inputs={"path": source("eu_path")}, config={"region": "eu"}, namespace="eu")
    def eu_features(feature_table: pd.DataFrame) -> pd.DataFrame:
        return feature_table

builds every node of ``features`` as ``eu.<node>`` (with its own config), feeds ``eu.path`` from the
outer node ``eu_path``, and defines ``eu_features`` from the subdag's ``feature_table``. Parameters
of the decorated function come from the subdag, except those listed in ``external_inputs``. A subdag
node that needs a value the subdag neither computes nor receives reads it from the outer graph.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from ..errors import InvalidDecoratorError, InvalidDecoratorException  # noqa: F401 - Hamilton's import path
from ..node import Dependency, Node, node_from_function, origin_of, public_functions_of
from .base import NodeModifier, Phase, nodes_from_function, passthrough
from .dependencies import (
    ConfigDependency,
    LiteralDependency,
    ParametrizedDependency,
    UpstreamDependency,
)
from .transformers import NON_FINAL_TAG, rewire


class subdag(NodeModifier):
    phase = Phase.CREATE

    def __init__(
        self,
        *load_from: ModuleType | Callable[..., Any],
        inputs: dict[str, ParametrizedDependency] | None = None,
        config: dict[str, Any] | None = None,
        namespace: str | None = None,
        final_node_name: str | None = None,
        external_inputs: list[str] | None = None,
    ) -> None:
        if not load_from:
            raise InvalidDecoratorError(
                "@subdag() needs the modules (or functions) that make up the subdag."
            )
        self.functions = collect_functions(load_from)
        self.inputs = dict(inputs or {})
        self.config = dict(config or {})
        self.namespace = namespace
        self.final_node_name = final_node_name
        self.external_inputs = list(external_inputs or ())
        shared = sorted(self.inputs.keys() & self.config.keys())
        if shared:
            raise InvalidDecoratorError(
                f"@subdag: {', '.join(shared)} given both in inputs= and config=; config values "
                "are available as inputs already, so list them once."
            )
        bad = {
            k: v
            for k, v in self.inputs.items()
            if not isinstance(v, (UpstreamDependency, LiteralDependency))
        }
        if bad:
            raise InvalidDecoratorError(
                f"@subdag(inputs=...): {', '.join(f'{k}={v!r}' for k, v in bad.items())}; each "
                "input is source('outer_node') or value(literal)."
            )
        for key, spec in self.config.items():
            if isinstance(spec, ParametrizedDependency) and not isinstance(
                spec, (ConfigDependency, LiteralDependency)
            ):
                raise InvalidDecoratorError(
                    f"@subdag(config=...): {key}={spec!r}; config values are literals, value(...) "
                    "or configuration('outer_key')."
                )

    def create(self, fn: Callable[..., Any], name: str, config: dict[str, Any]) -> list[Node]:
        namespace = self.namespace or name
        inner_config = self._config(config, fn)
        inner = inner_nodes(self.functions, inner_config)
        renamed = {n.name for n in inner} | set(self.inputs) | set(self.config)
        nodes = [namespaced(node, namespace, renamed) for node in inner]
        nodes += self._input_nodes(nodes, namespace, inner_config, fn)
        nodes.append(self._final_node(fn, name, namespace))
        return nodes

    def _config(self, outer: dict[str, Any], fn: Callable[..., Any]) -> dict[str, Any]:
        resolved = dict(outer)
        for key, spec in self.config.items():
            if isinstance(spec, ConfigDependency):
                if spec.source not in outer:
                    raise InvalidDecoratorError(
                        f"@subdag on {origin_of(fn)}: config {key}=configuration({spec.source!r}), "
                        f"but the driver config has no '{spec.source}'."
                    )
                resolved[key] = outer[spec.source]
            elif isinstance(spec, LiteralDependency):
                resolved[key] = spec.value
            else:
                resolved[key] = spec
        return resolved

    def _input_nodes(
        self,
        nodes: list[Node],
        namespace: str,
        inner_config: dict[str, Any],
        fn: Callable[..., Any],
    ) -> list[Node]:
        needed = {dep: d for node in nodes for dep, d in node.inputs.items()}
        out = []
        tags = {NON_FINAL_TAG: True}
        for key, spec in self.inputs.items():
            name = f"{namespace}.{key}"
            if isinstance(spec, LiteralDependency):
                out.append(
                    Node(
                        name,
                        _constant(spec.value),
                        {},
                        type(spec.value),
                        tags=dict(tags),
                        origin=origin_of(fn),
                        user_function=fn,
                    )
                )
            elif name in needed:
                typ = needed[name].type
                inputs = {spec.source: Dependency(typ, False)}
                out.append(
                    Node(
                        name,
                        passthrough(spec.source),
                        inputs,
                        typ,
                        tags=dict(tags),
                        origin=origin_of(fn),
                        user_function=fn,
                    )
                )
        for key in self.config:
            out.append(
                Node(
                    f"{namespace}.{key}",
                    _constant(inner_config[key]),
                    {},
                    type(inner_config[key]),
                    tags=dict(tags),
                    origin=origin_of(fn),
                    user_function=fn,
                )
            )
        return out

    def _final_node(self, fn: Callable[..., Any], name: str, namespace: str) -> Node:
        node = node_from_function(fn, self.final_node_name or name)
        external = set(self.external_inputs)
        return rewire(node, {p: f"{namespace}.{p}" for p in node.inputs if p not in external})


def inner_nodes(functions: list[Callable[..., Any]], config: dict[str, Any]) -> list[Node]:
    """The nodes of a reused set of functions, tagged as inner (decorators on the function that
    reuses them leave them alone)."""
    nodes = []
    for member in functions:
        for node in nodes_from_function(member, config):
            nodes.append(node.copy(tags={**node.tags, NON_FINAL_TAG: True}))
    return nodes


def namespaced(node: Node, namespace: str, renamed: set[str]) -> Node:
    """``node`` as ``namespace.<name>``, reading ``namespace.<input>`` for the inputs in
    ``renamed`` (the names defined inside the namespace)."""
    moved = rewire(node, {p: f"{namespace}.{p}" for p in node.inputs if p in renamed})
    return moved.copy(name=f"{namespace}.{node.name}")


def _constant(value: Any) -> Callable[..., Any]:
    def constant() -> Any:
        return value

    return constant


def collect_functions(load_from: tuple[Any, ...], who: str = "@subdag") -> list[Callable[..., Any]]:
    """The public functions of the modules, and the functions, in ``load_from``; a module's in
    name order, as Hamilton lists them (``@with_columns`` without ``select`` appends columns in
    this order)."""
    functions = []
    for item in load_from:
        if isinstance(item, ModuleType):
            functions.extend(sorted(public_functions_of(item), key=_name_of))
        elif callable(item) and hasattr(item, "__code__"):
            functions.append(item)
        else:
            raise InvalidDecoratorError(f"{who} takes modules or functions, got {item!r}.")
    return functions


def _name_of(fn: Callable[..., Any]) -> str:
    return fn.__name__


#: The keys one ``@parameterized_subdag`` parameterization may set.
_SUBDAG_PARAMETERS = ("inputs", "config", "external_inputs")


class parameterized_subdag(NodeModifier):
    """Several ``@subdag``\\ s from one function: one per keyword, named (and namespaced) after it.

        @parameterized_subdag(
            features,
            inputs={"path": value("a.csv")},
            from_a={},
            from_b=dict(inputs={"path": value("b.csv")}, config={"region": "eu"}),
        )
        def feature_table(feature_table: pd.DataFrame) -> pd.DataFrame: ...

    builds nodes ``from_a`` and ``from_b``, each over its own copy of ``features`` (``from_a.raw``
    ...). A parameterization's ``inputs`` and ``config`` extend the shared ones (its keys win); its
    ``external_inputs`` replace the shared list.
    """

    phase = Phase.CREATE

    def __init__(
        self,
        *load_from: ModuleType | Callable[..., Any],
        inputs: dict[str, ParametrizedDependency] | None = None,
        config: dict[str, Any] | None = None,
        external_inputs: list[str] | None = None,
        **parameterization: dict[str, Any],
    ) -> None:
        if not parameterization:
            raise InvalidDecoratorError(
                "@parameterized_subdag() needs at least one parameterization, e.g. "
                "from_a=dict(inputs={'path': value('a.csv')})."
            )
        self.subdags = {}
        for key, params in parameterization.items():
            if not isinstance(params, dict) or not set(params) <= set(_SUBDAG_PARAMETERS):
                raise InvalidDecoratorError(
                    f"@parameterized_subdag: {key}={params!r}; a parameterization is a dict "
                    f"with any of the keys {', '.join(_SUBDAG_PARAMETERS)}."
                )
            self.subdags[key] = subdag(
                *load_from,
                inputs={**(inputs or {}), **params.get("inputs", {})},
                config={**(config or {}), **params.get("config", {})},
                external_inputs=params.get("external_inputs", external_inputs),
                namespace=key,
                final_node_name=key,
            )

    def create(self, fn: Callable[..., Any], name: str, config: dict[str, Any]) -> list[Node]:
        return [node for one in self.subdags.values() for node in one.create(fn, name, config)]
