"""Parallelizable/Collect, executors, and concurrent branches: same answers as a sequential run."""

import importlib
import os
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import dagwire
import pytest
from dagwire import driver, errors
from dagwire.ad_hoc_utils import create_temporary_module
from dagwire.errors import DynamicExecutionError
from dagwire.execution.executors import (
    DefaultExecutionManager,
    MultiProcessingExecutor,
    MultiThreadingExecutor,
    SynchronousLocalTaskExecutor,
)
from dagwire.htypes import Collect, Parallelizable
from dagwire.lifecycle import NodeExecutionHook, NodeExecutionMethod, TaskExecutionHook
from dagwire.plugins import h_threadpool

os.environ.setdefault("HAMILTON_TELEMETRY_ENABLED", "false")
ENGINE_PARENT = Path(dagwire.__file__).parents[1]  # the folder holding the engine

MAP_REDUCE = """
def offset() -> int:
    return 7


def item(n: int) -> Parallelizable[int]:
    for i in range(n):
        yield i


def doubled(item: int, offset: int) -> int:
    if item < 0:
        raise ValueError(f"negative item {item}")
    return 2 * item + offset


def squared(doubled: int) -> int:
    return doubled * doubled


def total(squared: Collect[int]) -> int:
    return sum(squared)


def count(doubled: Collect[int]) -> int:
    return len(doubled)


def items_seen(item: Collect[int]) -> list[int]:
    return list(item)
"""


def expected_total(items):
    return sum((2 * i + 7) ** 2 for i in items)


@pytest.fixture
def load(tmp_path, monkeypatch):
    """Write ``source`` to an importable module (dagwire's or Hamilton's markers) and import it."""
    monkeypatch.syspath_prepend(str(tmp_path))

    def _load(source, *, hamilton=False):
        name = f"mod_{uuid.uuid4().hex[:10]}"
        engine = "hamilton" if hamilton else "dagwire"
        header = f"from {engine}.htypes import Collect, Parallelizable\n"
        (tmp_path / f"{name}.py").write_text(header + textwrap.dedent(source))
        return importlib.import_module(name)

    return _load


def dynamic(*modules, local=None, remote=None, adapters=()):
    builder = (
        driver.Builder()
        .with_modules(*modules)
        .enable_dynamic_execution(allow_experimental_mode=True)
        .with_adapters(*adapters)
    )
    if local is not None:
        builder = builder.with_local_executor(local)
    if remote is not None:
        builder = builder.with_remote_executor(remote)
    return builder.build()


EXECUTORS = {
    "sequential": lambda: (SynchronousLocalTaskExecutor(), SynchronousLocalTaskExecutor()),
    "threads": lambda: (None, MultiThreadingExecutor(4)),
    "threads-everywhere": lambda: (MultiThreadingExecutor(3), MultiThreadingExecutor(4)),
    "processes": lambda: (None, MultiProcessingExecutor(2)),
}


# --- results -------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", EXECUTORS)
def test_map_reduce_with_two_collects_matches_the_sequential_answer(load, kind):
    mod = load(MAP_REDUCE)
    local, remote = EXECUTORS[kind]()
    dr = dynamic(mod, local=local, remote=remote)
    result = dr.execute(["total", "count", "items_seen"], inputs={"n": 20})
    assert result == {
        "total": expected_total(range(20)),
        "count": 20,
        "items_seen": list(range(20)),
    }
    assert list(result) == ["total", "count", "items_seen"]  # the order asked for


def test_results_equal_apache_hamilton_on_the_same_module(load):
    hamilton_driver = pytest.importorskip("hamilton.driver")
    from hamilton.execution import executors as hamilton_executors

    ours = dynamic(load(MAP_REDUCE), remote=MultiThreadingExecutor(4))
    theirs = (
        hamilton_driver.Builder()
        .with_modules(load(MAP_REDUCE, hamilton=True))
        .enable_dynamic_execution(allow_experimental_mode=True)
        .with_remote_executor(hamilton_executors.SynchronousLocalTaskExecutor())
        .build()
    )
    for n in (0, 1, 7):
        expected = theirs.execute(["total"], inputs={"n": n})
        assert ours.execute(["total"], inputs={"n": n}) == expected


