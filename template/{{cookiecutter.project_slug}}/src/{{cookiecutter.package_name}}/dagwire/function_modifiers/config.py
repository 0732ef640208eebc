"""``@config.when`` and friends: choose between implementations of a node by configuration.

Write ``def model__linear(...)`` and ``def model__tree(...)`` with different conditions; the one
whose condition holds for the driver's config becomes node ``model`` (the name is cut at the last
``__``, and only for config-decorated functions, as in Apache Hamilton). A key missing from the
config compares as ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import InvalidDecoratorError
from ..node import origin_of
from .base import NodeModifier, Phase

Condition = Callable[[dict[str, Any]], bool]


def condition(kind: str, pairs: dict[str, Any]) -> Condition:
    """The test behind ``when`` / ``when_not`` / ``when_in`` / ``when_not_in`` (``step`` uses it
    too)."""
    if kind in ("in", "not in"):
        for key, values in pairs.items():
            if isinstance(values, (str, bytes)) or not hasattr(values, "__contains__"):
                raise InvalidDecoratorError(
                    f"config.when_{kind.replace(' ', '_')}({key}={values!r}): give a list of the "
                    f"accepted values, e.g. {key}=[{values!r}]."
                )
    items = list(pairs.items())
    if kind == "==":
        return lambda cfg: all(cfg.get(k) == v for k, v in items)
    if kind == "!=":
        return lambda cfg: all(cfg.get(k) != v for k, v in items)
    if kind == "in":
        return lambda cfg: all(cfg.get(k) in v for k, v in items)
    return lambda cfg: all(cfg.get(k) not in v for k, v in items)


class config(NodeModifier):
    """Include the function only when ``resolves(config)`` is true.

    Prefer the named constructors; ``config(lambda cfg: ...)`` is the escape hatch Hamilton offers.
    """

    phase = Phase.CONFIG
    strips_variant_suffix = True

    def __init__(
        self,
        resolves: Condition,
        target_name: str | None = None,
        config_used: list[str] | None = None,
    ) -> None:
        if not callable(resolves):
            raise InvalidDecoratorError(
                f"config({resolves!r}): pass a function of the config dict, or use "
                "config.when(key=value) / when_not / when_in / when_not_in."
            )
        self.does_resolve = resolves
        self.target_name = target_name
        self._config_used = config_used

    def validate(self, fn: Callable[..., Any]) -> None:
        if fn.__name__.endswith("__"):
            raise InvalidDecoratorError(
                f"{origin_of(fn)} ends with '__'. A config variant is named <node>__<variant>; the "
                "node name is the part before the last '__', so give the variant a name."
            )

    def resolves(self, fn: Callable[..., Any], config: dict[str, Any]) -> bool:
        return bool(self.does_resolve(config))

    def node_name(self, fn: Callable[..., Any]) -> str | None:
        return self.target_name

    def required_config(self) -> list[str]:
        if self._config_used is None:  # a bare condition: Hamilton's marker for unknown keys
            return ["__UNKNOWN__"]
        return list(self._config_used)

    @classmethod
    def when(cls, name: str | None = None, **key_value_pairs: Any) -> config:
        """Include the function when ``config[key] == value`` for every pair."""
        return cls(condition("==", key_value_pairs), name, list(key_value_pairs))

    @classmethod
    def when_not(cls, name: str | None = None, **key_value_pairs: Any) -> config:
        """Include the function when ``config[key] != value`` for every pair."""
        return cls(condition("!=", key_value_pairs), name, list(key_value_pairs))

    @classmethod
    def when_in(cls, name: str | None = None, **key_values_pairs: Any) -> config:
        """Include the function when ``config[key]`` is one of the listed values, for every key."""
        return cls(condition("in", key_values_pairs), name, list(key_values_pairs))

    @classmethod
    def when_not_in(cls, name: str | None = None, **key_values_pairs: Any) -> config:
        """Include the function when ``config[key]`` is none of the listed values, for every key."""
        return cls(condition("not in", key_values_pairs), name, list(key_values_pairs))


class _Exclude(NodeModifier):
    """Keeps a public function out of the graph (Hamilton's ``@hamilton_exclude``)."""

    phase = Phase.CONFIG
    display_name = "hamilton_exclude"

    def resolves(self, fn: Callable[..., Any], config: dict[str, Any]) -> bool:
        return False


hamilton_exclude = _Exclude()
