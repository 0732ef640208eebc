"""@parameterize and friends agree with Apache Hamilton, down to the generated docstrings."""

import pandas as pd
from compat_support import assert_same, assert_same_graph, run_both

INPUTS = {
    "foo_source": "foo",
    "other_source": "other",
    "a": "A",
    "c": "C",
    "x": 5,
    "y": 7,
    "date_index": pd.Series(pd.date_range("2016-11-10", periods=6, freq="D")),
}
OUTPUTS = [
    "replace_no_parameters",
    "replace_just_upstream_parameter",
    "replace_just_literal_parameter",
    "replace_both_parameters",
    "replace_both_again",
    "a_plus_b_plus_c",
    "as_dict",
    "D_ELECTION_2016",
    "SOME_OUTPUT_NAME",
    "D_ELECTION_2016_shifted",
    "SOME_OUTPUT_NAME_shifted",
    "a_plus_10_plus_b_plus_2",
    "scaled",
]


def test_parameterized_nodes_match():
    ham, dag, drivers = run_both("parameterized", OUTPUTS, inputs=INPUTS)
    assert_same(ham, dag)
    assert_same_graph(drivers)
    assert dag["replace_both_again"] == "otherbaz"


def test_generated_docstrings_are_formatted_per_node():
    drivers = run_both("parameterized", ["scaled"], inputs=INPUTS)[2]
    docs = {v.name: v.documentation for v in drivers["dagwire"].list_available_variables()}
    assert docs["replace_both_parameters"] == (
        "Adding bar to foo_source to create replace_both_parameters;\n    unknown stays."
    )
    assert docs["SOME_OUTPUT_NAME_shifted"] == (
        "SOME_OUTPUT_NAME shifted by 1 to create SOME_OUTPUT_NAME_shifted"
    )
    assert docs["D_ELECTION_2016"] == "US Election 2016 Dummy"
    assert docs["scaled"] == "x times 3."


def test_sources_become_dependencies_in_both():
    drivers = run_both("parameterized", ["scaled"], inputs=INPUTS)[2]
    for dr in drivers.values():
        upstream = {v.name for v in dr.what_is_upstream_of("a_plus_b_plus_c")}
        assert upstream == {"a_plus_b_plus_c", "a", "c"}
