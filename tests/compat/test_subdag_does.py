"""@subdag and @does agree with Apache Hamilton."""

import sys

import pandas as pd
from compat_support import assert_same, assert_same_graph, load_module, run_both


def run_subdags(outputs, **kw):
    """subdags.py imports the reused module by name; register each engine's copy under it first."""
    from compat_support import ENGINES, builder

    results, drivers = {}, {}
    for engine in ENGINES:
        load_module("subdag_features", engine, register_as="compat_subdag_features")
        module = load_module("subdags", engine)
        dr = builder(engine).with_modules(module).with_config(kw.get("config", {})).build()
        drivers[engine] = dr
        results[engine] = dr.execute(outputs, inputs=kw.get("inputs", {}))
    sys.modules.pop("compat_subdag_features", None)
    return results["hamilton"], results["dagwire"], drivers


def test_subdags_match():
    outputs = [
        "eu_features",
        "us_features",
        "plain_total",
        "combined",
        "eu_features.raw",
        "us.adjusted",
        "plain.raw",
    ]
    ham, dag, drivers = run_subdags(
        outputs,
        config={"home_region": "us"},
        inputs={
            "eu_path": "eu.csv",
            "scale": 2.0,
            "us_scale": 10.0,
            "weight": 0.5,
            "bonus": 1.0,
            "path": "plain",
        },
    )
    assert_same(ham, dag)
    assert_same_graph(drivers, docs=False)


def test_does_matches():
    x = pd.Series([1.0, 2.0])
    ham, dag, drivers = run_both(
        "macros_does",
        ["D_XMAS_GC_WEIGHTED_BY_DAY", "copy_of_x", "x_scaled"],
        inputs={"D_XMAS_GC_WEIGHTED_BY_DAY_1": x, "D_XMAS_GC_WEIGHTED_BY_DAY_2": x * 10, "x": x},
    )
    assert_same(ham, dag)
    assert_same_graph(drivers)
    pd.testing.assert_series_equal(dag["x_scaled"], x * 3.0)


def test_documented_does_example_with_a_public_kwargs_helper():
    x = pd.Series([1.0, 2.0])
    ham, dag, _ = run_both(
        "does_public_helper",
        ["D_XMAS_GC_WEIGHTED_BY_DAY"],
        inputs={"D_XMAS_GC_WEIGHTED_BY_DAY_1": x, "D_XMAS_GC_WEIGHTED_BY_DAY_2": x},
    )
    assert_same(ham, dag)
