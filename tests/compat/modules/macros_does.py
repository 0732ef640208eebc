"""@does, after the examples in Hamilton's decorator reference (helpers kept private)."""

import pandas as pd
from hamilton.function_modifiers import does


def _sum_series(**series: pd.Series) -> pd.Series:
    """This function takes any number of inputs and sums them all together."""
    return sum(series.values())


def _identity_function(value: pd.Series) -> pd.Series:
    return value


def _scaled(data: pd.Series, factor: float = 2.0) -> pd.Series:
    return data * factor


@does(_sum_series)
def D_XMAS_GC_WEIGHTED_BY_DAY(
    D_XMAS_GC_WEIGHTED_BY_DAY_1: pd.Series, D_XMAS_GC_WEIGHTED_BY_DAY_2: pd.Series
) -> pd.Series:
    """Adds D_XMAS_GC_WEIGHTED_BY_DAY_1 and D_XMAS_GC_WEIGHTED_BY_DAY_2"""
    pass


@does(_identity_function, value="x")
def copy_of_x(x: pd.Series) -> pd.Series:
    """Just returns x"""
    pass


@does(_scaled, data="x", factor="multiplier")
def x_scaled(x: pd.Series, multiplier: float = 3.0) -> pd.Series:
    pass
