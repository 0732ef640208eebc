"""@config.when and friends agree with Apache Hamilton on variants, names and missing keys."""

import pandas as pd
import pytest
from compat_support import assert_same, assert_same_graph, run_both

RAW = pd.Series([1.0, 2.0, 3.0])
COMMON = [
    "my_transform",
    "non_us_flag",
    "missing_key_is_none",
    "undecorated__keeps_its_name",
    "anglophone",
]


@pytest.mark.parametrize(
    ("cfg", "extra"),
    [
        ({"region": "us", "business_line": "womens"}, ["lead_log_times_trend", "renamed_node"]),
        ({"region": "uk", "business_line": "kids"}, ["lead_log_times_trend"]),
        ({"region": "uk", "business_line": "womens", "version": "v1"}, ["signups__v1"]),
    ],
)
def test_variants_match(cfg, extra):
    ham, dag, drivers = run_both("config_variants", COMMON + extra, config=cfg, inputs={"raw": RAW})
    assert_same(ham, dag)
    assert_same_graph(drivers)


def test_variants_missing_for_a_config_are_missing_in_both():
    drivers = run_both(
        "config_variants", ["some_input"], config={"region": "fr"}, inputs={"raw": RAW}
    )[2]
    for dr in drivers.values():
        names = {v.name for v in dr.list_available_variables() if not v.is_external_input}
        assert "my_transform" not in names
        assert "lead_log_times_trend" in names  # the when_not_in variant
        assert "anglophone" not in names
