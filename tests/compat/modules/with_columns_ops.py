"""Per-column functions the ``@with_columns`` examples reuse (see pandas_with_columns.py)."""

import pandas as pd
from hamilton.function_modifiers import config


def a(a_from_df: pd.Series) -> pd.Series:
    return a_from_df * 2


@config.when(shift="up")
def b__up(b_from_df: pd.Series) -> pd.Series:
    return b_from_df + 1


@config.when_not(shift="up")
def b__down(b_from_df: pd.Series) -> pd.Series:
    return b_from_df - 1


def a_b_average(a_from_df: pd.Series, b_from_df: pd.Series) -> pd.Series:
    return (a_from_df + b_from_df) / 2


def row_count(a: pd.Series) -> int:
    return len(a)
