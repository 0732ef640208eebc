"""@tag / @tag_outputs: where tags land, tag_filter semantics, and misuse."""

import pytest
from dagwire.errors import InvalidDecoratorError
from dagwire.function_modifiers import cache, extract_fields, tag, tag_outputs
from engine_support import build, user_tags


def names(dr, **query):
    return sorted(v.name for v in dr.list_available_variables(tag_filter=query))


@pytest.fixture
def dr():
    @tag(owner="ds", stage=["bronze", "silver"], **{"team.channel": "alerts"})
    def a(x: int) -> int:
        return x

    @tag(owner="de")
    def b(a: int) -> int:
        return a

    def c(b: int) -> int:
        return b

    return build(a, b, c)


def test_tags_are_attached_and_stacked_tags_merge():
    @tag(a="1")
    @tag(b="2", a="0")
    def f() -> int:
        return 1

    assert user_tags(build(f).graph.nodes["f"]) == {"a": "1", "b": "2"}


def test_tag_filter_is_an_and_of_keys_and_an_or_within_list_values(dr):
    assert names(dr, owner="ds") == ["a"]
    assert names(dr, owner=["ds", "de"]) == ["a", "b"]
    assert names(dr, stage="silver") == ["a"]
    assert names(dr, stage=["gold", "bronze"]) == ["a"]
    assert names(dr, owner=None) == ["a", "b"]  # None: the key is present
    assert names(dr, owner="ds", stage="gold") == []
    assert names(dr, **{"team.channel": "alerts"}) == ["a"]
    assert len(dr.list_available_variables(tag_filter={})) == 4  # a, b, c and the input x


def test_targets_pick_final_nodes_all_nodes_or_named_ones():
    @tag(kind="final")
    @tag(every="yes", target_=...)
    @tag(only="x", target_="x")
    @extract_fields({"x": int, "y": int})
    def d() -> dict:
        return {"x": 1, "y": 2}

    tags = {n: user_tags(node) for n, node in build(d).graph.nodes.items()}
    assert tags == {
        "d": {"every": "yes"},
        "x": {"every": "yes", "only": "x", "kind": "final"},
        "y": {"every": "yes", "kind": "final"},
    }


def test_tag_outputs_tags_each_named_output():
    @tag_outputs(x={"k": "1"}, y={"k": "2"})
    @extract_fields({"x": int, "y": int})
    def d() -> dict:
        return {"x": 1, "y": 2}

    dr = build(d)
    assert names(dr, k="2") == ["y"]
    assert user_tags(dr.graph.nodes["d"]) == {}


def test_misuse_is_reported_with_the_function_and_the_fix():
    def f() -> int:
        return 1

    with pytest.raises(InvalidDecoratorError, match="namespace 'hamilton' is reserved"):
        tag(**{"hamilton.x": "y"})(f)
    with pytest.raises(InvalidDecoratorError, match="namespace 'module' is reserved"):
        tag(module="m")(f)
    with pytest.raises(InvalidDecoratorError, match="must be an identifier"):
        tag(**{"a..b": "y"})(f)
    with pytest.raises(InvalidDecoratorError, match="values are strings"):
        tag(a=1)(f)
    with pytest.raises(InvalidDecoratorError, match="values are strings"):
        tag(a=["x", "x"])(f)
    with pytest.raises(InvalidDecoratorError, match="target .* is not valid"):
        tag(a="x", target_=3)
    assert tag(module="m", bypass_reserved_namespaces_=True)(f) is f

    @tag(a="x", target_="nope")
    def g() -> int:
        return 1

    with pytest.raises(InvalidDecoratorError, match="'nope', but the function produces only 'g'"):
        build(g)


def test_cache_is_recorded_as_tags_on_every_node_by_default():
    @cache(behavior="recompute", format="json")
    @extract_fields({"x": int})
    def d() -> dict:
        return {"x": 1}

    tags = {n: user_tags(node) for n, node in build(d).graph.nodes.items()}
    assert tags == {n: {"cache.behavior": "recompute", "cache.format": "json"} for n in ("d", "x")}
    with pytest.raises(InvalidDecoratorError, match="use one of default, recompute"):
        cache(behavior="sometimes")
