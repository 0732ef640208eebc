"""Orchestration overhead: trigger to done and cost per task, plain runner vs Airflow vs Prefect.

    uv run python benchmarks/bench_overhead.py [--repeat 3] [--served 2]     # about 13 minutes

One run generates, from this working tree, the plain, Airflow and Prefect variants of two cheap
pipelines (their functions do next to nothing, so what is timed is orchestration, not work):

- ``example``: the example's twelve nodes and three stages, each function a line of list or dict
  arithmetic; run as ``stages`` (3 tasks) and as ``nodes`` (12 tasks).
- ``fanout``: ``items`` returns ``Parallelizable[int]`` of 100 items, ``square`` runs per item,
  ``total`` collects them; ``fan-out`` is 1 + 100 + 1 tasks (on Airflow, 100 mapped task instances;
  on Prefect, a ``.map()`` of 100 task runs).

Runners, each timed from trigger to done (wall clock):

- plain CLI: ``uv run <slug> run`` (a fresh process per run: uv, interpreter, imports);
- plain in-process: ``run_pipeline`` (warm: the first call is reported apart);
- Airflow ``dag.test()``: every task in-process, no scheduler (warm, first call apart);
- Airflow scheduler: api-server, scheduler, dag-processor, LocalExecutor with 2 slots, SQLite, all
  on 127.0.0.1 (tests/services.py); triggered with ``airflow dags trigger``, polled over REST;
- Prefect in-process: the flow called under ``prefect_test_harness`` (warm, first call apart);
- Prefect served: a Prefect server and ``serve`` (runner polling every 2 s), triggered with
  ``prefect deployment run``, polled over REST.

Per-task overhead = (median time - compute) / tasks, where compute is the engine alone executing
the pipeline's outputs in-process (no artifacts, no records). Every process started is stopped by
its id. Not part of the test suite (benchmarks/ is outside pytest's testpaths).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import textwrap
import time
import traceback
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import copier

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [
    str(ROOT / "tests"),
    str(ROOT / "tests" / "template"),
    str(ROOT / "template/{{cookiecutter.project_slug}}/src/{{cookiecutter.package_name}}"),
]
from deployments import (  # noqa: E402 (the test helpers are found through the path above)
    Project,
    airflow_environment,
    deploy_to_airflow,
    synced_project,
)
from services import Airflow, Prefect, wait_for  # noqa: E402
from template_support import make_template_repo, run  # noqa: E402

WORKER = HERE / "_overhead_worker.py"
ITEMS = 100
#: shape -> (pipeline, grouping)
SHAPES = {
    "stages": ("example", "stages"),
    "nodes": ("example", "nodes"),
    "fan-out": ("fanout", "stages"),
}
RUNNERS = {
    "plain-cli": "plain: `uv run <slug> run`",
    "plain": "plain: `run_pipeline` in-process",
    "airflow-test": "Airflow: `dag.test()`",
    "airflow-scheduler": "Airflow: scheduler (LocalExecutor, 2 slots)",
    "prefect": "Prefect: in-process (test harness)",
    "prefect-served": "Prefect: server + `serve`",
}

# --- the pipelines: the example's nodes with next to no work, and a 100-item fan-out ------------
EXAMPLE = {
    "transforms/prepare_data.py": '''\
        """The example's nodes, each a line of list arithmetic."""


        def raw_data() -> list[int]:
            return list(range(200))


        def features(raw_data: list[int]) -> list[int]:
            return [x * 2 for x in raw_data]


        def target(raw_data: list[int]) -> list[int]:
            return [x % 2 for x in raw_data]


        def is_test_row(target: list[int], test_size: float, random_state: int) -> list[bool]:
            every = round(1 / test_size)
            return [(i + random_state) % every == 0 for i in range(len(target))]


        def X_train(features: list[int], is_test_row: list[bool]) -> list[int]:
            return [x for x, test in zip(features, is_test_row) if not test]


        def X_test(features: list[int], is_test_row: list[bool]) -> list[int]:
            return [x for x, test in zip(features, is_test_row) if test]


        def y_train(target: list[int], is_test_row: list[bool]) -> list[int]:
            return [y for y, test in zip(target, is_test_row) if not test]


        def y_test(target: list[int], is_test_row: list[bool]) -> list[int]:
            return [y for y, test in zip(target, is_test_row) if test]
        ''',
    "transforms/train_model.py": '''\
        """A "model" that predicts the majority label."""

        from ..dagwire.function_modifiers import config


        @config.when(model_type="logistic")
        def model__logistic(X_train: list[int], y_train: list[int]) -> dict:
            return {"label": round(sum(y_train) / len(y_train))}


        @config.when(model_type="random_forest")
        def model__random_forest(X_train: list[int], y_train: list[int], random_state: int) -> dict:
            return {"label": round(sum(y_train) / len(y_train))}
        ''',
    "transforms/evaluate_model.py": '''\
        """Score the "model"."""


        def predictions(model: dict, X_test: list[int]) -> list[int]:
            return [model["label"]] * len(X_test)


        def accuracy(predictions: list[int], y_test: list[int]) -> float:
            return sum(p == y for p, y in zip(predictions, y_test)) / len(y_test)


        def metrics(accuracy: float, predictions: list[int], y_test: list[int]) -> dict:
            return {"accuracy": accuracy, "test_rows": len(y_test)}
        ''',
}
FANOUT = {
    "pipeline.toml": f"""\
        [pipeline]
        name = "bench-fanout"
        modules = ["transforms.fanout"]
        outputs = ["total"]
        grouping = "stages"

        [stages]
        split = ["items"]
        per_item = ["square"]
        gather = ["total"]

        [config]
        count = {ITEMS}

        [artifacts]
        root = "artifacts"

        [orchestrator]
        retries = 0
        retry_delay_seconds = 0
        """,
    "transforms/fanout.py": '''\
        """A fan-out of ``count`` items, each squared on its own, then summed."""

        from bench_fanout.dagwire.htypes import Collect, Parallelizable


        def items(count: int) -> Parallelizable[int]:
            return list(range(count))


        def square(items: int) -> int:
            return items * items


        def total(square: Collect[int]) -> int:
            return sum(square)
        ''',
}
PIPELINES = {"example": EXAMPLE, "fanout": FANOUT}


def shapes_of(pipeline: str) -> dict[str, str]:
    return {shape: grouping for shape, (p, grouping) in SHAPES.items() if p == pipeline}


def dag_or_flow_name(package: str, shape: str) -> str:
    return f"{package}_{shape.replace('-', '_')}"


def bench_flows(package: str) -> str:
    """A module of the Prefect project: one flow per shape, and ``serve`` for all of them."""
    lines = ["from prefect import serve", "from prefect.types.entrypoint import EntrypointType", ""]
    lines.append("from .dagwire.orchestrators.prefect import pipeline_flow\n")
    for shape, grouping in shapes_of(package.removeprefix("bench_")).items():
        name = shape.replace("-", "_")
        lines.append(
            f"{name} = pipeline_flow(__package__, grouping={grouping!r}, retries=0, "
            f"entrypoint=f'{{__package__}}.bench_flows.{name}')"
        )
    deployments = ", ".join(
        f"{s.replace('-', '_')}.to_deployment(name={s!r}, "
        "entrypoint_type=EntrypointType.MODULE_PATH)"
        for s in shapes_of(package.removeprefix("bench_"))
    )
    lines += ["", 'if __name__ == "__main__":', f"    serve({deployments})", ""]
    return "\n".join(lines)


def dag_file(package: str) -> str:
    """A DAG file with one DAG per shape (retries 0), for dag.test() and the scheduler."""
    lines = [f"from {package}.dagwire.orchestrators.airflow import pipeline_dag", ""]
    for shape, grouping in shapes_of(package.removeprefix("bench_")).items():
        dag_id = dag_or_flow_name(package, shape)
        lines.append(
            f"{dag_id} = pipeline_dag({package!r}, dag_id={dag_id!r}, grouping={grouping!r}, "
            "retries=0)"
        )
    return "\n".join(lines) + "\n"


# --- results -----------------------------------------------------------------------------------
@dataclass
class Cell:
    """What one runner took on one shape: wall-clock seconds of each run, first run apart."""

    first: float | None = None
    later: list[float] = field(default_factory=list)
    server: list[float] = field(default_factory=list)  # queued -> done, as the server saw it
    tasks: int | None = None  # task instances or task runs, where the runner counts them
    failed: str | None = None

    @property
    def typical(self) -> float:
        return statistics.median(self.later) if self.later else self.first


@dataclass
class Bench:
    work: Path
    repeat: int
    served: int
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    compute: dict[str, float] = field(default_factory=dict)
    tasks: dict[str, int] = field(default_factory=dict)
    setup: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def attempt(self, runner: str, shapes: list[str], measure: Callable[[], None]) -> None:
        """Run ``measure``; if it fails, every cell of ``runner`` it has not filled says why."""
        started = time.perf_counter()
        try:
            measure()
        except Exception as exc:  # a failing runner must not stop the others
            for shape in shapes:
                cell = self.cells.setdefault((runner, shape), Cell())
                if cell.first is None:
                    cell.failed = f"failed: `{reason(exc)}`"
            self.errors.append(f"{runner} {shapes}:\n{traceback.format_exc()}")
        print(f"  {runner} {', '.join(shapes)}: {time.perf_counter() - started:.0f} s", flush=True)


def reason(exc: Exception) -> str:
    """The exception line of what failed (a command's output holds its traceback), shortened."""
    lines = str(exc).strip().splitlines() or [type(exc).__name__]
    raised = [line.strip() for line in lines if re.match(r"\s*[\w.]+(Error|Exception): ", line)]
    found = (raised or lines)[-1].replace("|", "/").replace("`", "'")
    return found if len(found) <= 110 else found[:107] + "..."


def worker(project: Project, runner: str, shapes: dict[str, str], repeat: int, *extra: str):
    """Run the in-process timing script in ``project``'s environment; its results."""
    cmd = ["uv", "run", "--no-sync", "python", str(WORKER), runner, project.package]
    out = run([*cmd, json.dumps(shapes), str(repeat), *extra], project.path, project.env, 1200)
    lines = [line for line in out.splitlines() if line.startswith("RESULTS ")]
    return json.loads(lines[-1].removeprefix("RESULTS "))


# --- preparing the projects --------------------------------------------------------------------
def prepare(generate, orchestrator: str, pipeline: str) -> Project:
    project = synced_project(generate, orchestrator, f"bench {pipeline}")
    package_dir = project.path / "src" / project.package
    if pipeline == "fanout":
        shutil.rmtree(package_dir / "transforms")
        (package_dir / "transforms").mkdir()
        (package_dir / "transforms" / "__init__.py").write_text("")
    for name, text in PIPELINES[pipeline].items():
        (package_dir / name).write_text(textwrap.dedent(text), encoding="utf-8")
    if orchestrator == "airflow":  # the DAG is cut from the lock
        project.uv("run", project.slug, "lock")
    if orchestrator == "prefect":
        (package_dir / "bench_flows.py").write_text(bench_flows(project.package), encoding="utf-8")
    return project


def generator(template: Path, folder: Path):
    def generate(**answers: str) -> Path:
        dest = folder / f"{answers['orchestrator']}-{answers['project_name'].replace(' ', '-')}"
        copier.run_copy(str(template), dest, data=answers, defaults=True, quiet=True)
        return dest

    return generate


def isolated_git(work: Path) -> None:
    """A git identity for the commits copier and the helpers make, and no user config."""
    (work / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    for role in ("AUTHOR", "COMMITTER"):
        os.environ[f"GIT_{role}_NAME"] = "dagwire benchmark"
        os.environ[f"GIT_{role}_EMAIL"] = "benchmark@example.com"
    os.environ.update(GIT_CONFIG_GLOBAL=str(work / "gitconfig"), GIT_CONFIG_NOSYSTEM="1")


# --- the runners -------------------------------------------------------------------------------
def time_plain_cli(bench: Bench, project: Project, pipeline: str) -> None:
    """``uv run <slug> run``; the grouping is pipeline.toml's, so it is switched between shapes."""
    toml = project.path / "src" / project.package / "pipeline.toml"
    original = toml.read_text(encoding="utf-8")
    try:
        for shape, grouping in shapes_of(pipeline).items():
            toml.write_text(
                original.replace('grouping = "stages"', f'grouping = "{grouping}"'),
                encoding="utf-8",
            )
            times = []
            for _ in range(bench.repeat + 1):
                started = time.perf_counter()
                project.uv("run", project.slug, "run", "--artifacts", str(bench.work / "cli"))
                times.append(time.perf_counter() - started)
            bench.cells["plain-cli", shape] = Cell(times[0], times[1:])
    finally:
        toml.write_text(original, encoding="utf-8")


def time_in_process(bench: Bench, runner: str, project: Project, pipeline: str, *extra) -> None:
    shapes = shapes_of(pipeline)
    results = worker(project, runner.removesuffix("-test"), shapes, bench.repeat, *extra)
    if "setup" in results:
        bench.setup[f"{runner} ({pipeline})"] = results["setup"]["first"]
    for shape in shapes:
        cell = Cell(results[shape]["first"], results[shape]["later"])
        cell.tasks = results[shape].get("tasks")
        bench.cells[runner, shape] = cell
        if runner == "plain":
            bench.compute[shape] = statistics.median(results[f"{shape}/compute"]["later"])
            mapped = results[shape]["mapped"]
            bench.tasks[shape] = sum(ITEMS if m else 1 for m in mapped)


def server_seconds(start: str | None, end: str | None) -> float | None:
    if not (start and end):
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def time_triggered(
    bench: Bench, runner: str, shape: str, trigger, state, done, record, count
) -> None:
    """Trigger a run, poll its state until it ends; ``bench.served`` runs (one for a fan-out).
    ``record(run_id)``: queued to done as the server saw it; ``count(run_id)``: its tasks."""
    cell = bench.cells[runner, shape] = Cell()
    for i in range(1 if shape == "fan-out" else bench.served):
        started = time.perf_counter()
        run_id = trigger()
        final = wait_for(
            lambda run_id=run_id: (s := state(run_id)) in done and s,
            timeout=600,
            what=f"{runner} run {run_id} of {shape}",
            every=0.2,
        )
        seconds = time.perf_counter() - started
        if final != done[0]:
            raise RuntimeError(f"run {run_id} of {shape} ended {final}")
        cell.first, cell.later = (seconds, []) if i == 0 else (cell.first, [*cell.later, seconds])
        if (server := record(run_id)) is not None:
            cell.server.append(server)
        cell.tasks = count(run_id)


def unpause(airflow: Airflow, dag_id: str, dag_file: str) -> None:
    """Wait until the dag-processor has parsed ``dag_id``, then unpause it; fails with the import
    error of its file (an error in another file leaves this DAG alone)."""

    def parsed() -> dict | None:
        errors = (airflow.api("importErrors") or {}).get("import_errors") or []
        for error in errors:
            if error["filename"] == dag_file:
                raise RuntimeError(error["stack_trace"].strip().splitlines()[-1])
        return airflow.api(f"dags/{dag_id}")

    wait_for(parsed, timeout=120, what=f"DAG {dag_id} parsed", services=airflow.running)
    airflow.cli("dags", "unpause", dag_id)


def time_dag(bench: Bench, airflow: Airflow, package: str, shape: str) -> None:
    dag_id = dag_or_flow_name(package, shape)
    unpause(airflow, dag_id, f"{package}_dags.py")

    def queued_to_done(run_id: str) -> float | None:
        found = airflow.dag_run(dag_id, run_id)
        return server_seconds(found.get("queued_at"), found.get("end_date"))

    def task_instances(run_id: str) -> int:
        quoted = urllib.parse.quote(run_id, safe="")
        found = airflow.api(f"dags/{dag_id}/dagRuns/{quoted}/taskInstances?limit=1") or {}
        return found["total_entries"]

    time_triggered(
        bench,
        "airflow-scheduler",
        shape,
        lambda: airflow.trigger(dag_id),
        lambda run_id: airflow.run_state(dag_id, run_id),
        ("success", "failed"),
        queued_to_done,
        task_instances,
    )


def time_airflow_scheduler(bench: Bench, projects: dict[str, Project]) -> None:
    dags = bench.work / "scheduler-dags"
    dags.mkdir()
    started = time.perf_counter()
    bin_dir = airflow_environment(projects["example"], bench.work / "airflow-env")
    for project in projects.values():
        deploy_to_airflow(project, bin_dir)
        (dags / f"{project.package}_dags.py").write_text(dag_file(project.package))
    bench.setup["airflow-scheduler: environment, deploy"] = time.perf_counter() - started
    started = time.perf_counter()
    artifacts = {"DAGWIRE_ARTIFACTS": str(bench.work / "scheduler-artifacts")}
    home = bench.work / "airflow-home"
    airflow = Airflow(bin_dir, home, dags, projects["example"].env, artifacts)
    with airflow:
        bench.setup["airflow-scheduler: db migrate, services healthy"] = (
            time.perf_counter() - started
        )
        for pipeline, project in projects.items():
            for shape in shapes_of(pipeline):
                measure = functools.partial(time_dag, bench, airflow, project.package, shape)
                bench.attempt("airflow-scheduler", [shape], measure)
    assert airflow.services.strays == [], "processes escaped their service's process group"


def time_deployment(bench: Bench, prefect: Prefect, project: Project, shape: str) -> None:
    def created_to_done(run_id: str) -> float | None:
        found = prefect.flow_run(run_id)
        return server_seconds(found.get("created"), found.get("end_time"))

    time_triggered(
        bench,
        "prefect-served",
        shape,
        lambda: prefect.run_deployment(f"{project.slug}/{shape}"),
        lambda run_id: prefect.flow_run(run_id).get("state_type"),
        ("COMPLETED", "FAILED", "CRASHED"),
        created_to_done,
        lambda run_id: None,  # the plan's count: when a run ends, the API may list only some
    )


def time_prefect_served(bench: Bench, projects: dict[str, Project]) -> None:
    started = time.perf_counter()
    example = projects["example"]
    prefect = Prefect(example.path / ".venv" / "bin", bench.work / "prefect-home", example.env)
    with prefect:
        bench.setup["prefect-served: server healthy"] = time.perf_counter() - started
        for pipeline, project in projects.items():
            started = time.perf_counter()
            shapes = list(shapes_of(pipeline))
            prefect.serve(
                [str(project.path / ".venv/bin/python"), "-m", f"{project.package}.bench_flows"],
                project.path,
                f"{project.slug}/{shapes[-1]}",
                {
                    "DAGWIRE_ARTIFACTS": str(bench.work / "served-artifacts"),
                    "PREFECT_RUNNER_POLL_FREQUENCY": "2",
                },
            )
            bench.setup[f"prefect-served: serve registered ({pipeline})"] = (
                time.perf_counter() - started
            )
            for shape in shapes:
                measure = functools.partial(time_deployment, bench, prefect, project, shape)
                bench.attempt("prefect-served", [shape], measure)
    assert prefect.services.strays == [], "processes escaped their service's process group"


# --- the table ---------------------------------------------------------------------------------
def table(bench: Bench) -> str:
    rows = [
        "| shape | runner | tasks | first (s) | median (s) | runs | server-side (s) "
        "| per task (ms) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for shape in SHAPES:
        for runner, label in RUNNERS.items():
            cell = bench.cells.get((runner, shape))
            if cell is None:
                continue
            tasks = cell.tasks or bench.tasks.get(shape)
            if cell.failed:
                rows.append(f"| {shape} | {label} | {tasks} | {cell.failed} | | | | |")
                continue
            server = f"{statistics.median(cell.server):.2f}" if cell.server else "-"
            per_task = (
                f"{(cell.typical - bench.compute[shape]) / tasks * 1000:.0f}"
                if tasks and shape in bench.compute
                else "?"
            )
            rows.append(
                f"| {shape} | {label} | {tasks} | {cell.first:.2f} | {cell.typical:.2f} "
                f"| {1 + len(cell.later)} | {server} | {per_task} |"
            )
    return "\n".join(rows)


def marginal(bench: Bench) -> str:
    """What one more task costs: the same pipeline as 12 tasks (nodes) against 3 (stages)."""
    rows = ["| runner | per extra task, nodes vs stages (ms) |", "|---|---:|"]
    for runner, label in RUNNERS.items():
        stages, nodes = bench.cells.get((runner, "stages")), bench.cells.get((runner, "nodes"))
        if not (stages and nodes) or stages.failed or nodes.failed:
            continue
        extra = (nodes.tasks or bench.tasks["nodes"]) - (stages.tasks or bench.tasks["stages"])
        rows.append(f"| {label} | {(nodes.typical - stages.typical) / extra * 1000:.0f} |")
    return "\n".join(rows)


def time_in_processes(bench: Bench, projects: dict, pipeline: str) -> None:
    """Every runner that needs no services, on ``pipeline``'s shapes."""
    shapes = list(shapes_of(pipeline))
    plain = projects["plain", pipeline]
    bench.attempt("plain", shapes, lambda: time_in_process(bench, "plain", plain, pipeline))
    bench.attempt("plain-cli", shapes, lambda: time_plain_cli(bench, plain, pipeline))
    dags = bench.work / f"dags-{pipeline}"
    dags.mkdir()
    airflow = projects["airflow", pipeline]
    (dags / f"{airflow.package}_dags.py").write_text(dag_file(airflow.package))
    bench.attempt(
        "airflow-test",
        shapes,
        lambda: time_in_process(bench, "airflow-test", airflow, pipeline, str(dags)),
    )
    prefect = projects["prefect", pipeline]
    bench.attempt("prefect", shapes, lambda: time_in_process(bench, "prefect", prefect, pipeline))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="in-process runs after the first")
    parser.add_argument("--served", type=int, default=2, help="runs per shape on real services")
    args = parser.parse_args()
    began = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="dagwire-overhead-"))
    bench = Bench(work, args.repeat, args.served)
    pins: list[str] = []
    try:
        isolated_git(work)
        print("generating and syncing 6 projects ...", flush=True)
        started = time.perf_counter()
        generate = generator(make_template_repo(work / "template"), work / "projects")
        projects = {
            (orchestrator, pipeline): prepare(generate, orchestrator, pipeline)
            for orchestrator in ("plain", "airflow", "prefect")
            for pipeline in PIPELINES
        }
        bench.setup["generate and uv sync 6 projects"] = time.perf_counter() - started
        pins += projects["airflow", "example"].orchestrator_pins()
        pins += projects["prefect", "example"].orchestrator_pins()
        print("timing ...", flush=True)
        for pipeline in PIPELINES:
            time_in_processes(bench, projects, pipeline)
        served = list(SHAPES)
        airflows = {p: projects["airflow", p] for p in PIPELINES}
        prefects = {p: projects["prefect", p] for p in PIPELINES}
        bench.attempt("airflow-scheduler", served, lambda: time_airflow_scheduler(bench, airflows))
        bench.attempt("prefect-served", served, lambda: time_prefect_served(bench, prefects))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"\n{datetime.now():%Y-%m-%d}, {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
        f"{', '.join(pins)}\n"
    )
    print(table(bench))
    print()
    print(marginal(bench))
    print("\nSetup (s, not in the table):")
    for what, seconds in bench.setup.items():
        print(f"  {what}: {seconds:.1f}")
    print(f"\n(whole benchmark: {time.perf_counter() - began:.0f} s)")
    for error in bench.errors:
        print(f"\n{error}", file=sys.stderr)


if __name__ == "__main__":
    main()
