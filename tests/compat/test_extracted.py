"""@extract_columns / @extract_fields agree with Apache Hamilton (DataFrames, dicts, TypedDicts)."""

import pandas as pd
from compat_support import assert_same, assert_same_graph, run_both

DATES = pd.Series(pd.date_range("2024-01-01", periods=4, freq="W"))
INPUTS = {
    "date_index": DATES,
    "fiscal_dates": pd.DataFrame(
        {
            "fiscal_date": ["w1", "w2", "w3", "w4"],
            "fiscal_week_name": ["one", "two", "three", "four"],
            "fiscal_year": [2024, 2024, 2025, 2025],
        }
    ),
    "features": pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [5, 4, 3, 2, 1]}),
    "target": pd.Series([1, -1, 1, 1, -1]),
    "test_size": 2,
}
OUTPUTS = [
    "fiscal_date",
    "fiscal_week_name",
    "fiscal_columns",
    "weeks_per_year",
    "present",
    "absent",
    "X_train",
    "X_test",
    "y_train",
    "y_test",
    "mean",
    "maximum",
    "accuracy",
    "n_samples",
    "model_metrics",
    "accuracy_only",
    "X_first",
    "X_rest",
    "low",
    "mid",
    "high",
]


def test_extracted_nodes_match():
    ham, dag, drivers = run_both("extracted", OUTPUTS, inputs=INPUTS)
    assert_same(ham, dag)
    assert_same_graph(drivers)


def test_extracted_types_match():
    drivers = run_both("extracted", ["mean"], inputs=INPUTS)[2]
    types = {
        engine: {v.name: v.type for v in dr.list_available_variables()}
        for engine, dr in drivers.items()
    }
    for name in [
        "fiscal_date",
        "X_train",
        "y_test",
        "mean",
        "accuracy",
        "n_samples",
        "X_rest",
        "mid",
    ]:
        assert types["dagwire"][name] == types["hamilton"][name], name
