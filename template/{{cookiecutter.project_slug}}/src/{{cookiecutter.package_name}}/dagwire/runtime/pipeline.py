"""A project's pipeline definition: which modules, which config, which outputs, how to group them.

The definition lives in ``pipeline.toml`` inside the project's package, so the plain runner, the
Airflow DAG and the Prefect flow all read the same file and cannot drift apart:

    pipeline = Pipeline.load("my_pipeline")
    dr = pipeline.driver({"test_size": 0.3})     # a driver.Driver with the config merged
"""

from __future__ import annotations

import importlib
import importlib.resources
import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType, ModuleType
from typing import Any

from ..driver import Builder, Driver
from ..errors import DagwireError
from ..execution.schedule import fans_out
from .artifacts import ArtifactStore
from .cache import CACHE_FOLDER, CACHE_KEYS, CacheSettings
from .plan import GROUPINGS, GroupPlan, PlanError
from .settings import TASK_SETTINGS, TaskSettings, check_task_settings

ARTIFACTS_ENV = "DAGWIRE_ARTIFACTS"
FILENAME = "pipeline.toml"

_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
#: Where each field lives in pipeline.toml, so errors point at the line to change.
_TOML_KEYS = {
    "name": "[pipeline] name",
    "modules": "[pipeline] modules",
    "outputs": "[pipeline] outputs",
    "grouping": "[pipeline] grouping",
    "stages": "[stages]",
    "config": "[config]",
    "artifacts_root": "[artifacts] root",
    "retries": "[orchestrator] retries",
    "retry_delay_seconds": "[orchestrator] retry_delay_seconds",
    "timeout_seconds": "[orchestrator] timeout_seconds",
    "schedule": "[orchestrator] schedule",
    "task_options": "[orchestrator]",
    "executor": "[execution] executor",
    "max_tasks": "[execution] max_tasks",
    "cache": "[cache]",
}
_TABLES = {
    "pipeline": {"name", "modules", "outputs", "grouping"},
    "stages": None,  # any stage name
    "config": None,  # any config key
    "artifacts": {"root"},
    "orchestrator": {*TASK_SETTINGS, "schedule"},
    "execution": {"executor", "max_tasks"},
    "cache": set(CACHE_KEYS),
}
#: How Parallelizable items run inside one process: the engine's executors, by their setting.
EXECUTORS = ("synchronous", "threads", "processes")


class PipelineDefinitionError(DagwireError):
    """pipeline.toml (or a Pipeline built in Python) says something that cannot be run."""


