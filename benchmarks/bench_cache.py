"""dagwire's cache against Apache Hamilton's ``with_cache`` on the same graphs.

    uv run python benchmarks/bench_cache.py [--quick]

One process times both engines side by side on the same generated modules: the engine benchmark's
layered int graphs (200 and 1,000 nodes) and a few pandas DataFrame nodes. For each sample and
engine:

- **cold**: a new, empty cache folder; build a driver with ``with_cache(path=...)`` and execute
  (every node computed, versioned and stored);
- **warm**: nothing changed; build a *new* driver on the same cache and execute (every node
  retrieved);
- **warm, new process** (reported, not judged): the same warm run in a fresh interpreter, timed
  after the imports: what re-running a pipeline script costs, code versions recomputed.

Times are wall-clock (``time.perf_counter``): the cache's file writes and reads are part of what
is measured. Every result is checked against the expected values, and every warm run must retrieve
every node. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import _synthetic as synthetic  # first: puts the engine on sys.path, telemetry off
import dagwire
from _synthetic import ENGINE_PARENT, HERE
from dagwire import driver as dagwire_driver
from hamilton import driver as hamilton_driver
from hamilton import version as hamilton_version

# Hamilton's cache warns about every value it cannot hash; the benchmark's values all hash.
logging.getLogger("hamilton").setLevel(logging.CRITICAL)

COLD_TARGET = 3.0
WARM_TARGET = 10.0
ENGINES = ("dagwire", "hamilton")
clock = time.perf_counter


class Settings(NamedTuple):
    samples: int  # cold runs per graph and engine, each followed by `warm` warm runs
    warm: int
    fresh: int  # warm runs in a new process


FULL = Settings(samples=5, warm=5, fresh=3)
QUICK = Settings(samples=2, warm=2, fresh=1)

PANDAS_ROWS = 200_000
PANDAS_SOURCE = f'''"""A few pandas DataFrame nodes of {PANDAS_ROWS:,} rows."""

import numpy as np
import pandas as pd


def base(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({{"a": rng.random(rows), "b": rng.integers(0, 100, rows)}})


def scaled(base: pd.DataFrame) -> pd.DataFrame:
    return base.assign(c=base["a"] * 2)


def grouped(scaled: pd.DataFrame) -> pd.DataFrame:
    return scaled.groupby("b").sum()


def joined(scaled: pd.DataFrame, grouped: pd.DataFrame) -> pd.DataFrame:
    return scaled.join(grouped, on="b", rsuffix="_g")


def summary(joined: pd.DataFrame) -> pd.Series:
    return joined.mean()


def total(summary: pd.Series) -> float:
    return round(float(summary.sum()), 6)
'''


class Workload(NamedTuple):
    """A module to cache, what to request, and the outputs expected."""

    label: str
    size: int
    module: ModuleType
    outputs: list[str]
    inputs: dict[str, Any]
    expected: dict[str, Any]


def workloads(folder: Path) -> list[Workload]:
    found = []
    for graph in (synthetic.layered(200), synthetic.layered(1_000)):
        module = synthetic.write_and_import(graph, folder)
        expected = synthetic.reference_values(graph)
        found.append(
            Workload(graph.label, graph.size, module, graph.outputs, graph.inputs, expected)
        )
    path = folder / "cache_bench_frames.py"
    path.write_text(PANDAS_SOURCE)
    module = _import(path)
    inputs = {"rows": PANDAS_ROWS}
    expected = (
        dagwire_driver.Builder().with_modules(module).build().execute(["total"], inputs=inputs)
    )
    found.append(Workload("pandas-6", 6, module, ["total"], inputs, expected))
    return found


def _import(path: Path) -> ModuleType:
    import importlib.util

    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


# --- measurements --------------------------------------------------------------------------------
BUILDERS: dict[str, Callable[[], Any]] = {
    "dagwire": dagwire_driver.Builder,
    "hamilton": hamilton_driver.Builder,
}


class Result(NamedTuple):
    """Median seconds of build + execute."""

    cold: float
    warm: float
    fresh: float


def cached_run(engine: str, work: Workload, path: str) -> tuple[float, Any]:
    start = clock()
    dr = BUILDERS[engine]().with_modules(work.module).with_cache(path=path).build()
    outputs = dr.execute(work.outputs, inputs=work.inputs)
    spent = clock() - start
    _check(engine, work, outputs)
    return spent, dr


def computed_nodes(dr: Any) -> list[str]:
    logs = dr.cache.logs(run_id=dr.cache.last_run_id, level="info")
    return [n for n, ev in logs.items() if any(e.event_type.value == "execute_node" for e in ev)]


def measure(work: Workload, settings: Settings, scratch: Path) -> dict[str, Result]:
    """Alternate engines per sample, so a burst of load on the shared machine hits both alike."""
    times: dict[str, tuple[list[float], list[float], list[float]]] = {
        e: ([], [], []) for e in ENGINES
    }
    for sample in range(settings.samples):
        for engine in ENGINES:
            cold, warm, _ = times[engine]
            path = scratch / f"{engine}-{work.label}-{sample}"
            gc.collect()
            spent, _dr = cached_run(engine, work, str(path))
            cold.append(spent)
            for _ in range(settings.warm):
                gc.collect()
                spent, dr = cached_run(engine, work, str(path))
                if computed_nodes(dr):
                    raise SystemExit(f"{engine}'s warm run on {work.label} computed nodes.")
                warm.append(spent)
            if sample == 0:
                times[engine][2].extend(
                    fresh_process_run(engine, work, path) for _ in range(settings.fresh)
                )
            if sample < settings.samples - 1:
                shutil.rmtree(path, ignore_errors=True)
    return {e: Result(*(statistics.median(t) for t in ts)) for e, ts in times.items()}


FRESH = """
import json, os, sys, time, importlib.util
os.environ["HAMILTON_TELEMETRY_ENABLED"] = "false"
sys.path[:0] = {paths!r}
import logging
logging.getLogger("hamilton").setLevel(logging.CRITICAL)
from {engine} import driver
spec = importlib.util.spec_from_file_location({name!r}, {file!r})
module = importlib.util.module_from_spec(spec)
sys.modules[{name!r}] = module
spec.loader.exec_module(module)
if {name!r}.startswith("cache_bench"):
    import pandas, numpy  # imported before timing, as in the same-process runs
