"""How a function modifier (decorator) plugs into graph construction.

A modifier attaches itself to the function it decorates and does nothing until the graph is built
for a given config. ``nodes_from_function`` then applies the modifiers of each function in Apache
Hamilton's order, whatever order the decorators were written in:

    config resolution -> creation -> injection -> expansion -> transformation -> decoration

Within one phase, modifiers apply bottom-up (the decorator nearest the ``def`` first), as in
Hamilton. ``@resolve`` comes before all of them: it builds its decorator from the config, and that
decorator then joins its phase after the ones written in the code.

Each phase is a method of ``NodeModifier`` with a do-nothing default, so a modifier overrides only
the phase it belongs to. Functions without modifiers never get past the first line of
``nodes_from_function``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import Any

from ..errors import InvalidDecoratorError, InvalidDecoratorException  # noqa: F401 - Hamilton's import path
from ..node import Node, node_from_function, origin_of

MODIFIERS_ATTR = "__dagwire_modifiers__"


class Phase(IntEnum):
    RESOLVE = -1
    CONFIG = 0
    CREATE = 1
    INJECT = 2
    EXPAND = 3
    TRANSFORM = 4
    DECORATE = 5


#: Phases that allow one modifier per function: one way to create a node, one way to expand it.
_ONE_PER_FUNCTION = {Phase.CREATE: "create its node", Phase.EXPAND: "expand it into several nodes"}


class NodeModifier:
    """Base of every decorator. Subclasses set ``phase`` and override that phase's method."""

    phase: Phase = Phase.DECORATE
    #: Whether the config-variant suffix (``name__variant``) is dropped from the node name.
    strips_variant_suffix: bool = False
    #: Whether one function may carry several modifiers of this class.
    allows_multiple: bool = True

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(fn) or not hasattr(fn, "__code__"):
            raise InvalidDecoratorError(
                f"@{decorator_name(self)} decorates functions, got {fn!r}. "
                "Did you forget the parentheses, e.g. @tag(...)?"
            )
        existing = list(getattr(fn, MODIFIERS_ATTR, ()))
        self.check_joins(existing, fn)
        self.validate(fn)
        setattr(fn, MODIFIERS_ATTR, [*existing, self])
        return fn

    def check_joins(self, existing: list[NodeModifier], fn: Callable[..., Any]) -> None:
        """Refuse a second modifier where a function may have only one (one way to create or to
        expand its nodes; one of a kind for modifiers that say ``allows_multiple = False``)."""
        if self.phase in _ONE_PER_FUNCTION:
            clash = [m for m in existing if m.phase is self.phase]
            what = _ONE_PER_FUNCTION[self.phase]
        else:
            clash = [m for m in existing if type(m) is type(self) and not self.allows_multiple]
            what = f"are @{decorator_name(self)}"
        if clash:
            raise InvalidDecoratorError(
                f"{origin_of(fn)} has two decorators that both {what} "
                f"(@{decorator_name(clash[0])} and @{decorator_name(self)}); "
                "a function may have only one. Keep one, or split the function in two."
            )

    def validate(self, fn: Callable[..., Any]) -> None:
        """Checks that need only the function; they run when the decorator is applied."""

    # --- phases: each returns its input unchanged unless overridden -----------------------------
    def resolves(self, fn: Callable[..., Any], config: dict[str, Any]) -> bool:
        """CONFIG: whether the function takes part in the graph for this config."""
        return True

    def node_name(self, fn: Callable[..., Any]) -> str | None:
        """CONFIG: the node name this modifier gives the function (``None``: no opinion)."""
        return None

    def create(self, fn: Callable[..., Any], name: str, config: dict[str, Any]) -> list[Node]:
        """CREATE: build the function's nodes instead of the default one."""
        raise NotImplementedError

    def transform(
        self, nodes: list[Node], fn: Callable[..., Any], config: dict[str, Any]
    ) -> list[Node]:
        """INJECT / EXPAND / TRANSFORM / DECORATE: rewrite the nodes built so far."""
        return nodes

    def required_config(self) -> list[str]:
        """Config keys this modifier reads."""
        return []

    def resolve(self, fn: Callable[..., Any], config: dict[str, Any]) -> NodeModifier:
        """RESOLVE: the modifier to apply instead of this one, built from the config."""
        raise NotImplementedError

    def check_allowed(self, fn: Callable[..., Any], config: dict[str, Any]) -> None:
        """RESOLVE: refuse a config that does not allow this modifier at all."""