@dataclass(frozen=True)
class Pipeline:
    """A validated pipeline definition. ``source`` names where it came from, for error messages."""

    name: str
    modules: tuple[ModuleType, ...]
    outputs: tuple[str, ...] = ()
    stages: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)
    grouping: str = "stages"
    artifacts_root: str = "artifacts"
    retries: int = 1
    #: Wait between attempts of a failed group (Airflow and Prefect tasks).
    retry_delay_seconds: float = 0
    #: When orchestrators start runs: a cron expression (or an Airflow preset such as "@daily");
    #: None runs only when triggered.
    schedule: str | None = None
    #: Task settings beyond retries for every task ([orchestrator]: timeout_seconds, airflow,
    #: prefect), and per stage ([stages.<name>] tables): see ``settings.py``.
    task_options: Mapping[str, Any] = field(default_factory=dict)
    stage_settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: How the items of a Parallelizable node run within one process, and how many at once.
    executor: str = "threads"
    max_tasks: int = 4
    #: Whether and how runs reuse node results across runs ([cache]; see ``cache.py``).
    cache: CacheSettings = CacheSettings()
    #: The package pipeline.toml was read from ("" when built in Python): worker processes
    #: load the pipeline again by it.
    package: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        where = self._where
        if not isinstance(self.name, str) or not self.name.strip():
            raise PipelineDefinitionError(f"{where('name')} must be a non-empty string.")
        modules = tuple(self.modules) if isinstance(self.modules, Iterable) else None
        if not modules or not all(isinstance(m, ModuleType) for m in modules):
            raise PipelineDefinitionError(
                f"{where('modules')} must list at least one module of dataflow functions."
            )
        outputs = _names(self.outputs, where("outputs"))
        if not isinstance(self.stages, Mapping):
            raise PipelineDefinitionError(
                f"{where('stages')} must map stage names to the outputs they produce."
            )
        stages = {}
        for stage, stage_outputs in self.stages.items():
            if not isinstance(stage, str) or not _NAME.fullmatch(stage):
                raise PipelineDefinitionError(
                    f"{where('stages')}: stage name {stage!r} cannot be a task id. "
                    "Use letters, digits, '_', '.' and '-' (not starting with '.' or '-')."
                )
            stages[stage] = _names(stage_outputs, f"{where('stages')} {stage}")
            if not stages[stage]:
                raise PipelineDefinitionError(
                    f"{where('stages')} {stage} lists no outputs; list the nodes this stage "
                    "produces, or remove the stage."
                )
        if not isinstance(self.config, Mapping) or not all(isinstance(k, str) for k in self.config):
            raise PipelineDefinitionError(f"{where('config')} must map names (strings) to values.")
        if self.grouping not in GROUPINGS:
            raise PipelineDefinitionError(
                f"{where('grouping')} is {self.grouping!r}; choose one of "
                + ", ".join(repr(g) for g in GROUPINGS)
                + "."
            )
        if not isinstance(self.artifacts_root, str) or not self.artifacts_root:
            raise PipelineDefinitionError(
                f'{where("artifacts_root")} must be a folder or an fsspec URL, e.g. "artifacts".'
            )
        if type(self.retries) is not int or self.retries < 0:
            raise PipelineDefinitionError(
                f"{where('retries')} must be a whole number >= 0, got {self.retries!r}."
            )
        delay = self.retry_delay_seconds
        if type(delay) not in (int, float) or not 0 <= delay < float("inf"):
            raise PipelineDefinitionError(
                f"{where('retry_delay_seconds')} must be a number of seconds >= 0, got {delay!r}."
            )
        if self.schedule is not None and (
            not isinstance(self.schedule, str) or not self.schedule.strip()
        ):
            raise PipelineDefinitionError(
                f'{where("schedule")} must be a cron expression such as "0 6 * * *", '
                f"got {self.schedule!r}; leave it out to run only when triggered."
            )
        if self.executor not in EXECUTORS:
            raise PipelineDefinitionError(
                f"{where('executor')} is {self.executor!r}; choose one of "
                + ", ".join(map(repr, EXECUTORS))
                + "."
            )
        if type(self.max_tasks) is not int or self.max_tasks < 1:
            raise PipelineDefinitionError(
                f"{where('max_tasks')} must be a whole number >= 1 (items run at once), "
                f"got {self.max_tasks!r}."
            )
        if not isinstance(self.cache, CacheSettings):
            raise PipelineDefinitionError(
                f"{where('cache')} must be a CacheSettings, got {self.cache!r}."
            )
        check_task_settings(self.task_options, where("task_options"), PipelineDefinitionError)
        for stage, options in self.stage_settings.items():
            if stage not in stages:
                raise PipelineDefinitionError(
                    f"{where('stages')}: settings for stage {stage!r}, which lists no outputs."
                )
            at = f"{self.source}: [stages.{stage}]" if self.source else f"stage_settings[{stage!r}]"
            check_task_settings(options, at, PipelineDefinitionError)
        object.__setattr__(self, "modules", modules)
        object.__setattr__(self, "outputs", outputs)
        object.__setattr__(self, "stages", MappingProxyType(stages))
        object.__setattr__(self, "config", MappingProxyType(dict(self.config)))

    def _where(self, field_name: str) -> str:
        if self.source:
            return f"{self.source}: {_TOML_KEYS[field_name]}"
        return f"Pipeline({field_name}=...)"

    # --- loading -------------------------------------------------------------------------------
    @classmethod
    def load(cls, package: str, *, import_modules: bool = True) -> Pipeline:
        """Read ``pipeline.toml`` from ``package`` and import the modules it lists.

        ``import_modules=False`` reads the settings only (the modules are named, not imported),
        for callers that must stay cheap, such as an Airflow DAG file the scheduler parses often;
        such a Pipeline cannot build a driver.
        """
        resource = importlib.resources.files(package) / FILENAME
        source = str(resource)
        try:
            text = resource.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise PipelineDefinitionError(
                f"Package '{package}' has no {FILENAME} (looked for {source}). Create it with a "
                "[pipeline] table listing `modules` and `outputs`."
            ) from None
        return cls.from_toml(text, package=package, source=source, import_modules=import_modules)

    @classmethod
    def from_toml(
        cls, text: str, *, package: str, source: str = FILENAME, import_modules: bool = True
    ) -> Pipeline:
        """Parse and validate a definition; module names are relative to ``package``."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PipelineDefinitionError(f"{source} is not valid TOML: {exc}.") from None
        _check_tables(data, source)
        table = data.get("pipeline", {})
        if "modules" not in table:
            raise PipelineDefinitionError(
                f"{source}: [pipeline] modules is missing; list the modules of dataflow functions "
                'relative to the package, e.g. modules = ["transforms.prepare_data"].'
            )
        module_names = _names(table["modules"], f"{source}: [pipeline] modules")
        load = _import if import_modules else _not_imported
        orchestrator = data.get("orchestrator", {})
        stages, stage_settings = _split_stages(data.get("stages", {}), source)
        execution = data.get("execution", {})
        return cls(
            name=table.get("name", package.rsplit(".", 1)[-1].replace("_", "-")),
            modules=tuple(load(package, m, source) for m in module_names),
            outputs=table.get("outputs", ()),
            stages=stages,
            stage_settings=stage_settings,
            config=data.get("config", {}),
            grouping=table.get("grouping", "stages"),
            artifacts_root=data.get("artifacts", {}).get("root", "artifacts"),
            retries=orchestrator.get("retries", 1),
            retry_delay_seconds=orchestrator.get("retry_delay_seconds", 0),
            schedule=orchestrator.get("schedule"),
            task_options={
                k: v for k, v in orchestrator.items() if k not in ("schedule", *_TOP_LEVEL)
            },
            executor=execution.get("executor", "threads"),
            max_tasks=execution.get("max_tasks", 4),
            cache=CacheSettings.of(
                data.get("cache", {}), f"{source}: [cache]", PipelineDefinitionError
            ),
            package=package,
            source=source,
        )

    # --- using ---------------------------------------------------------------------------------
    def task_settings(self, stages: Iterable[str] = ()) -> TaskSettings:
        """The settings of a task computing nodes of ``stages``: each stage's own settings over
        [orchestrator]'s (several stages, in ``single`` grouping or a block spanning stages,
        are merged as ``TaskSettings.merge`` says)."""
        defaults = {
            "retries": self.retries,
            "retry_delay_seconds": self.retry_delay_seconds,
            **self.task_options,
        }
        own = [self.stage_settings.get(s, {}) for s in stages]
        per_stage = [TaskSettings.of(_over(defaults, o)) for o in own]
        if len(per_stage) <= 1:
            return per_stage[0] if per_stage else TaskSettings.of(defaults)
        airflow = dict(defaults.get("airflow", {}))  # what each stage sets itself wins, in order
        for o in own:
            airflow.update(o.get("airflow", {}))
        return TaskSettings.merge(per_stage, airflow)

    def effective_config(self, config: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The defaults from the definition, overridden by ``config``."""
        return {**self.config, **(config or {})}

    def driver(
        self,
        config: Mapping[str, Any] | None = None,
        adapters: Sequence[Any] = (),
        *,
        cache: str | None = None,
    ) -> Driver:
        """A driver of the pipeline's modules with ``config`` over the defaults; ``cache`` (a
        folder or fsspec URL) turns on the cache there, with the [cache] table's node lists."""
        skipped = [m.__name__ for m in self.modules if isinstance(m, _NotImported)]
        if skipped:
            raise PipelineDefinitionError(
                f"This Pipeline was loaded with import_modules=False, so {', '.join(skipped)} "
                "were never imported and it has no functions to run; load it with "
                "Pipeline.load(package) to build a driver."
            )
        builder = (
            Builder()
            .with_modules(*self.modules)
            .with_config(self.effective_config(config))
            .with_adapters(*adapters)
        )
        if cache is not None:
            builder = builder.with_cache(**self.cache.builder_options(cache))
        driver = _build(builder, self._where("cache"))
        if not fans_out(driver.graph):
            return driver
        # Parallelizable/Collect need dynamic execution: turned on here, since the team cannot
        # reach the Builder; [execution] says how items run in this process.
        builder = builder.enable_dynamic_execution(
            allow_experimental_mode=True
        ).with_remote_executor(self.item_executor())
        return _build(builder, self._where("cache"))

    def item_executor(self) -> Any:
        """The engine's executor for Parallelizable items, as [execution] sets it."""
        from ..execution import executors

        if self.executor == "synchronous":
            return executors.SynchronousLocalTaskExecutor()
        if self.executor == "processes":
            return executors.MultiProcessingExecutor(max_tasks=self.max_tasks)
        return executors.MultiThreadingExecutor(max_tasks=self.max_tasks)

    def plan(
        self,
        config: Mapping[str, Any] | None = None,
        *,
        outputs: Iterable[str] = (),
        grouping: str | None = None,
        graph: Any = None,
    ) -> GroupPlan:
        """The group plan for this config; ``outputs`` are requested on top of the defaults.

        ``graph`` replaces the graph of the driver (``lock.locked_plan`` passes one read from the
        lock, so that a plan can be made without importing the pipeline's modules).
        """
        effective = self.effective_config(config)
        graph = graph if graph is not None else self.driver(config).graph
        requested = list(dict.fromkeys([*self.outputs, *outputs]))
        self._check_variants_chosen(graph, outputs, effective)
        return GroupPlan.build(
            graph,
            outputs=requested or _sinks(graph, effective),
            stages=self.stages,
            grouping=grouping or self.grouping,
            given=effective,
            where=f"{self.source}: [stages]" if self.source else "Pipeline(stages=...)",
        )

    def _check_variants_chosen(
        self, graph: Any, outputs: Iterable[str], given: Mapping[str, Any]
    ) -> None:
        """Refuse a node the plan needs that only ``@config`` variants define, none of them
        chosen by this config (``--set model_type=svm``): name the key and the values that choose
        one, where the plan would call the node unknown or leave it a missing input."""
        unchosen = getattr(graph, "unchosen", None)
        if unchosen is None:  # read from the lock, which holds the nodes of the default config
            return
        needs = {name: f"{self._where('outputs')} lists {name!r}" for name in self.outputs}
        for name in outputs:
            needs.setdefault(name, f"Output {name!r} was requested")
        for stage, names in self.stages.items():
            for name in names:
                needs.setdefault(name, f"{self._where('stages')} {stage} lists {name!r}")
        for name, readers in graph.external_inputs.items():
            if name not in given:
                verb = "reads" if len(readers) == 1 else "read"
                needs.setdefault(name, f"{', '.join(readers)} {verb} {name!r}")
        for name, needed in needs.items():
            found = unchosen(name)
            if found is not None:
                options = " ".join(f"--set {key}=VALUE" for key in found.keys) or "--set KEY=VALUE"
                where = f"in {self._where('config')}, or for one run with {options}"
                raise PlanError(f"{needed}. {found.explain(where)}")

    def artifacts_location(self, root: str | os.PathLike[str] | None = None) -> str:
        """Where artifacts go: ``root`` if given, else $DAGWIRE_ARTIFACTS, else the definition's."""
        return os.fspath(root or os.environ.get(ARTIFACTS_ENV) or self.artifacts_root)

    def cache_path(self, store: ArtifactStore, enabled: bool | None = None) -> str | None:
        """Where runs against ``store`` keep the cache, or None when it is off (``enabled``
        decides for one run, else [cache] enabled)."""
        on = self.cache.enabled if enabled is None else enabled
        return store.location(CACHE_FOLDER) if on else None

    def store(self, root: str | os.PathLike[str] | None = None) -> ArtifactStore:
        """The artifact store at ``artifacts_location(root)``."""
        return ArtifactStore(self.artifacts_location(root))


