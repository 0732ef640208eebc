"""``plugins.h_pandas.with_columns``: column functions on a DataFrame's columns, their results
appended; the three ways in (columns_to_pass, on_input, pass_dataframe_as), select, config, and
misuse refused with the function and the fix."""

import os
import subprocess
import sys

import pandas as pd
import pytest
from dagwire.errors import InvalidDecoratorError
from dagwire.function_modifiers import config, tag
from dagwire.plugins.h_pandas import with_columns
from engine_support import build, user_tags


def frame() -> pd.DataFrame:
    return pd.DataFrame({"a": [1, 2], "b": [10, 20]})


def doubled(a: pd.Series) -> pd.Series:
    return a * 2


def total(doubled: pd.Series, b: pd.Series) -> pd.Series:
    return doubled + b


def table_sum(frame: pd.DataFrame) -> pd.Series:
    return frame["a"] + frame["b"]


@config.when(flip="yes")
def sign__yes(a: pd.Series) -> pd.Series:
    return -a


def test_passed_columns_feed_the_functions_and_selected_results_are_appended():
    @tag(owner="me")
    @with_columns(doubled, total, columns_to_pass=["a", "b"], select=["total"])
    def result(frame: pd.DataFrame, extra: int = 0) -> pd.DataFrame:
        return frame + extra

    dr = build(frame, result)
    out = dr.execute(["result", "result.doubled"])["result"]
    assert out.to_dict("list") == {"a": [1, 2], "b": [10, 20], "total": [12, 24]}
    nodes = dr.graph.nodes
    assert {"result.a", "result.b", "result.doubled", "result.total", "result._append"} <= set(
        nodes
    )
    assert user_tags(nodes["result"]) == {"owner": "me"}
    assert "owner" not in nodes["result.total"].tags


def test_without_select_every_series_is_appended_under_the_namespace():
    @with_columns(total, doubled, columns_to_pass=["a", "b"], namespace="ns")
    def result(frame: pd.DataFrame) -> pd.DataFrame:
        return frame

    dr = build(frame, result)
    assert list(dr.execute(["result"])["result"].columns) == ["a", "b", "total", "doubled"]
    assert {"ns.a", "ns.total", "ns._append"} <= set(dr.graph.nodes)


def test_on_input_lets_functions_read_and_replace_columns():
    def a(frame: pd.DataFrame) -> pd.Series:
        return frame["a"] * 100

    @with_columns(a, doubled, on_input="frame", select=["a", "doubled"])
    def result(scale: int, frame: pd.DataFrame) -> pd.DataFrame:
        return frame * scale

    out = build(frame, result).execute(["result"], inputs={"scale": 1})["result"]
    assert out.to_dict("list") == {"a": [100, 200], "b": [10, 20], "doubled": [200, 400]}


def test_pass_dataframe_as_names_the_dataframe_inside():
    """Apache Hamilton's pandas plugin refuses pass_dataframe_as; here it works as documented
    for the other libraries: the functions read the first parameter's DataFrame by that name."""

    def a(df: pd.DataFrame) -> pd.Series:
        return df["a"] + 1

    @with_columns(a, pass_dataframe_as="df", select=["a"])
    def result(frame: pd.DataFrame) -> pd.DataFrame:
        return frame

    dr = build(frame, result)
    assert dr.execute(["result"])["result"]["a"].tolist() == [2, 3]
    assert "result.df" in dr.graph.nodes


def test_config_required_limits_what_the_functions_see():
    @with_columns(sign__yes, columns_to_pass=["a"], config_required=["flip"])
    def result(frame: pd.DataFrame) -> pd.DataFrame:
        return frame

    dr = build(frame, result, cfg={"flip": "yes"})
    assert dr.execute(["result"])["result"]["sign"].tolist() == [-1, -2]
    with pytest.raises(InvalidDecoratorError, match=r"result\(\).*'flip'.*config_required"):
        build(frame, result)


def test_misuse_names_the_function_and_the_fix():
    with pytest.raises(InvalidDecoratorError, match="exactly one"):
        with_columns(doubled)
    with pytest.raises(InvalidDecoratorError, match="got columns_to_pass and on_input"):
        with_columns(doubled, columns_to_pass=["a"], on_input="frame")
    with pytest.raises(InvalidDecoratorError, match=r"parameter 'df'.*on_input"):

        @with_columns(doubled, on_input="df")
        def no_df(frame: pd.DataFrame) -> pd.DataFrame:
            return frame

    @with_columns(doubled, columns_to_pass=["a"])
    def not_a_frame(frame: dict) -> pd.DataFrame:
        return pd.DataFrame(frame)

    with pytest.raises(InvalidDecoratorError, match=r"not_a_frame\(\).*annotated dict"):
        build(not_a_frame, cfg={})

    @with_columns(doubled, columns_to_pass=["a"], select=["dubled"])
    def typo(frame: pd.DataFrame) -> pd.DataFrame:
        return frame

    with pytest.raises(InvalidDecoratorError, match=r"'dubled'.*Did you mean 'doubled'"):
        build(frame, typo)

    @with_columns(doubled, columns_to_pass=["doubled"])
    def clash(frame: pd.DataFrame) -> pd.DataFrame:
        return frame

    with pytest.raises(InvalidDecoratorError, match="'doubled' is both a passed column"):
        build(frame, clash)

    @with_columns(doubled, columns_to_pass=["a", "zzz"])
    def missing(frame: pd.DataFrame) -> pd.DataFrame:
        return frame

    with pytest.raises(
        InvalidDecoratorError, match=r"missing\(\).*no column 'zzz'.*columns_to_pass"
    ):
        build(frame, missing).execute(["missing"])


def test_the_plugin_does_not_import_pandas():
    code = "import sys; import dagwire.plugins.h_pandas; print('pandas' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert out.stdout.strip() == "False"


def test_a_config_variant_namespaces_its_columns_under_the_node_name_as_hamilton_does():
    @config.when(env="prod")
    @with_columns(doubled, columns_to_pass=["a"], select=["doubled"])
    def result__prod(frame: pd.DataFrame) -> pd.DataFrame:
        return frame

    dr = build(frame, result__prod, cfg={"env": "prod"})
    assert {"result", "result.a", "result.doubled", "result._append"} <= set(dr.graph.nodes)
    assert not [n for n in dr.graph.nodes if n.startswith("result__prod")]
    assert dr.execute(["result"])["result"]["doubled"].tolist() == [2, 4]
