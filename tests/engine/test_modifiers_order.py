"""How modifiers compose: Hamilton's phase order whatever the written order, and the fast path."""

import pytest
from dagwire.ad_hoc_utils import create_temporary_module
from dagwire.errors import InvalidDecoratorError
from dagwire.function_modifiers import (
    check_output,
    config,
    does,
    extract_fields,
    inject,
    load_from,
    parameterize,
    subdag,
    tag,
    value,
)
from dagwire.function_modifiers.base import modifiers_of, nodes_from_function
from engine_support import build, user_tags


def test_phases_run_in_hamiltons_order_whatever_the_written_order():
    # written upside down: decoration, transformation, injection... then config resolution
    @tag(kind="field")
    @check_output(range=(0, 100), target_="high")
    @extract_fields({"low": int, "high": int})
    @inject(region=value("eu"))
    @config.when(enabled=True)
    def bounds__on(region: str) -> dict:
        return {"low": len(region), "high": 10 * len(region)}

    dr = build(bounds__on, cfg={"enabled": True})
    assert {"bounds", "low", "high", "high_raw", "high_range_validator"} == set(dr.graph.nodes)
    assert dr.execute(["low", "high"]) == {"low": 2, "high": 20}
    assert user_tags(dr.graph.nodes["low"]) == {"kind": "field"}
    assert user_tags(dr.graph.nodes["high"]) == {"kind": "field"}
    assert build(bounds__on, cfg={"enabled": False}).graph.nodes == {}


def test_an_expander_sees_one_node_so_extraction_after_expansion_applies_per_output():
    @extract_fields({"n": int})
    @parameterize(a={"x": value(1)}, b={"x": value(2)})
    def d(x: int) -> dict:
        return {"n": x}

    with pytest.raises(InvalidDecoratorError, match="works on one node.*apply to 2"):
        build(d)


def test_the_config_variant_name_is_what_later_modifiers_see(tmp_path):
    (tmp_path / "d.json").write_text('{"k": 1}')

    @load_from.json(path=str(tmp_path / "d.json"))
    @config.when(v=1)
    def data__v1(d: dict) -> dict:
        return d

    dr = build(data__v1, cfg={"v": 1})
    assert "data.load_data.d" in dr.graph.nodes
    assert dr.execute(["data"]) == {"data": {"k": 1}}


def test_functions_without_modifiers_take_the_fast_path_and_decorated_ones_stay_callable():
    def plain(x: int) -> int:
        return x

    (node,) = nodes_from_function(plain, {})
    assert node.fn is plain and modifiers_of(plain) == []

    @tag(a="b")
    @parameterize(p={"x": value(1)})
    def decorated(x: int) -> int:
        return x + 1

    assert decorated(1) == 2  # decorators return the function itself
    assert [type(m).__name__ for m in modifiers_of(decorated)] == ["parameterize", "tag"]


def test_one_creator_per_function():
    def f(**kw: int) -> int:
        return 0

    with pytest.raises(
        InvalidDecoratorError,
        match=r"two decorators that both create its node \(@does and @subdag\)",
    ):

        @subdag(create_temporary_module(f))
        @does(f)
        def both(a: int) -> int:
            pass
