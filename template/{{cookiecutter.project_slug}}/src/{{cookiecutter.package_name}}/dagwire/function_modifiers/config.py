"""``@config.when`` and friends: choose between implementations of a node by configuration.

Write ``def model__linear(...)`` and ``def model__tree(...)`` with different conditions; the one
whose condition holds for the driver's config becomes node ``model``. A key missing from the
config compares as ``None``, as in Apache Hamilton.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .base import NodeModifier, Phase


class config(NodeModifier):
    """Include the function only when every ``key=value`` matches the config."""

    phase = Phase.CONFIG

    def __init__(
        self,
        resolver: Callable[[dict[str, Any]], bool],
        keys: list[str],
        *,
        name: str | None = None,
        description: str = "",
    ) -> None:
        self._resolver = resolver
        self._keys = keys
        self._name = name
        self.description = description

    def resolves(self, fn: Callable[..., Any], config: dict[str, Any]) -> bool:
        return self._resolver(config)

    def node_name(self, fn: Callable[..., Any]) -> str | None:
        return self._name

    def required_config(self) -> list[str]:
        return list(self._keys)

    @classmethod
    def when(cls, name: str | None = None, **key_value_pairs: Any) -> config:
        """Include the function when ``config[key] == value`` for every pair."""

        def resolver(cfg: dict[str, Any]) -> bool:
            return all(cfg.get(k) == v for k, v in key_value_pairs.items())

        return cls(
            resolver, list(key_value_pairs), name=name, description=_describe(key_value_pairs, "==")
        )

    @classmethod
    def when_not(cls, name: str | None = None, **key_value_pairs: Any) -> config:
        """Include the function when ``config[key] != value`` for every pair."""

        def resolver(cfg: dict[str, Any]) -> bool:
            return all(cfg.get(k) != v for k, v in key_value_pairs.items())

        return cls(
            resolver, list(key_value_pairs), name=name, description=_describe(key_value_pairs, "!=")
        )

    @classmethod
    def when_in(cls, name: str | None = None, **key_values_pairs: Any) -> config:
        """Include the function when ``config[key]`` is one of the listed values, for every key."""

        def resolver(cfg: dict[str, Any]) -> bool:
            return all(cfg.get(k) in _as_list(v) for k, v in key_values_pairs.items())

        return cls(
            resolver,
            list(key_values_pairs),
            name=name,
            description=_describe(key_values_pairs, "in"),
        )

    @classmethod
    def when_not_in(cls, name: str | None = None, **key_values_pairs: Any) -> config:
        """Include the function when ``config[key]`` is none of the listed values, for every key."""

        def resolver(cfg: dict[str, Any]) -> bool:
            return all(cfg.get(k) not in _as_list(v) for k, v in key_values_pairs.items())

        return cls(
            resolver,
            list(key_values_pairs),
            name=name,
            description=_describe(key_values_pairs, "not in"),
        )


def _as_list(values: Any) -> list[Any]:
    return list(values) if isinstance(values, (list, tuple, set, frozenset)) else [values]


def _describe(pairs: dict[str, Any], op: str) -> str:
    return " and ".join(f"{k} {op} {v!r}" for k, v in pairs.items())
