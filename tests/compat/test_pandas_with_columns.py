"""``plugins.h_pandas.with_columns`` agrees with Apache Hamilton: the same namespaced column nodes,
the same appended DataFrame, with columns_to_pass, on_input, select, namespace and config."""

import pytest
from compat_support import assert_same, assert_same_graph, assert_same_tags, run_both

IMPORTED = {"compat_with_columns_ops": "with_columns_ops"}


@pytest.mark.parametrize("shift", ["up", "down"])
def test_with_columns_matches(shift):
    outputs = ["final_df", "rescaled_df", "shifted_df", "final_df.a_plus_b", "shifted_df.row_count"]
    ham, dag, drivers = run_both(
        "pandas_with_columns",
        outputs,
        config={"shift": shift},
        inputs={"rows": 3, "factor": 2.0},
        imported=IMPORTED,
    )
    assert_same(ham, dag)
    assert_same_graph(drivers, docs=False)
    assert_same_tags(drivers)
    assert list(dag["final_df"].columns) == [
        "a_from_df",
        "b_from_df",
        "a",
        "b",
        "a_plus_b",
        "a_b_average",
    ]
    assert dag["rescaled_df"]["a_from_df"].tolist() == [0.02, 0.04, 0.06]  # replaced, then x2
