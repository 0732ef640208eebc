"""pipeline.toml: loading from a package, validation with errors that point at the key to fix."""

import sys

import engine_support
import pytest
from dagwire.ad_hoc_utils import create_temporary_module
from dagwire.runtime.artifacts import ArtifactStore
from dagwire.runtime.pipeline import Pipeline, PipelineDefinitionError

EXAMPLE = """
[pipeline]
name = "my-pipeline"
modules = ["transforms.prepare", "transforms.train"]
outputs = ["metrics"]
grouping = "stages"

[stages]
prepare = ["X_train", "X_test"]
train = ["model"]
evaluate = ["metrics"]

[config]
n = 10
scale = 2.5

[artifacts]
root = "store"

[orchestrator]
retries = 3
"""

PREPARE = """
def raw(n: int) -> list:
    \"\"\"The numbers.\"\"\"
    return list(range(n))

def X_train(raw: list) -> list:
    return raw[: len(raw) // 2]

def X_test(raw: list) -> list:
    return raw[len(raw) // 2 :]
"""

TRAIN = """
def model(X_train: list, scale: float) -> float:
    return sum(X_train) * scale

def metrics(model: float, X_test: list) -> dict:
    return {"model": model, "n_test": len(X_test)}
"""


def write_package(root, toml=EXAMPLE, modules=None):
    return engine_support.write_package(root, toml, modules or {"prepare": PREPARE, "train": TRAIN})


@pytest.fixture
def package_root(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        if name.startswith("pkg_"):
            del sys.modules[name]


def test_load_reads_the_definition_and_imports_modules_relative_to_the_package(package_root):
    name = write_package(package_root)
    pipeline = Pipeline.load(name)
    assert pipeline.name == "my-pipeline"
    assert [m.__name__ for m in pipeline.modules] == [
        f"{name}.transforms.prepare",
        f"{name}.transforms.train",
    ]
    assert pipeline.outputs == ("metrics",)
    assert dict(pipeline.stages) == {
        "prepare": ("X_train", "X_test"),
        "train": ("model",),
        "evaluate": ("metrics",),
    }
    assert list(pipeline.stages) == ["prepare", "train", "evaluate"]  # order is meaning
    assert dict(pipeline.config) == {"n": 10, "scale": 2.5}
    assert (pipeline.grouping, pipeline.artifacts_root, pipeline.retries) == ("stages", "store", 3)
    assert pipeline.source.endswith("pipeline.toml")
    assert pipeline.driver().execute(["metrics"]) == {"metrics": {"model": 25.0, "n_test": 5}}


def test_the_definition_is_immutable(package_root):
    pipeline = Pipeline.load(write_package(package_root))
    with pytest.raises(AttributeError):
        pipeline.grouping = "nodes"
    with pytest.raises(TypeError):
        pipeline.config["n"] = 3
    with pytest.raises(TypeError):
        pipeline.stages["extra"] = ("x",)


def test_driver_config_overrides_the_defaults(package_root):
    pipeline = Pipeline.load(write_package(package_root))
    dr = pipeline.driver({"n": 4})
    assert dr.config == {"n": 4, "scale": 2.5}
    assert dr.execute(["metrics"]) == {"metrics": {"model": 2.5, "n_test": 2}}
    assert dict(pipeline.config) == {"n": 10, "scale": 2.5}  # defaults untouched


def test_defaults_for_everything_but_modules(package_root):
    name = write_package(package_root, '[pipeline]\nmodules = ["transforms.prepare"]\n')
    pipeline = Pipeline.load(name)
    assert pipeline.name == name.replace("_", "-")
    assert (pipeline.outputs, dict(pipeline.stages), dict(pipeline.config)) == ((), {}, {})
    assert (pipeline.grouping, pipeline.artifacts_root, pipeline.retries) == (
        "stages",
        "artifacts",
        1,
    )


def test_artifact_root_precedence_explicit_then_environment_then_file(package_root, monkeypatch):
    pipeline = Pipeline.load(write_package(package_root))
    monkeypatch.chdir(package_root)
    monkeypatch.delenv("DAGWIRE_ARTIFACTS", raising=False)
    assert pipeline.store().root == str(package_root / "store")
    monkeypatch.setenv("DAGWIRE_ARTIFACTS", str(package_root / "from-env"))
    assert pipeline.store().root == str(package_root / "from-env")
    assert pipeline.store(package_root / "given").root == str(package_root / "given")
    assert isinstance(pipeline.store(), ArtifactStore)


# --- errors that name the file and the key --------------------------------------------------------
@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[pipeline\n", r"is not valid TOML"),
        ("[pipeline]\nname = 'x'\n", r"\[pipeline\] modules is missing"),
        ("[pipelines]\nmodules = []\n", r"unknown table \[pipelines\].*\[pipeline\], \[stages\]"),
        (
            '[pipeline]\nmodules = ["transforms.prepare"]\nouptuts = ["x"]\n',
            r"unknown key 'ouptuts' in \[pipeline\]; the known keys are 'grouping', 'modules'",
        ),
        (
            '[pipeline]\nmodules = "transforms.prepare"\n',
            r"\[pipeline\] modules must be a list of names.*write \['transforms.prepare'\]",
        ),
        ("[pipeline]\nmodules = []\n", r"\[pipeline\] modules must list at least one module"),
        (
            '[pipeline]\nmodules = ["transforms.prepare"]\noutputs = "raw"\n',
            r"\[pipeline\] outputs must be a list of names",
        ),
        (
            '[pipeline]\nmodules = ["transforms.prepare"]\noutputs = ["raw", 3]\n',
            r"\[pipeline\] outputs: 3 is not a name",
        ),
        (
            '[pipeline]\nmodules = ["transforms.prepare"]\noutputs = ["raw", "raw"]\n',
            r"\[pipeline\] outputs lists 'raw' twice",
        ),
        (
            '[pipeline]\nmodules = ["transforms.prepare"]\ngrouping = "tasks"\n',
            r"\[pipeline\] grouping is 'tasks'; choose one of 'stages', 'nodes', 'single'",
        ),
        (
            '[pipeline]\nmodules = ["transforms.prepare"]\ngrouping = 1\n',
            r"\[pipeline\] grouping must be a string",
        ),
        (
            '[pipeline]\nmodules = ["transforms.prepare"]\nname = ""\n',
            r"\[pipeline\] name must be a non-empty string",
        ),
        ("pipeline = 3\n", r"`pipeline` must be a table"),
        (
            '[pipeline]\nmodules = ["transforms.prepare"]\n[stages]\nprepare = "raw"\n',
            r"\[stages\] prepare must be a list of names",
        ),
        (
            '[pipeline]\nmodules = ["transforms.prepare"]\n[stages]\nprepare = []\n',
            r"\[stages\] prepare lists no outputs",
        ),
        (
            '[pipeline]\nmodules = ["transforms.prepare"]\n[stages]\n"my stage" = ["raw"]\n',
            r"stage name 'my stage' cannot be a task id",
        ),
        (
            '[pipeline]\nmodules = ["transforms.prepare"]\n[artifacts]\nroot = 3\n',
            r"\[artifacts\] root must be a folder or an fsspec URL",
        ),
        (
            '[pipeline]\nmodules = ["transforms.prepare"]\n[artifacts]\npath = "x"\n',
            r"unknown key 'path' in \[artifacts\]",
        ),
        (
            '[pipeline]\nmodules = ["transforms.prepare"]\n[orchestrator]\nretries = true\n',
            r"\[orchestrator\] retries must be a whole number >= 0, got True",
        ),
        (
            '[pipeline]\nmodules = ["transforms.prepare"]\n[orchestrator]\nretries = -1\n',
            r"\[orchestrator\] retries must be a whole number >= 0, got -1",
        ),
        (
            '[pipeline]\nmodules = ["transforms/prepare.py"]\n',
            r"'transforms/prepare.py' is not a module name",
        ),
        (
            '[pipeline]\nmodules = ["transforms.missing"]\n',
            r"lists 'transforms.missing', but there is no module pkg_\w+\.transforms\.missing "
            r"\(expected a file pkg_\w+/transforms/missing\.py\)",
        ),
    ],
)
def test_bad_definitions_are_refused_naming_file_and_key(package_root, toml, message):
    name = write_package(package_root, toml)
    with pytest.raises(PipelineDefinitionError, match=message) as info:
        Pipeline.load(name)
    assert f"{name}/pipeline.toml" in str(info.value)