def decorator_name(modifier: Any) -> str:
    return getattr(modifier, "display_name", None) or type(modifier).__name__


def modifiers_of(fn: Callable[..., Any]) -> list[NodeModifier]:
    return getattr(fn, MODIFIERS_ATTR, [])


def function_node_name(fn: Callable[..., Any], modifiers: list[NodeModifier] | None = None) -> str:
    """A function's node name: a modifier's choice, else Hamilton's rule for config variants.

    Only config-decorated functions lose their ``__suffix`` (everything from the last ``__``), so
    that ``model__linear`` and ``model__tree`` can both define ``model``; others keep their name.
    """
    if modifiers is None:
        modifiers = modifiers_of(fn)
    for modifier in modifiers:
        name = modifier.node_name(fn)
        if name is not None:
            return name
    name = fn.__name__
    if any(m.strips_variant_suffix for m in modifiers):
        cut = name.rfind("__")
        if cut > 0:
            return name[:cut]
    return name


def nodes_from_function(fn: Callable[..., Any], config: dict[str, Any]) -> list[Node]:
    """All nodes one user function contributes for ``config`` (possibly none)."""
    modifiers = getattr(fn, MODIFIERS_ATTR, None)
    if not modifiers:
        return [node_from_function(fn)]
    by_phase = sorted(modifiers, key=_phase_of)
    if by_phase[0].phase is Phase.RESOLVE:
        resolved = _resolved(fn, by_phase, config)
        if resolved is None:
            return []
        by_phase = resolved
    config_used: list[str] = []
    for modifier in by_phase:
        if modifier.phase is not Phase.CONFIG:
            break
        if not modifier.resolves(fn, config):
            return []
        config_used += modifier.required_config()
    name = function_node_name(fn, by_phase)
    creators = [m for m in by_phase if m.phase is Phase.CREATE]
    nodes = creators[0].create(fn, name, config) if creators else [node_from_function(fn, name)]
    for modifier in by_phase:
        if modifier.phase > Phase.CREATE:
            nodes = modifier.transform(nodes, fn, config)
    if config_used:  # as in Apache Hamilton, nodes chosen by config name the keys that chose them
        used = ",".join(dict.fromkeys(config_used))
        for node in nodes:
            node.tags = {**node.tags, "hamilton.config": used}
    return nodes


def config_values(config: dict[str, Any], keys: list[str], who: str, fix: str) -> dict[str, Any]:
    """``config``'s values of ``keys``; an error saying which are missing, and how to add them
    (or ``fix``), when some are."""
    missing = [key for key in keys if key not in config]
    if missing:
        raise InvalidDecoratorError(
            f"{who} reads the config keys {', '.join(map(repr, missing))}, which the driver's "
            f"config does not have. Add them with Builder().with_config(...), or {fix}."
        )
    return {key: config[key] for key in keys}


def _phase_of(modifier: NodeModifier) -> Phase:
    return modifier.phase


def _resolved(
    fn: Callable[..., Any], by_phase: list[NodeModifier], config: dict[str, Any]
) -> list[NodeModifier] | None:
    """The modifiers with each ``@resolve`` replaced by the decorator it builds from ``config``;
    None when the function's own ``@config`` conditions leave it out (then ``@resolve`` needs no
    config of its own)."""
    dynamic = [m for m in by_phase if m.phase is Phase.RESOLVE]
    static = by_phase[len(dynamic) :]
    for modifier in dynamic:
        modifier.check_allowed(fn, config)
    if not all(m.resolves(fn, config) for m in static if m.phase is Phase.CONFIG):
        return None
    for modifier in dynamic:
        made = modifier.resolve(fn, config)
        made.check_joins(static, fn)
        made.validate(fn)
        static.append(made)
    return sorted(static, key=_phase_of)


def passthrough(name: str) -> Callable[..., Any]:
    """A node function that returns its one input unchanged (renames and namespace exits)."""

    def identity(**kwargs: Any) -> Any:
        return kwargs[name]

    return identity


def unnamed_parameters(signature: Any) -> list[str]:
    """Parameters a call by keyword cannot fill (positional-only, ``*args``, ``**kwargs``): the
    modifiers that call functions by parameter name must refuse them."""
    return [
        p.name
        for p in signature.parameters.values()
        if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
