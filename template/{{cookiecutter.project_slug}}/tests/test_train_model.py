# Yours: generated once by dagwire; `copier update` never changes it.
"""Unit tests of the model-training transforms, on a tiny separable problem."""

import pandas as pd

from {{ cookiecutter.package_name }}.transforms import train_model

X = pd.DataFrame({"x": [0.0, 0.1, 0.2, 0.3, 0.7, 0.8, 0.9, 1.0]})
y = pd.Series([0, 0, 0, 0, 1, 1, 1, 1])


def test_logistic_model_learns_a_separable_problem():
    model = train_model.model__logistic(X, y)
    assert model.predict(pd.DataFrame({"x": [0.05, 0.95]})).tolist() == [0, 1]


def test_random_forest_model_is_reproducible():
    first = train_model.model__random_forest(X, y, random_state=3)
    second = train_model.model__random_forest(X, y, random_state=3)
    probe = pd.DataFrame({"x": [0.05, 0.5, 0.95]})
    assert (first.predict_proba(probe) == second.predict_proba(probe)).all()
    assert first.predict(probe)[[0, 2]].tolist() == [0, 1]
