"""@parameterize, @parameterize_sources, @parameterize_values, @inject: bindings, docs, misuse."""

import pytest
from dagwire.errors import InvalidDecoratorError, TypeMismatchError
from dagwire.function_modifiers import (
    group,
    inject,
    parameterize,
    parameterize_sources,
    parameterize_values,
    source,
    tag,
    value,
)
from engine_support import build, user_tags


def test_each_output_binds_sources_and_values_and_keeps_unbound_parameters():
    @parameterize(
        eu_total={"amount": source("eu_sales"), "rate": value(2)},
        us_total={"amount": source("us_sales"), "rate": value(3)},
    )
    def total(amount: int, rate: int, bonus: int = 0) -> int:
        return amount * rate + bonus

    dr = build(total)
    assert set(dr.graph.nodes) == {"eu_total", "us_total"}
    assert dr.graph.nodes["eu_total"].inputs.keys() == {"eu_sales", "bonus"}
    assert dr.graph.nodes["eu_total"].inputs["bonus"].optional
    assert dr.execute(["eu_total", "us_total"], inputs={"eu_sales": 1, "us_sales": 10}) == {
        "eu_total": 2,
        "us_total": 30,
    }
    assert dr.execute(["eu_total"], inputs={"eu_sales": 1, "bonus": 5}) == {"eu_total": 7}


def test_one_source_may_feed_two_parameters():
    @parameterize(square={"a": source("x"), "b": source("x")})
    def product(a: int, b: int) -> int:
        return a * b

    assert build(product).execute(["square"], inputs={"x": 7}) == {"square": 49}


def test_groups_build_lists_and_dicts_and_type_each_source_by_the_element_type():
    @parameterize(listed={"items": group(source("a"), value(10), source("b"))})
    def total(items: list[int]) -> int:
        return sum(items)

    @inject(parts=group(left=source("a"), right=value(5)))
    def parts_joined(parts: dict[str, int]) -> str:
        return ",".join(f"{k}={v}" for k, v in parts.items())

    def a() -> int:
        return 1

    dr = build(total, parts_joined, a)
    assert dr.execute(["listed", "parts_joined"], inputs={"b": 100}) == {
        "listed": 111,
        "parts_joined": "left=1,right=5",
    }
    assert dr.graph.nodes["listed"].inputs["a"].type is int

    def a_str() -> str:
        return "x"

    @inject(items=group(source("a_str")))
    def needs_ints(items: list[int]) -> int:
        return 0

    with pytest.raises(TypeMismatchError, match="a_str"):
        build(needs_ints, a_str)


def test_docstrings_are_formatted_per_node_unless_given():
    @parameterize(
        doubled={"x": source("base"), "k": value(2)},
        tripled=({"x": source("base"), "k": value(3)}, "Three times."),
    )
    def scaled(x: int, k: int) -> int:
        """{output_name} is {x} times {k}; {other} is kept as a name."""
        return x * k

    docs = {v.name: v.documentation for v in build(scaled).list_available_variables()}
    assert docs["doubled"] == "doubled is base times 2; other is kept as a name."
    assert docs["tripled"] == "Three times."


def test_parameterize_sources_and_values_are_shorthands():
    @parameterize_sources(shifted_a={"series": "a"}, shifted_b={"series": "b"})
    def shifted(series: int) -> int:
        """{series} plus one, as {output_name}."""
        return series + 1

    @parameterize_values(parameter="n", assigned_output={("one", "One."): 1, ("two", "Two."): 2})
    def number(n: int) -> int:
        return n

    dr = build(shifted, number)
    assert dr.execute(["shifted_a", "shifted_b", "one", "two"], inputs={"a": 1, "b": 5}) == {
        "shifted_a": 2,
        "shifted_b": 6,
        "one": 1,
        "two": 2,
    }
    docs = {v.name: v.documentation for v in dr.list_available_variables()}
    assert docs["shifted_b"] == "b plus one, as shifted_b." and docs["two"] == "Two."


def test_inject_keeps_the_functions_own_name_and_composes_with_tag_in_hamiltons_order():
    @inject(y=value(4))
    @tag(kind="injected")
    def f(x: int, y: int) -> int:
        return x + y

    dr = build(f)
    assert dr.execute(["f"], inputs={"x": 1}) == {"f": 5}
    assert user_tags(dr.graph.nodes["f"]) == {"kind": "injected"}


def test_tag_applies_to_every_expanded_node():
    @tag(team="a")
    @parameterize(p1={"x": value(1)}, p2={"x": value(2)})
    def p(x: int) -> int:
        return x

    assert {n: user_tags(node) for n, node in build(p).graph.nodes.items()} == {
        "p1": {"team": "a"},
        "p2": {"team": "a"},
    }


def test_optional_annotation_of_a_group_is_unwrapped():
    @inject(items=group(value(1), value(2)))
    def total(items: list[int] | None) -> int:
        return sum(items or [])

    assert build(total).execute(["total"]) == {"total": 3}


def test_misuse_names_the_function_and_the_fix():
    with pytest.raises(InvalidDecoratorError, match=r"binds 'y'.*does not take.*parameters: x"):

        @parameterize(out={"y": value(1)})
        def f1(x: int) -> int:
            return x

    with pytest.raises(InvalidDecoratorError, match="wrap each in value"):
        parameterize(out={"x": 1})

    with pytest.raises(InvalidDecoratorError, match="'output_name' is reserved"):

        @parameterize(out={"x": value(1)})
        def f2(x: int, output_name: str) -> int:
            return x

    with pytest.raises(InvalidDecoratorError, match="docstring .* formatted.*two braces"):

        @parameterize(out={"x": value(1)})
        def f3(x: int) -> int:
            """Broken {x!z} field."""
            return x

    with pytest.raises(InvalidDecoratorError, match="at least one output"):
        parameterize()

    with pytest.raises(InvalidDecoratorError, match=r"\(output name, docstring\) pair"):
        parameterize_values(parameter="x", assigned_output={"out": 1})

    with pytest.raises(InvalidDecoratorError, match="non-empty dict"):
        parameterize_sources(out={})

    with pytest.raises(InvalidDecoratorError, match="either a list .* or a dict"):
        group(source("a"), b=source("b"))

    with pytest.raises(InvalidDecoratorError, match="source\\(\\) takes the name"):
        source(3)

    with pytest.raises(InvalidDecoratorError, match="only one"):

        @inject(x=value(1))
        @parameterize(out={"x": value(2)})
        def f4(x: int) -> int:
            return x

    @inject(items=group(value(1)))
    def f5(items: int) -> int:
        return items

    with pytest.raises(InvalidDecoratorError, match=r"annotate it as list\[T\]"):
        build(f5)
