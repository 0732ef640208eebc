"""@schema.output: Hamilton's schema tag on DataFrame nodes; misuse refused with the fix."""

import pandas as pd
import pytest
from dagwire.errors import InvalidDecoratorError
from dagwire.function_modifiers import extract_columns, schema, tag
from engine_support import build, user_tags

KEY = schema.INTERNAL_SCHEMA_OUTPUT_KEY


def test_the_tag_lists_each_column_with_its_type():
    @tag(owner="me")
    @schema.output(("a", "int"), ("b", "float"))
    def frame() -> pd.DataFrame:
        return pd.DataFrame({"a": [1], "b": [2.0]})

    node = build(frame).graph.nodes["frame"]
    assert KEY == "hamilton.internal.schema_output"
    assert user_tags(node) == {KEY: "a=int,b=float", "owner": "me"}


def test_a_non_dataframe_node_is_refused_with_its_name_and_the_fix():
    @schema.output(("a", "int"))
    def count() -> int:
        return 1

    with pytest.raises(InvalidDecoratorError) as err:
        build(count)
    message = str(err.value)
    assert "test_modifiers_schema.py:" in message and "count()" in message
    assert "'count' returns int" in message and "pd.DataFrame" in message


def test_with_extract_columns_the_target_names_the_dataframe_node():
    @schema.output(("a", "int"))
    @extract_columns("a")
    def columns() -> pd.DataFrame:
        return pd.DataFrame({"a": [1]})

    with pytest.raises(InvalidDecoratorError, match=r"'a' returns .*Series.*target_"):
        build(columns)

    @schema.output(("a", "int"), target_="split")
    @extract_columns("a")
    def split() -> pd.DataFrame:
        return pd.DataFrame({"a": [1]})

    nodes = build(split).graph.nodes
    assert nodes["split"].tags[KEY] == "a=int" and KEY not in nodes["a"].tags


def test_misuse_is_refused_when_decorating():
    with pytest.raises(InvalidDecoratorError, match=r"\('a', <class 'int'>\).*pair of strings"):
        schema.output(("a", int))
    with pytest.raises(InvalidDecoratorError, match="two decorators.*schema.output"):

        @schema.output(("a", "int"))
        @schema.output(("b", "int"))
        def twice() -> pd.DataFrame:
            return pd.DataFrame()
