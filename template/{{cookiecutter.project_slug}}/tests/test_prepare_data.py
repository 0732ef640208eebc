# Yours: generated once by dagwire; `copier update` never changes it.
"""Unit tests of the data preparation transforms, on tiny hand-made frames."""

import pandas as pd

from {{ cookiecutter.package_name }}.transforms import prepare_data


def tiny_raw_data() -> pd.DataFrame:
    return pd.DataFrame({"size": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], "target": [0, 1] * 4})


def test_raw_data_is_the_bundled_sample():
    raw = prepare_data.raw_data()
    assert len(raw) > 500
    assert "target" in raw.columns


def test_features_and_target_split_the_columns():
    raw = tiny_raw_data()
    assert list(prepare_data.features(raw).columns) == ["size"]
    assert prepare_data.target(raw).tolist() == [0, 1] * 4


def test_split_is_stratified_disjoint_and_reproducible():
    raw = tiny_raw_data()
    target = prepare_data.target(raw)
    is_test = prepare_data.is_test_row(target, test_size=0.5, random_state=0)
    assert is_test.sum() == 4
    assert prepare_data.y_test(target, is_test).tolist().count(1) == 2  # class balance kept
    train = prepare_data.X_train(prepare_data.features(raw), is_test)
    test = prepare_data.X_test(prepare_data.features(raw), is_test)
    assert set(train.index).isdisjoint(test.index)
    assert len(train) + len(test) == len(raw)
    again = prepare_data.is_test_row(target, test_size=0.5, random_state=0)
    assert again.equals(is_test)