def test_a_package_without_pipeline_toml(package_root):
    name = write_package(package_root, toml=None)
    with pytest.raises(PipelineDefinitionError, match=rf"Package '{name}' has no pipeline.toml"):
        Pipeline.load(name)


def test_an_import_error_inside_a_module_is_not_disguised(package_root):
    name = write_package(
        package_root,
        '[pipeline]\nmodules = ["transforms.broken"]\n',
        {"broken": "import a_package_that_is_not_installed\n"},
    )
    with pytest.raises(ModuleNotFoundError) as info:
        Pipeline.load(name)
    assert info.value.name == "a_package_that_is_not_installed"
    assert any("transforms.broken, listed in" in note for note in info.value.__notes__)


def test_modules_may_be_written_with_a_leading_dot(package_root):
    name = write_package(package_root, '[pipeline]\nmodules = [".transforms.prepare"]\n')
    assert Pipeline.load(name).modules[0].__name__ == f"{name}.transforms.prepare"


# --- built in Python ------------------------------------------------------------------------------
def double(x: int) -> int:
    return 2 * x


def test_a_pipeline_built_in_python_is_normalized_and_validated():
    module = create_temporary_module(double)
    pipeline = Pipeline(
        "p", [module], outputs=["double"], stages={"s": ["double"]}, config={"x": 2}
    )
    assert pipeline.modules == (module,) and pipeline.outputs == ("double",)
    assert dict(pipeline.stages) == {"s": ("double",)}
    assert pipeline.driver().execute(["double"]) == {"double": 4}
    assert pipeline.effective_config({"x": 5}) == {"x": 5}
    with pytest.raises(PipelineDefinitionError, match=r"Pipeline\(grouping=\.\.\.\) is 'per-node'"):
        Pipeline("p", [module], grouping="per-node")
    with pytest.raises(PipelineDefinitionError, match=r"Pipeline\(modules=\.\.\.\) must list"):
        Pipeline("p", ["not a module"])
    with pytest.raises(PipelineDefinitionError, match=r"Pipeline\(config=\.\.\.\) must map names"):
        Pipeline("p", [module], config={1: 2})
    with pytest.raises(PipelineDefinitionError, match=r"Pipeline\(stages=\.\.\.\) must map"):
        Pipeline("p", [module], stages=["double"])


