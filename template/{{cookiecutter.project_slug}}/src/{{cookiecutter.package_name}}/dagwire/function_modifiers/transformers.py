"""What decorators that rewrite nodes share: the transformer and injector kinds, Hamilton's
``target_`` rule, and rewiring a node's inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import InvalidDecoratorError
from ..node import Dependency, Node, origin_of
from .base import NodeModifier, Phase, decorator_name

#: Tag of the inner nodes of a ``@subdag``: modifiers without an explicit target leave them alone.
NON_FINAL_TAG = "hamilton.non_final_node"

#: Tag of ``@save_to`` nodes. They are side outputs: the node they save stays the function's final
#: node, so ``@tag`` or a second ``@save_to`` above them applies to the data, not to the saver
#: (Apache Hamilton applies them to the saver, which saves the first saver's metadata).
SIDE_OUTPUT_TAG = "hamilton.data_saver"

#: The tag namespaces Apache Hamilton reserves for the framework (plus our own).
RESERVED_TAG_NAMESPACES = (
    "hamilton",
    "data_quality",
    "gdpr",
    "ccpa",
    "dag",
    "module",
    "ray_remote",
    "dagwire",
)


def rewire(
    node: Node, sources: dict[str, str] | None = None, values: dict[str, Any] | None = None
) -> Node:
    """``node`` with parameter ``p`` fed by the value named ``sources[p]`` and ``values[p]`` fixed.

    Several parameters may read the same source. A parameter left without a value (an optional one
    whose source was not given) falls back to the function's default.
    """
    sources = sources or {}
    values = values or {}
    inputs: dict[str, Dependency] = {}
    pairs = []
    for param, dep in node.inputs.items():
        if param in values:
            continue
        source = sources.get(param, param)
        if source in inputs:  # two parameters read one value: it is required if either needs it
            dep = Dependency(inputs[source].type, inputs[source].optional and dep.optional)
        inputs[source] = dep
        pairs.append((source, param))
    fn = node.fn
    fixed = dict(values)

    def rewired(**kwargs: Any) -> Any:
        call = dict(fixed)
        for source, param in pairs:
            if source in kwargs:
                call[param] = kwargs[source]
        return fn(**call)

    return node.copy(fn=rewired, inputs=inputs)


def final_nodes(nodes: list[Node]) -> list[Node]:
    """The sinks of a function's nodes: what no other of its nodes consumes (subdag internals and
    side outputs aside)."""
    main = [n for n in nodes if not n.tags.get(SIDE_OUTPUT_TAG)]
    consumed = {dep for node in main for dep in node.inputs}
    return [n for n in main if n.name not in consumed and not n.tags.get(NON_FINAL_TAG)]


def select_targets(target: Any, nodes: list[Node], fn: Callable[..., Any], who: str) -> list[Node]:
    """Hamilton's ``target_`` rule: None = the final nodes, ... = all, a name or names = those."""
    if target is None:
        return final_nodes(nodes)
    if target is Ellipsis:
        return list(nodes)
    names = [target] if isinstance(target, str) else list(target)
    chosen = [n for n in nodes if n.name in names]
    missing = sorted(set(names) - {n.name for n in chosen})
    if missing:
        raise InvalidDecoratorError(
            f"@{who} on {origin_of(fn)} targets {', '.join(map(repr, missing))}, but the function "
            f"produces only {', '.join(repr(n.name) for n in nodes)}. Fix target_ (or on_output)."
        )
    return chosen


def check_target(target: Any, who: str) -> None:
    """A target must be None, ``...``, a node name or a collection of node names."""
    if target is None or target is Ellipsis or isinstance(target, str):
        return
    names = isinstance(target, (list, tuple, set, frozenset))
    if names and all(isinstance(t, str) for t in target):
        return
    raise InvalidDecoratorError(
        f"@{who}: target {target!r} is not valid; give a node name, a list of node names, "
        "None (the function's final nodes) or ... (all of its nodes)."
    )


class NodeTransformer(NodeModifier):
    """A TRANSFORM (or DECORATE) modifier applied node by node to the nodes its target selects."""

    phase = Phase.TRANSFORM
    target: Any = None
    #: Whether the modifier needs exactly one node to work on (e.g. ``@extract_columns``).
    single_target: bool = False

    def transform(
        self, nodes: list[Node], fn: Callable[..., Any], config: dict[str, Any]
    ) -> list[Node]:
        targets = select_targets(self.target, nodes, fn, decorator_name(self))
        if self.single_target and len(targets) != 1:
            names = ", ".join(repr(n.name) for n in targets) or "none"
            raise InvalidDecoratorError(
                f"@{decorator_name(self)} works on one node, but on {origin_of(fn)} it would apply "
                f"to {len(targets)} ({names}). Apply it closer to the function, or pick one node "
                "with target_='name'."
            )
        chosen = {id(n) for n in targets}
        out = [n for n in nodes if id(n) not in chosen]
        for node in targets:
            out.extend(self.transform_node(node, fn, config))
        return out

    def transform_node(
        self, node: Node, fn: Callable[..., Any], config: dict[str, Any]
    ) -> list[Node]:
        raise NotImplementedError


class InputInjector(NodeModifier):
    """An INJECT modifier: adds nodes that feed some of the function's parameters."""

    phase = Phase.INJECT

    def transform(
        self, nodes: list[Node], fn: Callable[..., Any], config: dict[str, Any]
    ) -> list[Node]:
        produced = {n.name for n in nodes}
        params: dict[str, Dependency] = {}
        for node in nodes:
            for name, dep in node.inputs.items():
                if name not in produced:
                    params.setdefault(name, dep)
        added, renames = self.inject(params, fn, config)
        out = [rewire(n, renames) if renames.keys() & n.inputs.keys() else n for n in nodes]
        return out + added

    def inject(
        self, params: dict[str, Dependency], fn: Callable[..., Any], config: dict[str, Any]
    ) -> tuple[list[Node], dict[str, str]]:
        """The nodes to add, and which parameters now read which of them."""
        raise NotImplementedError


def parameter_names(fn: Callable[..., Any]) -> list[str]:
    """Names of a function's named parameters (positional and keyword-only), in order."""
    code = fn.__code__
    return list(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
