"""Adapters: hook and method contracts, the built-in adapters, and result builders (vs Hamilton)."""

import io
import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Literal, Optional, Union

import dagwire
import pytest
from dagwire import base, driver, errors
from dagwire.ad_hoc_utils import create_temporary_module
from dagwire.htypes import Collect, Parallelizable, check_instance
from dagwire.lifecycle import (
    FunctionInputOutputTypeChecker,
    GracefulErrorAdapter,
    GraphExecutionHook,
    NodeExecutionHook,
    NodeExecutionMethod,
    NodeTimer,
    PDBDebugger,
    PrintLn,
    ProgressBar,
    ResultBuilder,
    accept_error_sentinels,
)
from engine_support import build

os.environ.setdefault("HAMILTON_TELEMETRY_ENABLED", "false")
ENGINE_PARENT = Path(dagwire.__file__).parents[1]  # the folder holding the engine


def a(x: int) -> int:
    return x + 1


def b(a: int) -> int:
    return a * 2


class Log(NodeExecutionHook, GraphExecutionHook):
    def __init__(self, name, events):
        self.name, self.events = name, events

    def run_before_node_execution(self, *, node_name, node_kwargs, task_id, run_id, **kwargs):
        self.events.append((self.name, "before", node_name, dict(node_kwargs), task_id, run_id))

    def run_after_node_execution(self, *, node_name, result, error, success, run_id, **kwargs):
        self.events.append((self.name, "after", node_name, result, success, run_id))

    def run_before_graph_execution(self, *, final_vars, execution_path, run_id, **kwargs):
        self.events.append((self.name, "graph-before", tuple(final_vars), tuple(execution_path)))

    def run_after_graph_execution(self, *, success, results, error, run_id, **kwargs):
        self.events.append((self.name, "graph-after", success, results, type(error).__name__))


# --- the contract ----------------------------------------------------------------------------
def test_no_adapters_means_nodes_are_called_straight_from_the_loop():
    callers = []

    def probe(x: int) -> int:
        callers.append(sys._getframe(1).f_code.co_name)
        return x

    build(probe).execute(["probe"], inputs={"x": 1})
    build(probe, adapters=[NodeTimer()]).execute(["probe"], inputs={"x": 1})
    assert callers == ["run_schedule", "call_node"]  # adapters add a layer; no adapters add nothing


def test_engine_import_does_not_load_the_built_in_adapters_or_heavy_modules():
    """Import time is a target (under 20 ms): what only some drivers use loads on first use."""
    heavy = ("lifecycle.default", "graph_types", "dataclasses", "inspect", "visualize")
    code = (
        "import sys; from dagwire import driver; "
        f"print(any(m.endswith({heavy!r}) for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ENGINE_PARENT)},
    )
    assert out.stdout.strip() == "False"


def test_many_hooks_each_see_every_step_in_order():
    events = []
    dr = build(a, b, adapters=[Log("one", events), Log("two", events)])
    assert dr.execute(["b"], inputs={"x": 1}) == {"b": 4}
    run_ids = {e[-1] for e in events if e[1] in ("before", "after")}
    assert len(run_ids) == 1  # one run id shared by every hook call of the run
    steps = [e[:5] for e in events if e[1] in ("before", "after")]
    assert steps == [
        ("one", "before", "a", {"x": 1}, None),
        ("two", "before", "a", {"x": 1}, None),
        ("one", "after", "a", 2, True),
        ("two", "after", "a", 2, True),
        ("one", "before", "b", {"a": 2}, None),
        ("two", "before", "b", {"a": 2}, None),
        ("one", "after", "b", 4, True),
        ("two", "after", "b", 4, True),
    ]
    assert events[0] == ("one", "graph-before", ("b",), ("a", "b"))
    assert events[-1] == ("two", "graph-after", True, {"b": 4}, "NoneType")


def test_hooks_see_failures_and_the_error_keeps_its_type():
    events = []

    def broken(a: int) -> int:
        raise KeyError("missing")

    dr = build(a, broken, adapters=[Log("log", events)])
    with pytest.raises(KeyError) as info:
        dr.execute(["broken"], inputs={"x": 1})
    assert ("log", "after", "broken", None, False) == events[-2][:5]
    assert events[-1] == ("log", "graph-after", False, None, "KeyError")
    assert "node 'broken' failed" in "\n".join(info.value.__notes__)


