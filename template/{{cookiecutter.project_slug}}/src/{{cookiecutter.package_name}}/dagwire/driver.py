"""Apache Hamilton's driver API: build a graph from modules and config, then execute parts of it.

dr = driver.Builder().with_modules(features).with_config({"region": "eu"}).build()
dr.execute(["revenue"], inputs={"year": 2025})
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from types import ModuleType
from typing import Any, NamedTuple

from .errors import ConfigInputOverlapError, DagwireError
from .execution.loop import new_execution_id, run_schedule
from .execution.options import DynamicExecutionOptions
from .execution.schedule import Schedule, check_input_types, inputs_read, static_schedule
from .function_modifiers.base import function_node_name
from .graph import FunctionGraph
from .lifecycle.adapters import AdapterSet
from .lifecycle.api import ResultBuilder

#: Schedules kept per driver, one per request shape (outputs and given names).
_SCHEDULE_CACHE_SIZE = 64


class Variable(NamedTuple):
    """What ``list_available_variables`` and the lineage queries return for each value."""

    name: str
    type: Any
    tags: dict[str, Any] = {}  # shared default, never mutated: each node passes its own copy
    is_external_input: bool = False
    originating_functions: tuple[Callable[..., Any], ...] | None = None
    documentation: str = ""
    required_dependencies: frozenset[str] = frozenset()
    optional_dependencies: frozenset[str] = frozenset()


class Driver:
    """Executes a function graph. Prefer ``Builder`` to construct one."""

    def __init__(
        self,
        config: dict[str, Any] | None = None,
        *modules: ModuleType,
        adapter: Any = None,
        adapters: Sequence[Any] = (),
        allow_module_overrides: bool = False,
        _default_result: ResultBuilder | None = None,
        _executors: tuple[Any, Any] | None = None,
        _materializers: Sequence[Any] = (),
    ) -> None:
        self._arguments = construction_arguments(locals())
        self.config = dict(config or {})
        self.modules = list(modules)
        listed = [
            *(adapter if isinstance(adapter, (list, tuple)) else [adapter] if adapter else []),
            *adapters,
        ]
        self.adapters = AdapterSet(listed, default_result=_default_result or _legacy_result())
        dynamic = _dynamic_execution(_executors, self.adapters)
        self._make_schedule = dynamic.schedule if dynamic else static_schedule
        self._run_schedule = dynamic.run if dynamic else run_schedule
        self.graph = FunctionGraph.from_modules(
            self.modules,
            self.config,
            allow_module_overrides=allow_module_overrides,
            check_types=self.adapters.checks_types,
        )
        if _materializers:
            from .io.materialization import materialized_graph

            self.graph = materialized_graph(self, _materializers)
        self._public_graph: Any = None
        self._validate_statically()
        cache = self._cache_adapter()
        if cache is not None:
            cache.bind_graph(self.graph, observed=bool(self.adapters.node_hooks))
        for hook in self.adapters.construction_hooks:
            hook.run_after_graph_construction(graph=self.public_graph, config=self.config)
        self._schedules: dict[tuple[Any, ...], Schedule] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle the modules by name, with the config and settings; the graph is built again
        where it is unpickled (as in Apache Hamilton, whose drivers ship to process pools)."""
        from .pickling import driver_reduction

        return driver_reduction(self)

    @property
    def public_graph(self) -> Any:
        """The graph as hooks and validators see it (Apache Hamilton's ``HamiltonGraph``), built
        on first use: drivers without such adapters never load it."""
        if self._public_graph is None:
            from .graph_types import HamiltonGraph

            self._public_graph = HamiltonGraph.from_graph(self.graph)
        return self._public_graph

    @property
    def cache(self) -> Any:
        """The cache adapter of ``Builder().with_cache()``: what the last runs computed and
        retrieved (``dr.cache.logs()``), their versions and keys, and its stores."""
        found = self._cache_adapter()
        if found is None:
            raise DagwireError(
                "This driver has no cache. Build it with Builder().with_cache(path=...) to reuse "
                "results across runs."
            )
        return found

    def _cache_adapter(self) -> Any:
        """The cache adapter among the adapters (none unless the caching package was loaded)."""
        module = sys.modules.get(f"{__package__}.caching.adapter")
        if module is None:
            return None
        kind = module.HamiltonCacheAdapter
        return next((a for a in self.adapters.all if isinstance(a, kind)), None)

    # --- running -----------------------------------------------------------------------------
    def execute(
        self,
        final_vars: Iterable[str | Callable[..., Any]],
        overrides: dict[str, Any] | None = None,
        display_graph: bool = False,
        inputs: dict[str, Any] | None = None,
    ) -> Any:
        """Compute ``final_vars`` (names or the functions themselves) and build the result."""
        names = self._names(final_vars)
        given, schedule = self._prepare(names, inputs, overrides)
        graph_hooks = self.adapters.graph_hooks
        if not graph_hooks:
            outputs = self._run_schedule(self.graph, schedule, given, self.adapters)
            return self.adapters.result_builder.build_result(**outputs)
        run_id = new_execution_id()
        for hook in graph_hooks:
            hook.run_before_graph_execution(
                graph=self.public_graph,
                final_vars=names,
                inputs=inputs,
                overrides=overrides,
                execution_path=[s.name for s in schedule.steps],
                run_id=run_id,
            )
        outputs = None
        try:
            outputs = self._run_schedule(self.graph, schedule, given, self.adapters, run_id)
            result = self.adapters.result_builder.build_result(**outputs)
        except Exception as exc:
            for hook in graph_hooks:
                hook.run_after_graph_execution(
                    graph=self.public_graph,
                    success=False,
                    error=exc,
                    results=outputs,
                    run_id=run_id,
                )
            raise
        for hook in graph_hooks:
            hook.run_after_graph_execution(
                graph=self.public_graph, success=True, error=None, results=outputs, run_id=run_id
            )
        return result

    def raw_execute(
        self,
        final_vars: Iterable[str],
        overrides: dict[str, Any] | None = None,
        inputs: dict[str, Any] | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        """Like ``execute`` but always returns the dict of outputs, skipping the result builder."""
        names = self._names(final_vars)
        given, schedule = self._prepare(names, inputs, overrides)
        return self._run_schedule(self.graph, schedule, given, self.adapters)

    def materialize(
        self,
        *materializers: Any,
        additional_vars: Iterable[str | Callable[..., Any]] | None = None,
        overrides: dict[str, Any] | None = None,
        inputs: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Run with ``to.X(...)`` savers and ``from_.X(...)`` loaders added for this run; return
        (each saver's metadata by id, ``additional_vars``' values)."""
        from .io.materialization import materialize

        return materialize(self, materializers, list(additional_vars or []), inputs, overrides)

    def validate_materialization(
        self,
        *materializers: Any,
        additional_vars: Iterable[str | Callable[..., Any]] | None = None,
        overrides: dict[str, Any] | None = None,
        inputs: dict[str, Any] | None = None,
    ) -> None:
        """Raise what ``materialize`` would raise before running anything."""
        from .io.materialization import materialized_run

        run, ids, names = materialized_run(self, materializers, list(additional_vars or []))
        run.validate_execution([*ids, *names], overrides=overrides, inputs=inputs)

    def visualize_materialization(
        self,
        *materializers: Any,
        output_file_path: str | None = None,
        render_kwargs: dict[str, Any] | None = None,
        additional_vars: Iterable[str | Callable[..., Any]] | None = None,
        inputs: dict[str, Any] | None = None,
        overrides: dict[str, Any] | None = None,
        **_ignored: Any,
    ) -> str:
        """What ``materialize`` would run, drawn as ``visualize_execution`` draws a run."""
        from .io.materialization import materialized_run

        run, ids, names = materialized_run(self, materializers, list(additional_vars or []))
        outputs = [*ids, *names]
        return run.visualize_execution(outputs, output_file_path, render_kwargs, inputs, overrides)

    def validate_execution(
        self,
        final_vars: Iterable[str | Callable[..., Any]],
        overrides: dict[str, Any] | None = None,
        inputs: dict[str, Any] | None = None,
    ) -> None:
        """Raise what ``execute`` would raise before running anything; return None if it would
        run."""
        self._prepare(self._names(final_vars), inputs, overrides)

    def execution_plan(self, final_vars: Iterable[str], *, given: Iterable[str] = ()) -> list[str]:
        """The nodes ``execute`` would run, in order."""
        given = frozenset(given) | frozenset(self.config)
        return [s.name for s in self._schedule(self._names(final_vars), given).steps]

    # --- introspection -----------------------------------------------------------------------
    def list_available_variables(
        self, *, tag_filter: dict[str, Any] | None = None
    ) -> list[Variable]:
        """Every node and input. ``tag_filter`` keeps those whose tags match every key: a tag
        value, any of a list of values, or (None) any value."""
        if tag_filter:
            _check_tag_filter(tag_filter)
        graph = self.graph
        variables = [self._variable(n) for n in graph.order]
        read = [n for n in graph.external_inputs if not graph.only_config_reads(n)]
        variables += [self._variable(n) for n in read]
        variables += [self._variable(n) for n in graph.config_only]  # Hamilton lists them
        if tag_filter:
            variables = [v for v in variables if _tags_match(v.tags, tag_filter)]
        return variables

    def has_cycles(
        self, final_vars: Iterable[str | Callable[..., Any]], _fn_graph: Any = None
    ) -> bool:
        """Whether computing ``final_vars`` meets a cycle: always False for a built driver.

        Apache Hamilton builds graphs with cycles and answers here; the engine refuses a cycle
        when the driver is built, naming the nodes on it and their files, so a driver that exists
        has none. The requested names are still checked, as Hamilton does.
        """
        names = self._names(final_vars)
        self._check_known(names)
        return False

    def export_execution(
        self,
        final_vars: Iterable[str | Callable[..., Any]],
        inputs: dict[str, Any] | None = None,
        overrides: dict[str, Any] | None = None,
    ) -> str:
        """The nodes ``execute(final_vars, ...)`` would run and the inputs they read, as
        Apache Hamilton's JSON: ``{"nodes": [...]}`` sorted by name, each node as
        ``HamiltonNode.as_dict()`` gives it. Refuses what ``execute`` would refuse. Without
        ``inputs``, optional inputs are listed too (the whole upstream, as Hamilton crawls it)."""
        import json

        names = self._names(final_vars)
        _, schedule = self._prepare(names, inputs, overrides)
        computed = {s.name for s in schedule.steps}
        if inputs is None:  # Hamilton then lists every input, optional ones nobody gave too
            read = {p for s in schedule.steps for p in self.graph.nodes[s.name].inputs}
        else:
            read = {p for s in schedule.steps for p in s.params}
        read -= computed
        shown = sorted(computed | read | (set(names) - set(overrides or ())))
        return json.dumps({"nodes": [self._public_node(n).as_dict() for n in shown]})

    def what_is_upstream_of(self, *node_names: str) -> list[Variable]:
        self._check_known(node_names)
        return self._variables(self.graph.upstream(node_names))

    def what_is_downstream_of(self, *node_names: str) -> list[Variable]:
        self._check_known(node_names)
        return self._variables(self.graph.downstream(node_names))

    def what_is_the_path_between(
        self, upstream_node_name: str, downstream_node_name: str
    ) -> list[Variable]:
        """Every node on some path from the first to the second (empty if there is none)."""
        self._check_known([upstream_node_name, downstream_node_name])
        between = self.graph.downstream([upstream_node_name]) & self.graph.upstream(
            [downstream_node_name]
        )
        return self._variables(between)

    # --- pictures ----------------------------------------------------------------------------
    def display_all_functions(
        self,
        output_file_path: str | None = None,
        render_kwargs: dict[str, Any] | None = None,
        **_ignored: Any,
    ) -> str:
        """The whole graph as DOT text; also written to ``output_file_path`` if given.

        The format is ``render_kwargs["format"]``, else the suffix, else PNG (as in Hamilton):
        ``mmd``/``md`` Mermaid, ``dot`` DOT, ``png``/``svg``/``pdf`` rendered with graphviz
        (``svg`` drawn in pure Python when graphviz is not installed).
        Hamilton's styling keyword arguments are accepted and ignored.
        """
        return self._picture(None, output_file_path, render_kwargs)

    def display_upstream_of(
        self,
        *node_names: str,
        output_file_path: str | None = None,
        render_kwargs: dict[str, Any] | None = None,
        **_ignored: Any,
    ) -> str:
        """The named nodes and everything they depend on."""
        self._check_known(node_names)
        return self._picture(self.graph.upstream(node_names), output_file_path, render_kwargs)

    def display_downstream_of(
        self,
        *node_names: str,
        output_file_path: str | None = None,
        render_kwargs: dict[str, Any] | None = None,
        **_ignored: Any,
    ) -> str:
        """The named nodes and everything that depends on them."""
        self._check_known(node_names)
        return self._picture(self.graph.downstream(node_names), output_file_path, render_kwargs)

    def visualize_path_between(
        self,
        upstream_node_name: str,
        downstream_node_name: str,
        output_file_path: str | None = None,
        render_kwargs: dict[str, Any] | None = None,
        **_ignored: Any,
    ) -> str:
        """Every node on a path from the first node to the second."""
        between = self.what_is_the_path_between(upstream_node_name, downstream_node_name)
        return self._picture({v.name for v in between}, output_file_path, render_kwargs)

    def visualize_execution(
        self,
        final_vars: Iterable[str | Callable[..., Any]],
        output_file_path: str | None = None,
        render_kwargs: dict[str, Any] | None = None,
        inputs: dict[str, Any] | None = None,
        overrides: dict[str, Any] | None = None,
        **_ignored: Any,
    ) -> str:
        """The part of the graph ``execute(final_vars, ...)`` would run and the inputs it reads."""
        names = self._names(final_vars)
        _, schedule = self._prepare(names, inputs, overrides)
        shown = {s.name for s in schedule.steps} | inputs_read(schedule, self.graph) | set(names)
        return self._picture(shown, output_file_path, render_kwargs)

    def _picture(
        self,
        names: set[str] | None,
        output_file_path: str | None,
        render_kwargs: dict[str, Any] | None,
    ) -> str:
        from . import visualize

        status = self._last_status()
        if output_file_path is None:
            return visualize.to_dot(self.graph, names, status)
        fmt = (render_kwargs or {}).get("format")
        return visualize.write_picture(self.graph, output_file_path, names, status, fmt)

    def _last_status(self) -> dict[str, str]:
        """Per-node status and time from a timing adapter, if one is registered and has run."""
        for adapter in self.adapters.all:
            records = getattr(adapter, "records", None)
            if isinstance(records, dict) and records:
                return {name: _describe_record(r) for name, r in records.items()}
        return {}

    # --- helpers -----------------------------------------------------------------------------
    def _names(self, final_vars: Iterable[str | Callable[..., Any]]) -> list[str]:
        if isinstance(final_vars, str):
            raise DagwireError(
                f"final_vars must be a list of names, got the string {final_vars!r}; "
                f"write [{final_vars!r}]."
            )
        return [_name_of(v, self.modules) for v in final_vars]

    def _prepare(
        self, names: list[str], inputs: dict[str, Any] | None, overrides: dict[str, Any] | None
    ) -> tuple[dict[str, Any], Schedule]:
        inputs = inputs or {}
        overlap = self.config.keys() & inputs.keys()
        if overlap:
            raise ConfigInputOverlapError(
                f"{', '.join(sorted(overlap))} given both as config and as input. Config is fixed "
                "when the driver is built; pass the value in one place only."
            )
        if not self.graph.nodes.keys().isdisjoint(inputs):
            inputs = self._without_computed(inputs)
        given = {**self.config, **inputs, **(overrides or {})}
        schedule = self._schedule(names, frozenset(given))
        for name in schedule.unset_inputs:  # requested inputs not given are None, as in Hamilton
            given[name] = None
        if schedule.input_types and self.adapters.checks_types:
            check_input_types(schedule, given, overrides or (), self.graph)
        return given, schedule

    def _without_computed(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """Inputs feed external inputs only, as in Apache Hamilton: one named like a node is
        ignored (with a warning), where ``overrides`` would replace the node's value."""
        import warnings

        nodes = self.graph.nodes
        for name in inputs.keys() & nodes.keys():
            warnings.warn(
                f"inputs[{name!r}] is ignored: '{name}' is computed by {nodes[name].origin}. "
                "Pass it in overrides= to replace the computed value.",
                stacklevel=4,
            )
        return {k: v for k, v in inputs.items() if k not in nodes}

    def _schedule(self, names: list[str], given: frozenset[str]) -> Schedule:
        key = (tuple(names), given)
        schedule = self._schedules.get(key)
        if schedule is None:
            schedule = self._make_schedule(self.graph, names, given)
            if len(self._schedules) >= _SCHEDULE_CACHE_SIZE:  # evict the oldest
                try:
                    self._schedules.pop(next(iter(self._schedules)), None)
                except (StopIteration, RuntimeError):  # another thread changed it: nothing to do
                    pass
            self._schedules[key] = schedule
        return schedule

    def _validate_statically(self) -> None:
        problems = []
        for validator in self.adapters.validators:
            for node in self.public_graph.nodes:
                ok, message = validator.run_to_validate_node(node=node)
                if not ok:
                    where = self.graph.nodes.get(node.name)
                    problems.append(
                        f"  {node.name} ({where.origin if where else 'an input'}): {message}"
                    )
            ok, message = validator.run_to_validate_graph(graph=self.public_graph)
            if not ok:
                problems.append(f"  graph: {message}")
        if problems:
            raise DagwireError("Static validation failed:\n" + "\n".join(problems))

    def _check_known(self, names: Iterable[str]) -> None:
        graph = self.graph
        unknown = [
            n
            for n in names
            if n not in graph.nodes
            and (n not in graph.external_inputs or graph.only_config_reads(n))
            and n not in graph.config
        ]
        if unknown:
            raise self.graph.unknown_names_error(unknown, "node")

    def _variables(self, names: set[str]) -> list[Variable]:
        position = self.graph.position
        ordered = sorted(names, key=lambda n: (n in position, position.get(n, 0), n))
        return [self._variable(n) for n in ordered]

    def _public_node(self, name: str) -> Any:
        """The ``HamiltonNode`` view of a node, or of an input (also a function the config
        replaces: Hamilton presents it as an input)."""
        from .graph_types import HamiltonNode

        graph = self.graph
        if name in graph.nodes and name not in graph.config:
            return HamiltonNode.from_graph_node(graph, name)
        return HamiltonNode.from_input(graph, name, [m.__name__ for m in self.modules])

    def _variable(self, name: str) -> Variable:
        node = self._public_node(name)
        if node.is_external_input:
            return Variable(
                name,
                node.type,
                is_external_input=True,
                originating_functions=node.originating_functions,
            )
        return Variable(
            name=name,
            type=node.type,
            tags=dict(node.tags),
            originating_functions=node.originating_functions,
            documentation=node.documentation or "",
            required_dependencies=frozenset(node.required_dependencies),
            optional_dependencies=frozenset(node.optional_dependencies),
        )


class Builder(DynamicExecutionOptions):
    """Fluent construction of a ``Driver``, as in Apache Hamilton."""

    def __init__(self) -> None:
        self._modules: list[ModuleType] = []
        self._config: dict[str, Any] = {}
        self._adapters: list[Any] = []
        self._adapter: Any = None
        self._allow_module_overrides = False
        self._materializers: list[Any] = []
        #: with_cache()'s arguments: each built driver gets its own adapter (it holds one graph).
        self._cache: dict[str, Any] | None = None

    def __getstate__(self) -> dict[str, Any]:
        """Pickled with its modules by name (see ``pickling``)."""
        from .pickling import builder_state

        return builder_state(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        from .pickling import restore_builder_state

        restore_builder_state(self, state)

    def with_modules(self, *modules: ModuleType) -> Builder:
        self._modules.extend(modules)
        return self

    def with_config(self, config: dict[str, Any]) -> Builder:
        self._config.update(config)
        return self

    def with_adapters(self, *adapters: Any) -> Builder:
        self._adapters.extend(adapters)
        return self

    def with_materializers(self, *materializers: Any) -> Builder:
        """Add ``to.X(...)``/``from_.X(...)`` to every run: savers become nodes to request."""
        from .io.materialization import check_materializers

        check_materializers(materializers, "with_materializers")
        self._materializers.extend(materializers)
        return self

    def with_adapter(self, adapter: Any) -> Builder:
        """Hamilton's single (legacy) adapter, such as ``base.SimplePythonGraphAdapter``; it
        joins the ``with_adapters`` ones. Only one call is allowed, as in Hamilton."""
        if self._adapter is not None:
            raise DagwireError(
                f"with_adapter() was called twice ({self._adapter!r}, then {adapter!r}); pass "
                "several adapters with with_adapters(a, b) instead."
            )
        self._adapter = adapter
        return self

    def copy(self) -> Builder:
        """An independent builder in the same state: later calls on either leave the other as
        it is. Every attribute is copied (lists, dicts and sets one level deep), whatever
        methods set it; the modules, adapters and executors themselves are shared."""
        twin = type(self).__new__(type(self))  # not copy.copy: that would pickle the modules
        for name, value in vars(self).items():
            setattr(twin, name, value.copy() if isinstance(value, (list, dict, set)) else value)
        return twin

    def with_cache(self, path: Any = ".hamilton_cache", **options: Any) -> Builder:
        """Reuse results across runs, kept under ``path`` (a folder or an fsspec URL). Takes
        Apache Hamilton's arguments: ``recompute=``, ``ignore=``, ``disable=``, ``default=`` (node
        names, or True for all), ``default_behavior=``, ``metadata_store=``, ``result_store=``,
        ``log_to_file=``; and ``storage_options=`` for fsspec URLs. See ``caching.adapter``."""
        from .caching.adapter import HamiltonCacheAdapter

        if self._cache is not None:
            raise DagwireError("with_cache() was called twice; call it once, with every option.")
        import inspect

        inspect.signature(HamiltonCacheAdapter).bind(path, **options)  # a misspelt option: now
        self._cache = {"path": path, **options}
        return self

    def allow_module_overrides(self) -> Builder:
        self._allow_module_overrides = True
        return self

    def build(self) -> Driver:
        return Driver(
            self._config,
            *self._modules,
            adapters=[
                *self._adapters,
                *([self._adapter] if self._adapter is not None else []),
                *([_cache_adapter(self._cache)] if self._cache is not None else []),
            ],
            allow_module_overrides=self._allow_module_overrides,
            _default_result=_dict_result(),
            _executors=self._executors(),
            _materializers=self._materializers,
        )


def construction_arguments(arguments: dict[str, Any]) -> dict[str, Any]:
    """What pickling needs to build a driver again in another process (see ``__reduce__``): the
    ``__init__`` arguments, with lists and dicts copied, so that a builder changed after
    ``build()`` does not change the driver its pickle rebuilds."""
    return {
        k: v.copy() if isinstance(v, (list, dict)) else v
        for k, v in arguments.items()
        if k not in ("self", "__class__")
    }


def _cache_adapter(options: dict[str, Any]) -> Any:
    from .caching.adapter import HamiltonCacheAdapter

    return HamiltonCacheAdapter(**options)


def _dict_result() -> ResultBuilder:
    from .lifecycle.api import DictResult

    return DictResult()


def _legacy_result() -> ResultBuilder:
    """Hamilton's legacy ``Driver(config, *modules)`` returns a DataFrame by default; so do we."""
    from .base import PandasDataFrameResult

    return PandasDataFrameResult()


def _name_of(var: Any, modules: list[ModuleType]) -> str:
    """A requested output given as a name, a ``Variable`` or the function that defines it.

    A function counts only if one of the driver's modules holds it (the same code), as in Apache
    Hamilton: a same-named function from elsewhere would silently stand for another node.
    """
    if isinstance(var, str):
        return var
    if not callable(var) and isinstance(getattr(var, "name", None), str):  # a Variable
        return var.name
    code = getattr(var, "__code__", None)
    if code is None or getattr(var, "__name__", None) is None:
        raise DagwireError(f"final_vars takes names, Variables or functions, got {var!r}.")
    if not any(getattr(getattr(m, var.__name__, None), "__code__", None) is code for m in modules):
        names = ", ".join(m.__name__ for m in modules) or "none"
        raise DagwireError(
            f"{var.__module__}.{var.__qualname__} is not in a module given to the driver "
            f"({names}). Request it by name, or add its module with Builder().with_modules()."
        )
    return function_node_name(var)


def _check_tag_filter(tag_filter: dict[str, Any]) -> None:
    """Refuse filter values Hamilton refuses: each is a string, a non-empty list, or None."""
    wrong = [
        f"{key!r}: {value!r}"
        for key, value in tag_filter.items()
        if not (value is None or isinstance(value, str) or (isinstance(value, list) and value))
    ]
    if wrong:
        raise DagwireError(
            f"Invalid tag_filter value{'s' if len(wrong) > 1 else ''} {', '.join(wrong)}: each "
            "value must be a string, a non-empty list of strings, or None (any value)."
        )


def _tags_match(tags: dict[str, Any], tag_filter: dict[str, Any]) -> bool:
    for key, wanted in tag_filter.items():
        if key not in tags:
            return False
        if wanted is None:
            continue
        have = tags[key]
        wanted_values = wanted if isinstance(wanted, list) else [wanted]
        have_values = have if isinstance(have, list) else [have]
        if not any(value in wanted_values for value in have_values):
            return False
    return True


def _describe_record(record: Any) -> str:
    status = getattr(record, "status", "")
    duration = getattr(record, "duration", None)
    if duration is None:
        return str(status)
    from .messages import format_duration

    return f"{status} {format_duration(duration)}"


def _dynamic_execution(executors: tuple[Any, Any] | None, adapters: AdapterSet) -> Any:
    """The dynamic machinery, loaded only for drivers that asked for executors or a thread pool."""
    if executors is None and getattr(adapters.result_builder, "local_executor", None) is None:
        return None
    from .execution.parallel import dynamic_execution

    return dynamic_execution(executors, adapters)
