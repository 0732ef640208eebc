"""@check_output agrees with Apache Hamilton: the same validator nodes, the same verdicts."""

import pandas as pd
import pytest
from compat_support import ENGINES, assert_same, assert_same_graph, builder, load_module, run_both

OK = pd.Series([1, 20, 70, 90])
BAD = pd.Series([1, -20, 170, 90])
OUTPUTS = [
    "some_int_data_between_0_and_100",
    "some_int_data_between_0_and_100_range_validator",
    "some_int_data_between_0_and_100_data_type_validator",
    "ratios",
    "ratios_allow_nans_validator",
    "level",
    "level_values_in_validator",
    "deltas",
    "deltas_no_negatives",
    "a",
    "b",
    "frame_allow_none_validator",
    "some_int_data_between_0_and_100_raw",
]


@pytest.mark.parametrize("raw", [OK, BAD], ids=["passing", "warning"])
def test_validator_nodes_and_verdicts_match(raw):
    ham, dag, drivers = run_both("checked", OUTPUTS, inputs={"raw_ints": raw})
    assert_same(ham, dag)
    assert_same_graph(drivers, docs=False)
    passed = [dag[n].passes for n in OUTPUTS if n.endswith(("_validator", "no_negatives"))]
    assert all(passed) == (raw is OK)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_failing_fail_check_stops_the_run(engine):
    dr = builder(engine).with_modules(load_module("checked", engine)).build()
    assert dr.execute(["share"], overrides={"share_raw": 0.5}) == {"share": 0.5}
    with pytest.raises(Exception, match="share") as caught:
        dr.execute(["share"], overrides={"share_raw": 1.5})
    assert type(caught.value).__name__ == "DataValidationError"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_failing_warn_check_logs_and_goes_on(engine, caplog):
    dr = builder(engine).with_modules(load_module("checked", engine)).build()
    result = dr.execute(["level"], overrides={"level_raw": "medium"})
    assert result == {"level": "medium"}
    assert any("level" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)
