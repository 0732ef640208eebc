"""Hamilton's documented @does example verbatim: the helper taking **kwargs is a public function."""

import pandas as pd
from hamilton.function_modifiers import does


def sum_series(**series: pd.Series) -> pd.Series:
    """This function takes any number of inputs and sums them all together."""
    return sum(series.values())


@does(sum_series)
def D_XMAS_GC_WEIGHTED_BY_DAY(
    D_XMAS_GC_WEIGHTED_BY_DAY_1: pd.Series, D_XMAS_GC_WEIGHTED_BY_DAY_2: pd.Series
) -> pd.Series:
    """Adds D_XMAS_GC_WEIGHTED_BY_DAY_1 and D_XMAS_GC_WEIGHTED_BY_DAY_2"""
    pass
