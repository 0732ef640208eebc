"""The group plan: stages, per-node and single groups derived from the graph; bad stages refused."""

import pytest
from dagwire import driver
from dagwire.ad_hoc_utils import create_temporary_module
from dagwire.function_modifiers import config
from dagwire.runtime.plan import SINGLE_GROUP, GroupPlan, PlanError


def raw(n: int) -> list:
    return list(range(n))


def cleaned(raw: list) -> list:
    return [x for x in raw if x % 7]


def X_train(cleaned: list) -> list:
    return cleaned[::2]


def X_test(cleaned: list) -> list:
    return cleaned[1::2]


def model(X_train: list) -> float:
    return sum(X_train) / len(X_train)


def predictions(model: float, X_test: list) -> list:
    return [model] * len(X_test)


def metrics(predictions: list, X_test: list) -> dict:
    return {"n": len(predictions)}


def report(metrics: dict, model: float) -> str:
    return f"{metrics} {model}"


def unused(raw: list) -> int:
    return len(raw)


STAGES = {"prepare": ["X_train", "X_test"], "train": ["model"], "evaluate": ["metrics"]}


def graph_of(*fns, cfg=None):
    fns = fns or (raw, cleaned, X_train, X_test, model, predictions, metrics, report, unused)
    return (
        driver.Builder()
        .with_modules(create_temporary_module(*fns))
        .with_config(cfg or {})
        .build()
        .graph
    )


def shape(plan):
    return {g.name: (g.nodes, g.outputs, g.inputs, g.depends_on) for g in plan.groups}


def test_stages_cut_the_graph_and_derive_what_crosses_each_cut():
    plan = GroupPlan.build(graph_of(), outputs=["metrics"], stages=STAGES)
    assert [g.name for g in plan.groups] == ["prepare", "train", "evaluate"]
    assert shape(plan) == {
        "prepare": (("raw", "cleaned", "X_train", "X_test"), ("X_train", "X_test"), (), ()),
        "train": (("model",), ("model",), ("X_train",), ("prepare",)),
        "evaluate": (
            ("predictions", "metrics"),
            ("metrics",),
            ("model", "X_test"),
            ("train", "prepare"),
        ),
    }
    assert plan.outputs == ("metrics",) and plan.grouping == "stages"
    assert "unused" not in plan.to_dict().__repr__()  # nothing the outputs do not need


def test_an_unlisted_node_goes_to_the_earliest_stage_that_needs_it_and_is_persisted():
    # `cleaned` is needed by `check` and by `X_train`: the stage written first gets it.
    def check(cleaned: list) -> int:
        return len(cleaned)

    fns = (raw, cleaned, X_train, check)
    plan = GroupPlan.build(
        graph_of(*fns), outputs=["check"], stages={"evaluate": ["check"], "prepare": ["X_train"]}
    )
    assert plan.owner("cleaned").name == plan.owner("raw").name == "evaluate"
    assert [g.name for g in plan.groups] == ["evaluate", "prepare"]
    assert set(plan["evaluate"].outputs) == {"cleaned", "check"}  # prepare reads cleaned
    assert plan["prepare"].inputs == ("cleaned",)
    swapped = GroupPlan.build(
        graph_of(*fns), outputs=["check"], stages={"prepare": ["X_train"], "evaluate": ["check"]}
    )
    assert swapped.owner("cleaned").name == "prepare"
    assert swapped["evaluate"].inputs == ("cleaned",)


def test_final_outputs_no_stage_lists_go_to_the_last_stage():
    plan = GroupPlan.build(graph_of(), outputs=["report"], stages=STAGES)
    assert plan["evaluate"].nodes == ("predictions", "metrics", "report")
    assert plan["evaluate"].outputs == ("metrics", "report")


def test_listed_stage_outputs_are_persisted_even_when_nobody_reads_them():
    stages = {"prepare": ["X_train", "X_test", "unused"], "train": ["model"]}
    plan = GroupPlan.build(graph_of(), outputs=["model"], stages=stages)
    assert set(plan["prepare"].outputs) == {"X_train", "X_test", "unused"}
    assert plan["train"].outputs == ("model",)