class Doubling(NodeExecutionMethod):
    """Written as for Hamilton: is_expand and is_collect are required keyword arguments."""

    def run_to_execute_node(
        self,
        *,
        node_name,
        node_tags,
        node_callable,
        node_kwargs,
        task_id,
        is_expand,
        is_collect,
        **future_kwargs,
    ):
        self.flags = (is_expand, is_collect)
        return 2 * node_callable(**node_kwargs)


def test_one_method_replaces_how_nodes_are_called():
    method = Doubling()
    assert build(a, b, adapters=[method]).execute(["b"], inputs={"x": 1}) == {"b": 16}
    assert method.flags == (False, False)


@pytest.mark.parametrize(
    "pair",
    [
        (Doubling(), Doubling()),
        (PDBDebugger("a"), GracefulErrorAdapter(ValueError)),
        (base.PandasDataFrameResult(), base.NumpyMatrixResult()),
    ],
)
def test_two_adapters_for_one_method_are_refused_by_name(pair):
    with pytest.raises(errors.AdapterError, match="Only one adapter may implement") as info:
        build(a, adapters=pair)
    for adapter in pair:
        assert type(adapter).__name__ in str(info.value)


def test_a_hook_failure_is_reported_on_its_node():
    class Strict(NodeExecutionHook):
        def run_before_node_execution(self, *, node_name, **kwargs):
            if node_name == "b":
                raise RuntimeError("refused by hook")

        def run_after_node_execution(self, **kwargs):
            pass

    with pytest.raises(RuntimeError, match="refused by hook") as info:
        build(a, b, adapters=[Strict()]).execute(["b"], inputs={"x": 1})
    assert "node 'b' failed" in "\n".join(info.value.__notes__)


# --- PrintLn ---------------------------------------------------------------------------------
def test_println_prints_names_times_and_at_verbosity_two_values():
    lines = []
    build(a, b, adapters=[PrintLn(print_fn=lines.append)]).execute(["b"], inputs={"x": 1})
    assert [line.split(" in ")[0] for line in lines] == [
        "Running node 'a'",
        "Finished node 'a'",
        "Running node 'b'",
        "Finished node 'b'",
    ]
    assert lines[1].endswith(": success")
    lines.clear()
    build(a, b, adapters=[PrintLn(verbosity=2, print_fn=lines.append, node_filter=["b"])]).execute(
        ["b"], inputs={"x": 1}
    )
    assert len(lines) == 2 and "{'a': 2}" in lines[0] and lines[1].endswith("result:\n4")


@pytest.mark.parametrize("node_filter", ["b", ["b"], lambda name, tags: name == "b"])
def test_node_filters(node_filter):
    lines = []
    build(a, b, adapters=[PrintLn(print_fn=lines.append, node_filter=node_filter)]).execute(
        ["b"], inputs={"x": 1}
    )
    assert all("'b'" in line for line in lines) and len(lines) == 2


def test_println_misuse():
    with pytest.raises(ValueError, match="use 1"):
        PrintLn(verbosity=3)
    with pytest.raises(ValueError, match="is not a filter"):
        build(a, adapters=[PrintLn(node_filter=42)]).execute(["a"], inputs={"x": 1})


# --- NodeTimer -------------------------------------------------------------------------------
def test_node_timer_records_each_node():
    def boom(a: int) -> int:
        raise ValueError("no")

    timer = NodeTimer()
    dr = build(a, b, boom, adapters=[timer])
    dr.execute(["b"], inputs={"x": 1})
    assert list(timer.records) == ["a", "b"]
    rec = timer.records["a"]
    assert rec.status == "success" and rec.error is None and rec.runs == 1
    assert rec.started <= rec.ended and 0 <= rec.duration < 5
    with pytest.raises(ValueError):
        dr.execute(["boom"], inputs={"x": 1})
    assert timer.records["boom"].status == "failure"
    assert timer.records["boom"].error == "ValueError: no"
    assert json.loads(json.dumps({k: r.as_dict() for k, r in timer.records.items()}))
    dr.execute(["a"], inputs={"x": 1})
    assert timer.records["a"].runs == 1  # a new run replaces, it does not add up
    assert pickle.loads(pickle.dumps(timer)).records == timer.records
    timer.clear()
    assert timer.records == {}