# --- per-stage task settings -----------------------------------------------------------------
SETTINGS = """
[pipeline]
modules = ["transforms.prepare", "transforms.train"]
outputs = ["metrics"]

[stages]
prepare = ["X_train", "X_test"]

[stages.train]
outputs = ["model"]
retries = 4
timeout_seconds = 600
airflow = { pool = "gpu", executor_config = { pod_override = { spec = {} } } }
prefect = { tags = ["gpu"], concurrency_limit = 1 }

[stages.evaluate]
outputs = ["metrics"]
timeout_seconds = 60

[orchestrator]
retries = 2
retry_delay_seconds = 5
airflow = { queue = "cpu" }
prefect = { tags = ["nightly"] }

[execution]
executor = "processes"
max_tasks = 3
"""


def test_stages_carry_their_own_task_settings_over_the_defaults(package_root):
    pipeline = Pipeline.load(write_package(package_root, SETTINGS))
    assert dict(pipeline.stages) == {
        "prepare": ("X_train", "X_test"),
        "train": ("model",),
        "evaluate": ("metrics",),
    }
    assert (pipeline.executor, pipeline.max_tasks) == ("processes", 3)
    prepare = pipeline.task_settings(["prepare"])
    assert (prepare.retries, prepare.retry_delay_seconds, prepare.timeout_seconds) == (2, 5, None)
    assert dict(prepare.airflow) == {"queue": "cpu"}
    train = pipeline.task_settings(["train"])
    assert (train.retries, train.retry_delay_seconds, train.timeout_seconds) == (4, 5, 600)
    assert dict(train.airflow) == {
        "queue": "cpu",
        "pool": "gpu",
        "executor_config": {"pod_override": {"spec": {}}},
    }
    assert dict(train.prefect) == {"tags": ["gpu"], "concurrency_limit": 1}
    # one task for several stages (single grouping) takes the most demanding of them
    merged = pipeline.task_settings(["prepare", "train", "evaluate"])
    assert (merged.retries, merged.timeout_seconds) == (4, None)  # prepare has no time limit
    assert merged.airflow["pool"] == "gpu" and merged.prefect["concurrency_limit"] == 1
    assert merged.prefect["tags"] == ["nightly", "gpu"]
    assert pipeline.task_settings(["train", "evaluate"]).timeout_seconds == 660
    # every grouping hands each task the stages of its nodes
    assert {g.name: g.stages for g in pipeline.plan(grouping="nodes").groups}["model"] == ("train",)
    assert pipeline.plan(grouping="single").groups[0].stages == ("prepare", "train", "evaluate")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("retries = 4", "retries = -1"), r"\[stages.train\]: retries must be a whole number"),
        (('pool = "gpu"', 'pol = "gpu"'), r"\[stages.train\].airflow: unknown setting 'pol'"),
        (("concurrency_limit = 1", "concurrency_limit = 0"), r"concurrency_limit = 0 is not"),
        (("timeout_seconds = 60\n", "timeout_seconds = 0\n"), "would stop every task"),
        (('outputs = ["model"]\n', ""), r"\[stages.train\] has no `outputs`"),
        (('executor = "processes"', 'executor = "dask"'), r"\[execution\] executor is 'dask'"),
        (("max_tasks = 3", "max_tasks = 0"), r"\[execution\] max_tasks must be"),
        (("retry_delay_seconds = 5", "retry_delay_seconds = 5\ncpu = 1"), r"unknown key 'cpu'"),
    ],
)
def test_bad_task_settings_name_the_table_and_the_fix(package_root, edit, message):
    old, new = edit
    assert old in SETTINGS
    package = write_package(package_root, SETTINGS.replace(old, new, 1))
    with pytest.raises(PipelineDefinitionError, match=message):
        Pipeline.load(package)


def test_a_task_of_several_stages_keeps_the_pool_a_stage_sets_over_the_default(package_root):
    """[orchestrator] says pool = "cpu"; train sets "gpu": the one task (single) runs on gpu."""
    toml = SETTINGS.replace('airflow = { queue = "cpu" }', 'airflow = { pool = "cpu" }')
    pipeline = Pipeline.load(write_package(package_root, toml))
    merged = pipeline.task_settings(["prepare", "train", "evaluate"])
    assert merged.airflow["pool"] == "gpu" and "executor_config" in merged.airflow
    assert pipeline.task_settings(["prepare", "evaluate"]).airflow["pool"] == "cpu"
