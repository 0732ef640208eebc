"""The engine's core contract: graph rules, execution, and the errors issue #2 promises."""

import gc
import uuid
import weakref
from typing import Any, Union

import pytest
from dagwire import driver, errors
from dagwire.ad_hoc_utils import create_temporary_module
from dagwire.function_modifiers import config
from engine_support import build


# --- graph rules -------------------------------------------------------------------------------
def test_parameter_names_are_dependencies_and_only_needed_nodes_run():
    ran = []

    def a(x: int) -> int:
        ran.append("a")
        return x + 1

    def b(a: int) -> int:
        ran.append("b")
        return a * 2

    def unrelated(x: int) -> int:
        ran.append("unrelated")
        return x

    dr = build(a, b, unrelated)
    assert dr.execute(["b"], inputs={"x": 1}) == {"b": 4}
    assert ran == ["a", "b"]


def test_private_and_imported_functions_are_not_nodes(tmp_path, monkeypatch):
    (tmp_path / "mod_rules.py").write_text(
        "from os.path import join\n"
        "def _helper(x: int) -> int:\n    return x\n"
        "def public(x: int) -> int:\n    return _helper(x)\n"
    )
    monkeypatch.syspath_prepend(tmp_path)
    import mod_rules

    dr = driver.Builder().with_modules(mod_rules).build()
    assert set(dr.graph.nodes) == {"public"}


def test_default_makes_dependency_optional_and_node_beats_default():
    def a(x: int = 10) -> int:
        return x

    dr = build(a)
    assert dr.execute(["a"]) == {"a": 10}
    assert dr.execute(["a"], inputs={"x": 3}) == {"a": 3}

    def x() -> int:
        return 7

    assert build(a, x).execute(["a"]) == {"a": 7}


def test_an_absent_input_is_left_to_defaults_where_optional_and_refused_where_required():
    def a(x: int = 1, y: int = 2) -> int:
        return x + y

    def b(a: int, x: int) -> int:
        return a * x

    def c(a: int, *, y: int = 5) -> int:
        return a - y

    dr = build(a, b, c)
    assert dr.execute(["a", "c"]) == {"a": 3, "c": -2}
    with pytest.raises(errors.MissingInputsError) as info:
        dr.execute(["b"])
    assert "x (int): needed by b\n" in str(info.value)  # a can do without x
    assert dr.execute(["b", "c"], inputs={"x": 5, "y": 0}) == {"b": 25, "c": 5}


def test_config_values_are_inputs_and_config_when_selects_variant():
    @config.when(kind="sum")
    def total__sum(a: int, b: int) -> int:
        return a + b

    @config.when_not(kind="sum")
    def total__product(a: int, b: int) -> int:
        return a * b

    @config.when_in(kind=["sum", "other"])
    def extra__in(total: int) -> int:
        return total + 100

    @config.when_not_in(kind=["sum", "other"])
    def extra__out(total: int) -> int:
        return total - 100

    sums = build(total__sum, total__product, extra__in, extra__out, cfg={"kind": "sum", "a": 2})
    assert sums.execute(["total", "extra"], inputs={"b": 3}) == {"total": 5, "extra": 105}
    products = build(total__sum, total__product, extra__in, extra__out, cfg={"a": 2})
    # a missing key compares as None
    assert products.execute(["total", "extra"], inputs={"b": 3}) == {"total": 6, "extra": -94}


def test_overrides_skip_the_node_and_everything_only_it_needed():
    def a(x: int) -> int:
        raise AssertionError("must not run")

    def b(a: int) -> int:
        return a + 1

    assert build(a, b).execute(["b"], overrides={"a": 41}) == {"b": 42}


def test_final_vars_may_be_functions_of_the_drivers_modules_or_variables():
    def a() -> int:
        return 1

    def b(a: int) -> int:
        return a + 1

    dr = build(a, b)
    assert dr.execute([a]) == {"a": 1}
    assert dr.execute(dr.list_available_variables(tag_filter={})) == {"a": 1, "b": 2}

    def a() -> int:  # noqa: F811 - same name, another function: it must not stand for node a
        return 2

    with pytest.raises(errors.DagwireError, match="not in a module given to the driver"):
        dr.execute([a])


