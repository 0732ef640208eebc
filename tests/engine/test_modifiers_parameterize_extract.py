"""@parameterize_extract_columns: ``fn__i`` DataFrames split into the named columns; misuse
refused with the function and the fix."""

import pandas as pd
import pytest
from dagwire.errors import InvalidDecoratorError
from dagwire.function_modifiers import (
    ParameterizedExtract,
    parameterize_extract_columns,
    source,
    value,
)
from engine_support import build


def base() -> int:
    return 3


@parameterize_extract_columns(
    ParameterizedExtract(("low_a", "high_a"), {"n": source("base"), "k": value(1)}),
    ParameterizedExtract(("low_b", "high_b"), {"n": value(10), "k": value(2)}),
)
def bounds(n: int, k: int) -> pd.DataFrame:
    return pd.DataFrame({"lo": [n - k], "hi": [n + k]})


def test_each_extract_is_a_renamed_dataframe_and_its_columns():
    dr = build(base, bounds)
    assert {"bounds__0", "bounds__1", "low_a", "high_a", "low_b", "high_b"} <= set(dr.graph.nodes)
    out = dr.execute(["low_a", "high_b", "bounds__1"])
    assert out["low_a"].tolist() == [2] and out["high_b"].tolist() == [12]
    assert list(out["bounds__1"].columns) == ["low_b", "high_b"]


def test_a_column_count_that_does_not_match_the_outputs_names_the_fix():
    @parameterize_extract_columns(ParameterizedExtract(("only",), {"n": value(1)}))
    def wide(n: int) -> pd.DataFrame:
        return pd.DataFrame({"x": [n], "y": [n]})

    with pytest.raises(InvalidDecoratorError, match=r"wide\(\).*2 columns.*reassign_columns"):
        build(wide).execute(["only"])


def test_misuse_is_refused_when_decorating():
    with pytest.raises(InvalidDecoratorError, match="ParameterizedExtract"):
        parameterize_extract_columns((("a",), {"n": value(1)}))
    with pytest.raises(InvalidDecoratorError, match=r"binds 'm'.*its parameters: n"):

        @parameterize_extract_columns(ParameterizedExtract(("a",), {"m": value(1)}))
        def typo(n: int) -> pd.DataFrame:
            return pd.DataFrame({"a": [n]})