def test_node_timer_sums_the_items_of_a_parallel_block():
    def item() -> Parallelizable[int]:
        yield from range(5)

    def doubled(item: int) -> int:
        return 2 * item

    def total(doubled: Collect[int]) -> int:
        return sum(doubled)

    timer = NodeTimer()
    build(item, doubled, total, adapters=[timer], dynamic=True).execute(["total"])
    assert timer.records["doubled"].runs == 5
    assert timer.records["total"].runs == 1


# --- ProgressBar -----------------------------------------------------------------------------
def test_progress_bar_text_fallback_without_tqdm(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # as if tqdm were not installed
    out = io.StringIO()
    bar = ProgressBar(desc="demo", file=out)
    build(a, b, adapters=[bar]).execute(["b"], inputs={"x": 1})
    text = out.getvalue()
    assert "demo -> a [1/2]  50%" in text
    assert text.splitlines()[-1].startswith("demo -> done [2/2] 100% in ")


def test_progress_bar_uses_tqdm_when_installed():
    pytest.importorskip("tqdm")
    out = io.StringIO()
    build(a, b, adapters=[ProgressBar(desc="demo", file=out)]).execute(["b"], inputs={"x": 1})
    assert "2/2" in out.getvalue() and "demo -> done" in out.getvalue()


def test_progress_bar_has_hamiltons_plugin_path():
    from dagwire.plugins import h_tqdm

    assert h_tqdm.ProgressBar is ProgressBar


# --- FunctionInputOutputTypeChecker ------------------------------------------------------------
def test_type_checker_refuses_a_wrong_output_and_a_wrong_input():
    def liar(x: int) -> int:
        return str(x)

    with pytest.raises(
        TypeError,
        match=r"Node 'liar' returned '1' \(str\), but is annotated to "
        r"return int",
    ):
        build(liar, adapters=[FunctionInputOutputTypeChecker()]).execute(["liar"], inputs={"x": 1})

    def x() -> Any:  # an untyped upstream: only the checker can see what it hands over
        return "1"

    with pytest.raises(TypeError, match=r"Node 'a' received x='1' \(str\), but declares 'x: int'"):
        build(a, x, adapters=[FunctionInputOutputTypeChecker()]).execute(["a"])
    checker = FunctionInputOutputTypeChecker(check_input=False, check_output=False)
    assert build(liar, adapters=[checker]).execute(["liar"], inputs={"x": 1}) == {"liar": "1"}


def test_type_checker_looks_inside_containers():
    def numbers() -> list[int]:
        return [1, 2, "3"]

    with pytest.raises(TypeError, match="list"):
        build(numbers, adapters=[FunctionInputOutputTypeChecker()]).execute(["numbers"])


@pytest.mark.parametrize(
    "value, tp",
    [
        (1, int),
        (True, int),
        ("a", int),
        (None, Optional[int]),  # noqa: UP045 - the typing spelling is what is tested
        (1.0, Union[int, str]),  # noqa: UP007
        ([1, 2], list[int]),
        ([1, "2"], list[int]),
        ([], list[int]),
        ({"a": 1}, dict[str, int]),
        ({"a": "b"}, dict[str, int]),
        ((1, 2, 3), tuple[int, ...]),
        ((1, "a"), tuple[int, ...]),
        ("b", Literal["a", "b"]),
        ("c", Literal["a", "b"]),
        ({1, 2}, set[int]),
        ([1], dict[str, int]),
        (1, int | None),
        ("x", int | None),
    ],
)
def test_check_instance_agrees_with_hamilton(value, tp):
    htypes = pytest.importorskip("hamilton.htypes")
    assert check_instance(value, tp) == htypes.check_instance(value, tp)


def test_check_instance_reads_fixed_length_tuples_per_position():
    assert check_instance((1, "a"), tuple[int, str])  # Hamilton checks every item against int
    assert not check_instance((1, "a", 2), tuple[int, str])


def test_check_instance_on_parallel_markers():
    assert check_instance([1, 2], Collect[int]) and not check_instance([1, "2"], Collect[int])
    assert check_instance([1, 2], Parallelizable[int])


# --- GracefulErrorAdapter ----------------------------------------------------------------------
GRACEFUL = """
class DoNotProceed(Exception):
    pass


def wont_proceed() -> int:
    raise DoNotProceed()


def will_proceed() -> int:
    return 1


def never_reached(wont_proceed: int) -> int:
    return 1


def start_point() -> Parallelizable[int]:
    for i in range(5):
        if i == 3:
            raise DoNotProceed()
        yield i


def inner(start_point: int) -> int:
    return start_point


def gather(inner: Collect[int]) -> list[int]:
    return inner
"""


@pytest.fixture
def graceful_modules(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    mods = {}
    for engine in ("dagwire", "hamilton"):
        name = f"graceful_{engine}_{tmp_path.name}".replace("-", "_")
        (tmp_path / f"{name}.py").write_text(
            f"from {engine}.htypes import Collect, Parallelizable\n" + GRACEFUL
        )
        mods[engine] = __import__(name)
    return mods


@pytest.mark.parametrize("try_all_parallel", [True, False])
def test_graceful_errors_match_hamilton(graceful_modules, try_all_parallel):
    hamilton_driver = pytest.importorskip("hamilton.driver")
    from hamilton.lifecycle import default as hamilton_default

    results = {}
    for engine, driver_module, adapter_module in [
        ("dagwire", driver, sys.modules["dagwire.lifecycle.default"]),
        ("hamilton", hamilton_driver, hamilton_default),
    ]:
        mod = graceful_modules[engine]
        adapter = adapter_module.GracefulErrorAdapter(
            error_to_catch=mod.DoNotProceed, sentinel_value=None, try_all_parallel=try_all_parallel
        )
        dr = (
            driver_module.Builder()
            .with_modules(mod)
            .with_adapters(adapter)
            .enable_dynamic_execution(allow_experimental_mode=True)
            .build()
        )
        results[engine] = dr.execute(["will_proceed", "never_reached", "gather"])
    assert results["dagwire"] == results["hamilton"]
    assert results["dagwire"]["gather"] == ([0, 1, 2, None] if try_all_parallel else [None])


def test_graceful_errors_are_reported_and_other_errors_still_raise(graceful_modules):
    mod = graceful_modules["dagwire"]
    adapter = GracefulErrorAdapter(error_to_catch=mod.DoNotProceed, sentinel_value="FAILED")
    dr = driver.Builder().with_modules(mod).with_adapters(adapter).build()
    assert dr.execute(["will_proceed", "never_reached"]) == {
        "will_proceed": 1,
        "never_reached": "FAILED",
    }
    assert list(adapter.failures) == ["wont_proceed"]
    assert isinstance(adapter.failures["wont_proceed"], mod.DoNotProceed)
    assert adapter.skipped == {"never_reached": "wont_proceed"}
    assert "never_reached (input 'wont_proceed')" in adapter.summary()
    dr.execute(["will_proceed"])
    assert adapter.failures == {} and adapter.summary() == "No node failed."  # per run

    def other(x: int) -> int:
        raise KeyError(x)

    dr = build(other, adapters=[GracefulErrorAdapter(error_to_catch=mod.DoNotProceed)])
    with pytest.raises(KeyError):
        dr.execute(["other"], inputs={"x": 1})


def test_accept_error_sentinels_lets_a_node_see_the_failure():
    class Flaky(Exception):
        pass

    def fails() -> int:
        raise Flaky()

    def works() -> int:
        return 2

    @accept_error_sentinels
    def report(fails: int, works: int) -> str:
        return f"fails={fails} works={works}"

    def skipped(fails: int) -> int:
        return fails

    adapter = GracefulErrorAdapter(error_to_catch=Flaky, sentinel_value=None)
    dr = build(fails, works, report, skipped, adapters=[adapter])
    assert dr.execute(["report", "skipped"]) == {"report": "fails=None works=2", "skipped": None}
    blocked = GracefulErrorAdapter(error_to_catch=Flaky, allow_injection=False)
    assert build(fails, works, report, adapters=[blocked]).execute(["report"]) == {"report": None}


# --- PDBDebugger (a real debugger, driven through stdin) -----------------------------------------
PDB_SCRIPT = """
from dagwire import driver
from dagwire.ad_hoc_utils import create_temporary_module
from dagwire.lifecycle import PDBDebugger


def a(x: int) -> int:
    return x + 1


def b(a: int) -> int:
    return a * 2


dr = driver.Builder().with_modules(create_temporary_module(a, b)).with_adapters(
    PDBDebugger("b", {mode}=True)).build()
print("RESULT", dr.execute(["b"], inputs={{"x": 1}}))
"""


@pytest.mark.parametrize(
    "mode, command, shows",
    [
        ("before", "p node_kwargs", "{'a': 2}"),
        ("during", "p a", "(Pdb) 2\n"),
        ("after", "p result", "(Pdb) 4\n"),
    ],
)
def test_pdb_debugger_stops_at_the_filtered_node(mode, command, shows):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONBREAKPOINT"}
    env["PYTHONPATH"] = str(ENGINE_PARENT)
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PDB_SCRIPT).format(mode=mode)],
        input=f"{command}\nc\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    assert "(Pdb)" in out.stdout and shows in out.stdout
    assert "{'x': 1}" not in out.stdout  # node 'a' is filtered out
    assert "RESULT {'b': 4}" in out.stdout


