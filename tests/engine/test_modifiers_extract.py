"""@extract_columns and @extract_fields: nodes per column/field, types, fill_with, and misuse."""

import subprocess
import sys
from pathlib import Path
from typing import Any, TypedDict

import pytest
from dagwire import driver
from dagwire.errors import InvalidDecoratorError, TypeMismatchError
from dagwire.function_modifiers import extract_columns, extract_fields, tag, unpack_fields
from engine_support import build, user_tags

pd = pytest.importorskip("pandas")


def test_columns_become_series_nodes_next_to_the_frame():
    @extract_columns("a", ("b", "The b column."))
    def frame(n: int) -> pd.DataFrame:
        """A frame."""
        return pd.DataFrame({"a": range(n), "b": range(n, 2 * n)})

    def a_plus_b(a: pd.Series, b: pd.Series) -> pd.Series:
        return a + b

    dr = build(frame, a_plus_b)
    variables = {v.name: v for v in dr.list_available_variables()}
    assert variables["a"].type is pd.Series and variables["frame"].type is pd.DataFrame
    assert variables["a"].documentation == "A frame."
    assert variables["b"].documentation == "The b column."
    out = dr.execute(["a_plus_b", "frame"], inputs={"n": 3})
    assert out["a_plus_b"].tolist() == [3, 5, 7] and list(out["frame"].columns) == ["a", "b"]


def test_a_missing_column_fails_with_the_columns_that_exist_or_is_filled():
    @extract_columns("a", "zzz")
    def frame() -> pd.DataFrame:
        return pd.DataFrame({"a": [1]})

    with pytest.raises(InvalidDecoratorError, match="'frame' has no column 'zzz'; it has 'a'"):
        build(frame).execute(["zzz"])

    @extract_columns("a", "zzz", fill_with=0)
    def filled() -> pd.DataFrame:
        return pd.DataFrame({"a": [1, 2]})

    assert build(filled).execute(["zzz"])["zzz"].tolist() == [0, 0]


def test_extracting_fields_does_not_import_pandas():
    engine_parent = str(Path(driver.__file__).parents[1])
    code = (
        f"import sys; sys.path.insert(0, {engine_parent!r})\n"
        "from dagwire.function_modifiers import extract_columns, extract_fields\n"
        "@extract_fields({'a': int})\n"
        "def d() -> dict:\n    return {'a': 1}\n"
        "from dagwire import driver\nfrom dagwire.ad_hoc_utils import create_temporary_module\n"
        "dr = driver.Builder().with_modules(create_temporary_module(d)).build()\n"
        "assert dr.execute(['a']) == {'a': 1}\n"
        "assert 'pandas' not in sys.modules, 'pandas was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


class Metrics(TypedDict):
    accuracy: float
    count: int


def test_fields_from_a_dict_a_generic_dict_and_a_typeddict():
    @extract_fields({"x": int, "label": str})
    def plain() -> dict:
        return {"x": 1, "label": "one"}

    @extract_fields("lo", "hi")
    def bounds() -> dict[str, float]:
        return {"lo": 0.0, "hi": 1.0}

    @extract_fields()
    def metrics() -> Metrics:
        return {"accuracy": 0.5, "count": 2}

    @extract_fields(["count"])
    def count_only() -> Metrics:
        return {"accuracy": 0.5, "count": 2}

    dr = build(plain, bounds, metrics)
    types = {v.name: v.type for v in dr.list_available_variables()}
    assert types["x"] is int and types["lo"] is float and types["accuracy"] is float
    assert dr.execute(["x", "label", "hi", "count"]) == {
        "x": 1,
        "label": "one",
        "hi": 1.0,
        "count": 2,
    }
    assert set(build(count_only).graph.nodes) == {"count_only", "count"}


def test_field_types_are_checked_downstream_and_missing_fields_fail_or_are_filled():
    @extract_fields({"x": int})
    def d() -> dict:
        return {}

    def wants_str(x: str) -> str:
        return x

    with pytest.raises(TypeMismatchError, match="'x' -> 'wants_str'"):
        build(d, wants_str)
    with pytest.raises(InvalidDecoratorError, match="'d' has no field 'x'; it has none"):
        build(d).execute(["x"])

    @extract_fields({"x": int}, fill_with=7)
    def filled() -> dict:
        return {}

    assert build(filled).execute(["x"]) == {"x": 7}


def test_tag_on_extracted_outputs_goes_to_the_final_nodes_like_hamilton():
    @tag(kind="col")
    @extract_columns("a")
    def frame() -> pd.DataFrame:
        return pd.DataFrame({"a": [1]})

    tags = {n: user_tags(node) for n, node in build(frame).graph.nodes.items()}
    assert tags == {"frame": {}, "a": {"kind": "col"}}


def test_misuse_is_reported_with_the_function_and_the_fix():
    with pytest.raises(InvalidDecoratorError, match="unpack the list"):
        extract_columns(["a", "b"])
    with pytest.raises(InvalidDecoratorError, match="needs the names"):
        extract_columns()

    @extract_columns("a")
    def not_a_frame() -> dict:
        return {}

    with pytest.raises(InvalidDecoratorError, match="returns a DataFrame.*annotated -> dict"):
        build(not_a_frame)

    @extract_fields(["a"])
    def bare() -> dict:
        return {}

    with pytest.raises(InvalidDecoratorError, match="plain dict, so give each field's type"):
        build(bare)

    @extract_fields({"a": int})
    def wrong_return() -> list:
        return []

    with pytest.raises(InvalidDecoratorError, match="must return a dict"):
        build(wrong_return)

    @extract_fields({"nope": int})
    def wrong_field() -> Metrics:
        return {}

    with pytest.raises(InvalidDecoratorError, match="'nope' not in Metrics"):
        build(wrong_field)

    @extract_fields({"count": str})
    def wrong_type() -> Metrics:
        return {}

    with pytest.raises(InvalidDecoratorError, match="field 'count' is given type str"):
        build(wrong_type)

    @extract_fields({"a": "int"})
    def not_a_type() -> dict:
        return {}

    with pytest.raises(InvalidDecoratorError, match="not a type"):
        build(not_a_type)

    @extract_fields({"a": Any})
    def anything() -> dict:
        return {"a": 1}

    assert build(anything).execute(["a"]) == {"a": 1}


def test_unpack_fields_names_tuple_positions():
    @unpack_fields("model", "score")
    def fit() -> tuple[str, float]:
        return ("m", 0.9)

    @unpack_fields("a", "b", "c")
    def triple() -> tuple[int, ...]:
        return (1, 2)

    dr = build(fit, triple)
    assert dr.execute(["model", "score", "a"]) == {"model": "m", "score": 0.9, "a": 1}
    assert dr.graph.nodes["score"].type is float and dr.graph.nodes["c"].type is int
    with pytest.raises(InvalidDecoratorError, match="'triple' has no position 2; it has 0, 1"):
        dr.execute(["c"])

    @unpack_fields("a", "b")
    def not_a_tuple() -> list:
        return []

    with pytest.raises(InvalidDecoratorError, match="annotate the return type as a tuple"):
        build(not_a_tuple)

    @unpack_fields("a", "b", "c")
    def too_short() -> tuple[int, int]:
        return (1, 2)

    with pytest.raises(InvalidDecoratorError, match="3 names for a tuple of 2"):
        build(too_short)
    with pytest.raises(InvalidDecoratorError, match="names of the tuple's positions"):
        unpack_fields()
