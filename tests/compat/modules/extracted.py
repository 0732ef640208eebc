"""@extract_columns, @extract_fields and @unpack_fields, after the examples in Hamilton's
decorator reference."""

from typing import TypedDict

import pandas as pd
from hamilton.function_modifiers import extract_columns, extract_fields, unpack_fields


@extract_columns("fiscal_date", ("fiscal_week_name", "Name of the fiscal week."), "fiscal_year")
def fiscal_columns(date_index: pd.Series, fiscal_dates: pd.DataFrame) -> pd.DataFrame:
    """Fiscal calendar columns, aligned to the date index."""
    df = fiscal_dates.copy()
    df.index = date_index
    return df


@extract_columns("present", "absent", fill_with=0)
def with_missing_column(date_index: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({"present": range(len(date_index))})


def weeks_per_year(fiscal_year: pd.Series) -> pd.Series:
    return fiscal_year.value_counts().sort_index()


@extract_fields(
    {"X_train": pd.DataFrame, "X_test": pd.DataFrame, "y_train": pd.Series, "y_test": pd.Series}
)
def train_test_split(features: pd.DataFrame, target: pd.Series, test_size: int) -> dict:
    """Splits the data without shuffling."""
    cut = len(features) - test_size
    return {
        "X_train": features.iloc[:cut],
        "X_test": features.iloc[cut:],
        "y_train": target.iloc[:cut],
        "y_test": target.iloc[cut:],
    }


@extract_fields(["mean", "maximum"])
def summary(target: pd.Series) -> dict[str, float]:
    return {"mean": float(target.mean()), "maximum": float(target.max())}


class ModelMetrics(TypedDict):
    accuracy: float
    n_samples: int


@extract_fields()
def model_metrics(y_test: pd.Series) -> ModelMetrics:
    return ModelMetrics(accuracy=float((y_test > 0).mean()), n_samples=len(y_test))


@extract_fields("accuracy_only", fill_with=-1.0)
def partial_metrics(y_test: pd.Series) -> dict[str, float]:
    return {}


@unpack_fields("X_first", "X_rest")
def head_and_tail(features: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return features.iloc[:1], features.iloc[1:]


@unpack_fields("low", "mid", "high")
def quantiles(target: pd.Series) -> tuple[float, ...]:
    return tuple(float(target.quantile(q)) for q in (0.25, 0.5, 0.75))