def test_five_thousand_items_complete_once_each(load):
    mod = load(MAP_REDUCE)
    n = 5000
    for kind in ("sequential", "threads", "processes"):
        local, remote = EXECUTORS[kind]()
        dr = dynamic(mod, local=local, remote=remote)
        started = time.perf_counter()
        result = dr.execute(["total", "count", "items_seen"], inputs={"n": n})
        elapsed = time.perf_counter() - started
        print(f"\n5,000 items, {kind}: {elapsed * 1000:.0f} ms")
        assert result["count"] == n
        assert result["items_seen"] == list(range(n))  # each item once, in item order
        assert result["total"] == expected_total(range(n))


def test_empty_parallelizable_gives_collectors_empty_lists(load):
    dr = dynamic(load(MAP_REDUCE), remote=MultiThreadingExecutor(2))
    assert dr.execute(["total", "items_seen"], inputs={"n": 0}) == {"total": 0, "items_seen": []}


def test_requesting_the_parallelizable_node_returns_its_items(load):
    dr = dynamic(load(MAP_REDUCE))
    assert dr.execute(["item", "total"], inputs={"n": 3}) == {
        "item": [0, 1, 2],
        "total": expected_total(range(3)),
    }


def test_nested_blocks(load):
    mod = load("""
        def group(n_groups: int) -> Parallelizable[int]:
            yield from range(n_groups)


        def member(group: int) -> Parallelizable[tuple]:
            for j in range(group + 1):
                yield (group, j)


        def score(member: tuple, weight: int) -> int:
            g, j = member
            return weight * (g * 100 + j)


        def group_total(score: Collect[int]) -> int:
            return sum(score)


        def group_label(group: int, group_total: int) -> str:
            return f"{group}:{group_total}"


        def labels(group_label: Collect[str]) -> list[str]:
            return list(group_label)


        def grand_total(group_total: Collect[int]) -> int:
            return sum(group_total)
    """)
    totals = [sum(2 * (g * 100 + j) for j in range(g + 1)) for g in range(4)]
    expected = {"labels": [f"{g}:{t}" for g, t in enumerate(totals)], "grand_total": sum(totals)}
    for kind in EXECUTORS:
        local, remote = EXECUTORS[kind]()
        dr = dynamic(mod, local=local, remote=remote)
        inputs = {"n_groups": 4, "weight": 2}
        assert dr.execute(["labels", "grand_total"], inputs=inputs) == expected


def test_block_reads_values_computed_once_and_overrides(load):
    threads = MultiThreadingExecutor(2)
    dr = dynamic(load(MAP_REDUCE), local=threads, remote=MultiThreadingExecutor(2))
    assert dr.execute(["total"], inputs={"n": 3}, overrides={"offset": 1}) == {
        "total": sum((2 * i + 1) ** 2 for i in range(3))
    }
    # overriding the Parallelizable node gives the items directly
    assert dr.execute(["total", "items_seen"], overrides={"item": (4, 5)}) == {
        "total": expected_total([4, 5]),
        "items_seen": [4, 5],
    }