# --- result builders, compared with Apache Hamilton's --------------------------------------------
def _outputs(pd, np):
    dates = pd.date_range("2024-01-01", periods=3)
    frame = pd.DataFrame({"x": [1, 2, 3], "y": [4.0, 5.0, 6.0]})
    return {
        "series": {"a": pd.Series([1, 2, 3]), "b": pd.Series([4, 5, 6])},
        "series_and_scalar": {"a": pd.Series([1, 2, 3]), "s": 5},
        "scalars": {"s1": 1, "s2": "x"},
        "one_frame": {"df": frame},
        "frame_and_series": {"df": frame, "a": pd.Series([7, 8, 9])},
        "two_frames": {"df1": frame, "df2": frame * 2},
        "outer_join": {"a": pd.Series([1, 2], index=[0, 1]), "b": pd.Series([3, 4], index=[1, 2])},
        "mixed_index_types": {"a": pd.Series([1, 2, 3], index=dates), "b": pd.Series([1, 2, 3])},
        "array_and_scalar": {"a": np.array([1, 2, 3]), "s": 2},
        "list_and_series": {"a": [1, 2, 3], "b": pd.Series([4, 5, 6])},
    }


def test_pandas_result_matches_hamilton():
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")
    hamilton_base = pytest.importorskip("hamilton.base")
    for case, outputs in _outputs(pd, np).items():
        ours = base.PandasDataFrameResult.build_result(**outputs)
        theirs = hamilton_base.PandasDataFrameResult.build_result(**outputs)
        pd.testing.assert_frame_equal(ours, theirs, obj=case)
    clash = {"df": pd.DataFrame({"x": [1]}), "df.x": pd.Series([2])}
    with pytest.raises(ValueError, match="same name as a column"):
        base.PandasDataFrameResult().build_result(**clash)
    with pytest.raises(ValueError):
        hamilton_base.PandasDataFrameResult.build_result(**clash)