def _build(builder: Builder, where: str) -> Driver:
    """Build the driver; a node the [cache] table names that the graph lacks is a mistake in
    pipeline.toml, and said so."""
    try:
        return builder.build()
    except DagwireError as exc:
        from ..caching.behaviors import UnknownCacheNodeError

        if isinstance(exc, UnknownCacheNodeError):
            raise PipelineDefinitionError(f"{where}: {exc}") from None
        raise


def _over(defaults: Mapping[str, Any], own: Mapping[str, Any]) -> dict[str, Any]:
    """A stage's settings over the defaults; its airflow/prefect tables key by key."""
    merged = {**defaults, **own}
    for table in ("airflow", "prefect"):
        if table in defaults and table in own:
            merged[table] = {**defaults[table], **own[table]}
    return merged


#: Task settings [orchestrator] holds as fields of its own (older releases had only these).
_TOP_LEVEL = ("retries", "retry_delay_seconds")


def _split_stages(
    table: Mapping[str, Any], source: str
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """``[stages]`` holds ``name = [outputs]`` or a ``[stages.name]`` table with ``outputs`` and
    the stage's task settings; return the outputs and the settings apart."""
    outputs: dict[str, Any] = {}
    settings: dict[str, dict[str, Any]] = {}
    for stage, value in table.items():
        if not isinstance(value, dict):
            outputs[stage] = value
            continue
        if "outputs" not in value:
            raise PipelineDefinitionError(
                f"{source}: [stages.{stage}] has no `outputs`; list the nodes the stage produces, "
                'e.g. outputs = ["model"], beside its settings.'
            )
        outputs[stage] = value["outputs"]
        settings[stage] = {k: v for k, v in value.items() if k != "outputs"}
    return outputs, settings


def _names(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise PipelineDefinitionError(
            f"{where} must be a list of names, got {value!r}; write [{value!r}] for one name."
        )
    names = tuple(value)
    bad = [n for n in names if not isinstance(n, str) or not n.strip()]
    if bad:
        raise PipelineDefinitionError(f"{where}: {bad[0]!r} is not a name (a non-empty string).")
    doubles = sorted({n for n in names if names.count(n) > 1})
    if doubles:
        raise PipelineDefinitionError(f"{where} lists {', '.join(map(repr, doubles))} twice.")
    return names


def _check_tables(data: dict[str, Any], source: str) -> None:
    for table, value in data.items():
        if table not in _TABLES:
            raise PipelineDefinitionError(
                f"{source}: unknown table [{table}]; the known tables are "
                + ", ".join(f"[{t}]" for t in _TABLES)
                + "."
            )
        if not isinstance(value, dict):
            raise PipelineDefinitionError(
                f"{source}: `{table}` must be a table, written [{table}]."
            )
        known = _TABLES[table]
        unknown = sorted(set(value) - known) if known is not None else []
        if unknown:
            raise PipelineDefinitionError(
                f"{source}: unknown key{'s' if len(unknown) > 1 else ''} "
                + ", ".join(repr(k) for k in unknown)
                + f" in [{table}]; the known keys are "
                + ", ".join(repr(k) for k in sorted(known))
                + "."
            )
    for key in ("name", "grouping"):
        value = data.get("pipeline", {}).get(key)
        if value is not None and not isinstance(value, str):
            raise PipelineDefinitionError(
                f"{source}: [pipeline] {key} must be a string, got {value!r}."
            )


class _NotImported(ModuleType):
    """A module pipeline.toml lists, named but deliberately not imported (settings-only load)."""


def _module_name(package: str, name: str, source: str) -> str:
    relative = name.lstrip(".")
    if not all(part.isidentifier() for part in relative.split(".")):
        raise PipelineDefinitionError(
            f"{source}: [pipeline] modules: {name!r} is not a module name; write it dotted and "
            'relative to the package, e.g. "transforms.prepare_data".'
        )
    return f"{package}.{relative}"


def _not_imported(package: str, name: str, source: str) -> ModuleType:
    return _NotImported(_module_name(package, name, source))


def _import(package: str, name: str, source: str) -> ModuleType:
    full = _module_name(package, name, source)
    try:
        return importlib.import_module(full)
    except ModuleNotFoundError as exc:
        if exc.name and (full == exc.name or full.startswith(exc.name + ".")):
            raise PipelineDefinitionError(
                f"{source}: [pipeline] modules lists {name!r}, but there is no module {full} "
                f"(expected a file {full.replace('.', '/')}.py)."
            ) from None
        exc.add_note(f"dagwire: while importing {full}, listed in {source}")
        raise


def _sinks(graph: Any, given: Mapping[str, Any]) -> list[str]:
    """The default final outputs: computed nodes that no other node uses."""
    return [n for n in graph.order if n not in given and not graph.downstream_of[n]]
