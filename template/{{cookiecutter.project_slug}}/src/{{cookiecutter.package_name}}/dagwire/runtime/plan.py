"""The group plan: how the dataflow graph is cut into tasks, and what crosses each cut.

A group is the unit an orchestrator runs (an Airflow task, a Prefect task, a step of the plain
runner). Everything here is derived from the graph; the user only names stages, or picks a mode:

- ``stages``: the stages of pipeline.toml. A node no stage lists belongs to the earliest stage whose
  outputs need it; final outputs no stage needs go to the last stage.
- ``nodes``: one group per node (most visibility, most artifacts).
- ``single``: one group for everything.

A group persists the values another group reads, the requested final outputs, and the outputs the
stages list (in every mode, so switching modes never loses an artifact). Nothing else is written.

Fan-out: the nodes computed once per item of a ``Parallelizable`` node (its *block*, nested blocks
included) form one *mapped* group, run once per item: an Airflow mapped task, a Prefect ``.map()``
(except in ``single`` mode, where the engine runs the block inside the one task). A stage holding
both what feeds a block and what collects it is cut at the block: ``combine``, then the block,
then ``combine-2``.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import DagwireError
from ..execution.schedule import fans_out
from ..messages import did_you_mean

GROUPINGS = ("stages", "nodes", "single")
#: The name of the only group of the ``single`` mode (and of ``stages`` mode without stages).
SINGLE_GROUP = "pipeline"


class PlanError(DagwireError):
    """The stages cannot be turned into a plan (unknown, doubly listed or circular)."""


@dataclass(frozen=True)
class Group:
    """One task: the nodes it computes (in order) and the values that cross its boundary."""

    name: str
    nodes: tuple[str, ...]
    #: Values it writes to the artifact store.
    outputs: tuple[str, ...]
    #: Values it reads from the artifact store (outputs of the groups in ``depends_on``).
    inputs: tuple[str, ...]
    depends_on: tuple[str, ...]
    #: The Parallelizable node whose items this group runs once each (None: it runs once).
    over: str | None = None
    #: The stages its nodes belong to: its task settings are theirs (see ``settings.py``).
    stages: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupPlan:
    grouping: str
    #: The requested final outputs.
    outputs: tuple[str, ...]
    #: In an order that runs every group after the groups it depends on.
    groups: tuple[Group, ...]
    _by_name: dict[str, Group] = field(init=False, repr=False, compare=False)
    _owner: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {g.name: g for g in self.groups})
        object.__setattr__(self, "_owner", {n: g.name for g in self.groups for n in g.nodes})

    def __getitem__(self, name: str) -> Group:
        try:
            return self._by_name[name]
        except KeyError:
            hint = did_you_mean(name, self._by_name, cutoff=0.5)
            raise PlanError(
                f"No {'stage' if self.grouping == 'stages' else 'group'} named {name!r} in this "
                f"plan ({self.grouping} grouping).{hint} "
                f"The groups are: {', '.join(self._by_name)}."
            ) from None

    def owner(self, node: str) -> Group:
        """The group that computes ``node``."""
        if node not in self._owner:
            hint = did_you_mean(node, self._owner)
            raise PlanError(f"No group of this plan computes {node!r}.{hint}")
        return self[self._owner[node]]

    def stage_groups(self, name: str) -> list[Group]:
        """The groups computing the nodes of stage ``name`` (several when a Parallelizable block
        cut it), or the group named ``name`` if no stage is."""
        groups = [g for g in self.groups if name in g.stages]
        return groups or [self[name]]

    def needed_for(self, groups: Iterable[str] = (), outputs: Iterable[str] = ()) -> list[Group]:
        """The named groups, the groups computing ``outputs``, and all they depend on, in order."""
        wanted = {self[g].name for g in groups} | {self.owner(n).name for n in outputs}
        stack = list(wanted)
        while stack:
            for upstream in self[stack.pop()].depends_on:
                if upstream not in wanted:
                    wanted.add(upstream)
                    stack.append(upstream)
        return [g for g in self.groups if g.name in wanted]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able description, for manifests and orchestrator docs."""
        return {
            "grouping": self.grouping,
            "outputs": list(self.outputs),
            "groups": [
                {
                    "name": g.name,
                    "nodes": list(g.nodes),
                    "outputs": list(g.outputs),
                    "inputs": list(g.inputs),
                    "depends_on": list(g.depends_on),
                    **({"over": g.over} if g.over else {}),
                    "stages": list(g.stages),
                }
                for g in self.groups
            ],
        }

    # --- construction --------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        graph: Any,
        *,
        outputs: Iterable[str],
        stages: Mapping[str, Iterable[str]] | None = None,
        grouping: str = "stages",
        given: Iterable[str] = (),
        where: str = "stages",
        scopes: Mapping[str, tuple[str, ...]] | None = None,
    ) -> GroupPlan:
        """Cut ``graph`` (a ``FunctionGraph``) into groups.

        ``given`` are names whose values come from outside (config keys): a node with such a name is
        replaced by the value, so no group computes it. ``scopes`` are the graph's ``item_scopes``
        (found from the graph when not given).
        """
        if grouping not in GROUPINGS:
            raise PlanError(
                f"Unknown grouping {grouping!r}; choose one of {', '.join(map(repr, GROUPINGS))}."
            )
        given = set(given)
        computed = [n for n in graph.order if n not in given]
        is_computed = set(computed)
        deps = {n: [d for d in graph.nodes[n].inputs if d in is_computed] for n in computed}
        outputs = tuple(dict.fromkeys(outputs))
        _check_names(outputs, is_computed, graph, given, "Requested output")
        stages = {s: tuple(ns) for s, ns in (stages or {}).items()}
        listed = _check_stages(stages, is_computed, graph, given, where)

        targets = list(dict.fromkeys([*outputs, *listed]))
        needed = _upstream(targets, deps)
        order = [n for n in computed if n in needed]

        stage_of = _assign_to_stages(stages, listed, outputs, deps) if stages else {}
        if grouping == "nodes":
            owner = {n: n for n in order}
        elif grouping == "single" or not stages:
            owner = {n: SINGLE_GROUP for n in order}
        else:
            owner = dict(stage_of)
        scopes = item_scopes_of(graph, given) if scopes is None else scopes
        _check_per_item(outputs, scopes, given, grouping)
        block = {n: scopes[n][0] for n in order if scopes.get(n)}
        over: dict[str, str] = {}
        for expander in set(block.values()):  # a block runs whole in the one stage listing it
            named = {listed[n] for n in order if block.get(n) == expander and n in listed}
            if len(named) == 1:
                stage = named.pop()
                for n in order:
                    if block.get(n) == expander:
                        stage_of[n] = stage
                        owner[n] = stage if grouping == "stages" else owner[n]
        if block and grouping != "single":
            owner, over = _cut_at_blocks(order, deps, owner, block, stage_of, grouping)
        names = list(dict.fromkeys(owner[n] for n in order))
        rank = {s: i for i, s in enumerate(stages)}
        group_stages = {
            g: tuple(
                sorted(
                    {stage_of[n] for n in order if owner[n] == g and n in stage_of},
                    key=rank.__getitem__,
                )
            )
            for g in names
        }
        if grouping == "stages" and stages:
            names.sort(key=lambda g: rank[group_stages[g][0]] if group_stages[g] else len(rank))

        members: dict[str, list[str]] = {g: [] for g in names}
        for n in order:
            members[owner[n]].append(n)
        readers: dict[str, set[str]] = {n: set() for n in order}
        for n in order:
            for d in deps[n]:
                readers[d].add(owner[n])
        keep = set(targets)
        groups = {}
        for g in names:
            nodes = members[g]
            inputs = list(dict.fromkeys(d for n in nodes for d in deps[n] if owner[d] != g))
            groups[g] = Group(
                name=g,
                nodes=tuple(nodes),
                outputs=tuple(n for n in nodes if n in keep or readers[n] - {g}),
                inputs=tuple(inputs),
                depends_on=tuple(dict.fromkeys(owner[d] for d in inputs)),
                over=over.get(g),
                stages=group_stages[g],
            )
        ordered = _order_groups(groups, names, owner, deps, where)
        _check_case_collisions([o for g in groups.values() for o in g.outputs], "Outputs")
        _check_case_collisions(list(groups), "Groups")
        return cls(grouping=grouping, outputs=outputs, groups=tuple(groups[g] for g in ordered))


