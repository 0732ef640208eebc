"""Synthetic dataflow modules for the engine benchmark, and the hand-written loop that is the floor.

The graphs are written out as real Python source files and imported, so every engine sees exactly
the same plain functions (no decorators): the same module object is handed to each driver. Node
bodies are trivial int arithmetic, kept small by a modulus, so what is measured is the engine.
"""

from __future__ import annotations

import graphlib
import importlib.util
import os
import random
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

#: The vendored engine, imported from the template tree as ``dagwire``; put first on sys.path when
#: a benchmark imports this module (before it imports Hamilton, with telemetry off).
HERE = Path(__file__).resolve().parent
ENGINE_PARENT = (
    HERE.parent / "template/{{cookiecutter.project_slug}}/src/{{cookiecutter.package_name}}"
)
os.environ["HAMILTON_TELEMETRY_ENABLED"] = "false"
if str(ENGINE_PARENT) not in sys.path:
    sys.path.insert(0, str(ENGINE_PARENT))

MODULUS = 1_000_003
SEED_INPUT = "seed"


class SyntheticGraph(NamedTuple):
    """A graph as the generator knows it: each node's parents, in a topological order."""

    label: str
    shape: str  # "layered" | "chain"
    parents: dict[str, tuple[str, ...]]
    outputs: list[str]
    inputs: dict[str, int]
    #: Write the functions in a random order rather than the topological one.
    shuffled: bool = False

    @property
    def size(self) -> int:
        return len(self.parents)


def layered(n_nodes: int, *, width: int = 100, rng_seed: int = 0) -> SyntheticGraph:
    """Layers of ``width`` nodes; each node reads 1-3 nodes of the layer before.

    Node j always reads node j of the previous layer, so every node is upstream of the last layer
    and requesting the last layer runs the whole graph.
    """
    if n_nodes % width:
        raise ValueError(f"n_nodes ({n_nodes}) must be a multiple of the layer width ({width}).")
    rng = random.Random(rng_seed)
    parents: dict[str, tuple[str, ...]] = {}
    for layer in range(n_nodes // width):
        for j in range(width):
            if layer == 0:
                parents[_layer_name(0, j)] = (SEED_INPUT,)
                continue
            others = rng.sample([k for k in range(width) if k != j], rng.randint(0, 2))
            parents[_layer_name(layer, j)] = tuple(_layer_name(layer - 1, k) for k in [j, *others])
    last = n_nodes // width - 1
    outputs = [_layer_name(last, j) for j in range(width)]
    label = f"layered-{_short(n_nodes)}"
    return SyntheticGraph(label, "layered", parents, outputs, {SEED_INPUT: 7})


def chain(n_nodes: int) -> SyntheticGraph:
    """A straight line: node i reads node i - 1. Deep graphs break recursive executors."""
    names = [f"c{i:06d}" for i in range(n_nodes)]
    parents = {names[0]: (SEED_INPUT,)}
    parents.update({names[i]: (names[i - 1],) for i in range(1, n_nodes)})
    label = f"chain-{_short(n_nodes)}"
    return SyntheticGraph(label, "chain", parents, [names[-1]], {SEED_INPUT: 7})


def shuffled(graph: SyntheticGraph) -> SyntheticGraph:
    """The same graph with its functions written in a random order: an engine that skips sorting
    when definitions come in dependency order (dagwire does) has to sort this one."""
    return graph._replace(label=f"shuffled-{_short(graph.size)}", shuffled=True)


def source_of(graph: SyntheticGraph, rng_seed: int = 0) -> str:
    lines = [f'"""Synthetic graph {graph.label}: {graph.size} plain int nodes."""', ""]
    functions = []
    for i, (name, parents) in enumerate(graph.parents.items()):
        params = ", ".join(f"{p}: int" for p in parents)
        total = " + ".join(parents)
        body = f"    return ({total} + {i}) % {MODULUS}"
        functions.append(["", f"def {name}({params}) -> int:", body, ""])
    if graph.shuffled:
        random.Random(rng_seed).shuffle(functions)
    for function in functions:
        lines += function
    return "\n".join(lines)


def write_and_import(graph: SyntheticGraph, directory: Path) -> ModuleType:
    """Write the graph as ``<directory>/<name>.py`` and import it under that name."""
    name = "synthetic_" + graph.label.replace("-", "_")
    path = directory / f"{name}.py"
    path.write_text(source_of(graph), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# --- the floor: what a person would write by hand -------------------------------------------------
HandPlan = list[tuple[str, Callable[..., int], tuple[str, ...]]]


class HandLoop:
    """The floor, shaped like a driver so it is timed the same way.

    The first ``execute`` orders the graph with graphlib (as an engine plans its first run); later
    ones reuse that order and only loop, calling each function positionally: the fastest plain loop
    we found (building keyword dicts costs up to twice as much).
    """

    def __init__(self, graph: SyntheticGraph, module: ModuleType) -> None:
        self.graph = graph
        self.module = module
        self.plan: HandPlan | None = None

    def execute(self, outputs: list[str], inputs: dict[str, Any]) -> dict[str, Any]:
        if self.plan is None:
            order = graphlib.TopologicalSorter(self.graph.parents).static_order()
            parents = self.graph.parents
            self.plan = [(n, getattr(self.module, n), parents[n]) for n in order if n in parents]
        values = dict(inputs)
        get = values.__getitem__
        for name, fn, params in self.plan:
            values[name] = fn(*map(get, params))
        return {o: values[o] for o in outputs}


class NodeWork:
    """What the node functions themselves cost: each called once, in order, with its arguments
    already at hand. No engine can do less; its time minus this is the engine's overhead."""

    def __init__(self, graph: SyntheticGraph, module: ModuleType) -> None:
        values = all_values(graph)
        self.calls = [
            (getattr(module, name), tuple(values[p] for p in parents))
            for name, parents in graph.parents.items()
        ]

    def run(self) -> None:
        for fn, args in self.calls:
            fn(*args)


def all_values(graph: SyntheticGraph) -> dict[str, int]:
    """Every node's value, computed without calling the generated functions at all."""
    values: dict[str, int] = dict(graph.inputs)
    for i, (name, parents) in enumerate(graph.parents.items()):
        values[name] = (sum(values[p] for p in parents) + i) % MODULUS
    return values


def reference_values(graph: SyntheticGraph) -> dict[str, int]:
    """The expected outputs."""
    values = all_values(graph)
    return {o: values[o] for o in graph.outputs}


def _layer_name(layer: int, j: int) -> str:
    return f"l{layer:03d}_n{j:03d}"


def _short(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def median_seconds(
    action: Callable[[], object], samples: int, clock: Callable[[], float], *, warm: bool = False
) -> float:
    """The median of ``samples`` timings of ``action`` on ``clock`` (CPU or wall time, as the
    benchmark reports); ``warm`` runs it once first, untimed (imports, first reads)."""
    if warm:
        action()
    times = []
    for _ in range(samples):
        started = clock()
        action()
        times.append(clock() - started)
    return statistics.median(times)
