"""The driver's public surface agrees with Apache Hamilton's: variables field by field,
``export_execution``, unset inputs, tag filters, ``has_cycles``, ``with_adapter``, ``copy``,
grouping strategies, pickling, ``log_setup`` and ``InvalidDecoratorException``."""

import importlib
import importlib.util
import json
import logging
import pickle
import sys

import pytest
from compat_support import ENGINES, MODULES, assert_same, builder, load_module, run_both

CONFIG = {"exchange_rate": 1.25}  # a config value that replaces a function
INPUTS = {"region": "eu", "budget": 100.0, "visits": 400}


def drivers(config=CONFIG):
    return {
        e: builder(e).with_modules(load_module("driver_api", e)).with_config(dict(config)).build()
        for e in ENGINES
    }


def described(variable, engine):
    """Every field of a Variable, with the module's per-engine name made the same."""
    functions = variable.originating_functions
    tags = {k: v for k, v in variable.tags.items() if k != "module"}
    type_ = variable.type
    if getattr(type_, "__module__", "").startswith("compat_"):  # a class of the loaded module
        type_ = type_.__qualname__
    return {
        "type": type_,
        "tags": tags,
        "module": variable.tags.get("module", "").replace(engine, "ENGINE"),
        "is_external_input": variable.is_external_input,
        # Hamilton renames a @config.when function (f__variant -> f) and keeps the old name in
        # __original_name__; the engine leaves the user's function as it is
        "originating_functions": (
            [getattr(f, "__original_name__", f.__name__) for f in functions]
            if functions
            else functions
        ),
        "documentation": (variable.documentation or "").strip(),
        "required_dependencies": set(variable.required_dependencies),
        "optional_dependencies": set(variable.optional_dependencies),
    }


@pytest.mark.parametrize("config", [CONFIG, {}], ids=["config-replaces-a-function", "no-config"])
def test_every_field_of_every_variable_matches(config):
    found = {
        e: {v.name: described(v, e) for v in dr.list_available_variables()}
        for e, dr in drivers(config).items()
    }
    assert sorted(found["dagwire"]) == sorted(found["hamilton"])
    for name, expected in found["hamilton"].items():
        assert found["dagwire"][name] == expected, name


@pytest.mark.parametrize(
    "module",
    [
        "extracted",
        "tagged",
        "parameterized",
        "macros_does",
        "subdag_features",
        "config_variants",
        "wrapped",
    ],
)
def test_every_field_matches_on_the_other_compat_modules(module):
    found = {}
    for engine in ENGINES:
        dr = builder(engine).with_modules(load_module(module, engine)).build()
        found[engine] = {v.name: described(v, engine) for v in dr.list_available_variables()}
    assert sorted(found["dagwire"]) == sorted(found["hamilton"])
    for name, expected in found["hamilton"].items():
        assert found["dagwire"][name] == expected, name


@pytest.mark.parametrize(
    "tag_filter",
    [
        {"owner": "growth"},
        {"owner": ["finance"]},
        {"owner": None},
        {"owner": "growth", "pii": "false"},
    ],
)
def test_tag_filters_select_the_same_variables(tag_filter):
    selected = {
        e: sorted(v.name for v in dr.list_available_variables(tag_filter=tag_filter))
        for e, dr in drivers().items()
    }
    assert selected["dagwire"] == selected["hamilton"]


@pytest.mark.parametrize("tag_filter", [{"owner": 1}, {"owner": []}, {"owner": ("growth",)}])
def test_invalid_tag_filters_are_refused_by_both(tag_filter):
    for dr in drivers().values():
        with pytest.raises(ValueError):
            dr.list_available_variables(tag_filter=tag_filter)


def exported(dr, engine, outputs, **kwargs):
    nodes = json.loads(dr.export_execution(outputs, **kwargs))["nodes"]
    for node in nodes:
        node.pop("version")  # source hashing is the caching work's; compared there
        node["tags"].pop("module", None)
        node["source"] = (node["source"] or "").replace(engine, "ENGINE")
    return nodes


@pytest.mark.parametrize("outputs", [["report"], ["cost_per_signup", "best_day_visits"]])
def test_export_execution_gives_the_same_json(outputs):
    inputs = {**INPUTS, "currency": "EUR", "discount": 0.5}
    found = {e: exported(dr, e, outputs, inputs=inputs) for e, dr in drivers().items()}
    assert found["dagwire"] == found["hamilton"]


def test_export_execution_without_inputs_lists_the_optional_inputs_as_hamilton_does():
    # Without inputs= Hamilton crawls the whole upstream: optional inputs nobody gave are listed.
    config = {**CONFIG, "region": "eu", "budget": 1.0, "visits": 3}
    found = {e: exported(dr, e, ["cost_per_signup"]) for e, dr in drivers(config).items()}
    assert {"discount", "conversion"} <= {n["name"] for n in found["dagwire"]}
    assert found["dagwire"] == found["hamilton"]


