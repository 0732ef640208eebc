"""Apache Hamilton's materialization: save or load data at the edges of a run, chosen when it runs.

    from dagwire.io.materialization import from_, to

    metadata, results = dr.materialize(
        from_.csv(target="raw", path="in.csv"),
        to.json(id="report_json", dependencies=["report"], path="out/report.json"),
        to.csv(id="all_csv", dependencies=["a", "b"], combine=base.PandasDataFrameResult(),
               path="out/all.csv"),
        additional_vars=["report"],
    )

``to.<format>`` adds a node named ``id`` that saves its dependency (or, with ``combine=``, the
result builder's join of several, node ``<id>_build_result``) and returns the file's metadata.
``from_.<format>`` replaces the value ``target`` with what the loader reads (nodes
``load_data.<target>`` and ``<target>``). Both are built from the same formats and node builders
as ``@save_to`` and ``@load_from`` (``io/formats.py``, ``function_modifiers/data_io.py``), so a
format or adapter registered once works everywhere. ``Builder().with_materializers(...)`` adds
them to the graph for good; ``Driver.materialize(...)`` for one run.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Sequence
from typing import Any

from ..errors import DagwireError
from ..function_modifiers.data_io import (
    _FormatNamespace,
    loader_nodes,
    saver_node,
    split_arguments,
)
from ..graph import FunctionGraph
from ..node import Dependency, Node
from .formats import required_arguments


class MaterializerFactory:
    """``to.<format>(id=..., dependencies=[...], combine=None, **arguments)``: one saver node."""

    def __init__(
        self,
        format_name: str,
        id: str,
        dependencies: Sequence[Any],
        combine: Any = None,
        **arguments: Any,
    ) -> None:
        self.format_name = format_name
        self.display_name = f"to.{format_name}"
        if not isinstance(id, str) or not id.isidentifier():
            raise DagwireError(f"{self.display_name}: id must be a node name, got {id!r}.")
        self.id = id
        self.dependencies = list(dependencies)
        self.result_builder = combine
        self.origin = _caller()
        self.sources, self.fixed = _arguments(self.display_name, format_name, "save", arguments)

    def generate_nodes(self, graph: FunctionGraph, names: list[str]) -> list[Node]:
        """The join node (with ``combine``) and the saver node named ``id``."""
        where = f"{self.display_name}(id={self.id!r}) at {self.origin}"
        _check_known(graph, names, f"Materializer '{self.id}' ({where}) depends on")
        if self.result_builder is None:
            if len(names) != 1:
                raise DagwireError(
                    f"Materializer '{self.id}' ({where}) saves {len(names)} nodes "
                    f"({', '.join(names)}): pass combine=<a result builder> to join them into "
                    "one value, or give one dependency."
                )
            return [saver_node(self.id, _value_node(graph, names[0]), self, where)]
        join = Node(
            f"{self.id}_build_result",
            _joiner(self.result_builder),
            {name: Dependency(_type_of(graph, name), False) for name in names},
            _output_type(self.result_builder),
            doc=f"Builds the result for {self.id} materializer",
            origin=where,
        )
        return [join, saver_node(self.id, join, self, where)]

    def __repr__(self) -> str:
        return f"{self.display_name}(id={self.id!r}, dependencies={self.dependencies!r})"


class ExtractorFactory:
    """``from_.<format>(target=..., **arguments)``: the value ``target`` is loaded instead."""

    def __init__(self, format_name: str, target: str, **arguments: Any) -> None:
        self.format_name = format_name
        self.display_name = f"from_.{format_name}"
        self.target = target
        self.origin = _caller()
        self.sources, self.fixed = _arguments(self.display_name, format_name, "load", arguments)

    def generate_nodes(self, graph: FunctionGraph) -> list[Node]:
        """``load_data.<target>`` (value and metadata) and ``<target>`` (the value)."""
        where = f"{self.display_name}(target={self.target!r}) at {self.origin}"
        _check_known(graph, [self.target], f"Extractor {where} loads into")
        return loader_nodes(
            f"load_data.{self.target}",
            self.target,
            _type_of(graph, self.target),
            self,
            what=f"'{self.target}'",
            tags={"hamilton.data_loader.node": self.target},
            doc=f"Loads '{self.target}' with {self.display_name}.",
            origin=where,
        )

    def __repr__(self) -> str:
        return f"{self.display_name}(target={self.target!r})"


to = _FormatNamespace("save", MaterializerFactory, "to")
from_ = _FormatNamespace("load", ExtractorFactory, "from_")


def check_materializers(materializers: Sequence[Any], who: str) -> None:
    """Refuse anything but ``to.X(...)``/``from_.X(...)``, naming what was given instead."""
    wrong = [m for m in materializers if not isinstance(m, (MaterializerFactory, ExtractorFactory))]
    if not wrong:
        return
    if len(materializers) == 1 and isinstance(materializers[0], (list, tuple)):
        raise DagwireError(f"{who} received a sequence: unpack it, e.g. {who}(*[to.json(...)]).")
    raise DagwireError(
        f"{who} takes materializers made with to.<format>(...) or from_.<format>(...), got "
        f"{wrong[0]!r}."
    )


def materialized_graph(driver: Any, materializers: Sequence[Any]) -> FunctionGraph:
    """``driver``'s graph with the materializers' savers appended and extractors' loaders in
    place of their targets (the nodes those targets replace stay, unused)."""
    check_materializers(materializers, "materialize")
    graph = driver.graph
    added: dict[str, Node] = {}
    for saver in _of_kind(materializers, MaterializerFactory):
        names = driver._names(saver.dependencies)
        for node in saver.generate_nodes(graph, names):
            _check_new_name(graph, added, node, saver)
            added[node.name] = node
    if added:
        graph = _with_nodes(graph, added)
    loaded: dict[str, Node] = {}
    for extractor in _of_kind(materializers, ExtractorFactory):
        loaded.update((node.name, node) for node in extractor.generate_nodes(graph))
    if loaded:
        graph = _with_nodes(graph, loaded)
    if driver.adapters.checks_types:
        graph.check_edge_types()
    return graph


def materialized_run(
    driver: Any, materializers: Sequence[Any], additional_vars: Sequence[Any]
) -> tuple[Any, list[str], list[str]]:
    """A driver like ``driver`` whose graph has the materializers in it, the savers' ids, and the
    additional outputs' names: what ``materialize`` runs and its validate/visualize variants
    check or draw."""
    names = driver._names(additional_vars)
    ids = [m.id for m in _of_kind(materializers, MaterializerFactory)]
    if not ids and not names:
        raise DagwireError(
            "materialize() has nothing to compute: pass to.<format>(...) materializers that "
            "save data, or names in additional_vars=[...]."
        )
    return _driver_on(driver, materialized_graph(driver, materializers)), ids, names


def materialize(
    driver: Any,
    materializers: Sequence[Any],
    additional_vars: Sequence[Any],
    inputs: dict[str, Any] | None,
    overrides: dict[str, Any] | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run what the materializers and ``additional_vars`` need; return (materializers' results
    by id, additional values by name), as Apache Hamilton's ``Driver.materialize`` does."""
    run, ids, names = materialized_run(driver, materializers, additional_vars)
    outputs = run.execute([*ids, *names], inputs=inputs, overrides=overrides)
    return {i: outputs[i] for i in ids}, {n: outputs[n] for n in names}


