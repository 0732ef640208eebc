"""@resolve, after Hamilton's decorator reference: the DAG's shape comes from the config.

Building it needs ``hamilton.enable_power_user_mode=True`` in the config, as in Hamilton.
"""

import pandas as pd
from hamilton.function_modifiers import (
    ResolveAt,
    config,
    parameterize_sources,
    resolve,
    resolve_from_config,
    tag,
)


def series_1() -> pd.Series:
    return pd.Series([1, 2, 3])


def series_2() -> pd.Series:
    return pd.Series([10, 20, 30])


def series_3() -> pd.Series:
    return pd.Series([100, 200, 300])


@resolve(
    when=ResolveAt.CONFIG_AVAILABLE,
    decorate_with=lambda first_series_sum, second_series_sum: parameterize_sources(
        series_sum_1={"s1": first_series_sum[0], "s2": first_series_sum[1]},
        series_sum_2={"s1": second_series_sum[0], "s2": second_series_sum[1]},
    ),
)
def summation(s1: pd.Series, s2: pd.Series) -> pd.Series:
    """Sum of {s1} and {s2}."""
    return s1 + s2


@tag(kind="scaled")
@resolve_from_config(
    decorate_with=lambda scale_factors=None: parameterize_sources(
        **{f"scaled_{k}": {"s": v} for k, v in (scale_factors or {"one": "series_1"}).items()}
    )
)
def scaled(s: pd.Series) -> pd.Series:
    return s * 2


@config.when(mode="diff")
@resolve(
    when=ResolveAt.CONFIG_AVAILABLE,
    decorate_with=lambda diff_pairs: parameterize_sources(
        **{name: {"a": a, "b": b} for name, (a, b) in diff_pairs.items()}
    ),
)
def difference__on(a: pd.Series, b: pd.Series) -> pd.Series:
    return a - b
