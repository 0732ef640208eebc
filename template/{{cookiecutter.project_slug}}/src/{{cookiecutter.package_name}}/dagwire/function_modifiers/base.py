"""How a function modifier (decorator) plugs into graph construction.

A modifier attaches itself to the function it decorates and does nothing until the graph is built
for a given config. ``nodes_from_function`` then applies the modifiers of each function in Apache
Hamilton's order, whatever order the decorators were written in:

    config resolution -> creation -> injection -> expansion -> transformation -> decoration

Each phase is a method of ``NodeModifier`` with a do-nothing default, so a modifier overrides
only the phase it belongs to.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import Any

from ..errors import InvalidDecoratorError
from ..node import Node, node_from_function, origin_of

MODIFIERS_ATTR = "__dagwire_modifiers__"


class Phase(IntEnum):
    CONFIG = 0
    CREATE = 1
    INJECT = 2
    EXPAND = 3
    TRANSFORM = 4
    DECORATE = 5


class NodeModifier:
    """Base of every decorator. Subclasses set ``phase`` and override that phase's method."""

    phase: Phase = Phase.DECORATE
    #: Whether the same modifier class may decorate one function more than once.
    allow_repeats: bool = True

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(fn):
            raise InvalidDecoratorError(
                f"@{type(self).__name__} decorates functions, got {fn!r}. "
                "Did you forget the parentheses, e.g. @tag(...)?"
            )
        existing = list(getattr(fn, MODIFIERS_ATTR, ()))
        if not self.allow_repeats and any(type(m) is type(self) for m in existing):
            raise InvalidDecoratorError(
                f"{origin_of(fn)} is decorated with @{type(self).__name__} twice; "
                "merge the two into one decorator."
            )
        setattr(fn, MODIFIERS_ATTR, [*existing, self])
        return fn

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
        """Config keys this modifier reads; they are reported if missing."""
        return []


def modifiers_of(fn: Callable[..., Any]) -> list[NodeModifier]:
    return getattr(fn, MODIFIERS_ATTR, [])


def base_name(fn: Callable[..., Any], modifiers: list[NodeModifier]) -> str:
    """A function's node name: a modifier's choice, else the part before ``__`` for config
    variants."""
    for modifier in modifiers:
        name = modifier.node_name(fn)
        if name is not None:
            return name
    name = fn.__name__
    if "__" in name.strip("_") and any(m.phase is Phase.CONFIG for m in modifiers):
        return name.split("__", 1)[0] if not name.startswith("__") else name
    return name


def nodes_from_function(fn: Callable[..., Any], config: dict[str, Any]) -> list[Node]:
    """All nodes one user function contributes for ``config`` (possibly none)."""
    modifiers = modifiers_of(fn)
    if not modifiers:
        return [node_from_function(fn)]
    by_phase = sorted(modifiers, key=lambda m: m.phase)
    if not all(m.resolves(fn, config) for m in by_phase if m.phase is Phase.CONFIG):
        return []
    name = base_name(fn, modifiers)
    creators = [m for m in by_phase if m.phase is Phase.CREATE]
    if len(creators) > 1:
        names = ", ".join(f"@{type(m).__name__}" for m in creators)
        raise InvalidDecoratorError(
            f"{origin_of(fn)} has more than one decorator that creates its node ({names}); "
            "keep one."
        )
    nodes = creators[0].create(fn, name, config) if creators else [node_from_function(fn, name)]
    for modifier in by_phase:
        if modifier.phase > Phase.CREATE:
            nodes = modifier.transform(nodes, fn, config)
    return nodes
