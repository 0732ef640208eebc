"""What a run's report costs: ``write_report`` for the example and a 1,000-node pipeline.

    uv run --with scikit-learn python benchmarks/bench_report.py [--quick]

The example is the template's own (its transforms and pipeline.toml, DataFrames and a scikit-learn
model), copied with the engine into a temporary package; the synthetic pipeline is the engine
benchmark's ``layered-1k`` (ten layers of 100 int nodes), one stage per layer, so ten tasks and a
thousand artifacts. Each runs once to completion and once failing (the example's ``metrics``
raises; a node half way through the synthetic graph raises), with the plain runner in-process,
each run in its own artifact root. Then, per run:

- **write_report**: ``write_report(store, run_id)``: the run's report.html and the root's
  index.html, read from the records and artifacts and written through the store (median);
- **per task**: what an Airflow task adds after its group (``refresh_report``: the report, plus
  the two reads of the run's records that make sure no task finishing meanwhile is missed);
- **report** / **index**: the pages' sizes;
- **run**: the run itself, for scale.

Times are wall clock (``time.perf_counter``): the reads and writes are part of the cost. Not part
of the test suite.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import _synthetic as synthetic  # first: puts the engine on sys.path
import jinja2
from _synthetic import ENGINE_PARENT, HERE

sys.path.insert(0, str(HERE.parent / "tests" / "template"))
from deployments import broken_node  # noqa: E402 (found through the path above)

#: The temporary package holding the example's transforms beside a copy of the engine (the
#: transforms import it relatively, as in a generated project).
PACKAGE = "bench_report_example"
#: The synthetic node that raises in the failed run (layer 5 of 10, half way).
BROKEN_SYNTHETIC = "l005_n050"
clock = time.perf_counter


class Case(NamedTuple):
    label: str
    store: Any
    run_id: str
    run_seconds: float
    nodes: int
    groups: int


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 samples instead of 7")
    args = parser.parse_args()
    samples = 3 if args.quick else 7
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        work = Path(tmp)
        engine = example_package(work)
        cases = [*example_runs(engine, work), *synthetic_runs(engine, work)]
        rows = [measure(engine, case, samples) for case in cases]
    print(
        f"Python {platform.python_version()}, {platform.machine()}; median of {samples} "
        "(wall clock, ms)\n"
    )
    print("| run | nodes | tasks | write_report | per task | report | index | run |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


# --- the runs ------------------------------------------------------------------------------------
def example_package(work: Path) -> ModuleType:
    """The template's example as the package ``PACKAGE`` (its engine: ``PACKAGE.dagwire``)."""
    package = work / PACKAGE
    source = ENGINE_PARENT
    shutil.copytree(source / "dagwire", package / "dagwire", ignore=_caches)
    shutil.copytree(source / "transforms", package / "transforms", ignore=_caches)
    (package / "__init__.py").write_text('"""The example, for the benchmark."""\n')
    answers = {"project_slug": "example", "package_name": PACKAGE, "orchestrator": "plain"}
    toml = jinja2.Template((source / "pipeline.toml").read_text(encoding="utf-8"))
    (package / "pipeline.toml").write_text(toml.render(cookiecutter=answers), encoding="utf-8")
    sys.path.insert(0, str(work))
    return importlib.import_module(f"{PACKAGE}.dagwire")


def _caches(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if n == "__pycache__"]


def example_runs(engine: ModuleType, work: Path) -> list[Case]:
    pipeline_module = importlib.import_module(f"{engine.__name__}.runtime.pipeline")
    cases = [run_case(engine, "example", pipeline_module.Pipeline.load(PACKAGE), work)]
    evaluate = work / PACKAGE / "transforms" / "evaluate_model.py"
    with broken_node(evaluate, "metrics"):
        _forget(f"{PACKAGE}.transforms")
        cases.append(
            run_case(engine, "example, failed", pipeline_module.Pipeline.load(PACKAGE), work)
        )
    return cases


def synthetic_runs(engine: ModuleType, work: Path) -> list[Case]:
    graph = synthetic.layered(1000)
    pipeline_module = importlib.import_module(f"{engine.__name__}.runtime.pipeline")
    cases = []
    for label, broken in (("layered-1k", None), ("layered-1k, failed", BROKEN_SYNTHETIC)):
        module = synthetic_module(graph, work, broken)
        layers: dict[str, list[str]] = {}
        for name in graph.parents:
            layers.setdefault(f"layer{name[1:4]}", []).append(name)
        pipeline = pipeline_module.Pipeline(
            name="synthetic-1k",
            modules=[module],
            outputs=graph.outputs,
            stages=layers,
            config=graph.inputs,
        )
        cases.append(run_case(engine, label, pipeline, work))
    return cases


def synthetic_module(graph: synthetic.SyntheticGraph, work: Path, broken: str | None) -> ModuleType:
    """``graph``'s functions as a module; with ``broken``, that node raises."""
    name = f"bench_report_{graph.label.replace('-', '_')}_{'failing' if broken else 'good'}"
    source = synthetic.source_of(graph)
    if broken:
        head = f"\ndef {broken}("
        start = source.index(head)
        body = source.index("\n", start + 1) + 1
        source = source[:body] + "    raise ValueError('broken on purpose')\n" + source[body:]
    path = work / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    return importlib.import_module(name)


def run_case(engine: ModuleType, label: str, pipeline: Any, work: Path) -> Case:
    runs = importlib.import_module(f"{engine.__name__}.runtime.runs")
    store = pipeline.store(work / "runs" / label.replace(", ", "-"))
    run_id = f"bench-{label.replace(', ', '-')}"
    started = clock()
    try:
        runs.run_pipeline(pipeline, run_id=run_id, store=store)
    except Exception:
        if "failed" not in label:
            raise
    took = clock() - started
    header = store.read_record(run_id, "run.json")
    nodes, groups = len(header["graph"]["nodes"]), len(header["plan"]["groups"])
    return Case(label, store, run_id, took, nodes, groups)


def _forget(prefix: str) -> None:
    for name in [m for m in sys.modules if m == prefix or m.startswith(prefix + ".")]:
        del sys.modules[name]


# --- the timings ---------------------------------------------------------------------------------
def measure(engine: ModuleType, case: Case, samples: int) -> list[str]:
    report = importlib.import_module(f"{engine.__name__}.runtime.report")
    wiring = importlib.import_module(f"{engine.__name__}.orchestrators.run_report")
    records = importlib.import_module(f"{engine.__name__}.runtime.records")
    status = records.read_manifest(case.store, case.run_id)["status"]
    expected = "failed" if "failed" in case.label else "completed"
    assert status == expected, f"{case.label}: the run is {status}, not {expected}"
    write = synthetic.median_seconds(
        lambda: report.write_report(case.store, case.run_id), samples, clock, warm=True
    )
    per_task = synthetic.median_seconds(
        lambda: wiring.refresh_report(case.store, case.run_id), samples, clock, warm=True
    )
    folder = Path(case.store.run_uri(case.run_id))
    page = (folder / report.REPORT).stat().st_size
    index = (Path(case.store.root) / report.INDEX).stat().st_size
    return [
        case.label,
        f"{case.nodes:,}",
        str(case.groups),
        _ms(write),
        _ms(per_task),
        f"{page / 1024:,.0f} KiB",
        f"{index / 1024:,.1f} KiB",
        _ms(case.run_seconds),
    ]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}" if seconds >= 0.01 else f"{seconds * 1000:.1f}"


if __name__ == "__main__":
    main()
