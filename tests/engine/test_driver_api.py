"""The driver's public surface that Hamilton users reach for beyond execute: builder variants,
pickling, exports, grouping strategies, logging setup and Hamilton's error names."""

import concurrent.futures
import json
import logging
import multiprocessing
import pickle
import sys
import uuid

import pytest
from dagwire import driver
from dagwire.ad_hoc_utils import create_temporary_module
from dagwire.errors import DagwireError, DynamicExecutionError, InvalidDecoratorError
from dagwire.lifecycle.api import DictResult, NodeExecutionHook
from engine_support import build

PIPELINE = '''
def raw(x: int, scale: int = 10) -> int:
    """Scaled input."""
    return x * scale


def doubled(raw: int) -> int:
    return raw * 2
'''


@pytest.fixture
def pipeline_module(tmp_path, monkeypatch):
    """A real module file on the import path: pickling sends it by name."""
    name = f"shipped_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(PIPELINE)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = __import__(name)
    yield module
    sys.modules.pop(name, None)


class Recorder(NodeExecutionHook):
    def __init__(self):
        self.names = []

    def run_before_node_execution(self, *, node_name, **future_kwargs):
        self.names.append(node_name)

    def run_after_node_execution(self, **future_kwargs):
        pass


def one() -> int:
    return 1


def two(one: int) -> int:
    return one + 1


# --- Builder -----------------------------------------------------------------------------------
def test_with_adapter_adds_one_adapter_and_refuses_a_second():
    recorder = Recorder()
    builder = driver.Builder().with_modules(create_temporary_module(one, two))
    dr = builder.with_adapter(recorder).build()
    assert dr.execute(["two"]) == {"two": 2}
    assert recorder.names == ["one", "two"]
    with pytest.raises(DagwireError, match="with_adapter\\(\\) was called twice"):
        builder.with_adapter(Recorder())


def test_copy_is_independent_for_every_attribute_even_ones_added_later():
    module = create_temporary_module(one, two)
    original = driver.Builder().with_modules(module).with_config({"a": 1})
    original._added_by_another_feature = ["kept"]
    twin = original.copy()
    twin.with_config({"a": 2, "b": 3}).with_adapters(Recorder())
    twin._added_by_another_feature.append("twin only")
    assert original._config == {"a": 1} and original._adapters == []
    assert original._added_by_another_feature == ["kept"]
    assert twin._modules == [module] and twin._modules is not original._modules
    assert twin.build().execute(["two"]) == {"two": 2}


def test_grouping_strategies_are_accepted_with_dynamic_execution_and_change_no_result():
    from dagwire.execution import grouping
    from dagwire.htypes import Collect, Parallelizable

    def items(n: int) -> Parallelizable[int]:
        yield from range(n)

    def squared(items: int) -> int:
        return items * items

    def total(squared: Collect[int]) -> int:
        return sum(squared)

    module = create_temporary_module(items, squared, total)
    strategies = [
        grouping.GroupByRepeatableBlocks(),
        grouping.GroupNodesIndividually(),
        grouping.GroupNodesAllAsOne(),
        grouping.GroupNodesByLevel(),
    ]
    for strategy in strategies:
        builder = driver.Builder().with_modules(module)
        with pytest.raises(DynamicExecutionError, match="needs dynamic execution"):
            builder.with_grouping_strategy(strategy)
        builder.enable_dynamic_execution(allow_experimental_mode=True)
        dr = builder.with_grouping_strategy(strategy).build()
        assert dr.execute(["total"], inputs={"n": 4}) == {"total": 14}
        with pytest.raises(DynamicExecutionError, match="called twice"):
            builder.with_grouping_strategy(strategy)
    builder = driver.Builder().enable_dynamic_execution(allow_experimental_mode=True)
    with pytest.raises(DynamicExecutionError, match="GroupByRepeatableBlocks"):
        builder.with_grouping_strategy("by blocks")


# --- has_cycles and export_execution -----------------------------------------------------------
def test_has_cycles_is_false_for_a_built_driver_and_checks_the_names():
    dr = build(one, two)
    assert dr.has_cycles(["two"]) is False
    assert dr.has_cycles([two]) is False
    with pytest.raises(DagwireError, match="'three' is not a node"):
        dr.has_cycles(["three"])


def test_export_execution_lists_what_would_run_with_hamiltons_keys(pipeline_module):
    dr = driver.Builder().with_modules(pipeline_module).build()
    exported = json.loads(dr.export_execution(["doubled"], inputs={"x": 1}))
    nodes = {n["name"]: n for n in exported["nodes"]}
    assert [n["name"] for n in exported["nodes"]] == ["doubled", "raw", "x"]  # sorted, no scale
    assert set(nodes["raw"]) == {
        "name",
        "tags",
        "output_type",
        "required_dependencies",
        "optional_dependencies",
        "source",
        "documentation",
        "version",
    }
    assert nodes["raw"]["required_dependencies"] == ["x"]
    assert nodes["raw"]["optional_dependencies"] == ["scale"]
    assert nodes["raw"]["documentation"] == "Scaled input."
    assert nodes["raw"]["source"].startswith("def raw(x: int, scale: int = 10)")
    assert nodes["x"]["output_type"] == "int" and nodes["x"]["source"] == nodes["raw"]["source"]
    with pytest.raises(DagwireError, match="x \\(int\\): needed by raw"):
        dr.export_execution(["doubled"])


