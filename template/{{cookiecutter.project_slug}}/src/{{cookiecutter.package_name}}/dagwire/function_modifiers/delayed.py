"""``@resolve``: a decorator chosen when the config is known, so config can shape the graph.

    @resolve(
        when=ResolveAt.CONFIG_AVAILABLE,
        decorate_with=lambda series_pairs: parameterize_sources(
            **{name: {"s1": a, "s2": b} for name, (a, b) in series_pairs.items()}
        ),
    )
    def summation(s1: pd.Series, s2: pd.Series) -> pd.Series: ...

``decorate_with``'s parameters name config keys (a parameter with a default is optional); the
decorator it returns is applied as if written in the code. Reading the code no longer shows which
nodes exist, so, as in Apache Hamilton, the driver's config must opt in with
``hamilton.enable_power_user_mode=True``. Unlike Hamilton, a function that its own ``@config``
conditions leave out needs no ``decorate_with`` config: it is never resolved.
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Callable
from typing import Any

from ..errors import InvalidDecoratorError
from ..node import origin_of
from ..settings import ENABLE_POWER_USER_MODE
from .base import NodeModifier, Phase, config_values, unnamed_parameters


class ResolveAt(enum.Enum):
    """When ``@resolve`` builds its decorator; the config is the only moment there is."""

    CONFIG_AVAILABLE = "config_available"


class resolve(NodeModifier):
    phase = Phase.RESOLVE

    def __init__(self, *, when: ResolveAt, decorate_with: Callable[..., NodeModifier]) -> None:
        if when != ResolveAt.CONFIG_AVAILABLE:
            raise InvalidDecoratorError(
                f"@resolve(when={when!r}): decorators are resolved when the config is available; "
                "pass when=ResolveAt.CONFIG_AVAILABLE (or use @resolve_from_config)."
            )
        if not callable(decorate_with) or isinstance(decorate_with, NodeModifier):
            raise InvalidDecoratorError(
                f"@resolve(decorate_with={decorate_with!r}): pass a function of config values "
                "that returns a decorator, e.g. lambda columns: parameterize_sources(...)."
            )
        signature = inspect.signature(decorate_with)
        unnamed = unnamed_parameters(signature)
        if unnamed:
            raise InvalidDecoratorError(
                f"@resolve: decorate_with {signature} takes {', '.join(unnamed)}, which a config "
                "key cannot fill; name each config key it reads as a parameter."
            )
        self.until = when
        self.decorate_with = decorate_with
        params = signature.parameters.values()
        self.required = [p.name for p in params if p.default is p.empty]
        self.optional = {p.name: p.default for p in params if p.default is not p.empty}

    def required_config(self) -> list[str]:
        return list(self.required)

    def optional_config(self) -> dict[str, Any]:
        return dict(self.optional)

    def check_allowed(self, fn: Callable[..., Any], config: dict[str, Any]) -> None:
        if not config.get(ENABLE_POWER_USER_MODE):
            raise InvalidDecoratorError(
                f"@resolve on {origin_of(fn)} shapes the graph from config, which the code alone "
                "no longer shows, so it needs power-user mode. Opt in with "
                "Builder().with_config({'hamilton.enable_power_user_mode': True, ...}), or keep "
                "such functions in a module of their own and leave it out of this driver."
            )

    def resolve(self, fn: Callable[..., Any], config: dict[str, Any]) -> NodeModifier:
        who = f"@resolve on {origin_of(fn)}: decorate_with"
        kwargs = config_values(config, self.required, who, "give the parameters defaults")
        kwargs.update({key: config[key] for key in self.optional if key in config})
        made = self.decorate_with(**kwargs)
        if not isinstance(made, NodeModifier) or made.phase is Phase.RESOLVE:
            raise InvalidDecoratorError(
                f"@resolve on {origin_of(fn)}: decorate_with returned {made!r}, but it must return "
                "a decorator such as parameterize_sources(...) or tag(...)."
            )
        return made


class resolve_from_config(resolve):
    """``@resolve`` with ``when=ResolveAt.CONFIG_AVAILABLE`` already given."""

    def __init__(self, *, decorate_with: Callable[..., NodeModifier]) -> None:
        super().__init__(when=ResolveAt.CONFIG_AVAILABLE, decorate_with=decorate_with)
