"""The example pipeline under the plain runner, Airflow and Prefect; a large artifact round trip.

    uv run python benchmarks/bench_orchestrators.py [--repeat 3] [--rows 1000000]

Runners: the plain runner (``run_pipeline``), Airflow 3 ``dag.test()`` (every task in-process, no
scheduler) and a Prefect 3 flow (against a temporary local server), each with one group for the
whole pipeline (``single``) and one group per node (``nodes``). Airflow and Prefect cannot share an
environment, so the script generates the Airflow and the Prefect variant of the template into a
temporary folder, ``uv sync``s each (uv's cache makes that quick) and runs a timing script in each
with ``uv run``; the plain runner is timed in both. Times are wall-clock (orchestrators wait on
servers and threads, which CPU time would hide): the first run of each series, which pays for
imports and warm-up, and the median of the later ones.

Round trip: a DataFrame of ``--rows`` rows saved and loaded through ``ArtifactStore`` (temp file,
fsync, rename; type-picked parquet) against ``pyarrow`` writing and reading the same parquet file
directly, in this environment. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ENGINE_PARENT = ROOT / "template/{{cookiecutter.project_slug}}/src/{{cookiecutter.package_name}}"
PACKAGE = "bench_pipeline"
GROUPINGS = ("single", "nodes")

# Runs inside a generated project, with that project's interpreter: argv = runner, repeat.
TIMING_SCRIPT = r"""
import dataclasses, json, os, statistics, sys, tempfile, time
from pathlib import Path

runner, repeat = sys.argv[1], int(sys.argv[2])
package = "PACKAGE"
work = Path(tempfile.mkdtemp(prefix="dagwire-bench-"))
os.environ["DAGWIRE_ARTIFACTS"] = str(work / "artifacts")
if runner == "airflow":
    dags = work / "dags"
    dags.mkdir()
    (dags / "bench_dags.py").write_text(
        f"from {package}.dagwire.orchestrators.airflow import pipeline_dag\n"
        "for grouping in ('single', 'nodes'):\n"
        f"    globals()[grouping] = pipeline_dag({package!r}, dag_id=grouping, grouping=grouping,"
        " retries=0)\n"
    )
    os.environ.update(AIRFLOW_HOME=str(work / "airflow"), AIRFLOW__CORE__DAGS_FOLDER=str(dags),
                      AIRFLOW__CORE__LOAD_EXAMPLES="False")