# --- pickling ----------------------------------------------------------------------------------
def test_a_pickled_builder_and_driver_rebuild_from_their_modules(pipeline_module):
    builder = driver.Builder().with_modules(pipeline_module).with_config({"scale": 3})
    builder = pickle.loads(pickle.dumps(builder))
    assert builder._modules == [pipeline_module]
    dr = pickle.loads(pickle.dumps(builder.with_adapters(DictResult()).build()))
    assert dr.modules == [pipeline_module] and dr.config == {"scale": 3}
    assert dr.execute(["doubled"], inputs={"x": 2}) == {"doubled": 12}


def _execute_in_worker(dr):
    return dr.execute(["doubled"], inputs={"x": 5}), multiprocessing.current_process().name


def test_a_pickled_driver_executes_in_a_process_pool(pipeline_module):
    dr = driver.Builder().with_modules(pipeline_module).with_config({"scale": 2}).build()
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter imports the module again
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=spawn) as pool:
        result, worker = pool.submit(_execute_in_worker, dr).result(timeout=60)
    assert result == {"doubled": 20}
    assert worker != multiprocessing.current_process().name


def test_pickling_a_driver_of_a_temporary_module_names_the_module_and_the_fix():
    module = create_temporary_module(one, two)
    dr = driver.Builder().with_modules(module).build()
    with pytest.raises(DagwireError) as caught:
        pickle.dumps(dr)
    message = str(caught.value)
    assert module.__name__ in message and "create_temporary_module" in message
    assert "Move its functions into a module file" in message


# --- inputs and variables ----------------------------------------------------------------------
def uses_optional(x: int, y: int = 2) -> int:
    return x + y


def test_a_requested_input_nobody_gave_is_none_but_a_required_one_still_fails():
    dr = build(uses_optional)
    assert dr.execute(["y"]) == {"y": None}
    assert dr.execute(["uses_optional", "y"], inputs={"x": 1}) == {"uses_optional": 3, "y": None}
    assert dr.execute(["x"]) == {"x": None}
    with pytest.raises(DagwireError, match="x \\(int\\): needed by uses_optional"):
        dr.execute(["uses_optional", "x"])
    dynamic = build(uses_optional, dynamic=True)
    assert dynamic.execute(["uses_optional", "y"], inputs={"x": 1}) == {
        "uses_optional": 3,
        "y": None,
    }


def replaced(x: int) -> int:
    return x * 100


def reads_replaced(replaced: int) -> int:
    return replaced + 1


def test_inputs_list_the_functions_reading_them_and_a_config_replaced_function_is_an_input():
    dr = build(uses_optional, replaced, reads_replaced, cfg={"replaced": 5})
    variables = {v.name: v for v in dr.list_available_variables()}
    assert [f.__name__ for f in variables["x"].originating_functions] == ["uses_optional"]
    assert [f.__name__ for f in variables["y"].originating_functions] == ["uses_optional"]
    assert variables["replaced"].is_external_input
    assert [f.__name__ for f in variables["replaced"].originating_functions] == ["reads_replaced"]
    assert variables["replaced"].required_dependencies == frozenset()
    assert dr.execute(["reads_replaced"]) == {"reads_replaced": 6}


def test_an_invalid_tag_filter_is_refused_as_in_hamilton():
    dr = build(one)
    for wrong in ({"owner": 1}, {"owner": []}, {"owner": ("a",)}):
        with pytest.raises(ValueError, match="must be a string, a non-empty list"):
            dr.list_available_variables(tag_filter=wrong)
    assert dr.list_available_variables(tag_filter={"owner": None}) == []


# --- logging and error names -------------------------------------------------------------------
def test_setup_logging_configures_the_root_logger_once(monkeypatch):
    from dagwire import log_setup

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", logging.WARNING)
    log_setup.setup_logging(logging.DEBUG)
    assert len(root.handlers) == 1 and root.level == logging.DEBUG
    log_setup.setup_logging(logging.ERROR)  # already configured: left as it is
    assert len(root.handlers) == 1 and root.level == logging.DEBUG
    assert log_setup.LOG_LEVELS["INFO"] == logging.INFO


def test_invalid_decorator_exception_is_the_engine_error_under_hamiltons_import_paths():
    from dagwire import function_modifiers
    from dagwire.function_modifiers import base, dependencies, recursive

    for module in (function_modifiers, base, dependencies, recursive):
        assert module.InvalidDecoratorException is InvalidDecoratorError
    with pytest.raises(function_modifiers.InvalidDecoratorException, match="empty set of fields"):

        @function_modifiers.extract_fields({})
        def fields() -> dict:
            return {}

    with pytest.raises(ValueError):  # also a ValueError, as every error of the engine
        function_modifiers.extract_fields([])(one)


def test_a_pickled_driver_keeps_its_own_config_when_the_builder_changes_later(pipeline_module):
    from dagwire.io.materialization import to

    builder = driver.Builder().with_modules(pipeline_module).with_config({"scale": 3})
    dr = builder.build()
    builder.with_config({"scale": 50}).with_materializers(
        to.pickle(id="saved", dependencies=["doubled"], path="unused.pkl")
    )
    twin = pickle.loads(pickle.dumps(dr))
    assert twin.config == dr.config == {"scale": 3}
    assert twin.execute(["doubled"], inputs={"x": 2}) == {"doubled": 12}
    assert "saved" not in twin.graph.nodes