def test_an_input_named_like_a_node_is_ignored_with_a_warning_as_in_hamilton():
    def base(x: int) -> int:
        return x + 1

    def out(base: int) -> int:
        return base * 10

    dr = build(base, out)
    with pytest.warns(UserWarning, match=r"inputs\['base'\] is ignored.*overrides="):
        assert dr.execute(["out"], inputs={"x": 1, "base": 100}) == {"out": 20}
    assert dr.execute(["out"], inputs={"x": 1}, overrides={"base": 100}) == {"out": 1000}


def test_inputs_of_the_wrong_type_are_refused_all_at_once_before_anything_runs():

    ran = []

    def total(amount: int, rate: float, tags: list[int], note: str | None) -> float:
        ran.append(1)
        return amount * rate

    dr = build(total)
    good = {"amount": 2, "rate": 1, "tags": ["not checked inside"], "note": None}
    assert dr.execute(["total"], inputs=good) == {"total": 2}  # int passes for float; None passes
    bad = {"amount": 1.5, "rate": "2", "tags": {"a": 1}, "note": "ok"}
    for call in (dr.execute, dr.validate_execution):
        with pytest.raises(errors.InputTypeError) as info:
            call(["total"], inputs=bad)
        message = str(info.value)
        assert message.startswith("3 inputs of the wrong type")
        assert "amount: got float 1.5, but 'amount: int' is declared by total (" in message
        assert "rate: got str '2'" in message and "tags: got dict {'a': 1}" in message
    assert ran == [1]  # only the good call ran

    # never stricter than Hamilton: any list or tuple for a sequence, any iterable for a set
    def grouped(items: list[int], names: set[str]) -> int:
        return len(items) + len(names)

    assert build(grouped).execute(["grouped"], inputs={"items": (1, 2), "names": ["a"]}) == {
        "grouped": 3
    }
    # overriding the input is the user's explicit choice; the check can be turned off
    assert dr.execute(["total"], inputs={**good, "amount": 1}, overrides={"rate": "x"}) == {
        "total": "x"
    }
    from dagwire.lifecycle import NoEdgeAndInputTypeChecking

    def word() -> str:
        return "w"

    def length(word: int) -> int:  # a mismatched edge: refused unless checks are off
        return len(word)

    with pytest.raises(errors.TypeMismatchError):
        build(total, word, length)
    unchecked = driver.Builder().with_modules(create_temporary_module(total, word, length))
    unchecked = unchecked.with_adapters(NoEdgeAndInputTypeChecking()).build()
    assert unchecked.execute(["total", "length"], inputs={**bad, "rate": 2}) == {
        "total": 3.0,
        "length": 1,
    }


def test_config_keys_are_variables_and_chosen_nodes_name_them_as_in_hamilton():
    @config.when(mode="fast")
    def speed__fast() -> int:
        return 2

    dr = build(speed__fast, cfg={"mode": "fast", "unused": 1})
    found = {v.name: v for v in dr.list_available_variables()}
    assert found["unused"].is_external_input and found["mode"].is_external_input
    assert found["speed"].tags["hamilton.config"] == "mode"
    assert [v.name for v in dr.what_is_downstream_of("mode")] == ["mode"]


def test_validate_execution_is_a_dry_run():
    calls = []

    def a(x: int) -> int:
        calls.append(1)
        return x

    dr = build(a)
    dr.validate_execution(["a"], inputs={"x": 1})
    with pytest.raises(errors.MissingInputsError):
        dr.validate_execution(["a"])
    assert calls == []


def test_lineage_queries():
    def a(x: int) -> int:
        return x

    def b(a: int) -> int:
        return a

    def c(b: int) -> int:
        return b

    def d(a: int) -> int:
        return a

    dr = build(a, b, c, d)
    assert {v.name for v in dr.what_is_upstream_of("c")} == {"c", "b", "a", "x"}
    assert {v.name for v in dr.what_is_downstream_of("b")} == {"b", "c"}
    assert {v.name for v in dr.what_is_the_path_between("a", "c")} == {"a", "b", "c"}
    assert dr.what_is_the_path_between("d", "c") == []
    variables = {v.name: v for v in dr.list_available_variables()}
    assert variables["x"].is_external_input and variables["x"].type is int
    assert variables["b"].required_dependencies == {"a"}