if runner == "prefect":
    os.environ.update(PREFECT_HOME=str(work / "prefect"),
                      PREFECT_LOCAL_STORAGE_PATH=str(work / "prefect" / "storage"),
                      PREFECT_SERVER_ANALYTICS_ENABLED="false",
                      PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120")
    os.environ.pop("PREFECT_API_URL", None)

from importlib import import_module
Pipeline = import_module(f"{package}.dagwire.runtime.pipeline").Pipeline
run_pipeline = import_module(f"{package}.dagwire.runtime.runs").run_pipeline
pipeline = Pipeline.load(package)
results = {}

def series(label, run, tasks):
    times = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    results[label] = {"tasks": tasks, "first": times[0], "median": statistics.median(times[1:])}

for grouping in ("single", "nodes"):
    tasks = len(pipeline.plan(grouping=grouping).groups)
    if runner == "plain":
        variant = dataclasses.replace(pipeline, grouping=grouping)
        series(f"plain/{grouping}", lambda: run_pipeline(variant), tasks)

if runner == "airflow":
    started = time.perf_counter()
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils import db
    db.resetdb()
    bag = DagBag(dag_folder=str(dags))
    assert bag.import_errors == {}, bag.import_errors
    results["airflow/setup"] = {"first": time.perf_counter() - started}
    for grouping in ("single", "nodes"):
        dag = bag.dags[grouping]
        def run(dag=dag):
            assert dag.test().state == "success"
        series(f"airflow/{grouping}", run, len(dag.task_ids))

if runner == "prefect":
    import logging
    started = time.perf_counter()
    from prefect.testing.utilities import prefect_test_harness
    flows = import_module(f"{package}.dagwire.orchestrators.prefect")
    with prefect_test_harness(server_startup_timeout=120):
        logging.getLogger("prefect").setLevel(logging.ERROR)
        results["prefect/setup"] = {"first": time.perf_counter() - started}
        for grouping in ("single", "nodes"):
            flow = flows.pipeline_flow(package, grouping=grouping, retries=0)
            def run(flow=flow):
                assert flow(return_state=True).is_completed()
            series(f"prefect/{grouping}", run, len(pipeline.plan(grouping=grouping).groups))

print("RESULTS " + json.dumps(results))
""".replace("PACKAGE", PACKAGE)


def project_env() -> dict[str, str]:
    leaks = {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "UV_PROJECT_ENVIRONMENT"}
    env = {k: v for k, v in os.environ.items() if k not in leaks and not k.startswith("DAGWIRE_")}
    env.update(UV_PYTHON=str(Path(sys.executable).resolve()), NO_COLOR="1", UV_NO_PROGRESS="1")
    return env


def time_runners(orchestrator: str, folder: Path, repeat: int) -> dict[str, dict]:
    import copier

    project = folder / orchestrator
    answers = {"project_name": "Bench Pipeline", "orchestrator": orchestrator}
    copier.run_copy(str(ROOT), project, data=answers, defaults=True, vcs_ref="HEAD", quiet=True)
    env = project_env()
    subprocess.run(["uv", "sync", "--quiet"], cwd=project, env=env, check=True)
    script = folder / f"time_{orchestrator}.py"
    script.write_text(TIMING_SCRIPT, encoding="utf-8")
    results = {}
    for runner in ("plain", orchestrator):
        print(f"  timing {runner} in the {orchestrator} project ...", flush=True)
        done = subprocess.run(
            ["uv", "run", "--no-sync", "python", str(script), runner, str(repeat)],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        lines = [line for line in done.stdout.splitlines() if line.startswith("RESULTS ")]
        if done.returncode or not lines:
            raise SystemExit(
                f"{runner} timing failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            )
        results.update(json.loads(lines[-1].removeprefix("RESULTS ")))
    return results


def time_round_trip(rows: int, repeat: int) -> dict[str, dict[str, float]]:
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    sys.path.insert(0, str(ENGINE_PARENT))
    from dagwire.runtime.artifacts import ArtifactStore

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "id": np.arange(rows),
            "x": rng.random(rows),
            "count": rng.integers(0, 1000, rows),
            "label": np.array(["red", "green", "blue", "grey"])[rng.integers(0, 4, rows)],
        }
    )
    folder = Path(tempfile.mkdtemp(prefix="dagwire-roundtrip-"))
    store = ArtifactStore(folder / "store")
    times: dict[str, list[float]] = {"store write": [], "store read": [], "pyarrow write": [],
                                     "pyarrow read": []}  # fmt: skip
    try:
        for i in range(repeat + 1):
            started = time.perf_counter()
            ref = store.save(f"run-{i}", "frame", frame)
            saved = time.perf_counter()
            back = store.load(ref)
            loaded = time.perf_counter()
            path = folder / f"direct-{i}.parquet"
            pq.write_table(pa.Table.from_pandas(frame), path)
            written = time.perf_counter()
            direct = pq.read_table(path).to_pandas()
            read = time.perf_counter()
            if i == 0:  # warm-up round; check the values once
                pd.testing.assert_frame_equal(back, frame)
                pd.testing.assert_frame_equal(direct, frame)
                sizes = {"store": ref["size"], "pyarrow": path.stat().st_size}
                continue
            times["store write"].append(saved - started)
            times["store read"].append(loaded - saved)
            times["pyarrow write"].append(written - loaded)
            times["pyarrow read"].append(read - written)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    medians = {k: statistics.median(v) for k, v in times.items()}
    return {"medians": medians, "sizes": sizes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs after the first")
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"{platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="dagwire-bench-projects-"))
    results: dict[str, dict] = {}
    try:
        for orchestrator in ("airflow", "prefect"):
            print(f"generating and syncing the {orchestrator} project ...", flush=True)
            for label, value in time_runners(orchestrator, folder, args.repeat).items():
                results.setdefault(label, value)  # plain is timed twice: keep the first
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print("\n| runner | grouping | tasks | first run (s) | later runs, median (s) |")
    print("|---|---|---:|---:|---:|")
    for runner in ("plain", "airflow", "prefect"):
        for grouping in GROUPINGS:
            r = results[f"{runner}/{grouping}"]
            cells = [runner, grouping, r["tasks"], f"{r['first']:.2f}", f"{r['median']:.2f}"]
            print("| " + " | ".join(map(str, cells)) + " |")
    airflow, prefect = results["airflow/setup"]["first"], results["prefect/setup"]["first"]
    print(f"\nAirflow setup (metadata DB reset + DagBag parse): {airflow:.1f} s")
    print(f"Prefect setup (temporary server start): {prefect:.1f} s")

    trip = time_round_trip(args.rows, args.repeat)
    m, sizes = trip["medians"], trip["sizes"]
    print(f"\nRound trip of a {args.rows:,}-row DataFrame (4 columns), median of {args.repeat}:\n")
    print("| | write (s) | read (s) | file (MB) |")
    print("|---|---:|---:|---:|")
    print(f"| ArtifactStore (parquet, temp + fsync + rename) | {m['store write']:.3f} | "
          f"{m['store read']:.3f} | {sizes['store'] / 1e6:.1f} |")  # fmt: skip
    print(f"| pyarrow directly | {m['pyarrow write']:.3f} | {m['pyarrow read']:.3f} | "
          f"{sizes['pyarrow'] / 1e6:.1f} |")  # fmt: skip


if __name__ == "__main__":
    main()
