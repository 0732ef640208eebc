"""@config.when and friends: variant selection, Hamilton's naming rule, and misuse."""

import pytest
from dagwire.errors import DuplicateNodeError, InvalidDecoratorError
from dagwire.function_modifiers import config, hamilton_exclude
from engine_support import build


def nodes(dr):
    return set(dr.graph.nodes)


def test_the_suffix_is_cut_at_the_last_double_underscore_for_config_variants_only():
    @config.when(v=1)
    def signups__v1__old(x: int) -> int:
        return x

    def plain__name(x: int) -> int:
        return x

    dr = build(signups__v1__old, plain__name, cfg={"v": 1})
    assert nodes(dr) == {"signups__v1", "plain__name"}


def test_missing_keys_compare_as_none():
    @config.when(flag=None)
    def a__none(x: int) -> int:
        return 1

    @config.when_not(flag=None)
    def a__set(x: int) -> int:
        return 2

    assert build(a__none, a__set).execute(["a"], inputs={"x": 0}) == {"a": 1}
    assert build(a__none, a__set, cfg={"flag": "y"}).execute(["a"], inputs={"x": 0}) == {"a": 2}


@pytest.mark.parametrize(
    ("cfg", "expected"),
    [
        ({"region": "uk", "line": "kids"}, "in"),
        ({"region": "us", "line": "womens"}, "out"),
        ({"region": "uk", "line": "womens"}, None),
    ],
)
def test_when_in_and_when_not_in_need_every_key_to_match(cfg, expected):
    @config.when_in(region=["uk"], line=["mens", "kids"])
    def trend__in() -> str:
        return "in"

    @config.when_not_in(region=["uk"], line=["mens", "kids"])
    def trend__out() -> str:
        return "out"

    dr = build(trend__in, trend__out, cfg=cfg)
    if expected is None:
        assert "trend" not in dr.graph.nodes
    else:
        assert dr.execute(["trend"]) == {"trend": expected}


def test_several_conditions_must_all_hold_and_name_overrides_the_node_name():
    @config.when(a=1)
    @config.when_not(b=2)
    def anything(x: int) -> int:
        return x

    @config.when(a=1, name="chosen")
    def other_name(x: int) -> int:
        return -x

    assert nodes(build(anything, other_name, cfg={"a": 1, "b": 3})) == {"anything", "chosen"}
    assert nodes(build(anything, other_name, cfg={"a": 1, "b": 2})) == {"chosen"}


def test_a_custom_resolver_sees_the_whole_config():
    @config(lambda cfg: cfg.get("x", 0) + cfg.get("y", 0) > 3)
    def big__yes() -> bool:
        return True

    assert nodes(build(big__yes, cfg={"x": 2, "y": 2})) == {"big"}
    assert nodes(build(big__yes, cfg={"x": 1})) == set()


def test_two_variants_that_both_resolve_are_a_duplicate_with_both_origins():
    @config.when_in(k=[1, 2])
    def out__a() -> int:
        return 1

    @config.when_in(k=[2, 3])
    def out__b() -> int:
        return 2

    with pytest.raises(DuplicateNodeError, match="Node 'out' is defined twice") as err:
        build(out__a, out__b, cfg={"k": 2})
    assert "out__a" in str(err.value) and "out__b" in str(err.value)


def test_hamilton_exclude_keeps_a_public_helper_out_of_the_graph():
    @hamilton_exclude
    def helper(x: int) -> int:
        return x

    def used(x: int) -> int:
        return helper(x)

    assert nodes(build(helper, used)) == {"used"}


def test_misuse_is_reported_with_the_function_and_the_fix():
    with pytest.raises(InvalidDecoratorError, match="ends with '__'.*give the variant a name"):

        @config.when(a=1)
        def broken__(x: int) -> int:
            return x

    with pytest.raises(InvalidDecoratorError, match=r"give a list .*k=\['abc'\]"):
        config.when_in(k="abc")

    with pytest.raises(InvalidDecoratorError, match="pass a function of the config dict"):
        config("not callable")

    with pytest.raises(InvalidDecoratorError, match="forget the parentheses"):
        config.when(a=1)(42)
