"""@subdag, after the example in Hamilton's decorator reference: one module reused per region."""

import compat_subdag_features as feature_modules
import pandas as pd
from hamilton.function_modifiers import configuration, source, subdag, value


@subdag(
    feature_modules,
    inputs={"path": source("eu_path")},
    config={"region": "eu"},
)
def eu_features(feature_table: pd.DataFrame) -> pd.DataFrame:
    return feature_table


@subdag(
    feature_modules,
    inputs={"path": value("us-data.csv"), "scale": source("us_scale")},
    config={"region": configuration("home_region")},
    namespace="us",
    final_node_name="us_features",
    external_inputs=["weight"],
)
def us_features_fn(feature_table: pd.DataFrame, weight: float) -> pd.DataFrame:
    return feature_table * weight


@subdag(feature_modules, namespace="plain", external_inputs=["bonus"])
def plain_total(adjusted: pd.Series, bonus: float) -> float:
    return float(adjusted.sum() + bonus)


def combined(eu_features: pd.DataFrame, us_features: pd.DataFrame) -> pd.DataFrame:
    return pd.concat({"eu": eu_features, "us": us_features}, axis=1)
