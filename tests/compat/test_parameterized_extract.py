"""@parameterize_extract_columns agrees with Apache Hamilton on nodes (``fn__0`` ...) and values."""

import pandas as pd
from compat_support import assert_same, assert_same_graph, assert_same_tags, run_both

INPUTS = {
    "inseries1a": pd.Series([1, 2]),
    "inseries1b": pd.Series([3, 4]),
    "inseries2a": pd.Series([5, 6]),
    "inseries2b": pd.Series([7, 8]),
}


def test_parameterized_extracts_match():
    outputs = ["outseries1a", "outseries2a", "outseries1b", "outseries2b", "fn__1", "total"]
    ham, dag, drivers = run_both("parameterized_extract", outputs, inputs=INPUTS)
    assert_same(ham, dag)
    assert_same_graph(drivers)
    assert_same_tags(drivers)
    assert list(dag["fn__1"].columns) == ["outseries1b", "outseries2b"]
    pd.testing.assert_series_equal(dag["outseries2b"], pd.Series([112, 114], name="outseries2b"))


def test_without_reassigning_the_function_names_its_columns():
    ham, dag, _ = run_both("parameterized_extract", ["kept_x", "kept_y"], inputs=INPUTS)
    assert_same(ham, dag)
    assert dag["kept_y"].tolist() == [20]
