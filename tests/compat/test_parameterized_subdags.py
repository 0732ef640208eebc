"""@parameterized_subdag agrees with Apache Hamilton: one namespaced subdag per parameterization,
shared and per-subdag inputs/config/external inputs, @tag on the final nodes only."""

from compat_support import assert_same, assert_same_graph, assert_same_tags, run_both

IMPORTED = {"compat_subdag_features": "subdag_features"}


def test_parameterized_subdags_match():
    outputs = [
        "all_sources",
        "from_datasource_3.adjusted",
        "from_datasource_2.path",
        "weighted_a",
        "weighted_b",
    ]
    inputs = {"scale": 2.0, "third_path": "third", "weight": 0.5, "weighted_b.weight": 10.0}
    ham, dag, drivers = run_both("parameterized_subdags", outputs, inputs=inputs, imported=IMPORTED)
    assert_same(ham, dag)
    assert_same_graph(drivers, docs=False)
    assert_same_tags(drivers)
    assert dag["from_datasource_2.path"] == "ds_2.csv"
    assert dag["weighted_b"] == 10.0 * 2.0 * len("bb") * 6  # its own external weight, not 0.5


def test_an_optional_namespaced_external_input_falls_back_to_its_default():
    inputs = {"scale": 1.0, "third_path": "x", "weight": 3.0}
    ham, dag, _ = run_both(
        "parameterized_subdags", ["weighted_b"], inputs=inputs, imported=IMPORTED
    )
    assert_same(ham, dag)
    assert dag["weighted_b"] == len("bb") * 6.0