# --- execution ---------------------------------------------------------------------------------
def test_chain_of_100000_nodes_executes_iteratively():
    n = 100_000
    namespace: dict[str, Any] = {}
    source = ["def n0(x: int) -> int:\n    return x + 1\n"]
    source += [f"def n{i}(n{i - 1}: int) -> int:\n    return n{i - 1} + 1\n" for i in range(1, n)]
    exec(compile("".join(source), "chain", "exec"), namespace)
    module = create_temporary_module(*(namespace[f"n{i}"] for i in range(n)))
    dr = driver.Builder().with_modules(module).build()
    assert dr.execute([f"n{n - 1}"], inputs={"x": 0}) == {f"n{n - 1}": n}


def test_intermediate_values_are_dropped_once_nothing_needs_them():
    class Big:
        pass

    refs = []

    def first() -> Big:
        value = Big()
        refs.append(weakref.ref(value))
        return value

    def second(first: Big) -> int:
        return 1

    def third(second: int) -> int:
        gc.collect()
        assert refs[0]() is None, "first's value should have been released"
        return second + 1

    assert build(first, second, third).execute(["third"]) == {"third": 2}


def test_requested_intermediate_values_are_kept():
    def a() -> int:
        return 1

    def b(a: int) -> int:
        return a + 1

    assert build(a, b).execute(["a", "b"]) == {"a": 1, "b": 2}


# --- errors ------------------------------------------------------------------------------------
def test_cycle_is_reported_at_build_time_with_its_path():
    def a(c: int) -> int:
        return c

    def b(a: int) -> int:
        return a

    def c(b: int) -> int:
        return b

    with pytest.raises(errors.GraphCycleError) as info:
        build(a, b, c)
    message = str(info.value)
    assert "cycle" in message
    path = message.splitlines()[0].split(": ", 1)[1].split(" -> ")
    assert set(path) == {"a", "b", "c"} and path[0] == path[-1] and len(path) == 4
    rotations = {"a b c a", "b c a b", "c a b c"}  # data flows a -> b -> c -> a
    assert " ".join(path) in rotations
    assert "test_core.py" in message  # points at the code


def test_all_missing_inputs_are_reported_at_once_with_who_needs_them():
    def a(x: int, y: str) -> int:
        return x

    def b(x: int, z: float) -> int:
        return x

    with pytest.raises(errors.MissingInputsError) as info:
        build(a, b).execute(["a", "b"])
    message = str(info.value)
    assert "3 required inputs" in message
    assert "x (int): needed by a, b" in message or "x (int): needed by b, a" in message
    assert "y (str): needed by a" in message and "z (float): needed by b" in message


def test_unknown_output_suggests_closest_names():
    def revenue() -> int:
        return 1

    with pytest.raises(errors.UnknownOutputError, match="Did you mean 'revenue'"):
        build(revenue).execute(["revenu"])


def test_duplicate_node_across_modules_names_both_definitions(tmp_path, monkeypatch):
    (tmp_path / "dup_one.py").write_text("def value() -> int:\n    return 1\n")
    (tmp_path / "dup_two.py").write_text("\n\ndef value() -> int:\n    return 2\n")
    monkeypatch.syspath_prepend(tmp_path)
    import dup_one
    import dup_two

    with pytest.raises(errors.DuplicateNodeError) as info:
        driver.Builder().with_modules(dup_one, dup_two).build()
    assert "dup_one.py:1" in str(info.value) and "dup_two.py:3" in str(info.value)
    dr = driver.Builder().with_modules(dup_one, dup_two).allow_module_overrides().build()
    assert dr.execute(["value"]) == {"value": 2}


def test_edge_type_mismatch_names_both_ends():
    def a() -> str:
        return "x"

    def b(a: int) -> int:
        return a

    with pytest.raises(errors.TypeMismatchError) as info:
        build(a, b)
    message = str(info.value)
    assert "'a' -> 'b'" in message and "returns str" in message and "a: int" in message


@pytest.mark.parametrize(
    ("produced", "accepted"),
    [
        (int, int),
        (bool, int),
        (int, Any),
        (Any, int),
        (int, Union[int, str]),  # noqa: UP007
        (int, int | None),
        (list[int], list),
        (list, list[int]),
        (dict[str, int], dict[str, int]),
    ],
)
def test_compatible_edge_types(produced, accepted):
    from dagwire.types import is_compatible

    assert is_compatible(produced, accepted)


@pytest.mark.parametrize(
    ("produced", "accepted"), [(str, int), (int, bool), (list[int], dict), (int | str, int)]
)
def test_incompatible_edge_types(produced, accepted):
    from dagwire.types import is_compatible

    assert not is_compatible(produced, accepted)