def test_strict_index_result_refuses_what_hamilton_refuses():
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")
    hamilton_base = pytest.importorskip("hamilton.base")
    for case, outputs in _outputs(pd, np).items():
        try:
            theirs = hamilton_base.StrictIndexTypePandasDataFrameResult.build_result(**outputs)
        except ValueError:
            with pytest.raises(ValueError, match="index types differ"):
                base.StrictIndexTypePandasDataFrameResult.build_result(**outputs)
        else:
            ours = base.StrictIndexTypePandasDataFrameResult.build_result(**outputs)
            pd.testing.assert_frame_equal(ours, theirs, obj=case)


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_numpy_matrix_result_matches_hamilton():
    np = pytest.importorskip("numpy")
    hamilton_base = pytest.importorskip("hamilton.base")
    outputs = {"a": np.array([1, 2, 3]), "b": [4, 5, 6], "c": 7}
    ours = base.NumpyMatrixResult.build_result(**outputs)
    assert (ours == hamilton_base.NumpyMatrixResult.build_result(**outputs)).all()
    assert ours.shape == (3, 3)
    with pytest.raises(ValueError, match="one length"):
        base.NumpyMatrixResult.build_result(a=[1, 2], b=[1, 2, 3])


def test_legacy_driver_and_adapters_choose_the_result():
    pd = pytest.importorskip("pandas")
    mod = create_temporary_module(a, b)
    assert isinstance(driver.Driver({}, mod).execute(["a", "b"], inputs={"x": 1}), pd.DataFrame)
    legacy = driver.Driver({}, mod, adapter=base.SimplePythonGraphAdapter(base.DictResult()))
    assert legacy.execute(["b"], inputs={"x": 1}) == {"b": 4}
    frame = (
        driver.Builder()
        .with_modules(mod)
        .with_adapters(base.SimplePythonDataFrameGraphAdapter())
        .build()
        .execute(["a", "b"], inputs={"x": 1})
    )
    assert frame.to_dict("records") == [{"a": 2, "b": 4}]
    assert isinstance(base.DefaultAdapter(), ResultBuilder)