def item_scopes_of(graph: Any, given: Iterable[str] = ()) -> dict[str, tuple[str, ...]]:
    """The nodes of ``graph`` computed per item (see ``execution.dynamic.item_scopes``): read from
    a lock's graph, or found by the engine (only loaded when the graph has Parallelizable nodes)."""
    recorded = getattr(graph, "item_scopes", None)
    if recorded is not None:
        return dict(recorded)
    if not fans_out(graph):
        return {}
    from ..execution.dynamic import item_scopes

    return item_scopes(graph, given)


def _cut_at_blocks(
    order: list[str],
    deps: dict[str, list[str]],
    owner: dict[str, str],
    block: dict[str, str],
    stage_of: dict[str, str],
    grouping: str,
) -> tuple[dict[str, str], dict[str, str]]:
    """Move each block's nodes to a mapped group; cut a group that both feeds a block and
    collects from it into phases (``combine``, ``combine-2``), so no two groups wait on each
    other. Return the new owners and, per mapped group, the Parallelizable it maps over."""
    members: dict[str, list[str]] = {}
    for n in order:
        if n in block:
            members.setdefault(block[n], []).append(n)
    root_groups = {owner[n] for n in order if n not in block}
    mapped: dict[str, str] = {}
    for expander, nodes in members.items():
        groups = {owner[n] for n in nodes}
        only = next(iter(groups)) if len(groups) == 1 else None
        if grouping == "stages" and only is not None and only not in root_groups:
            mapped[expander] = only  # the stage holds the block and nothing else: keep its name
        else:
            mapped[expander] = f"{expander}-items"
    phase: dict[str, int] = {}
    new_owner: dict[str, str] = {}
    for n in order:
        if n in block:
            new_owner[n] = mapped[block[n]]
            continue
        p = 0
        for d in deps[n]:
            if d in block:  # after the block: one phase later than what fed it from this group
                fed = [
                    phase[f]
                    for m in members[block[d]]
                    for f in deps[m]
                    if f not in block and owner.get(f) == owner[n]
                ]
                p = max(p, max(fed, default=-1) + 1)
            elif owner[d] == owner[n]:
                p = max(p, phase[d])
        phase[n] = p
        new_owner[n] = owner[n] if p == 0 else f"{owner[n]}-{p + 1}"
    taken = set(owner.values())
    for n, g in new_owner.items():
        if g != owner[n] and (n in block or phase.get(n)) and g in taken:
            raise PlanError(
                f"The group plan needs a task named {g!r} (for {n!r}), which is already a stage "
                f"or node; rename the stage {g!r}."
            )
    return new_owner, {g: e for e, g in mapped.items()}


