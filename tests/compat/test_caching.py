"""``Builder().with_cache()`` agrees with Apache Hamilton's: same results, and the same nodes
computed or retrieved on a second run, after input changes, with behaviors and overrides."""

import pytest
from compat_support import ENGINES, assert_same, builder, load_module

OUTPUTS = ["total", "frame", "shifted"]
ALL = {"raw", "doubled", "parity", "shifted", "stamp", "frame", "total"}


@pytest.fixture
def modules():
    return {engine: load_module("cached", engine) for engine in ENGINES}


def run(engine, module, path, inputs, overrides=None, **options):
    dr = builder(engine).with_modules(module).with_cache(path=str(path), **options).build()
    result = dr.execute(OUTPUTS, inputs=inputs, overrides=overrides or {})
    return result, computed(dr)


def computed(dr):
    """The nodes the last run computed (the others were retrieved or given)."""
    return outcomes(dr)["computed"]


def both(modules, tmp_path, steps):
    """Run ``steps`` (inputs, overrides, with_cache options) on each engine with its own cache;
    return, per engine, each step's result and computed nodes."""
    seen = {}
    for engine in ENGINES:
        path = tmp_path / engine
        seen[engine] = [run(engine, modules[engine], path, *step[:2], **step[2]) for step in steps]
    for (ham, ham_computed), (dag, dag_computed) in zip(*seen.values(), strict=True):
        assert_same(ham, dag)
        assert dag_computed == ham_computed
    return [c for _, c in seen["dagwire"]]


BASE = {"n": 4, "offset": 1}


def test_a_second_run_retrieves_all_but_the_recompute_node(modules, tmp_path):
    first, second = both(modules, tmp_path, [(BASE, None, {}), (BASE, None, {})])
    assert first == ALL
    assert second == {"stamp"}


def test_an_input_change_that_keeps_a_value_stops_where_the_value_is_unchanged(modules, tmp_path):
    steps = [(BASE, None, {}), ({"n": 4, "offset": 3}, None, {})]
    assert both(modules, tmp_path, steps)[1] == {"parity", "stamp"}


def test_an_input_change_recomputes_what_it_reaches(modules, tmp_path):
    steps = [(BASE, None, {}), ({"n": 5, "offset": 1}, None, {})]
    assert both(modules, tmp_path, steps)[1] == ALL - {"parity"}


def test_driver_lists_of_behaviors(modules, tmp_path):
    steps = [
        (BASE, None, {}),
        (BASE, None, {"recompute": ["doubled"]}),
        (BASE, None, {"disable": ["parity"]}),
        (BASE, None, {"recompute": True}),
        (BASE, None, {"default": ["stamp"]}),
    ]
    _, recompute, disable, everything, default = both(modules, tmp_path, steps)
    assert recompute == {"doubled", "stamp"}
    assert "parity" in disable
    assert everything == ALL
    assert default == set()


def test_overrides(modules, tmp_path):
    steps = [
        (BASE, None, {}),
        (BASE, {"doubled": [0, 2, 4, 6]}, {}),  # what doubled computes
        (BASE, {"doubled": [1, 1, 1, 1]}, {}),
    ]
    _, same, other = both(modules, tmp_path, steps)
    assert same == {"stamp"}
    assert other >= {"shifted", "frame", "total"}


def test_node_versions_ignore_docstrings_and_comments_as_in_hamilton(modules):
    from hamilton.graph_types import HamiltonGraph

    ham = builder("hamilton").with_modules(modules["hamilton"]).build()
    dag = builder("dagwire").with_modules(modules["dagwire"]).build()
    ham_versions = {n.name: n.version for n in HamiltonGraph.from_graph(ham.graph).nodes}
    dag_versions = {n.name: n.version for n in dag.public_graph.nodes}
    assert {n: dag_versions[n] for n in ALL} == {n: ham_versions[n] for n in ALL}


def test_parallelizable_items_are_cached_one_by_one_as_in_hamilton(tmp_path):
    """Same computed and retrieved (node, task) pairs, item by item."""
    steps = [
        {"count": 3, "label": "a"},
        {"count": 3, "label": "a"},
        {"count": 4, "label": "a"},  # one item more
        {"count": 4, "label": "b"},  # only the last node reads the label
    ]
    seen = {}
    for engine in ENGINES:
        module = load_module("cached_fanout", engine)
        seen[engine] = []
        for inputs in steps:
            builder_ = builder(engine).with_modules(module).with_cache(path=str(tmp_path / engine))
            dr = builder_.enable_dynamic_execution(allow_experimental_mode=True).build()
            result = dr.execute(["report"], inputs=inputs)
            seen[engine].append((result, outcomes(dr)))
    assert seen["dagwire"] == seen["hamilton"]
    assert seen["dagwire"][1][1]["computed"] == {("number", "expand-number")}


def outcomes(dr):
    logs = dr.cache.logs(run_id=dr.cache.last_run_id, level="info")
    kinds = {k: {e.event_type.value for e in events} for k, events in logs.items()}
    return {
        "computed": {k for k, v in kinds.items() if "execute_node" in v},
        "retrieved": {k for k, v in kinds.items() if "get_result" in v},
    }
