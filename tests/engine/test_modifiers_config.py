"""@config.when and friends: variant selection, Hamilton's naming rule, and misuse."""

import re

import pytest
from dagwire.errors import (
    DuplicateNodeError,
    InvalidDecoratorError,
    MissingInputsError,
    UnknownOutputError,
)
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


def missing_input_error(*fns, cfg):
    """What running the last of ``fns`` says when ``cfg`` chooses none of what it reads."""
    with pytest.raises(MissingInputsError) as error:
        build(*fns, cfg=cfg).execute([fns[-1].__name__], inputs={"x": 1})
    return str(error.value)


def test_a_node_no_variant_defines_for_the_config_names_the_key_its_value_and_the_choices():
    """A config value that chooses no variant is a config mistake, not a missing input."""

    @config.when(model_type="logistic")
    def model__logistic(x: int) -> int:
        return x

    @config.when_in(model_type=["forest", "trees"])
    def model__forest(x: int) -> int:
        return -x

    def metrics(model: int) -> int:
        return model

    message = missing_input_error(
        model__logistic, model__forest, metrics, cfg={"model_type": "svm"}
    )
    assert "  model (int): needed by metrics\n" in message
    assert (
        "\nNo function defines 'model' with this config (model_type = 'svm'); its variants are:\n"
        in message
    )
    here = re.escape(__file__)
    assert re.search(
        rf"\n  model__logistic \({here}:\d+ in .*model__logistic\(\)\) "
        r"when model_type == 'logistic'\n",
        message,
    )
    assert "model__forest" in message and "when model_type in ['forest', 'trees']\n" in message
    assert message.endswith(
        "\nSet model_type to 'logistic' or 'forest' or 'trees' in the driver's config "
        "(Builder().with_config(...))."
    )
    with pytest.raises(UnknownOutputError, match=r"  No function defines 'model' with this"):
        build(model__logistic, model__forest, cfg={"model_type": "svm"}).execute(["model"])


def test_variants_chosen_by_several_keys_list_their_conditions_without_a_short_answer():
    @config.when(kind="a", size="big")
    def shape__big_a(x: int) -> int:
        return x

    @config.when_not(kind="a")
    def shape__other(x: int) -> int:
        return x

    def area(shape: int) -> int:
        return shape

    message = missing_input_error(shape__big_a, shape__other, area, cfg={"kind": "a"})
    assert "with this config (kind = 'a', size not set)" in message
    assert "when kind == 'a' and size == 'big'\n" in message and "when kind != 'a'\n" in message
    assert message.endswith(
        "\nMake one of these conditions hold in the driver's config (Builder().with_config(...))."
    )
