"""@check_output and @check_output_custom, after the examples in Hamilton's data quality docs."""

import numpy as np
import pandas as pd
from hamilton.data_quality.base import DataValidator, ValidationResult
from hamilton.function_modifiers import check_output, check_output_custom, extract_columns


@check_output(data_type=np.int64, range=(0, 100), importance="warn")
def some_int_data_between_0_and_100(raw_ints: pd.Series) -> pd.Series:
    return raw_ints


@check_output(data_type=np.float64, allow_nans=False, importance="warn")
def ratios(raw_ints: pd.Series) -> pd.Series:
    return raw_ints / raw_ints.max()


@check_output(range=(0.0, 1.0), importance="fail")
def share(raw_ints: pd.Series) -> float:
    return float((raw_ints > 50).mean())


@check_output(values_in=["low", "high"], importance="warn")
def level(share: float) -> str:
    return "high" if share > 0.5 else "low"


class NoNegatives(DataValidator):
    def __init__(self, importance: str):
        super().__init__(importance=importance)

    def applies_to(self, datatype: type) -> bool:
        return issubclass(datatype, pd.Series)

    def description(self) -> str:
        return "No value is negative."

    @classmethod
    def name(cls) -> str:
        return "no_negatives"

    def validate(self, dataset: pd.Series) -> ValidationResult:
        negatives = int((dataset < 0).sum())
        return ValidationResult(
            passes=negatives == 0,
            message=f"{negatives} negative values",
            diagnostics={"negatives": negatives},
        )


@check_output_custom(NoNegatives(importance="warn"))
def deltas(raw_ints: pd.Series) -> pd.Series:
    return raw_ints.diff().fillna(0)


@extract_columns("a", "b")
@check_output(allow_none=False, importance="warn", target_="frame")
def frame(raw_ints: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({"a": raw_ints, "b": raw_ints * 2})
