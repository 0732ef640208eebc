# Yours: generated once by dagwire; `copier update` never changes it.
"""Fit the classifier; the config key ``model_type`` picks which one."""

import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ..dagwire.function_modifiers import config


@config.when(model_type="logistic")
def model__logistic(X_train: pd.DataFrame, y_train: pd.Series) -> BaseEstimator:
    """Scaled logistic regression: a fast, strong baseline for tabular data."""
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X_train, y_train)


@config.when(model_type="random_forest")
def model__random_forest(
    X_train: pd.DataFrame, y_train: pd.Series, random_state: int
) -> BaseEstimator:
    """A random forest, for when feature interactions matter more than speed."""
    forest = RandomForestClassifier(n_estimators=200, random_state=random_state)
    return forest.fit(X_train, y_train)
