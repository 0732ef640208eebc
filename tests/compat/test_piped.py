"""@pipe_input / @pipe_output / @mutate agree with Apache Hamilton on values and node names."""

import pytest
from compat_support import assert_same, assert_same_graph, run_both

INPUTS = {
    "upstream_int": 3,
    "upstream_node_to_multiply": 4,
    "offset": 1000,
    "first": 1,
    "second": 2,
}
OUTPUTS = ["final_result", "conditional_result", "two_inputs", "B", "field_1", "field_2", "C", "D"]


@pytest.mark.parametrize("mode", ["plus", "times"])
def test_piped_values_and_nodes_match(mode):
    ham, dag, drivers = run_both("piped", OUTPUTS, config={"mode": mode}, inputs=INPUTS)
    assert_same(ham, dag)
    assert_same_graph(drivers, docs=False)


def test_pipe_steps_are_nodes_with_hamiltons_names():
    ham, dag, drivers = run_both(
        "piped",
        ["final_result.with_add_one", "B.raw", "shifted"],
        config={"mode": "plus"},
        inputs=INPUTS,
    )
    assert_same(ham, dag)
    assert dag == {"final_result.with_add_one": 4, "B.raw": 11, "shifted": 1004}
