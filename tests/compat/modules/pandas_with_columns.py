"""``@with_columns`` from ``hamilton.plugins.h_pandas``, after Hamilton's documentation example:
per-column functions run on a DataFrame's columns and their results are appended to it."""

import compat_with_columns_ops as column_ops
import pandas as pd
from hamilton.function_modifiers import tag
from hamilton.plugins.h_pandas import with_columns


def initial_df(rows: int) -> pd.DataFrame:
    return pd.DataFrame({"a_from_df": range(1, rows + 1), "b_from_df": range(10, 10 + rows)})


def a_plus_b(a: pd.Series, b: pd.Series) -> pd.Series:
    return a + b


@tag(stage="columns")
@with_columns(
    column_ops,
    a_plus_b,
    columns_to_pass=["a_from_df", "b_from_df"],
    select=["a", "b", "a_plus_b", "a_b_average"],
)
def final_df(initial_df: pd.DataFrame) -> pd.DataFrame:
    return initial_df


def a_from_df(initial_df: pd.DataFrame) -> pd.Series:
    return initial_df["a_from_df"] / 100


def b_from_df(initial_df: pd.DataFrame) -> pd.Series:
    return initial_df["b_from_df"] / 100


@with_columns(
    column_ops,
    a_from_df,
    b_from_df,
    on_input="initial_df",
    select=["a_from_df", "b_from_df", "a", "a_b_average"],
    namespace="rescaled",
)
def rescaled_df(factor: float, initial_df: pd.DataFrame) -> pd.DataFrame:
    return initial_df * factor


@with_columns(column_ops, columns_to_pass=["a_from_df", "b_from_df"], config_required=["shift"])
def shifted_df(initial_df: pd.DataFrame) -> pd.DataFrame:
    return initial_df