def _check_per_item(
    outputs: tuple[str, ...], scopes: Mapping[str, tuple[str, ...]], given: set[str], grouping: str
) -> None:
    """Refuse, in every grouping alike, what has no single value or no items to count."""
    for name in outputs:
        if scopes.get(name):
            raise PlanError(
                f"Requested output {name!r} is computed once per item of Parallelizable "
                f"{scopes[name][-1]!r}, so it has no single value to return. Request a node that "
                f"collects it instead, e.g.\n    def all_{name}({name}: Collect[...]) -> list: "
                f"return list({name})"
            )
    if grouping == "single":
        return  # one task: the engine runs the block, with a given list of items as is
    for expander in sorted({s[0] for s in scopes.values() if s} & given):
        raise PlanError(
            f"The config sets {expander!r}, a Parallelizable node, so no task computes its items "
            "and an orchestrator has nothing to count them from. Compute them in a function "
            "that reads the config instead, e.g.\n"
            f"    def {expander}({expander}_list: list) -> Parallelizable[...]: "
            f"yield from {expander}_list\n"
            f'and set {expander}_list in [config], or use grouping = "single".'
        )


def _check_case_collisions(names: list[str], what: str) -> None:
    """Artifact and record files are named after outputs and groups; names that differ only in
    letter case would be one file on macOS and Windows, and one value would overwrite the other."""
    seen: dict[str, str] = {}
    for name in names:
        other = seen.setdefault(name.casefold(), name)
        if other != name:
            raise PlanError(
                f"{what} {other!r} and {name!r} differ only in letter case, so their artifacts "
                "would be the same file on case-insensitive file systems (macOS, Windows). "
                "Rename one of them."
            )