def _driver_on(driver: Any, graph: FunctionGraph) -> Any:
    """A shallow copy of ``driver`` that runs ``graph`` and returns a dict of outputs."""
    from ..lifecycle.api import DictResult

    run = object.__new__(type(driver))  # not copy.copy: a Driver pickles by module names
    run.__dict__.update(vars(driver))
    run.graph = graph
    run._schedules = {}
    run._public_graph = None
    run.adapters = copy.copy(driver.adapters)
    run.adapters.result_builder = DictResult()
    cache = driver._cache_adapter()
    if cache is not None:  # it holds the driver's graph: the run needs one that holds ``graph``
        twin = cache.for_graph(graph, observed=bool(run.adapters.node_hooks))
        run.adapters = run.adapters.replaced(cache, twin)
    return run


def _arguments(
    who: str, format_name: str, action: str, arguments: dict[str, Any]
) -> tuple[dict[str, str], dict[str, Any]]:
    """The factory's arguments, split as the decorators split theirs; one the format always
    needs (``path=``) is refused here, where the user wrote the call, not when it runs."""
    return split_arguments(who, arguments, required_arguments(format_name, action))


def _of_kind(materializers: Sequence[Any], kind: type) -> list[Any]:
    return [m for m in materializers if isinstance(m, kind)]


def _with_nodes(graph: FunctionGraph, nodes: dict[str, Node]) -> FunctionGraph:
    new = FunctionGraph({**graph.nodes, **nodes}, graph.config)
    new.left_out = graph.left_out
    return new


def _check_new_name(graph: FunctionGraph, added: dict[str, Node], node: Node, by: Any) -> None:
    if node.name in graph.nodes or node.name in added:
        other = graph.nodes.get(node.name) or added[node.name]
        raise DagwireError(
            f"Materializer {by!r} adds node '{node.name}', which already exists ({other.origin}). "
            "Give the materializer another id."
        )


def _check_known(graph: FunctionGraph, names: list[str], what: str) -> None:
    from ..messages import did_you_mean

    known = [*graph.nodes, *graph.external_inputs]
    missing = [n for n in names if n not in graph.nodes and n not in graph.external_inputs]
    if missing:
        hints = "".join(f"\n  '{n}' is not in the graph.{did_you_mean(n, known)}" for n in missing)
        raise DagwireError(
            f"{what} {', '.join(repr(n) for n in missing)}, which the graph does not have:"
            f"{hints}\nList the names with driver.list_available_variables()."
        )


def _type_of(graph: FunctionGraph, name: str) -> Any:
    """A node's type, or for an input the type its first reader declares."""
    node = graph.nodes.get(name)
    if node is not None:
        return node.type
    reader = graph.external_inputs[name][0]
    return graph.dependency(reader, name).type


def _value_node(graph: FunctionGraph, name: str) -> Node:
    """The node to save: a node, or a stand-in naming an input (savers read it by name)."""
    node = graph.nodes.get(name)
    if node is not None:
        return node
    return Node(name, lambda: None, {}, _type_of(graph, name), origin=f"input '{name}'")


def _joiner(result_builder: Any) -> Any:
    def build_result(**outputs: Any) -> Any:
        return result_builder.build_result(**outputs)

    return build_result


def _output_type(result_builder: Any) -> Any:
    output_type = getattr(result_builder, "output_type", None)
    return output_type() if output_type is not None else Any


def _caller() -> str:
    """``file:line`` of the user code that called ``to.X(...)``/``from_.X(...)``."""
    frame = sys._getframe(1)
    here = frame.f_code.co_filename
    while frame is not None and frame.f_code.co_filename in (here, _FORMATS_FILE):
        frame = frame.f_back
    return f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame else "unknown"


_FORMATS_FILE = sys.modules[_FormatNamespace.__module__].__file__
