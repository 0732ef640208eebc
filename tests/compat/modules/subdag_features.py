"""The functions a @subdag reuses (see subdags.py)."""

import pandas as pd
from hamilton.function_modifiers import config


def raw(path: str, scale: float) -> pd.Series:
    return pd.Series([1.0, 2.0, 3.0]) * scale * len(path)


@config.when(region="eu")
def adjusted__eu(raw: pd.Series) -> pd.Series:
    return raw * 1.2


@config.when_not(region="eu")
def adjusted__other(raw: pd.Series) -> pd.Series:
    return raw


def feature_table(adjusted: pd.Series, raw: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({"adjusted": adjusted, "raw": raw})
