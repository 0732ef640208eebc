"""@parameterize_extract_columns, after Hamilton's decorator reference."""

import pandas as pd
from hamilton.function_modifiers import (
    ParameterizedExtract,
    parameterize_extract_columns,
    source,
    value,
)


@parameterize_extract_columns(
    ParameterizedExtract(
        ("outseries1a", "outseries2a"),
        {"input1": source("inseries1a"), "input2": source("inseries1b"), "input3": value(10)},
    ),
    ParameterizedExtract(
        ("outseries1b", "outseries2b"),
        {"input1": source("inseries2a"), "input2": source("inseries2b"), "input3": value(100)},
    ),
)
def fn(input1: pd.Series, input2: pd.Series, input3: float) -> pd.DataFrame:
    """Product and sum of {input1}, {input2} and {input3}."""
    return pd.concat([input1 * input2 * input3, input1 + input2 + input3], axis=1)


@parameterize_extract_columns(
    ParameterizedExtract(("kept_x", "kept_y"), {"factor": value(2)}),
    reassign_columns=False,
)
def kept(factor: int) -> pd.DataFrame:
    return pd.DataFrame({"kept_x": [factor], "kept_y": [factor * 10]})


def total(outseries1a: pd.Series, outseries2b: pd.Series) -> float:
    return float(outseries1a.sum() + outseries2b.sum())