# --- what hooks and validators receive, as in Apache Hamilton -------------------------------------
def test_hooks_and_validators_receive_hamiltons_graph_and_node_views():
    from dagwire.lifecycle import GraphConstructionHook, StaticValidator

    seen = {}

    class Strict(GraphConstructionHook, GraphExecutionHook, NodeExecutionHook, StaticValidator):
        # exactly Hamilton's arguments, no **future_kwargs: dagwire must not pass more
        def run_after_graph_construction(self, *, graph, config):
            seen["constructed"] = sorted(n.name for n in graph.nodes)

        def run_before_graph_execution(
            self, *, graph, final_vars, inputs, overrides, execution_path, run_id
        ):
            seen["before"] = (graph["a"].required_dependencies, inputs, overrides)

        def run_after_graph_execution(self, *, graph, success, error, results, run_id):
            seen["version"] = graph.version

        def run_before_node_execution(
            self,
            *,
            node_name,
            node_tags,
            node_kwargs,
            node_return_type,
            task_id,
            run_id,
            node_input_types,
        ):
            seen.setdefault("modules", set()).add(node_tags["module"])

        def run_after_node_execution(
            self,
            *,
            node_name,
            node_tags,
            node_kwargs,
            node_return_type,
            result,
            error,
            success,
            task_id,
            run_id,
        ):
            pass

        def run_to_validate_node(self, *, node):
            seen.setdefault("validated", []).append(
                (node.name, node.is_external_input, node.documentation)
            )
            return True, None

        def run_to_validate_graph(self, *, graph):
            inputs = graph.filter_nodes(lambda n: n.is_external_input)
            return sorted(n.name for n in inputs) == ["scale", "x"], "two inputs"

    def c(b: int, scale: int = 3) -> int:
        """b, scaled."""
        return b * scale

    module = create_temporary_module(a, b, c)
    dr = driver.Builder().with_modules(module).with_adapters(Strict()).build()
    assert dr.execute(["c"], inputs={"x": 1}) == {"c": 12}
    assert seen["constructed"] == ["a", "b", "c", "scale", "x"]
    assert seen["before"] == ({"x"}, {"x": 1}, None)
    assert isinstance(seen["version"], str) and len(seen["version"]) == 64
    assert seen["modules"] == {module.__name__}
    assert ("c", False, "b, scaled.") in seen["validated"]
    assert ("x", True, None) in seen["validated"]
    assert dr.public_graph["c"].optional_dependencies_default_values == {"scale": 3}


def test_a_node_method_with_hamiltons_exact_signature_runs():
    class Doubling(NodeExecutionMethod):
        def run_to_execute_node(
            self,
            *,
            node_name,
            node_tags,
            node_callable,
            node_kwargs,
            task_id,
            is_expand,
            is_collect,
        ):
            return 2 * node_callable(**node_kwargs)

    assert build(a, adapters=[Doubling()]).execute(["a"], inputs={"x": 1}) == {"a": 4}


def test_graph_hooks_see_the_computed_outputs_when_the_result_builder_fails():
    events = []

    class Broken(ResultBuilder):
        def build_result(self, **outputs):
            raise RuntimeError("cannot build")

    with pytest.raises(RuntimeError, match="cannot build"):
        build(a, adapters=[Log("log", events), Broken()]).execute(["a"], inputs={"x": 1})
    assert events[-1] == ("log", "graph-after", False, {"a": 2}, "RuntimeError")


@pytest.mark.parametrize("dynamic", [False, True], ids=["static", "dynamic"])
def test_hooks_get_a_uuid_run_id_per_execution_as_in_hamilton(dynamic: bool):
    """Tracking adapters written for Hamilton parse the run id as a UUID."""
    import uuid

    seen = []

    class Recorder(GraphExecutionHook):
        def run_before_graph_execution(self, *, run_id: str, **future_kwargs):
            seen.append(run_id)

        def run_after_graph_execution(self, **future_kwargs):
            pass

    def a() -> int:
        return 1

    dr = build(a, adapters=[Recorder()], dynamic=dynamic)
    dr.execute(["a"])
    dr.execute(["a"])
    assert len(seen) == 2 and seen[0] != seen[1]
    assert all(str(uuid.UUID(run_id)) == run_id for run_id in seen)