def test_config_and_input_overlap_is_named():
    def a(x: int) -> int:
        return x

    with pytest.raises(errors.ConfigInputOverlapError, match="x given both as config and as input"):
        build(a, cfg={"x": 1}).execute(["a"], inputs={"x": 2})


def test_failing_node_keeps_exception_type_and_notes_node_and_path():
    def a(x: int) -> int:
        return x

    def b(a: int) -> int:
        raise KeyError("boom")

    def c(b: int) -> int:
        return b

    with pytest.raises(KeyError) as info:
        build(a, b, c).execute(["c"], inputs={"x": 1})
    notes = "\n".join(info.value.__notes__)
    assert "node 'b' failed" in notes and "test_core.py" in notes
    assert "b -> c" in notes and "a: int" in notes


@pytest.mark.parametrize("mode", ["loop", "hooks", "dynamic", "nested"])
def test_a_failing_node_is_noted_once_and_named_by_failed_node(mode):
    """One visible protocol, whichever part of the engine runs the node: ``failed_node`` names
    where the error happened, and one note describes it (a nested driver's node, in its run)."""
    from dagwire.lifecycle.default import NodeTimer

    def a(x: int) -> int:
        return x

    def b(a: int) -> int:
        raise KeyError("boom")

    inner = build(a, b)

    def outer(y: int) -> int:
        return inner.execute(["b"], inputs={"x": y})["b"]

    fns = (outer,) if mode == "nested" else (a, b)
    dr = build(*fns, adapters=[NodeTimer()] if mode == "hooks" else (), dynamic=mode == "dynamic")
    with pytest.raises(KeyError) as info:
        dr.execute(["outer" if mode == "nested" else "b"], inputs={"y": 1, "x": 1})
    assert errors.failed_node(info.value) == "b"
    described = [n for n in info.value.__notes__ if n.startswith("dagwire: node")]
    assert len(described) == 1 and "node 'b' failed" in described[0]


def test_final_vars_as_a_bare_string_is_refused_clearly():
    def a() -> int:
        return 1

    with pytest.raises(errors.DagwireError, match=r"write \['a'\]"):
        build(a).execute("a")


def test_varargs_functions_build_but_are_refused_when_run():
    def a(*values: int) -> int:
        return 1

    def b() -> int:
        return 2

    dr = build(a, b)  # as in Hamilton: a helper with *args does not break the graph
    assert dr.execute(["b"]) == {"b": 2}
    with pytest.raises(errors.InvalidDecoratorError, match="named parameters"):
        dr.execute(["a"])


def test_wrappers_take_the_wrapped_signature_and_odd_wrapper_chains_are_refused():
    import functools

    def plain(x: int, y: int = 2) -> int:
        return x * y

    @functools.wraps(plain)
    def a(*args, **kwargs):
        return plain(*args, **kwargs) + 1

    dr = build(a)  # named after the wrapped function, as functools.wraps renames the wrapper
    node = dr.graph.nodes["plain"]
    assert node.inputs["x"].type is int and node.inputs["y"].optional and node.type is int
    assert dr.execute(["plain"], inputs={"x": 3}) == {"plain": 7}  # y left to its default

    def b(*args: int) -> int:
        return 1

    b.__wrapped__ = b  # a cycle: the build must not hang on it
    with pytest.raises(errors.InvalidDecoratorError, match="functools.wraps"):
        build(b).execute(["b"])


