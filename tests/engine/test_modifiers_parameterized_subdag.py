"""@parameterized_subdag: one namespaced subdag per parameterization, shared and per-subdag
inputs/config/external inputs, decorators on the final nodes, misuse refused."""

import pytest
from dagwire.ad_hoc_utils import create_temporary_module
from dagwire.errors import InvalidDecoratorError
from dagwire.function_modifiers import config, parameterized_subdag, source, tag, value
from engine_support import build, user_tags


def raw(path: str, scale: int) -> int:
    return len(path) * scale


@config.when(unit="k")
def sized__k(raw: int) -> int:
    return raw * 1000


@config.when_not(unit="k")
def sized__one(raw: int) -> int:
    return raw


SUB = create_temporary_module(raw, sized__k, sized__one)


def test_each_parameterization_is_a_subdag_named_after_it():
    @tag(stage="load")
    @parameterized_subdag(
        SUB,
        inputs={"path": value("ab")},
        config={"unit": "one"},
        a={},
        b={"inputs": {"path": source("b_path")}, "config": {"unit": "k"}},
    )
    def loaded(sized: int) -> int:
        return sized + 1

    dr = build(loaded)
    assert dr.execute(["a", "b"], inputs={"scale": 2, "b_path": "abc"}) == {"a": 5, "b": 6001}
    nodes = dr.graph.nodes
    assert {"a.raw", "a.sized", "a.path", "a.unit", "b.raw", "b.path"} <= set(nodes)
    assert "loaded" not in nodes and "scale" not in nodes  # read from outside by both
    assert user_tags(nodes["a"]) == {"stage": "load"}
    assert "stage" not in nodes["a.raw"].tags


def test_a_parameterization_replaces_the_shared_external_inputs():
    @parameterized_subdag(
        SUB,
        inputs={"path": value("x")},
        external_inputs=["bonus"],
        shared={},
        own={"external_inputs": []},
    )
    def plus(sized: int, bonus: int = 0) -> int:
        return sized + bonus

    dr = build(plus)
    result = dr.execute(["shared", "own"], inputs={"scale": 1, "bonus": 5, "own.bonus": 7})
    assert result == {"shared": 6, "own": 8}


def test_misuse_is_refused_when_decorating():
    with pytest.raises(InvalidDecoratorError, match="at least one parameterization"):
        parameterized_subdag(SUB)
    with pytest.raises(InvalidDecoratorError, match=r"a=\{'input': .*inputs, config"):
        parameterized_subdag(SUB, a={"input": {"path": value("x")}})
    with pytest.raises(InvalidDecoratorError, match="source\\('outer_node'\\) or value"):
        parameterized_subdag(SUB, a={"inputs": {"path": "x"}})
