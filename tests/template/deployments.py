"""A generated project deployed the way its guide (docs/dagwire.md) says, and read back.

The commands here are the guide's, word for word where the guide gives one: a change to the guide's
deploy steps belongs here too. Any generated pipeline can be deployed (the example, a fan-out one):
nothing here knows the example's nodes except ``break_node``'s caller.
"""

from __future__ import annotations

import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from dagwire.runtime.artifacts import ArtifactStore, safe_run_id
from dagwire.runtime.runs import read_group_record, read_manifest
from template_support import Generate, commit_all, git, project_env, real_python, run

#: (what, seconds) for the session summary: what the real-scheduler tests spend where.
DEPLOY_TIMINGS: list[tuple[str, float]] = []


@contextmanager
def timed(what: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    DEPLOY_TIMINGS.append((what, time.perf_counter() - started))


@dataclass
class Project:
    """A generated project with its own uv environment (``uv sync``), as a team has it."""

    path: Path
    package: str
    slug: str
    env: dict[str, str]
    python: str

    @property
    def transforms(self) -> Path:
        return self.path / "src" / self.package / "transforms"

    def uv(self, *args: str, timeout: int = 600) -> str:
        return run(["uv", *args], self.path, self.env, timeout=timeout)

    def plain_run(self, artifacts: Path, run_id: str, *args: str) -> None:
        """``uv run <slug> run``: the plain runner, the reference every orchestrator must match."""
        self.uv("run", self.slug, "run", "--artifacts", str(artifacts), "--run-id", run_id, *args)

    def plain_outputs(
        self, folder: Path, outputs: dict[str, str], **overrides: Any
    ) -> dict[str, Any]:
        """``{output: value}`` of one plain run (``run --outputs``, with ``overrides`` of the
        config) for ``outputs``, ``{output: the group that saves it}``."""
        run_id = "plain-" + "-".join(f"{k}-{v}" for k, v in overrides.items())
        sets = [arg for k, v in overrides.items() for arg in ("--set", f"{k}={v}")]
        self.plain_run(folder, run_id, "--outputs", ",".join(outputs), *sets)
        store = ArtifactStore(str(folder))
        return {name: output(store, run_id, group, name) for name, group in outputs.items()}

    def orchestrator_pins(self) -> list[str]:
        pyproject = tomllib.loads((self.path / "pyproject.toml").read_text(encoding="utf-8"))
        return pyproject["dependency-groups"]["orchestrator"]


def synced_project(generate: Generate, orchestrator: str, name: str) -> Project:
    """Generate ``orchestrator``'s variant as project ``name``, commit it, ``uv sync`` it."""
    python = real_python("3.11")
    if python is None:
        pytest.skip("no Python 3.11 interpreter found (pyenv, PATH or uv python find)")
    path = generate(orchestrator=orchestrator, project_name=name)
    git(path, "init", "-q")
    commit_all(path, "generated")
    slug = name.replace(" ", "-")
    project = Project(path, slug.replace("-", "_"), slug, project_env(python), python)
    project.uv("sync", "--quiet")
    return project


@contextmanager
def broken_node(
    source: Path, function: str, message: str = "broken on purpose", when: str | None = None
) -> Iterator[None]:
    """``function`` in ``source`` raises RuntimeError(message) until the block ends (the fix);
    with ``when`` (a Python condition on its parameters) only when that holds."""
    original = source.read_text(encoding="utf-8")
    head = f"\ndef {function}("
    start = original.index(head)
    body = original.index('"""\n', original.index('"""', start) + 3) + 4  # after the docstring
    fail = f"    raise RuntimeError({message!r})\n"
    if when is not None:
        fail = f"    if {when}:\n    {fail}"
    source.write_text(original[:body] + fail + original[body:], encoding="utf-8")
    try:
        yield
    finally:
        source.write_text(original, encoding="utf-8")


# --- a fan-out branch, added to the example as a team would -------------------------------------
#: The words the branch fans out over, one task instance (Airflow) or task run (Prefect) each; the
#: item that fails in the failing run, and what the branch collects.
WORDS = ["ada", "bob", "cy", "dee"]
FAILING_ITEM = WORDS.index("cy")
SHOUTS = [f"{word.upper()}!" for word in WORDS]
#: The mapped group (a stage listing only the per-item node keeps its name) and the collecting one.
MAPPED, COLLECT = "shout", "gather"

#: What both deployments run: the example's stages, a param override, and what the plain runner
#: is asked for to compare ({output: the group that saves it}).
GROUPS = ["prepare", "train", "evaluate"]
OVERRIDE = {"test_size": 0.3}
METRICS = {"metrics": "evaluate"}
OUTPUTS = METRICS | {"shouts": COLLECT}
FANOUT_MODULE = '''\
"""Words shouted one by one: the per-item work fans out, one task per word."""

from {package}.dagwire.htypes import Collect, Parallelizable


def words() -> Parallelizable[str]:
    """The words to shout, one item each."""
    return {words!r}


def shouted(words: str) -> str:
    """One word, shouted."""
    return _shout(words)


def shouts(shouted: Collect[str]) -> list[str]:
    """Every shouted word, in the words' order."""
    return list(shouted)


def _shout(word: str) -> str:
    """``word`` in capitals (a helper: not a node, so fixing it keeps completed items)."""
    return word.upper() + "!"
'''
FANOUT_STAGES = f"""
# per word: a mapped task on Airflow, .map() on Prefect; an item that fails is not retried
[stages.{MAPPED}]
outputs = ["shouted"]
retries = 0

[stages.{COLLECT}]
outputs = ["shouts"]
"""


def add_fanout_branch(project: Project) -> None:
    """A new module (``words`` -> ``shouted`` per word -> ``shouts``) listed in pipeline.toml, its
    expander in the ``prepare`` stage, two stage tables, ``shouts`` among the run's outputs; then
    the lock refreshed (Airflow's DAG is built from it) and committed, as a team does."""
    module = project.transforms / "shout_words.py"
    module.write_text(FANOUT_MODULE.format(package=project.package, words=WORDS), encoding="utf-8")
    toml = project.path / "src" / project.package / "pipeline.toml"
    text = toml.read_text(encoding="utf-8")
    for old, new in (
        ('"transforms.evaluate_model"]', '"transforms.evaluate_model", "transforms.shout_words"]'),
        ('\noutputs = ["metrics"]\n', '\noutputs = ["metrics", "shouts"]\n'),  # [pipeline]
        ("\nprepare = [", '\nprepare = ["words", '),
        ("\n[config]\n", FANOUT_STAGES + "\n[config]\n"),
    ):
        assert old in text, f"pipeline.toml no longer contains {old!r}: update this helper"
        text = text.replace(old, new, 1)
    toml.write_text(text, encoding="utf-8")
    definition = tomllib.loads(text)
    assert definition["pipeline"]["outputs"] == ["metrics", "shouts"]
    assert list(definition["stages"])[-2:] == [MAPPED, COLLECT]
    if (toml.parent / "pipeline.lock.json").exists():  # Airflow projects only
        project.uv("run", project.slug, "lock")
    commit_all(project.path, "a fan-out branch")


def item_records(store: ArtifactStore, run_id: str, group: str = MAPPED) -> dict[int, dict]:
    """The per-item records of the mapped ``group`` in run ``run_id``, by item number."""
    return {
        i: store.read_record(run_id, f"items/{group}.{i}.json") or {} for i in range(len(WORDS))
    }


def fanout_state(store: ArtifactStore, run_id: str) -> dict[str, Any]:
    """What run ``run_id`` did of the fan-out branch: each item's (status, attempt) from its own
    record and the node that failed in each failed one, the mapped group's (status, items, items
    completed) as ``read_manifest`` derives it, and the collected words (None if not collected)."""
    # the manifest first: its listing refreshes what s3fs cached of records another process has
    # replaced since (a read pinned to a stale ETag fails however often it is retried)
    mapped = (read_manifest(store, run_id) or {"groups": {}})["groups"].get(MAPPED, {})
    items = item_records(store, run_id)
    collected = (read_group_record(store, run_id, COLLECT) or {}).get("artifacts", {})
    return {
        "items": {i: (r.get("status"), r.get("attempt")) for i, r in items.items()},
        "failed_nodes": {
            i: (r.get("error") or {}).get("node")
            for i, r in items.items()
            if r.get("status") == "failed"
        },
        "mapped": (mapped.get("status"), mapped.get("items"), mapped.get("items_completed")),
        "shouts": store.load(collected["shouts"]) if "shouts" in collected else None,
    }


def expected_fanout(failing_item: tuple[str, int] = ("completed", 1)) -> dict[str, Any]:
    """``fanout_state`` of a run in which every item completed at its first attempt except the
    failing word's, which is ``failing_item`` (status, attempt)."""
    items = dict.fromkeys(range(len(WORDS)), ("completed", 1)) | {FAILING_ITEM: failing_item}
    done = failing_item[0] == "completed"
    completed = len(WORDS) if done else len(WORDS) - 1
    return {
        "items": items,
        "failed_nodes": {} if done else {FAILING_ITEM: "shouted"},
        "mapped": ("completed" if done else "failed", len(WORDS), completed),
        "shouts": SHOUTS if done else None,
    }


# --- Airflow: the guide's deploy steps ----------------------------------------------------------
#: The guide's commands, word for word (``{env}``: the Airflow environment, ``{pin}``: the project's
#: Airflow requirement, ``{slug}``: the project); a test checks the rendered guide holds them.
AIRFLOW_ENVIRONMENT = 'uv venv {env} && uv pip install --python {env}/bin/python "{pin}"'
AIRFLOW_DEPLOY = (
    "uv build --wheel --clear",
    "uv pip install --python {env}/bin/python --reinstall-package {slug} dist/*.whl",
)


def airflow_environment(project: Project, dest: Path) -> Path:
    """The environment Airflow runs in (scheduler, dag-processor, workers), apart from the
    project's own: the project's pin of Airflow; returns its bin/."""
    (pin,) = project.orchestrator_pins()
    run(AIRFLOW_ENVIRONMENT.format(env=dest, pin=pin), project.path, project.env)
    return dest / "bin"


def deploy_to_airflow(project: Project, bin_dir: Path) -> None:
    """The guide's deploy step: a wheel of the project, installed so that it always replaces the
    installed one, even at the same version (a plain ``pip install`` of it would be a no-op)."""
    for command in AIRFLOW_DEPLOY:
        run(command.format(env=bin_dir.parent, slug=project.slug), project.path, project.env)


# --- reading what a run left in the artifact store ---------------------------------------------
def enable_cache(project: Project) -> None:
    """``[cache] enabled = true`` in pipeline.toml, committed, as a team turns the cache on."""
    toml = project.path / "src" / project.package / "pipeline.toml"
    text = toml.read_text(encoding="utf-8")
    old = "\n[cache]\nenabled = false\n"
    assert old in text, f"pipeline.toml no longer contains {old!r}: update this helper"
    toml.write_text(text.replace(old, "\n[cache]\nenabled = true\n"), encoding="utf-8")
    commit_all(project.path, "the cache on")


#: What the failing run (default config, after a run with the same config) takes from the cache:
#: every node whose code and inputs are unchanged; ``words`` (a Parallelizable node) always runs,
#: and ``metrics`` is the node broken on purpose.
FROM_CACHE = {"train": {"model"}, "evaluate": {"predictions", "accuracy"}}


def served_from_cache(records: dict[str, dict]) -> dict[str, set[str]]:
    """Per group, the nodes its record says the cache served; and for ``prepare`` a check that
    they are all its nodes but ``words``."""
    served = {
        g: {n for n, e in r.get("nodes", {}).items() if e.get("from_cache")}
        for g, r in records.items()
    }
    assert served.pop("prepare") == set(records["prepare"]["nodes"]) - {"words"}
    return served


def report_uri(store: ArtifactStore, run_id: str) -> str:
    """Where run ``run_id``'s report is; asserts that its tasks wrote it there."""
    key = f"{safe_run_id(run_id)}/report.html"
    assert store.exists({"key": key}), f"run {run_id} has no report.html in {store.root}"
    return store.location(key)


def computed(record: dict) -> dict:
    """What a record says was computed, without the mark a later attempt leaves when it takes
    the result instead of computing it again (``reused_at``, for the run's report)."""
    return {k: v for k, v in record.items() if k != "reused_at"}


def group_records(store: ArtifactStore, run_id: str, groups: list[str]) -> dict[str, dict]:
    return {g: store.read_record(run_id, f"groups/{g}.json") or {} for g in groups}


def output(store: ArtifactStore, run_id: str, group: str, name: str) -> Any:
    """The value of output ``name`` that ``group`` saved in run ``run_id``."""
    record = store.read_record(run_id, f"groups/{group}.json") or {}
    assert name in record.get("artifacts", {}), f"{group} saved no {name} in {run_id}: {record}"
    return store.load(record["artifacts"][name])