def test_wrapped_methods_wrapped_functions_and_positional_only_functions(tmp_path):
    import functools

    def logged(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            return fn(*args, **kwargs)

        return wrapper

    class Scaler:
        def scaled(self, x: int) -> int:
            return 2 * x

    bound = Scaler().scaled
    scaled = logged(bound)  # the bound method's self is not an input
    first = create_temporary_module(scaled)
    assert driver.Builder().with_modules(first).build().execute(["scaled"], inputs={"x": 2}) == {
        "scaled": 4
    }

    def scaled(x: int) -> int:  # noqa: F811 - a later module's version of the same node
        return x + 100

    second = create_temporary_module(logged(scaled))
    dr = driver.Builder().with_modules(first, second).allow_module_overrides().build()
    assert dr.graph.nodes["scaled"].tags["module"] == second.__name__
    assert dr.execute(["scaled"], inputs={"x": 1}) == {"scaled": 101}

    def plain(x: int) -> int:
        return x + 100

    def sliced(values: list, /, start: int) -> list:
        return values[start:]

    dr = build(sliced, plain)  # builds, as in Hamilton; refused only when it would run
    assert dr.execute(["plain"], inputs={"x": 1}) == {"plain": 101}
    with pytest.raises(errors.InvalidDecoratorError, match="positional-only"):
        dr.execute(["sliced"], inputs={"values": [1], "start": 0})


def test_only_plain_functions_are_nodes_as_in_hamilton():
    class Helper:
        def method(self) -> int:
            return 1

    module = create_temporary_module()
    module.method = Helper().method  # a bound method in a module is not a node
    module.method.__func__.__module__ = module.__name__
    assert driver.Builder().with_modules(module).build().graph.nodes == {}


def test_module_tag_is_visible_and_filterable_like_hamilton():
    def a() -> int:
        return 1

    name = f"features_{uuid.uuid4().hex}"  # a temporary module's functions belong to it
    dr = driver.Builder().with_modules(create_temporary_module(a, module_name=name)).build()
    (variable,) = [v for v in dr.list_available_variables() if v.name == "a"]
    assert variable.tags["module"] == name
    assert [v.name for v in dr.list_available_variables(tag_filter={"module": name})] == ["a"]
    assert dr.list_available_variables(tag_filter={"module": __name__}) == []


def test_temporary_modules_are_modules_of_their_own():
    def a() -> int:
        return 1

    first = create_temporary_module(a)

    def a() -> int:  # noqa: F811 - redefined, as a notebook cell run again would
        return 101

    second = create_temporary_module(a)
    dr = driver.Builder().with_modules(first, second).allow_module_overrides().build()
    assert dr.execute(["a"]) == {"a": 101}  # the later module replaces the earlier one
    with pytest.raises(errors.DuplicateNodeError):
        driver.Builder().with_modules(first, second).build()

    def _helper() -> int:
        return 0

    with pytest.raises(errors.DagwireError, match="helper"):
        create_temporary_module(_helper)
    with pytest.raises(errors.DagwireError, match="already exists"):
        create_temporary_module(a, module_name=first.__name__)


def test_tag_filter_compares_values_as_they_are():
    from dagwire.function_modifiers import tag

    @tag(level="1")
    def a() -> int:
        return 1

    dr = build(a)
    assert [v.name for v in dr.list_available_variables(tag_filter={"level": "1"})] == ["a"]
    with pytest.raises(ValueError, match="tag_filter value 'level': 1"):  # refused, as in Hamilton
        dr.list_available_variables(tag_filter={"level": 1})


def test_unhashable_annotations_still_build_and_run():
    from typing import Annotated

    def a(x: Annotated[int, {"unit": "m"}]) -> int:  # dict metadata: the annotation is unhashable
        return x + 1

    with pytest.raises(TypeError):
        hash(a.__annotations__["x"])
    assert build(a).execute(["a"], inputs={"x": 1}) == {"a": 2}


def test_string_annotations_are_resolved_for_type_checks(tmp_path, monkeypatch):
    (tmp_path / "future_mod.py").write_text(
        "from __future__ import annotations\n"
        "def a(x: int) -> str:\n    return str(x)\n"
        "def b(a: int) -> int:\n    return a\n"
        "def c() -> int:\n    return 1\n"
    )
    monkeypatch.syspath_prepend(tmp_path)
    import future_mod

    with pytest.raises(errors.TypeMismatchError, match="returns str"):
        driver.Builder().with_modules(future_mod).build()
    del future_mod.b
    dr = driver.Builder().with_modules(future_mod).build()
    assert dr.graph.nodes["a"].inputs["x"].type is int
    assert dr.graph.nodes["c"].type is int  # only the return annotation was a string


def test_schedule_cache_evicts_and_stays_correct_under_threads():
    from concurrent.futures import ThreadPoolExecutor

    def a(x: int) -> int:
        return x + 1

    dr = build(a)

    def call(i):  # each distinct input set is a new request shape: the cache fills and evicts
        return dr.execute(["a"], inputs={"x": i, **{f"extra{i % 90}": 0}})["a"] == i + 1

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(call, range(2000)))
    # bounded, not exact: racing threads may each insert once past the limit before evicting
    assert len(dr._schedules) <= 64 + 8
