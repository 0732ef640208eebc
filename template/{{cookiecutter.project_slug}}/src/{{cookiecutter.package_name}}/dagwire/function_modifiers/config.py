"""``@config.when`` and friends: choose between implementations of a node by configuration.

Write ``def model__linear(...)`` and ``def model__tree(...)`` with different conditions; the one
whose condition holds for the driver's config becomes node ``model`` (the name is cut at the last
``__``, and only for config-decorated functions, as in Apache Hamilton). A key missing from the
config compares as ``None``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import InvalidDecoratorError
from ..node import origin_of
from .base import NodeModifier, Phase, modifiers_of

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
        #: How the named constructors compare (``==``, ``!=``, ``in``, ``not in``) and with what:
        #: errors quote the condition; a bare ``config(fn)`` has none.
        self.kind: str | None = None
        self.pairs: dict[str, Any] = {}

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

    def describe(self) -> str:
        """The condition as written, e.g. ``model_type == 'logistic'``."""
        if self.kind is None:
            return "a condition of the config (config(...))"
        return " and ".join(f"{key} {self.kind} {value!r}" for key, value in self.pairs.items())

    @classmethod
    def when(cls, name: str | None = None, **key_value_pairs: Any) -> config:
        """Include the function when ``config[key] == value`` for every pair."""
        return cls._comparing("==", key_value_pairs, name)

    @classmethod
    def when_not(cls, name: str | None = None, **key_value_pairs: Any) -> config:
        """Include the function when ``config[key] != value`` for every pair."""
        return cls._comparing("!=", key_value_pairs, name)

    @classmethod
    def when_in(cls, name: str | None = None, **key_values_pairs: Any) -> config:
        """Include the function when ``config[key]`` is one of the listed values, for every key."""
        return cls._comparing("in", key_values_pairs, name)

    @classmethod
    def when_not_in(cls, name: str | None = None, **key_values_pairs: Any) -> config:
        """Include the function when ``config[key]`` is none of the listed values, for every key."""
        return cls._comparing("not in", key_values_pairs, name)

    @classmethod
    def _comparing(cls, kind: str, pairs: dict[str, Any], name: str | None) -> config:
        made = cls(condition(kind, pairs), name, list(pairs))
        made.kind, made.pairs = kind, dict(pairs)
        return made


def config_conditions(fn: Callable[..., Any]) -> list[config]:
    """The ``@config`` decorators of ``fn``: what decides whether it is part of a graph."""
    return [m for m in modifiers_of(fn) if isinstance(m, config)]


class Unchosen:
    """A node that only ``@config`` variants define, none of them chosen by the config.

    Without this, such a node is reported as unknown, or as a missing input of its readers: the
    error would never name the config key that picks it, which is the thing to change.
    """

    def __init__(
        self, name: str, variants: tuple[Callable[..., Any], ...], config: Mapping[str, Any]
    ) -> None:
        self.name, self.variants, self.config = name, variants, config

    @property
    def keys(self) -> list[str]:
        """The config keys the variants' conditions read."""
        modifiers = [m for fn in self.variants for m in config_conditions(fn)]
        return list(dict.fromkeys(k for m in modifiers for k in m.pairs))

    def explain(self, where: str = "in the driver's config (Builder().with_config(...))") -> str:
        """Each variant with its condition, the config's values, and what to set ``where``."""
        conditions = {fn: config_conditions(fn) for fn in self.variants}
        values = ", ".join(
            f"{k} = {self.config[k]!r}" if k in self.config else f"{k} not set" for k in self.keys
        )
        lines = [
            f"No function defines {self.name!r} with this config"
            + (f" ({values})" if values else "")
            + "; its variants are:"
        ]
        for fn, ms in conditions.items():
            when = " and ".join(m.describe() for m in ms)
            lines.append(f"  {fn.__name__} ({origin_of(fn)}) when {when}")
        choices = _choices(list(conditions.values()))
        if choices is not None:
            key, accepted = choices
            lines.append(f"Set {key} to {' or '.join(map(repr, accepted))} {where}.")
        else:
            lines.append(f"Make one of these conditions hold {where}.")
        return "\n".join(lines)


def _choices(conditions: list[list[config]]) -> tuple[str, list[Any]] | None:
    """The one key and the values that choose a variant, when every variant is chosen by equality
    with (or membership in) values of that same key; None when no such short answer is true."""
    keys, accepted = set(), []
    for modifiers in conditions:
        if len(modifiers) != 1 or modifiers[0].kind not in ("==", "in"):
            return None
        (key, value), *more = modifiers[0].pairs.items()
        if more:
            return None
        keys.add(key)
        accepted += [value] if modifiers[0].kind == "==" else list(value)
    if len(keys) != 1:
        return None
    distinct: list[Any] = []  # config values may be unhashable (lists)
    for value in accepted:
        if value not in distinct:
            distinct.append(value)
    return keys.pop(), distinct


class _Exclude(NodeModifier):
    """Keeps a public function out of the graph (Hamilton's ``@hamilton_exclude``)."""

    phase = Phase.CONFIG
    display_name = "hamilton_exclude"

    def resolves(self, fn: Callable[..., Any], config: dict[str, Any]) -> bool:
        return False


hamilton_exclude = _Exclude()
