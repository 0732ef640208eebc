"""The ``[cache]`` table: whether runs reuse node results across runs, and for which nodes.

    [cache]
    enabled = true            # `run --cache` / `run --no-cache` decide for one run
    recompute = ["raw_orders"]  # always run these (a source that changes under the same inputs)
    disable = ["scratch"]       # neither read nor write these
    ignore = ["logger"]         # leave these out of the keys of what they feed

Resume and the cache answer different questions, so each keeps its own records but both live in
the artifact store and version code with one function (comments and docstrings aside; the cache
key also covers the helpers and constants a node reads, resume only the node's own code, so that
a fixed helper finishes a run without redoing its completed work): *resume* continues one
run, group by group, from what that run recorded; the *cache* reuses a node's value in any run
when its code and the data it read are unchanged. A run that resumes first takes the groups it
completed; the groups it still has to run reuse every node the cache holds. The cache lives at
``<artifact root>/.cache`` (run ids never start with a dot), so a team, its CI and every worker of
an orchestrator share one cache wherever the artifacts live.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: The cache's folder under the artifact root.
CACHE_FOLDER = ".cache"
CACHE_KEYS = ("enabled", "recompute", "disable", "ignore")


@dataclass(frozen=True)
class CacheSettings:
    """``[cache]`` validated. ``recompute`` and ``disable`` are node names, or True for all."""

    enabled: bool = False
    recompute: tuple[str, ...] | bool = ()
    disable: tuple[str, ...] | bool = ()
    ignore: tuple[str, ...] = ()

    @classmethod
    def of(cls, table: Mapping[str, Any], where: str, error: type[Exception]) -> CacheSettings:
        """Check ``table`` (pipeline.toml's ``[cache]``); ``where`` names it in errors."""
        enabled = table.get("enabled", False)
        if type(enabled) is not bool:
            raise error(f"{where} enabled must be true or false, got {enabled!r}.")
        lists = {
            "recompute": _nodes(table.get("recompute", ()), f"{where} recompute", error, True),
            "disable": _nodes(table.get("disable", ()), f"{where} disable", error, True),
            "ignore": _nodes(table.get("ignore", ()), f"{where} ignore", error, False),
        }
        _check_one_behavior_each(lists, where, error)
        return cls(enabled=enabled, **lists)

    def builder_options(self, path: str) -> dict[str, Any]:
        """The arguments of ``Builder.with_cache`` for a cache at ``path``."""
        options: dict[str, Any] = {"path": path}
        for key in ("recompute", "disable", "ignore"):
            value = getattr(self, key)
            if value:
                options[key] = value if value is True else list(value)
        return options


def _check_one_behavior_each(lists: dict[str, Any], where: str, error: type[Exception]) -> None:
    """Refuse here, naming the file, what ``with_cache`` would refuse when the run starts."""
    everything = [key for key, names in lists.items() if names is True]
    if len(everything) > 1:
        raise error(
            f"{where} {' and '.join(everything)} cannot both be true; keep one true and list "
            "node names in the other."
        )
    seen: dict[str, str] = {}
    for key, names in lists.items():
        for name in () if names is True else names:
            if name in seen:
                raise error(f"{where} {name!r} is in both {seen[name]} and {key}; keep it in one.")
            seen[name] = key


def _nodes(value: Any, where: str, error: type[Exception], all_allowed: bool) -> Any:
    if value is True and all_allowed:
        return True
    if isinstance(value, str) or not isinstance(value, list | tuple):
        hint = " or true for every node" if all_allowed else ""
        raise error(f"{where} must be a list of node names{hint}, got {value!r}.")
    bad = [v for v in value if not isinstance(v, str) or not v]
    if bad:
        raise error(f"{where}: {bad[0]!r} is not a node name.")
    return tuple(value)