def test_one_group_per_node():
    plan = GroupPlan.build(graph_of(), outputs=["metrics"], stages=STAGES, grouping="nodes")
    assert [g.name for g in plan.groups] == [
        "raw",
        "cleaned",
        "X_train",
        "X_test",
        "model",
        "predictions",
        "metrics",
    ]
    for group in plan.groups:
        assert group.nodes == (group.name,) and group.outputs == (group.name,)
    assert plan["predictions"].inputs == ("model", "X_test")
    assert plan["predictions"].depends_on == ("model", "X_test")


def test_one_group_for_everything_keeps_the_stage_outputs_as_artifacts():
    plan = GroupPlan.build(graph_of(), outputs=["metrics"], stages=STAGES, grouping="single")
    (group,) = plan.groups
    assert group.name == SINGLE_GROUP
    assert group.nodes == ("raw", "cleaned", "X_train", "X_test", "model", "predictions", "metrics")
    assert group.outputs == ("X_train", "X_test", "model", "metrics")
    assert group.inputs == group.depends_on == ()


def test_stages_mode_without_stages_is_one_group():
    plan = GroupPlan.build(graph_of(), outputs=["metrics"], stages={})
    assert [g.name for g in plan.groups] == [SINGLE_GROUP]
    assert plan.groups[0].outputs == ("metrics",)


def test_config_values_replace_nodes_and_are_not_planned():
    plan = GroupPlan.build(
        graph_of(), outputs=["metrics"], stages=STAGES, given={"n": 5, "cleaned": [1, 2]}
    )
    assert plan["prepare"].nodes == ("X_train", "X_test")
    assert "raw" not in plan.to_dict().__repr__()


def test_the_plan_follows_config_when():
    @config.when(fast=True)
    def model__fast(X_train: list) -> float:
        return 0.0

    @config.when(fast=False)
    def model__slow(X_train: list, X_test: list) -> float:
        return 1.0

    fns = (raw, cleaned, X_train, X_test, model__fast, model__slow, predictions, metrics)
    fast = GroupPlan.build(graph_of(*fns, cfg={"fast": True}), outputs=["metrics"], stages=STAGES)
    slow = GroupPlan.build(graph_of(*fns, cfg={"fast": False}), outputs=["metrics"], stages=STAGES)
    assert fast["train"].inputs == ("X_train",)
    assert slow["train"].inputs == ("X_train", "X_test")


def test_needed_for_selects_groups_and_everything_upstream_in_order():
    plan = GroupPlan.build(graph_of(), outputs=["metrics"], stages=STAGES)
    assert [g.name for g in plan.needed_for(groups=["train"])] == ["prepare", "train"]
    assert [g.name for g in plan.needed_for(outputs=["X_test"])] == ["prepare"]
    assert [g.name for g in plan.needed_for(outputs=["predictions"])] == [
        "prepare",
        "train",
        "evaluate",
    ]
    with pytest.raises(PlanError, match=r"No stage named 'trian'.*Did you mean 'train'\?"):
        plan.needed_for(groups=["trian"])
    with pytest.raises(PlanError, match=r"No group of this plan computes 'unused'"):
        plan.owner("unused")


def test_ties_keep_the_declared_stage_order():
    stages = {"b": ["X_test"], "a": ["X_train"], "z": ["raw"]}
    plan = GroupPlan.build(graph_of(), outputs=[], stages=stages)
    assert [g.name for g in plan.groups] == ["z", "b", "a"]


# --- refused --------------------------------------------------------------------------------------
def test_an_output_in_two_stages_is_refused_naming_both():
    stages = {"prepare": ["X_train", "model"], "train": ["model"]}
    with pytest.raises(PlanError, match=r"'model' is listed in stage 'prepare' and in stage 'tr"):
        GroupPlan.build(graph_of(), outputs=["metrics"], stages=stages, where="pipeline.toml")