def _check_names(
    names: Iterable[str], computed: set[str], graph: Any, given: set[str], what: str
) -> None:
    for name in names:
        if name in computed:
            continue
        if name in given:
            raise PlanError(
                f"{what} {name!r} is set in the config, so no node computes it; "
                "remove it from the outputs or from the config."
            )
        if name in graph.external_inputs:
            raise PlanError(
                f"{what} {name!r} is an input of the graph (needed by "
                f"{', '.join(graph.external_inputs[name])}), not something it computes."
            )
        hint = did_you_mean(name, sorted(computed))
        raise PlanError(f"{what} {name!r} is not a node of the graph.{hint}")


def _check_stages(
    stages: dict[str, tuple[str, ...]], computed: set[str], graph: Any, given: set[str], where: str
) -> dict[str, str]:
    """Map each listed node to its stage, refusing unknown and doubly listed nodes."""
    listed: dict[str, str] = {}
    for stage, names in stages.items():
        _check_names(names, computed, graph, given, f"{where}: {stage} lists")
        for name in names:
            other = listed.setdefault(name, stage)
            if other != stage:
                raise PlanError(
                    f"{where}: {name!r} is listed in stage {other!r} and in stage {stage!r}. "
                    "A value is computed by one stage only; remove it from one of them "
                    "(a stage can read what another produces)."
                )
    return listed


def _upstream(targets: Iterable[str], deps: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(targets)
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(deps[name])
    return seen


def _assign_to_stages(
    stages: dict[str, tuple[str, ...]],
    listed: dict[str, str],
    outputs: tuple[str, ...],
    deps: dict[str, list[str]],
) -> dict[str, str]:
    """Listed nodes go to their stage; an unlisted node to the earliest stage that needs it."""
    owner = dict(listed)
    last = list(stages)[-1]
    walks = [(stage, names) for stage, names in stages.items()]
    walks.append((last, tuple(n for n in outputs if n not in owner)))
    for stage, names in walks:
        for name in names:
            owner.setdefault(name, stage)
        stack = list(names)
        while stack:
            for d in deps[stack.pop()]:
                if d not in owner:
                    owner[d] = stage
                    stack.append(d)
    return owner


def _order_groups(
    groups: dict[str, Group],
    names: list[str],
    owner: dict[str, str],
    deps: dict[str, list[str]],
    where: str,
) -> list[str]:
    """Groups in dependency order, ties broken by declaration order; a cycle is named."""
    sorter = graphlib.TopologicalSorter({g: groups[g].depends_on for g in names})
    rank = {g: i for i, g in enumerate(names)}
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        cycle = exc.args[1]  # each group is a predecessor of the next: data flows along it
        reasons = []
        for upstream, downstream in zip(cycle, cycle[1:], strict=False):
            node, dep = next(
                (n, d) for n in groups[downstream].nodes for d in deps[n] if owner[d] == upstream
            )
            reasons.append(f"  '{node}' ({downstream}) needs '{dep}' ({upstream})")
        raise PlanError(
            f"{where}: the stages depend on each other in a circle: {' -> '.join(cycle)}\n"
            + "\n".join(reasons)
            + "\nMove one of these values to the other stage (a value no stage lists goes to the "
            "earliest written stage that needs it: list it in the stage that should compute "
            "it), or merge the stages."
        ) from None
    ordered: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=rank.__getitem__)
        ordered.extend(ready)
        sorter.done(*ready)
    return ordered
