"""Property: on random DAGs, requests, overrides and inputs, the engine agrees with a naive model.

The naive evaluator is recursive with a memo and knows nothing about plans, ordering or freeing
values, so any bookkeeping mistake in the engine (a value dropped too early, an override ignored, a
node run that should not be, a missing input not reported) shows up as a disagreement.
"""

import pytest
from dagwire import driver, errors
from dagwire.ad_hoc_utils import create_temporary_module
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXTERNAL = ["x0", "x1", "x2"]
DEFAULT = 7


@st.composite
def dags(draw):
    """A list of (name, [(param, has_default)], weight): params name earlier nodes or externals."""
    n = draw(st.integers(1, 25))
    spec = []
    for i in range(n):
        candidates = [f"n{j}" for j in range(i)] + EXTERNAL
        params = draw(st.lists(st.sampled_from(candidates), max_size=4, unique=True))
        defaults = [draw(st.booleans()) and draw(st.booleans()) for _ in params]
        spec.append((f"n{i}", list(zip(params, defaults, strict=True)), draw(st.integers(1, 5))))
    return spec


def make_module(spec, order=None):
    """The spec's functions in a module, defined in ``order`` (a permutation of the spec's
    indices; dependency order when None): the engine must not rely on definition order."""
    namespace = {}
    for name, params, weight in spec:
        # defaults must come last in Python: order parameters so that they do
        ordered = sorted(params, key=lambda pd: pd[1])
        args = ", ".join(f"{p}: int = {DEFAULT}" if d else f"{p}: int" for p, d in ordered)
        body = " + ".join([str(weight), *(f"{weight} * {p}" for p, _ in ordered)])
        exec(f"def {name}({args}) -> int:\n    return {body}\n", namespace)
    names = [name for name, _, _ in spec]
    return create_temporary_module(*(namespace[names[i]] for i in order or range(len(spec))))


class Missing(Exception):
    def __init__(self, names):
        self.names = names


def reference(spec, requested, given):
    """Naive recursive evaluation; raises Missing with every required input that is absent."""
    nodes = {name: (params, weight) for name, params, weight in spec}
    memo, missing = {}, set()

    def value(name):
        if name in given:
            return given[name]
        if name in memo:
            return memo[name]
        params, weight = nodes[name]
        total = weight
        for p, has_default in params:
            if p in given or p in nodes:
                v = value(p)
            elif has_default:
                v = DEFAULT
            else:
                missing.add(p)
                v = 0
            total += weight * v
        memo[name] = total
        return total

    result = {}
    for name in requested:
        if name in nodes or name in given:
            result[name] = value(name)
        else:
            missing.add(name)
    if missing:
        raise Missing(missing)
    return result


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), spec=dags())
def test_engine_matches_naive_evaluation(data, spec):
    names = [name for name, _, _ in spec]
    requested = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=5, unique=True))
    inputs = {x: data.draw(st.integers(-5, 5)) for x in EXTERNAL if data.draw(st.booleans())}
    overridden = data.draw(st.lists(st.sampled_from(names), max_size=3, unique=True))
    overrides = {name: data.draw(st.integers(-50, 50)) for name in overridden}
    order = data.draw(st.permutations(range(len(spec))))
    dr = driver.Builder().with_modules(make_module(spec, order)).build()
    position = {name: i for i, name in enumerate(dr.graph.order)}
    for name, params, _ in spec:  # the stored order is topological whatever the definition order
        assert all(position[p] < position[name] for p, _ in params if p in position)
    try:
        expected = reference(spec, requested, {**inputs, **overrides})
    except Missing as missing:
        with pytest.raises(errors.MissingInputsError) as info:
            dr.execute(requested, inputs=inputs, overrides=overrides)
        reported = {
            line.split()[0] for line in str(info.value).splitlines()[1:] if line.startswith("  ")
        }
        assert reported == missing.names
        return
    assert dr.execute(requested, inputs=inputs, overrides=overrides) == expected
    # a second call reuses the cached plan and must give the same answer
    assert dr.execute(requested, inputs=inputs, overrides=overrides) == expected


@settings(max_examples=60, deadline=None)
@given(spec=dags(), data=st.data())
def test_lineage_matches_reachability(spec, data):
    order = data.draw(st.permutations(range(len(spec))))
    dr = driver.Builder().with_modules(make_module(spec, order)).build()
    parents = {name: {p for p, _ in params} for name, params, _ in spec}
    for name in parents:
        upstream, stack = set(), [name]
        while stack:
            current = stack.pop()
            if current not in upstream:
                upstream.add(current)
                stack.extend(parents.get(current, ()))
        assert {v.name for v in dr.what_is_upstream_of(name)} == upstream
        downstream = {n for n in parents if name in {v.name for v in dr.what_is_upstream_of(n)}}
        assert {v.name for v in dr.what_is_downstream_of(name)} == downstream
