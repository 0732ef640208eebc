"""@resolve / @resolve_from_config agree with Apache Hamilton: the same decorators built from the
same config give the same nodes, values, docstrings and tags."""

import pandas as pd
import pytest
from compat_support import assert_same, assert_same_graph, assert_same_tags, run_both

POWER_USER = {"hamilton.enable_power_user_mode": True}
CONFIG = {
    **POWER_USER,
    "first_series_sum": ["series_1", "series_2"],
    "second_series_sum": ["series_2", "series_3"],
    "mode": "diff",
    "diff_pairs": {"d12": ["series_1", "series_2"], "d23": ["series_2", "series_3"]},
}


def test_resolved_decorators_build_the_same_graph_and_values():
    outputs = ["series_sum_1", "series_sum_2", "scaled_one", "d12", "d23"]
    ham, dag, drivers = run_both("resolved", outputs, config=CONFIG)
    assert_same(ham, dag)
    assert_same_graph(drivers)
    assert_same_tags(drivers)
    pd.testing.assert_series_equal(dag["series_sum_2"], pd.Series([110, 220, 330]))


@pytest.mark.parametrize("factors", [{"a": "series_2"}, {"a": "series_2", "b": "series_3"}])
def test_optional_decorate_with_parameters_come_from_config_when_given(factors):
    config = {**CONFIG, "scale_factors": factors}
    outputs = [f"scaled_{name}" for name in factors]
    ham, dag, drivers = run_both("resolved", outputs, config=config)
    assert_same(ham, dag)
    assert_same_graph(drivers)
    assert_same_tags(drivers)
    assert sorted(dag) == sorted(outputs)