start = time.perf_counter()
dr = driver.Builder().with_modules(module).with_cache(path={path!r}).build()
dr.execute({outputs!r}, inputs={inputs!r})
print(json.dumps(time.perf_counter() - start))
"""


def fresh_process_run(engine: str, work: Workload, path: Path) -> float:
    code = FRESH.format(
        paths=[str(ENGINE_PARENT), str(HERE)],
        engine=engine,
        name=work.module.__name__,
        file=work.module.__file__,
        path=str(path),
        outputs=work.outputs,
        inputs=work.inputs,
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if run.returncode:
        raise SystemExit(f"{engine}'s warm run in a new process failed:\n{run.stderr}")
    return float(json.loads(run.stdout.strip().splitlines()[-1]))


def _check(engine: str, work: Workload, got: Any) -> None:
    got = {k: got[k] for k in work.outputs}
    if got != work.expected:
        raise SystemExit(
            f"{engine} returned wrong values on {work.label} with a cache: timing wrong answers "
            "is pointless. Fix the engine's cache and run again."
        )


# --- report ------------------------------------------------------------------------------------
def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f}"


def _x(value: float) -> str:
    return f"{value:.1f}x"


def report(rows: list[tuple[Workload, dict[str, Result]]]) -> str:
    hamilton = ".".join(map(str, hamilton_version.VERSION))
    header = f"{'graph':<12}{'nodes':>6}  {'engine':<9}{'cold':>9}{'warm':>9}{'warm, new proc':>16}"
    lines = [
        f"dagwire {dagwire.__version__} vs Apache Hamilton {hamilton} | Python "
        f"{platform.python_version()} | {os.cpu_count()} CPUs | load {os.getloadavg()[0]:.1f}",
        "",
        header + "    wall ms, build + execute (medians)",
        "-" * len(header),
    ]
    for work, results in rows:
        label = f"{work.label:<12}{work.size:>6}"
        for engine, r in results.items():
            lines.append(f"{label}  {engine:<9}{_ms(r.cold):>9}{_ms(r.warm):>9}{_ms(r.fresh):>16}")
            label = " " * len(label)
    lines += ["", f"{'hamilton / dagwire':<18}{'cold':>9}{'warm':>9}{'warm, new proc':>16}"]
    worst_cold, worst_warm = [], []
    for work, results in rows:
        d, h = results["dagwire"], results["hamilton"]
        cold, warm, fresh = h.cold / d.cold, h.warm / d.warm, h.fresh / d.fresh
        worst_cold.append((cold, work.label))
        worst_warm.append((warm, work.label))
        lines.append(f"{work.label:<18}{_x(cold):>9}{_x(warm):>9}{_x(fresh):>16}")
    (cold, at_cold), (warm, at_warm) = min(worst_cold), min(worst_warm)
    lines += [
        "",
        "targets",
        f"  {_mark(cold >= COLD_TARGET)} cache-filling first run >= {COLD_TARGET:.0f}x faster "
        f"than Hamilton's: worst {_x(cold)} ({at_cold})",
        f"  {_mark(warm >= WARM_TARGET)} warm re-run with a new driver >= {WARM_TARGET:.0f}x "
        f"faster than Hamilton's: worst {_x(warm)} ({at_warm})",
    ]
    return "\n".join(lines)


def _mark(ok: bool) -> str:
    return "[ok]  " if ok else "[MISS]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples")
    settings = QUICK if parser.parse_args(argv).quick else FULL
    started = clock()
    rows = []
    with tempfile.TemporaryDirectory(prefix="dagwire-bench-cache-") as tmp:
        scratch = Path(tmp)
        for work in workloads(scratch):
            print(f"... {work.label} at {clock() - started:.0f} s", file=sys.stderr)
            rows.append((work, measure(work, settings, scratch)))
    print(report(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