@pytest.mark.parametrize("grouping", ["stages", "nodes", "single"])
def test_an_unknown_stage_output_is_refused_with_close_names(grouping):
    stages = {"prepare": ["X_trian"], "train": ["model"]}
    with pytest.raises(
        PlanError,
        match=r"pipeline.toml \[stages\]: prepare lists 'X_trian' is not a node of the graph\. "
        r"Did you mean 'X_train'",
    ):
        GroupPlan.build(
            graph_of(),
            outputs=["metrics"],
            stages=stages,
            grouping=grouping,
            where="pipeline.toml [stages]",
        )


def test_an_unknown_output_is_refused_with_close_names():
    with pytest.raises(PlanError, match=r"Requested output 'metric' is not a node.*'metrics'"):
        GroupPlan.build(graph_of(), outputs=["metric"], stages=STAGES)


def test_inputs_and_config_cannot_be_stage_outputs():
    with pytest.raises(PlanError, match=r"'n' is an input of the graph \(needed by raw\)"):
        GroupPlan.build(graph_of(), outputs=[], stages={"prepare": ["n"]})
    with pytest.raises(PlanError, match=r"'raw' is set in the config"):
        GroupPlan.build(graph_of(), outputs=["raw"], given={"raw": [1]})


def test_a_cycle_between_stages_is_named_with_the_values_that_make_it():
    # prepare lists X_train and predictions; predictions needs model, which needs X_train: the
    # data goes prepare -> train -> prepare.
    stages = {"prepare": ["X_train", "predictions"], "train": ["model"]}
    with pytest.raises(PlanError) as info:
        GroupPlan.build(graph_of(), outputs=["metrics"], stages=stages, where="pipeline.toml")
    message = str(info.value)
    assert "the stages depend on each other in a circle" in message
    assert "train -> prepare -> train" in message or "prepare -> train -> prepare" in message
    assert "'model' (train) needs 'X_train' (prepare)" in message
    assert "'predictions' (prepare) needs 'model' (train)" in message
    assert "list it in the stage that should compute it" in message


def test_stages_written_downstream_first_can_pull_a_shared_value_into_a_cycle():
    # Unlisted `cleaned` goes to `evaluate`, written first, but `prepare` computes what evaluate
    # needs from it: the message shows the edge to fix.
    def check(cleaned: list, model: float) -> int:
        return len(cleaned)

    stages = {"evaluate": ["check"], "prepare": ["X_train"], "train": ["model"]}
    with pytest.raises(PlanError, match=r"'X_train' \(prepare\) needs 'cleaned' \(evaluate\)"):
        GroupPlan.build(
            graph_of(raw, cleaned, X_train, model, check), outputs=["check"], stages=stages
        )


def test_an_unknown_grouping_is_refused():
    with pytest.raises(PlanError, match=r"Unknown grouping 'tasks'"):
        GroupPlan.build(graph_of(), outputs=["metrics"], grouping="tasks")


def test_a_long_chain_is_planned_without_recursion():
    fns = {"n0": "def n0(x: int) -> int:\n    return x\n"}
    for i in range(1, 5000):
        fns[f"n{i}"] = f"def n{i}(n{i - 1}: int) -> int:\n    return n{i - 1} + 1\n"
    namespace = {}
    exec("\n".join(fns.values()), namespace)
    graph = graph_of(*(namespace[name] for name in fns))
    plan = GroupPlan.build(graph, outputs=["n4999"], grouping="nodes")
    assert len(plan.groups) == 5000
    assert plan.groups[-1].depends_on == ("n4998",)
    stages = GroupPlan.build(graph, outputs=["n4999"], stages={"a": ["n2500"], "b": ["n4999"]})
    assert len(stages["a"].nodes) == 2501 and stages["b"].inputs == ("n2500",)


def test_outputs_differing_only_in_case_are_refused():
    def X() -> int:  # an upper-case function name is the point of the test
        return 1

    def x() -> int:
        return 2

    dr = driver.Builder().with_modules(create_temporary_module(X, x)).build()
    with pytest.raises(PlanError, match="'X' and 'x' differ only in letter case"):
        GroupPlan.build(dr.graph, outputs=["X", "x"], grouping="nodes")