def test_a_requested_input_nobody_gave_is_none_in_both():
    for outputs in (["conversion"], ["signups", "conversion", "discount"], ["day_names"]):
        ham, dag, _ = run_both("driver_api", outputs, inputs={"visits": 10})
        assert_same(ham, dag)
        assert dag["conversion"] is None if "conversion" in dag else dag["day_names"] is None


def test_a_required_input_still_fails_in_both():
    for dr in drivers().values():
        with pytest.raises(ValueError, match="visits"):
            dr.execute(["signups"])


def test_has_cycles_is_false_in_both():
    for dr in drivers().values():
        assert dr.has_cycles(["report"]) is False


def test_with_adapter_and_copy_behave_the_same():
    results = {}
    for engine in ENGINES:
        base = importlib.import_module(f"{engine}.base")
        original = builder(engine).with_modules(load_module("driver_api", engine))
        original = original.with_config({"exchange_rate": 2.0})
        twin = original.copy().with_config({"exchange_rate": 3.0})
        twin = twin.with_adapter(base.SimplePythonGraphAdapter(base.DictResult()))
        outputs, inputs = ["cost_in_usd"], {**INPUTS, "discount": 0.0}
        results[engine] = (
            original.build().execute(outputs, inputs=inputs),
            twin.build().execute(outputs, inputs=inputs),
        )
    assert_same(results["hamilton"], results["dagwire"])
    assert results["dagwire"][0]["cost_in_usd"] * 1.5 == results["dagwire"][1]["cost_in_usd"]


@pytest.mark.parametrize(
    "strategy",
    [
        "GroupByRepeatableBlocks",
        "GroupNodesIndividually",
        "GroupNodesByLevel",
        "GroupNodesAllAsOne",
    ],
)
def test_grouping_strategies_give_the_same_results(strategy):
    results = {}
    for engine in ENGINES:
        grouping = importlib.import_module(f"{engine}.execution.grouping")
        module = load_module("driver_api", engine)
        dr = (
            builder(engine)
            .with_modules(module)
            .enable_dynamic_execution(allow_experimental_mode=True)
            .with_grouping_strategy(getattr(grouping, strategy)())
            .build()
        )
        results[engine] = dr.execute(["report"], inputs={**INPUTS, "currency": "USD"})
    assert_same(results["hamilton"], results["dagwire"])


def importable(engine):
    """``modules/shipped.py`` as a module with an import spec, as pickling needs."""
    name = f"compat_shipped_{engine}"
    spec = importlib.util.spec_from_file_location(name, MODULES / "shipped.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_pickled_drivers_run_the_same():
    results = {}
    for engine in ENGINES:
        module = importable(engine)
        dr = builder(engine).with_modules(module).with_config({"scale": 3}).build()
        results[engine] = pickle.loads(pickle.dumps(dr)).execute(["doubled"], inputs={"x": 2})
    assert_same(results["hamilton"], results["dagwire"])
    assert results["dagwire"] == {"doubled": 12}


def test_log_setup_configures_logging_the_same_way(monkeypatch):
    root = logging.getLogger()
    for engine in ENGINES:
        log_setup = importlib.import_module(f"{engine}.log_setup")
        monkeypatch.setattr(root, "handlers", [])
        monkeypatch.setattr(root, "level", logging.WARNING)
        log_setup.setup_logging(log_level=logging.INFO)
        assert root.level == logging.INFO and len(root.handlers) == 1
        assert root.handlers[0].stream is sys.stdout
        assert log_setup.LOG_LEVELS["DEBUG"] == logging.DEBUG


def test_invalid_decorator_exception_is_raised_and_caught_the_same_way():
    for engine in ENGINES:
        modifiers = importlib.import_module(f"{engine}.function_modifiers")
        base = importlib.import_module(f"{engine}.function_modifiers.base")
        assert base.InvalidDecoratorException is modifiers.InvalidDecoratorException
        with pytest.raises(modifiers.InvalidDecoratorException, match="empty"):

            @modifiers.extract_fields({})
            def fields() -> dict:
                return {}


def test_lineage_stops_at_a_function_the_config_replaces():
    found = {}
    for engine, dr in drivers().items():
        with pytest.raises(ValueError):  # read only by the replaced function: not an input
            dr.what_is_downstream_of("currency")
        found[engine] = [
            sorted(v.name for v in dr.what_is_upstream_of("cost_in_usd")),
            sorted(v.name for v in dr.what_is_downstream_of("exchange_rate")),
            sorted(v.name for v in dr.what_is_the_path_between("exchange_rate", "report")),
        ]
    assert found["dagwire"] == found["hamilton"]
    assert "currency" not in found["dagwire"][0]