def test_graph_without_parallel_nodes_runs_the_same_in_dynamic_mode():
    lines = []
    for i in range(1, 200):
        deps = sorted({i - 1, i // 2})  # a chain with long jumps back: many independent branches
        params = ", ".join(f"n{d}: int" for d in deps)
        body = " + ".join(f"n{d}" for d in deps)
        lines.append(f"def n{i}({params}) -> int:\n    return ({body}) % 997\n")
    source = "\n".join(lines)
    namespace = {}
    exec(source, namespace)  # noqa: S102 - a generated chain of 200 nodes
    mod = create_temporary_module(*(namespace[f"n{i}"] for i in range(1, 200)))
    plain = driver.Builder().with_modules(mod).build().execute(["n199", "n150"], inputs={"n0": 1})
    assert (
        dynamic(mod, local=MultiThreadingExecutor(4)).execute(["n199", "n150"], inputs={"n0": 1})
        == plain
    )
    assert (
        driver.Builder()
        .with_modules(mod)
        .with_adapters(h_threadpool.FutureAdapter())
        .build()
        .execute(["n199", "n150"], inputs={"n0": 1})
        == plain
    )


# --- concurrency -------------------------------------------------------------------------------
def test_block_items_run_at_the_same_time_on_a_thread_pool():
    barrier = threading.Barrier(4, timeout=10)  # breaks unless four items wait at once

    def item() -> Parallelizable[int]:
        yield from range(4)

    def waited(item: int) -> int:
        barrier.wait()
        return item

    def all_waited(waited: Collect[int]) -> list[int]:
        return waited

    dr = dynamic(
        create_temporary_module(item, waited, all_waited), remote=MultiThreadingExecutor(4)
    )
    assert dr.execute(["all_waited"]) == {"all_waited": [0, 1, 2, 3]}


@pytest.mark.parametrize("how", ["future_adapter", "local_executor"])
def test_independent_branches_run_at_the_same_time(how):
    barrier = threading.Barrier(2, timeout=10)  # a sequential run would break it

    def left(x: int) -> int:
        barrier.wait()
        return x + 1

    def right(x: int) -> int:
        barrier.wait()
        return x + 2

    def both(left: int, right: int) -> int:
        return left * right

    mod = create_temporary_module(left, right, both)
    if how == "future_adapter":
        dr = driver.Builder().with_modules(mod).with_adapters(h_threadpool.FutureAdapter()).build()
    else:
        dr = dynamic(mod, local=MultiThreadingExecutor(2))
    assert dr.execute(["both"], inputs={"x": 1}) == {"both": 6}


def test_future_adapter_passes_results_to_its_result_builder():
    from dagwire import base

    pd = pytest.importorskip("pandas")

    def a(x: int) -> int:
        return x

    adapter = h_threadpool.FutureAdapter(max_workers=2, result_builder=base.PandasDataFrameResult())
    dr = driver.Builder().with_modules(create_temporary_module(a)).with_adapters(adapter).build()
    assert isinstance(dr.execute(["a"], inputs={"x": 3}), pd.DataFrame)


# --- hooks in dynamic runs ---------------------------------------------------------------------
class _Recorder(NodeExecutionHook, NodeExecutionMethod, TaskExecutionHook):
    def __init__(self):
        self.nodes, self.methods, self.tasks = [], [], []

    def run_before_node_execution(self, *, node_name, task_id, **kwargs):
        self.nodes.append((node_name, task_id))

    def run_after_node_execution(self, **kwargs):
        pass

    def run_to_execute_node(
        self, *, node_name, node_callable, node_kwargs, task_id, is_expand, is_collect, **kwargs
    ):
        self.methods.append((node_name, is_expand, is_collect))
        return node_callable(**node_kwargs)

    def run_before_task_execution(self, *, task_id, nodes, spawning_task_id, purpose, **kwargs):
        self.tasks.append((task_id, tuple(n.name for n in nodes), spawning_task_id, purpose))

    def run_after_task_execution(self, **kwargs):
        pass


def test_hooks_see_hamiltons_task_ids_and_node_roles(load):
    hamilton_driver = pytest.importorskip("hamilton.driver")
    from hamilton.execution import executors as hamilton_executors
    from hamilton.lifecycle import api as hamilton_api

    class HamiltonRecorder(hamilton_api.NodeExecutionHook, hamilton_api.NodeExecutionMethod):
        def __init__(self):
            self.nodes, self.methods = [], []

        def run_before_node_execution(self, *, node_name, task_id, **kwargs):
            self.nodes.append((node_name, task_id))

        def run_after_node_execution(self, **kwargs):
            pass

        def run_to_execute_node(
            self, *, node_name, node_callable, node_kwargs, is_expand, is_collect, **kwargs
        ):
            self.methods.append((node_name, is_expand, is_collect))
            return node_callable(**node_kwargs)

    theirs = HamiltonRecorder()
    (
        hamilton_driver.Builder()
        .with_modules(load(MAP_REDUCE, hamilton=True))
        .enable_dynamic_execution(allow_experimental_mode=True)
        .with_adapters(theirs)
        .with_remote_executor(hamilton_executors.SynchronousLocalTaskExecutor())
        .build()
        .execute(["total"], inputs={"n": 3})
    )
    for kind in ("sequential", "threads"):
        ours = _Recorder()
        local, remote = EXECUTORS[kind]()
        dynamic(load(MAP_REDUCE), local=local, remote=remote, adapters=[ours]).execute(
            ["total"], inputs={"n": 3}
        )
        assert sorted(ours.nodes) == sorted(theirs.nodes)
        assert sorted(ours.methods) == sorted(theirs.methods)


def test_task_hooks_run_once_per_task(load):
    recorder = _Recorder()
    dynamic(load(MAP_REDUCE), remote=MultiThreadingExecutor(2), adapters=[recorder]).execute(
        ["total"], inputs={"n": 2}
    )
    assert sorted(recorder.tasks) == [
        ("collect-item", ("total",), None, "gather"),
        ("expand-item", ("item",), None, "expand_unordered"),
        ("expand-item.0.block-item", ("doubled", "squared"), "expand-item", "execute_block"),
        ("expand-item.1.block-item", ("doubled", "squared"), "expand-item", "execute_block"),
        ("offset", ("offset",), None, "execute_single"),
    ]


# --- failures ----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", EXECUTORS)
def test_failing_item_raises_the_original_error_with_where_it_happened(load, kind):
    mod = load(MAP_REDUCE)
    local, remote = EXECUTORS[kind]()
    dr = dynamic(mod, local=local, remote=remote)
    with pytest.raises(ValueError, match="negative item -1") as info:
        dr.execute(["total"], overrides={"item": [1, 2, -1, 4]})
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "node 'doubled' failed in task expand-item.2.block-item" in notes
    assert f"{mod.__name__}.py" in notes
    assert "It was computed for: doubled -> squared -> total" in notes


UNPICKLABLE = """
from dagwire import driver
from dagwire.ad_hoc_utils import create_temporary_module
from dagwire.execution.executors import MultiProcessingExecutor
from dagwire.htypes import Collect, Parallelizable


def main():
    def item() -> Parallelizable[int]:
        yield from range(3)

    def squared(item: int) -> int:  # local: cannot be pickled for a worker process
        return item * item

    def total(squared: Collect[int]) -> int:
        return sum(squared)

    dr = (driver.Builder().with_modules(create_temporary_module(item, squared, total))
          .enable_dynamic_execution(allow_experimental_mode=True)
          .with_remote_executor(MultiProcessingExecutor(2)).build())
    try:
        dr.execute(["total"])
    except Exception as exc:
        print(type(exc).__name__, *getattr(exc, "__notes__", []))


main()
"""


def test_process_pool_with_local_functions_fails_fast_and_says_why():
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", UNPICKLABLE],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ENGINE_PARENT)},
    )
    assert out.returncode == 0, out.stderr
    assert "Define node functions at module level" in out.stdout


def test_parallelizable_without_dynamic_execution_is_refused_with_the_fix(load):
    mod = load(MAP_REDUCE)
    dr = driver.Builder().with_modules(mod).build()
    with pytest.raises(DynamicExecutionError, match=r"enable_dynamic_execution\(allow_exp"):
        dr.execute(["total"], inputs={"n": 2})
    assert dr.execute(["offset"]) == {"offset": 7}  # the rest of the graph still runs
    with pytest.raises(DynamicExecutionError, match="needs dynamic execution"):
        driver.Builder().with_modules(mod).with_adapters(
            h_threadpool.FutureAdapter()
        ).build().execute(["total"], inputs={"n": 2})


def test_a_per_item_value_cannot_be_requested(load):
    dr = dynamic(load(MAP_REDUCE))
    with pytest.raises(
        DynamicExecutionError,
        match=r"(?s)'squared' is computed once per item of "
        r"Parallelizable 'item'.*Collect",
    ):
        dr.execute(["squared"], inputs={"n": 2})


def test_items_of_two_parallelizables_cannot_be_paired():
    def a_items() -> Parallelizable[int]:
        yield from [1, 2]

    def b_items() -> Parallelizable[int]:
        yield from [3, 4]

    def pair(a_items: int, b_items: int) -> int:
        return a_items * b_items

    def pairs(pair: Collect[int]) -> list[int]:
        return pair

    dr = dynamic(create_temporary_module(a_items, b_items, pair, pairs))
    with pytest.raises(DynamicExecutionError, match="cannot be paired; collect one"):
        dr.execute(["pairs"])


def test_collecting_inside_the_same_block_is_refused():
    def item() -> Parallelizable[int]:
        yield from [1, 2]

    def doubled(item: int) -> int:
        return 2 * item

    def share(doubled: Collect[int], item: int) -> float:
        return item / sum(doubled)

    def shares(share: Collect[float]) -> list[float]:
        return share

    dr = dynamic(create_temporary_module(item, doubled, share, shares))
    with pytest.raises(DynamicExecutionError, match="while itself running once per item"):
        dr.execute(["shares"])


def test_collecting_a_value_that_is_not_per_item_is_refused():
    def x() -> int:
        return 1

    def gathered(x: Collect[int]) -> list[int]:
        return list(x)

    mod = create_temporary_module(x, gathered)
    with pytest.raises(DynamicExecutionError, match="not computed per item"):
        dynamic(mod).execute(["gathered"])
    with pytest.raises(DynamicExecutionError, match=r"collects 'x: Collect\[int\]'"):
        driver.Builder().with_modules(mod).build().execute(["gathered"])


def test_edge_types_see_through_parallelizable_and_collect():
    def item() -> Parallelizable[int]:
        yield 1

    def as_text(item: str) -> str:
        return item

    with pytest.raises(errors.TypeMismatchError, match="'item' -> 'as_text'"):
        dynamic(create_temporary_module(item, as_text))

    def doubled(item: int) -> int:
        return item

    def texts(doubled: Collect[str]) -> list:
        return doubled

    with pytest.raises(errors.TypeMismatchError, match="'doubled' -> 'texts'"):
        dynamic(create_temporary_module(item, doubled, texts))


def test_builder_misuse_is_explained():
    with pytest.raises(DynamicExecutionError, match="allow_experimental_mode=True"):
        driver.Builder().enable_dynamic_execution()
    with pytest.raises(DynamicExecutionError, match="before it"):
        driver.Builder().with_local_executor(SynchronousLocalTaskExecutor())
    builder = driver.Builder().enable_dynamic_execution(allow_experimental_mode=True)
    with pytest.raises(DynamicExecutionError, match="task executor such as"):
        builder.with_remote_executor(4)
    builder.with_remote_executor(MultiThreadingExecutor(2))
    with pytest.raises(DynamicExecutionError, match="called twice"):
        builder.with_remote_executor(MultiThreadingExecutor(2))
    with pytest.raises(ValueError, match="at least 1"):
        MultiThreadingExecutor(0)
    with pytest.raises(DynamicExecutionError, match="keep one"):
        (
            driver.Builder()
            .enable_dynamic_execution(allow_experimental_mode=True)
            .with_local_executor(MultiThreadingExecutor(2))
            .with_adapters(h_threadpool.FutureAdapter())
            .build()
        )


def test_execution_manager_sets_both_executors(load):
    manager = DefaultExecutionManager(remote_executor=MultiThreadingExecutor(2))
    dr = (
        driver.Builder()
        .with_modules(load(MAP_REDUCE))
        .enable_dynamic_execution(allow_experimental_mode=True)
        .with_execution_manager(manager)
        .build()
    )
    assert dr.execute(["total"], inputs={"n": 4}) == {"total": expected_total(range(4))}


def test_hamilton_import_paths():
    import dagwire.execution.executors
    from dagwire.execution import executors  # as ``from hamilton.execution import executors``
    from dagwire.execution.executors import MultiThreadingExecutor

    assert executors.MultiProcessingExecutor is MultiProcessingExecutor
    assert dagwire.execution.executors.MultiThreadingExecutor is MultiThreadingExecutor


def test_the_executors_load_only_for_drivers_that_use_them():
    code = (
        "import sys; from dagwire import driver; from dagwire.ad_hoc_utils import "
        "create_temporary_module as m\n"
        "def a() -> int:\n    return 1\n"
        "driver.Builder().with_modules(m(a)).build().execute(['a'])\n"
        "print(any(n.endswith('execution.executors') for n in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ENGINE_PARENT)},
    )
    assert out.stdout.strip() == "False"


def test_threads_sharing_a_driver_with_a_future_adapter_share_its_pool():
    started = threading.Barrier(2, timeout=10)  # both runs are inside execute at once

    def a(x: int) -> int:
        started.wait()
        # run 1 finishes first; it must not close the pool that run 2 still needs for b
        time.sleep(0.05 if x == 1 else 0.5)
        return x

    def b(a: int) -> int:
        return a + 1

    dr = (
        driver.Builder()
        .with_modules(create_temporary_module(a, b))
        .with_adapters(h_threadpool.FutureAdapter())
        .build()
    )
    results = {}

    def call(x):
        results[x] = dr.execute(["b"], inputs={"x": x})["b"]

    threads = [threading.Thread(target=call, args=(x,)) for x in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {1: 2, 2: 3}


def test_hooks_get_no_task_id_for_concurrent_branches_as_in_hamilton():
    seen = []

    class Tasks(NodeExecutionHook):
        def run_before_node_execution(self, *, node_name, task_id, **kwargs):
            seen.append((node_name, task_id))

        def run_after_node_execution(self, **kwargs):
            pass

    def left() -> int:
        return 1

    def right() -> int:
        return 2

    module = create_temporary_module(left, right)
    dr = (
        driver.Builder()
        .with_modules(module)
        .with_adapters(h_threadpool.FutureAdapter(), Tasks())
        .build()
    )
    assert dr.execute(["left", "right"]) == {"left": 1, "right": 2}
    assert sorted(seen) == [("left", None), ("right", None)]
    seen.clear()
    dynamic = (
        driver.Builder()
        .with_modules(module)
        .with_adapters(Tasks())
        .enable_dynamic_execution(allow_experimental_mode=True)
        .build()
    )
    dynamic.execute(["left"])
    assert seen == [("left", "left")]  # dynamic execution runs each root node as its own task


# --- one item at a time: what an orchestrator's mapped task computes ------------------------------
NESTED = """
def outer(n: int) -> Parallelizable[int]:
    return range(n)


def inner(outer: int) -> Parallelizable[int]:
    return range(outer + 1)


def cell(inner: int, outer: int) -> int:
    return 10 * outer + inner


def row_sum(cell: Collect[int]) -> int:
    return sum(cell)


def rows(row_sum: Collect[int]) -> list[int]:
    return list(row_sum)
"""


def test_item_scopes_name_the_blocks_each_node_runs_in(load):
    from dagwire.execution.dynamic import item_scopes

    dr = _dynamic(load(MAP_REDUCE))
    assert item_scopes(dr.graph) == {"doubled": ("item",), "squared": ("item",)}
    nested = _dynamic(load(NESTED))
    assert item_scopes(nested.graph) == {
        "inner": ("outer",),
        "cell": ("outer", "inner"),
        "row_sum": ("outer",),
    }


def test_one_item_of_a_block_gives_that_items_values_and_hooks_see_its_nodes(load):
    from dagwire.execution.parallel import dynamic_execution

    seen = []

    class Seen(NodeExecutionHook):
        def run_before_node_execution(self, *, node_name, run_id, **kwargs):
            seen.append((node_name, run_id))

        def run_after_node_execution(self, **kwargs):
            pass

    dr = _dynamic(load(MAP_REDUCE), adapters=[Seen()])
    dynamic = dynamic_execution((None, None), dr.adapters)
    got = dynamic.run_item(
        dr.graph, "item", 3, ["squared", "doubled"], {"offset": 7}, dr.adapters, "run-x"
    )
    assert got == {"squared": 13 * 13, "doubled": 13}
    assert sorted(seen) == [("doubled", "run-x"), ("squared", "run-x")]
    # a nested block runs whole inside the item, as the engine runs it
    nested = _dynamic(load(NESTED))
    dynamic = dynamic_execution((None, None), nested.adapters)
    assert dynamic.run_item(nested.graph, "outer", 2, ["row_sum"], {}, nested.adapters) == {
        "row_sum": 20 + 21 + 22
    }
    assert nested.execute(["rows"], inputs={"n": 3})["rows"] == [0, 10 + 11, 20 + 21 + 22]


def _dynamic(module, adapters=()):
    return (
        driver.Builder()
        .with_modules(module)
        .with_adapters(*adapters)
        .enable_dynamic_execution(allow_experimental_mode=True)
        .build()
    )
