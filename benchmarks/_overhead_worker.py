"""Times in-process runs inside one generated project, with that project's interpreter.

    python _overhead_worker.py RUNNER PACKAGE SHAPES REPEAT [DAGS_FOLDER]

Started by bench_overhead.py with ``uv run`` in the project (Airflow and Prefect cannot share an
environment, so each project brings its own). RUNNER is ``plain``, ``airflow`` or ``prefect``;
SHAPES is a JSON object, shape name -> grouping. Prints one line ``RESULTS <json>``: per shape the
first run (imports, warm-up) and the later ones; for ``plain`` also ``<shape>/compute``, the engine
alone executing the pipeline's outputs (no artifacts, no records): the work the runners add to.
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import import_module
from pathlib import Path

runner, package, shapes, repeat = (
    sys.argv[1],
    sys.argv[2],
    json.loads(sys.argv[3]),
    int(sys.argv[4]),
)
work = Path(tempfile.mkdtemp(prefix="dagwire-overhead-run-"))
atexit.register(shutil.rmtree, work, ignore_errors=True)
os.environ["DAGWIRE_ARTIFACTS"] = str(work / "artifacts")
if runner == "airflow":
    os.environ.update(
        AIRFLOW_HOME=str(work / "airflow"),
        AIRFLOW__CORE__DAGS_FOLDER=sys.argv[5],
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
    )
if runner == "prefect":
    os.environ.update(
        PREFECT_HOME=str(work / "prefect"),
        PREFECT_LOCAL_STORAGE_PATH=str(work / "prefect" / "storage"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
    )
    os.environ.pop("PREFECT_API_URL", None)

Pipeline = import_module(f"{package}.dagwire.runtime.pipeline").Pipeline
run_pipeline = import_module(f"{package}.dagwire.runtime.runs").run_pipeline
pipeline = Pipeline.load(package)
results: dict[str, dict] = {}


def series(shape: str, run: Callable[[], object]) -> None:
    """The first run and ``repeat`` later ones, wall-clock seconds."""
    times = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    results[shape] = {"first": times[0], "later": times[1:]}


def dag_id(shape: str) -> str:
    return f"{package}_{shape.replace('-', '_')}"


def dag_test(dag, shape: str) -> None:
    run = dag.test()
    assert run.state == "success", run.state
    results.setdefault(f"{shape}/tasks", len(run.get_task_instances()))


def flow_call(flow) -> None:
    assert flow(return_state=True).is_completed()


if runner == "plain":
    driver = pipeline.driver()
    outputs = list(pipeline.outputs)
    expected = driver.execute(outputs)
    for shape, grouping in shapes.items():
        variant = dataclasses.replace(pipeline, grouping=grouping)
        series(shape, lambda variant=variant: run_pipeline(variant))
        done = run_pipeline(variant)  # the runner computes what the engine alone does
        for name in outputs:
            assert done.store.load(done.refs[name]) == expected[name], (shape, name)
        # which groups are mapped (one task per item on an orchestrator)
        results[shape]["mapped"] = [bool(g.over) for g in variant.plan().groups]
        series(f"{shape}/compute", lambda: driver.execute(outputs))

if runner == "airflow":
    started = time.perf_counter()
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils import db

    db.resetdb()
    bag = DagBag(dag_folder=sys.argv[5])
    for error in bag.import_errors.values():  # the exception's line, for the table
        raise SystemExit(error.strip().splitlines()[-1])
    results["setup"] = {"first": time.perf_counter() - started}
    for shape in shapes:
        series(shape, functools.partial(dag_test, bag.dags[dag_id(shape)], shape))
        results[shape]["tasks"] = results.pop(f"{shape}/tasks")

if runner == "prefect":
    import logging

    started = time.perf_counter()
    from prefect.testing.utilities import prefect_test_harness

    flows = import_module(f"{package}.bench_flows")
    with prefect_test_harness(server_startup_timeout=120):
        logging.getLogger("prefect").setLevel(logging.ERROR)
        results["setup"] = {"first": time.perf_counter() - started}
        for shape in shapes:
            series(shape, functools.partial(flow_call, getattr(flows, shape.replace("-", "_"))))

print("RESULTS " + json.dumps(results))
