"""Functions wrapped by a user's own decorator run as on Apache Hamilton: the wrapped function's
parameters are the inputs, defaults apply, modifiers on either side of the wrapper still work."""

import pytest
from compat_support import assert_same_graph, run_both

RAW = [3, -1, 4, 0, 5]


@pytest.mark.parametrize(
    ("cfg", "inputs"),
    [
        ({"scale": "double"}, {"raw": RAW, "floor": 1}),
        ({"scale": "same"}, {"raw": RAW}),  # floor left to its default
    ],
)
def test_wrapped_functions_compute_the_same(cfg, inputs):
    expected, actual, drivers = run_both(
        "wrapped", ["scaled", "total", "cleaned"], config=cfg, inputs=inputs
    )
    assert actual == expected
    assert_same_graph(drivers)
    tags = {
        e: dr.list_available_variables(tag_filter={"owner": "ops"}) for e, dr in drivers.items()
    }
    assert [v.name for v in tags["dagwire"]] == [v.name for v in tags["hamilton"]] == ["total"]


def test_the_wrapper_runs_around_every_call():
    loaded = {}
    run_both(
        "wrapped",
        ["scaled"],
        config={"scale": "same"},
        inputs={"raw": RAW},
        prepare=lambda engine, modules: loaded.update({engine: modules[0]}),
    )
    calls = {engine: module.CALLS for engine, module in loaded.items()}
    assert calls["dagwire"] == calls["hamilton"] == ["cleaned", "total", "scaled__same"]
