"""@pipe_input / @pipe_output / @mutate with step(...): chains, names, conditions, misuse."""

import json

import pytest
from dagwire import driver
from dagwire.errors import InvalidDecoratorError
from dagwire.function_modifiers import (
    apply_to,
    extract_fields,
    mutate,
    pipe,
    pipe_input,
    pipe_output,
    source,
    step,
    tag,
    value,
)
from engine_support import build, user_tags


def _add(x: int, y: int = 1) -> int:
    return x + y


def _times(x: int, k: int) -> int:
    return x * k


def test_pipe_input_chains_steps_on_the_first_parameter():
    @pipe_input(step(_add), step(_times, k=value(3)), step(_add, y=source("offset")))
    def result(base: int, other: int) -> int:
        return base * 1000 + other

    dr = build(result)
    assert set(dr.graph.nodes) == {
        "result",
        "result.with_add",
        "result.with_times",
        "result.with_add_1",
    }
    assert dr.execute(["result"], inputs={"base": 1, "other": 2, "offset": 10}) == {
        "result": 16 * 1000 + 2
    }
    assert dr.execute(["result.with_times"], inputs={"base": 1}) == {"result.with_times": 6}


def test_positional_step_arguments_fill_the_parameters_after_the_piped_one():
    @pipe_input(step(_times, 5))
    def r(v: int) -> int:
        return v

    assert build(r).execute(["r"], inputs={"v": 2}) == {"r": 10}


def test_conditional_and_named_steps_and_on_input():
    @pipe_input(
        step(_add).when(mode="up").named("bumped"),
        step(_times, k=10).when_not(mode="up").named("scaled", namespace=None),
        on_input="second",
    )
    def r(first: int, second: int) -> int:
        return first + second

    up = build(r, cfg={"mode": "up"})
    assert "r.bumped" in up.graph.nodes and "scaled" not in up.graph.nodes
    assert up.execute(["r"], inputs={"first": 100, "second": 1}) == {"r": 102}
    down = build(r, cfg={"mode": "down"})
    assert down.execute(["r"], inputs={"first": 100, "second": 1}) == {"r": 110}
    assert set(build(r, cfg={"mode": None}).graph.nodes) == {"r", "scaled"}


def test_pipe_is_the_older_name_of_pipe_input():
    assert pipe is pipe_input


def test_pipe_output_runs_the_chain_on_the_result_and_keeps_the_name():
    @tag(owner="me")
    @pipe_output(step(_add), step(_times, k=2))
    def b(a: int) -> int:
        """B's docs."""
        return a + 5

    dr = build(b)
    assert set(dr.graph.nodes) == {"b.raw", "b.with_add", "b.with_times", "b"}
    assert dr.execute(["b", "b.raw"], inputs={"a": 1}) == {"b": 14, "b.raw": 6}
    assert user_tags(dr.graph.nodes["b"]) == {"owner": "me"}
    assert dr.graph.nodes["b"].doc == "B's docs."


def test_pipe_output_targets_extracted_fields_globally_or_per_step():
    @pipe_output(step(_add).on_output("f1"), step(_times, k=10))
    @extract_fields({"f1": int, "f2": int})
    def d(n: int) -> dict:
        return {"f1": n, "f2": n}

    assert build(d).execute(["f1", "f2"], inputs={"n": 1}) == {"f1": 20, "f2": 10}

    @pipe_output(step(_add), on_output=["f2"])
    @extract_fields({"f1": int, "f2": int})
    def e(n: int) -> dict:
        return {"f1": n, "f2": n}

    assert build(e).execute(["f1", "f2"], inputs={"n": 1}) == {"f1": 1, "f2": 2}


def test_a_pipe_whose_steps_all_resolve_away_leaves_the_node_alone():
    @pipe_output(step(_add).when(never=True))
    def c(a: int) -> int:
        return a

    assert set(build(c).graph.nodes) == {"c"}


def test_mutate_adds_steps_to_other_functions_from_the_steps_side():
    def a(x: int) -> int:
        return x

    def b(x: int) -> int:
        return x * 100

    @mutate(a, b)
    def _plus_one(v: int) -> int:
        return v + 1

    @mutate(apply_to(a, k=value(2)), apply_to(b, k=source("factor")).when(scale=True))
    def _scaled(v: int, k: int) -> int:
        return v * k

    dr = build(a, b, cfg={"scale": True})  # the steps travel with a and b
    assert dr.execute(["a", "b"], inputs={"x": 1, "factor": 3}) == {"a": 4, "b": 303}
    assert build(a, b, cfg={"scale": False}).execute(["b"], inputs={"x": 1}) == {"b": 101}


def test_a_mutating_function_is_not_a_node_even_when_public(tmp_path, monkeypatch):
    (tmp_path / "mutations.py").write_text(
        "from dagwire.function_modifiers import mutate\n"
        "def data(x: int) -> int:\n    return x\n"
        "@mutate(data)\n"
        "def doubled(v: int) -> int:\n    return v * 2\n"
    )
    monkeypatch.syspath_prepend(tmp_path)
    import mutations

    dr = driver.Builder().with_modules(mutations).build()
    assert set(dr.graph.nodes) == {"data.raw", "data.with_doubled", "data"}
    assert dr.execute(["data"], inputs={"x": 4}) == {"data": 8}


def test_misuse_is_reported_with_the_function_and_the_fix():
    with pytest.raises(InvalidDecoratorError, match=r"step\(_times, \.\.\.\) does not fit"):

        @pipe_input(step(_times, 1, 2))
        def f1(a: int) -> int:
            return a

    def no_params() -> int:
        return 1

    with pytest.raises(InvalidDecoratorError, match="takes no parameters"):

        @pipe_input(step(no_params))
        def f2(a: int) -> int:
            return a

    with pytest.raises(InvalidDecoratorError, match="wrap the function: step"):
        pipe_input(_add)
    with pytest.raises(InvalidDecoratorError, match="needs at least one step"):
        pipe_output()
    with pytest.raises(InvalidDecoratorError, match="either with on_output= or per step"):
        pipe_output(step(_add).on_output("x"), on_output="y")
    with pytest.raises(InvalidDecoratorError, match="on_output=...\\) is not allowed"):
        pipe_output(step(_add), on_output=...)
    with pytest.raises(InvalidDecoratorError, match="on_input='zz' is not a parameter"):

        @pipe_input(step(_add), on_input="zz")
        def f3(a: int) -> int:
            return a

    with pytest.raises(InvalidDecoratorError, match="namespace either on the decorator or on"):

        @pipe_input(step(_add).named("n", namespace="x"), namespace="y")
        def f4(a: int) -> int:
            return a

    with pytest.raises(InvalidDecoratorError, match="not its name"):
        step("_add")

    with pytest.raises(InvalidDecoratorError, match="defined in json, not in test_modifiers_pipes"):

        @mutate(json.dumps)
        def _elsewhere(v: int) -> int:
            return v

    assert not hasattr(json.dumps, "__dagwire_modifiers__")
