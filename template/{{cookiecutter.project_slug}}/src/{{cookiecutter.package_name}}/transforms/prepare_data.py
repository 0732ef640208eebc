# Yours: generated once by dagwire; `copier update` never changes it.
"""Load the sample data and split it into training and test sets."""

import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split


def raw_data() -> pd.DataFrame:
    """Breast-cancer diagnostics bundled with scikit-learn, so the example runs offline."""
    return load_breast_cancer(as_frame=True).frame


def features(raw_data: pd.DataFrame) -> pd.DataFrame:
    """Every measured column: what the model learns from."""
    return raw_data.drop(columns="target")


def target(raw_data: pd.DataFrame) -> pd.Series:
    """The label to predict (1 = benign, 0 = malignant)."""
    return raw_data["target"]


def is_test_row(target: pd.Series, test_size: float, random_state: int) -> pd.Series:
    """Which rows are held out for evaluation; stratified so both sets keep the class balance."""
    _, test_index = train_test_split(
        target.index, test_size=test_size, random_state=random_state, stratify=target
    )
    return pd.Series(target.index.isin(test_index), index=target.index, name="is_test_row")


def X_train(features: pd.DataFrame, is_test_row: pd.Series) -> pd.DataFrame:
    """Features the model is fitted on."""
    return features[~is_test_row]


def X_test(features: pd.DataFrame, is_test_row: pd.Series) -> pd.DataFrame:
    """Features the model never saw, for evaluation."""
    return features[is_test_row]


def y_train(target: pd.Series, is_test_row: pd.Series) -> pd.Series:
    """Labels matching X_train."""
    return target[~is_test_row]


def y_test(target: pd.Series, is_test_row: pd.Series) -> pd.Series:
    """Labels matching X_test."""
    return target[is_test_row]
