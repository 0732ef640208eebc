# Yours: generated once by dagwire; `copier update` never changes it.
"""Score the trained model on the held-out rows."""

import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.metrics import accuracy_score, f1_score


def predictions(model: BaseEstimator, X_test: pd.DataFrame) -> pd.Series:
    """The model's label for each test row."""
    return pd.Series(model.predict(X_test), index=X_test.index, name="prediction")


def accuracy(predictions: pd.Series, y_test: pd.Series) -> float:
    """Share of test rows labelled correctly."""
    return float(accuracy_score(y_test, predictions))


def metrics(accuracy: float, predictions: pd.Series, y_test: pd.Series) -> dict[str, float | int]:
    """The run's summary: small, JSON-friendly, easy to compare across runs."""
    return {
        "accuracy": accuracy,
        "f1": float(f1_score(y_test, predictions)),
        "test_rows": len(y_test),
    }
