"""What the cache does with each node: Apache Hamilton's four caching behaviors and how a node's is
chosen.

The driver's lists (``with_cache(recompute=[...])`` ...) win over the ``@cache(behavior=...)``
tag, which wins over the defaults (``default_loader_behavior`` for data loaders,
``default_saver_behavior`` for savers, ``default_behavior`` for the rest). A ``Parallelizable``
node always recomputes, so that its items are versioned one by one.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable
from typing import Any

from ..errors import DagwireError

BEHAVIOR_TAG = "cache.behavior"
FORMAT_TAG = "cache.format"
LOADER_TAG = "hamilton.data_loader"
SAVER_TAG = "hamilton.data_saver"


class UnknownCacheNodeError(DagwireError):
    """A behavior list names something that is not a node (a typo would silently cache a node
    meant to be recomputed); the project runtime names its pipeline.toml setting."""


class CachingBehavior(enum.Enum):
    """DEFAULT reuses a stored result when the node's code and inputs are unchanged, else computes
    and stores it. RECOMPUTE always computes, then stores (what reads it can still be reused if
    the value is the same). DISABLE computes as if there were no cache, and what reads it
    recomputes too. IGNORE computes as if there were no cache, and what reads it leaves it out of
    its cache key (clients, connections)."""

    DEFAULT = 1
    RECOMPUTE = 2
    DISABLE = 3
    IGNORE = 4

    @classmethod
    def from_string(cls, string: str) -> CachingBehavior:
        try:
            return cls[string.upper()]
        except KeyError:
            names = ", ".join(repr(b.name.lower()) for b in cls)
            raise KeyError(f"{string!r} is not a caching behavior; use one of {names}.") from None


#: A driver list: node names, or True for every node.
NodeSelection = Collection[str] | bool | None


class BehaviorRules:
    """The ``with_cache`` arguments that choose behaviors, checked once when the adapter is made."""

    def __init__(
        self,
        *,
        default: NodeSelection = None,
        recompute: NodeSelection = None,
        disable: NodeSelection = None,
        ignore: NodeSelection = None,
        default_behavior: str | None = None,
        default_loader_behavior: str | None = None,
        default_saver_behavior: str | None = None,
    ) -> None:
        lists = {
            CachingBehavior.DEFAULT: default,
            CachingBehavior.RECOMPUTE: recompute,
            CachingBehavior.DISABLE: disable,
            CachingBehavior.IGNORE: ignore,
        }
        everything = [b for b, s in lists.items() if s is True]
        if len(everything) > 1:
            raise DagwireError(
                "with_cache(): only one of default, recompute, disable and ignore may be True "
                f"(got {', '.join(b.name.lower() for b in everything)}); pass node names to the "
                "others."
            )
        self.for_all = everything[0] if everything else None
        self.listed: dict[str, CachingBehavior] = {}
        for behavior, names in lists.items():
            if names is None or isinstance(names, bool):
                continue
            for name in [names] if isinstance(names, str) else names:
                if self.listed.get(name, behavior) is not behavior:
                    raise DagwireError(
                        f"with_cache(): node '{name}' is given two behaviors, "
                        f"{self.listed[name].name.lower()} and {behavior.name.lower()}; keep one."
                    )
                self.listed[name] = behavior
        base = CachingBehavior.from_string(default_behavior or "default")
        self.default = base
        self.loader = CachingBehavior.from_string(default_loader_behavior or base.name)
        self.saver = CachingBehavior.from_string(default_saver_behavior or base.name)

    def check_names(self, known: Iterable[str]) -> None:
        """Refuse listed names that are not nodes: a typo would silently cache a node meant to be
        recomputed."""
        from ..messages import did_you_mean

        known = set(known)
        unknown = [n for n in self.listed if n not in known]
        if unknown:
            hints = "".join(did_you_mean(n, known) for n in unknown[:1])
            raise UnknownCacheNodeError(
                f"with_cache(): {', '.join(map(repr, unknown))} "
                f"{'is not a node' if len(unknown) == 1 else 'are not nodes'} of this "
                f"driver's graph.{hints} List node names only."
            )

    def behaviors(self, graph: Any, expanders: frozenset[str]) -> dict[str, CachingBehavior]:
        """Every name whose behavior is not the default one: nodes, inputs and config."""
        chosen = dict(self.listed)
        if self.for_all is not None:
            for name in [*graph.nodes, *graph.external_inputs, *graph.config]:
                chosen.setdefault(name, self.for_all)
        for name, node in graph.nodes.items():
            tags = node.tags
            if name in expanders or name not in chosen and _tagged(tags):
                chosen[name] = self.behavior_of(name, tags, name in expanders)
        return {n: b for n, b in chosen.items() if b is not self.default}

    def behavior_of(self, name: str, tags: dict[str, Any], expands: bool) -> CachingBehavior:
        if expands:
            return CachingBehavior.RECOMPUTE
        listed = self.listed.get(name) or self.for_all
        if listed is not None:
            return listed
        tagged = tags.get(BEHAVIOR_TAG)
        if tagged is not None:
            return CachingBehavior.from_string(tagged)
        if tags.get(LOADER_TAG):
            return self.loader
        if tags.get(SAVER_TAG):
            return self.saver
        return self.default


def _tagged(tags: dict[str, Any]) -> bool:
    return BEHAVIOR_TAG in tags or LOADER_TAG in tags or SAVER_TAG in tags
