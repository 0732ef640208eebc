# Yours: generated once by dagwire; `copier update` never changes it.
"""Unit tests of the evaluation transforms, with a stand-in model."""

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.transforms import evaluate_model


class AlwaysOne:
    """Predicts class 1 for every row: enough to check the arithmetic."""

    def predict(self, X: pd.DataFrame) -> list[int]:
        return [1] * len(X)


def test_predictions_keep_the_test_index():
    X_test = pd.DataFrame({"x": [1.0, 2.0]}, index=[10, 20])
    predictions = evaluate_model.predictions(AlwaysOne(), X_test)
    assert predictions.to_dict() == {10: 1, 20: 1}


def test_accuracy_and_metrics():
    predictions = pd.Series([1, 1, 1, 1])
    y_test = pd.Series([1, 1, 0, 1])
    accuracy = evaluate_model.accuracy(predictions, y_test)
    assert accuracy == 0.75
    metrics = evaluate_model.metrics(accuracy, predictions, y_test)
    assert metrics == {"accuracy": 0.75, "f1": pytest.approx(6 / 7), "test_rows": 4}
