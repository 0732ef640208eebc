"""@parameterized_subdag, after Hamilton's decorator reference: one module, one subdag per source.

The reused module is ``subdag_features.py`` (registered as ``compat_subdag_features``).
"""

import compat_subdag_features as feature_modules
import pandas as pd
from hamilton.function_modifiers import parameterized_subdag, source, tag, value


@tag(stage="features")
@parameterized_subdag(
    feature_modules,
    inputs={"path": value("datasource_1.csv")},
    config={"region": "us"},
    from_datasource_1={},
    from_datasource_2={"inputs": {"path": value("ds_2.csv")}},
    from_datasource_3={
        "inputs": {"path": source("third_path"), "scale": value(3.0)},
        "config": {"region": "eu"},
    },
)
def feature_engineering(feature_table: pd.DataFrame) -> pd.DataFrame:
    return feature_table


@parameterized_subdag(
    feature_modules,
    external_inputs=["weight"],
    weighted_a={"inputs": {"path": value("a")}},
    weighted_b={"inputs": {"path": value("bb")}, "external_inputs": []},
)
def weighted(adjusted: pd.Series, weight: float = 1.0) -> float:
    return float(adjusted.sum() * weight)


def all_sources(
    from_datasource_1: pd.DataFrame,
    from_datasource_2: pd.DataFrame,
    from_datasource_3: pd.DataFrame,
) -> pd.DataFrame:
    return pd.concat([from_datasource_1, from_datasource_2, from_datasource_3])
