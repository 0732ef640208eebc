"""Runs on S3, for real: a moto S3 server on 127.0.0.1, reached through fsspec/s3fs.

What teams rely on when the artifact root is ``s3://bucket/prefix``: the artifacts land under the
run's prefix; a group's record says "completed" only after every artifact it lists is uploaded, and
the run manifest is updated after that, so a half-written group is never taken as complete; and a
failed run resumes from what is on S3.
"""

import uuid

import pytest
from dagwire.ad_hoc_utils import create_temporary_module
from dagwire.runtime.artifacts import ArtifactStore, safe_run_id
from dagwire.runtime.pipeline import Pipeline
from dagwire.runtime.runs import list_runs, read_manifest, run_group, run_pipeline
from engine_support import WIDE_GROUPS, WIDE_MODULE, WIDE_TOML, finish_together, write_package
from services import s3_server

s3fs = pytest.importorskip("s3fs")
pytest.importorskip("moto.server")

CALLS: list[str] = []
BROKEN: set[str] = set()


def raw(n: int) -> list:
    CALLS.append("raw")
    return list(range(n))


def features(raw: list) -> list:
    CALLS.append("features")
    return [x * 2 for x in raw]


def labels(raw: list) -> list:
    CALLS.append("labels")
    if "labels" in BROKEN:
        raise RuntimeError("labels are broken")
    return [x % 2 for x in raw]


def model(features: list, labels: list) -> dict:
    CALLS.append("model")
    return {"weights": [f * y for f, y in zip(features, labels, strict=True)]}


def score(model: dict) -> float:
    CALLS.append("score")
    return float(sum(model["weights"]))


def make_pipeline() -> Pipeline:
    return Pipeline(
        name="s3-demo",
        modules=[create_temporary_module(raw, features, labels, model, score)],
        outputs=["score"],
        stages={"prepare": ["features", "labels"], "train": ["model"], "evaluate": ["score"]},
        config={"n": 6},
    )


@pytest.fixture(scope="module")
def s3_options():
    with s3_server() as options:
        yield options


@pytest.fixture
def store(s3_options, monkeypatch):
    """A store under a fresh bucket, whose uploads are logged in order (``store.uploads``)."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    bucket = f"dagwire-{uuid.uuid4().hex[:12]}"
    s3fs.S3FileSystem(**s3_options).mkdir(bucket)
    store = ArtifactStore(f"s3://{bucket}/team/runs", storage_options=s3_options)
    store.uploads = []
    fs, prefix = store._files.fs, store._files.path
    put_file = fs.put_file

    def logged_put_file(local_path, remote_path, **kwargs):
        put_file(local_path, remote_path, **kwargs)  # the real upload first: only what reached S3
        store.uploads.append(remote_path[len(prefix) + 1 :])  # is logged, as '<run>/<file>'

    monkeypatch.setattr(fs, "put_file", logged_put_file)
    CALLS.clear()
    BROKEN.clear()
    yield store
    BROKEN.clear()


def objects(store: ArtifactStore, run_id: str) -> set[str]:
    fs, prefix = store._files.fs, f"{store._files.path}/{safe_run_id(run_id)}"
    fs.invalidate_cache()
    return {path[len(prefix) + 1 :] for path in fs.find(prefix)}


def test_a_run_lands_under_the_run_prefix(store):
    run_id = "manual__2026-01-01T00:00:00+00:00"
    result = run_pipeline(make_pipeline(), run_id=run_id, store=store)
    assert result.load("score") == 18.0
    assert objects(store, run_id) == {
        "features.json",
        "labels.json",
        "model.json",
        "score.json",
        "run.json",
        "manifest.json",
        "groups/prepare.json",
        "groups/train.json",
        "groups/evaluate.json",
    }
    assert result.refs["model"]["uri"] == f"{store.root}/{safe_run_id(run_id)}/model.json"
    # another process, another store object: everything is read back from S3
    fresh = ArtifactStore(store.root, storage_options=store._files.fs.storage_options)
    manifest = read_manifest(fresh, run_id)
    assert manifest["status"] == "completed"
    assert fresh.load(manifest["groups"]["train"]["artifacts"]["model"]) == result.load("model")
    assert [m["run_id"] for m in list_runs(fresh)] == [run_id]


def test_a_group_is_recorded_complete_only_after_its_artifacts_are_uploaded(store):
    run_pipeline(make_pipeline(), run_id="order", store=store)
    uploads = [key.split("/", 1)[1] for key in store.uploads]
    for group, artifacts in {
        "prepare": ["features.json", "labels.json"],
        "train": ["model.json"],
        "evaluate": ["score.json"],
    }.items():
        record = f"groups/{group}.json"
        last_record = len(uploads) - 1 - uploads[::-1].index(record)
        assert all(uploads.index(a) < last_record for a in artifacts), uploads
        manifest_after = uploads.index("manifest.json", last_record)  # the manifest follows
        assert manifest_after > last_record
    assert uploads[-1] == "manifest.json"


def test_a_failed_run_resumes_from_what_is_on_s3(store):
    pipeline = make_pipeline()
    BROKEN.add("labels")
    with pytest.raises(RuntimeError, match="labels are broken"):
        run_pipeline(pipeline, run_id="resume", store=store)
    record = read_manifest(store, "resume")["groups"]["prepare"]
    assert record["status"] == "failed"
    assert "features.json" in objects(store, "resume")  # kept, but its group is not complete

    BROKEN.clear()
    CALLS.clear()
    result = run_pipeline(pipeline, run_id="resume", store=store)
    assert result.ran == ["prepare", "train", "evaluate"]
    assert result.load("score") == 18.0

    CALLS.clear()
    again = run_pipeline(pipeline, run_id="resume", store=store)
    assert again.skipped == ["prepare", "train", "evaluate"] and CALLS == []
    assert again.load("score") == 18.0


def test_a_group_whose_artifact_vanished_from_s3_runs_again(store):
    pipeline = make_pipeline()
    run_pipeline(pipeline, run_id="vanished", store=store)
    store._files.fs.rm(f"{store._files.path}/vanished/model.json")
    CALLS.clear()
    plan = pipeline.plan()
    refs = run_group(pipeline, plan, "train", run_id="vanished", store=store)
    assert CALLS == ["model"]
    assert store.exists(refs["model"])


@pytest.mark.slow
@pytest.mark.parametrize("attempt", range(2))
def test_groups_finishing_together_in_separate_processes_lose_no_record_on_s3(
    store, s3_options, tmp_path, attempt
):
    """As on a local folder, with no lock and no atomic rename: separate processes on S3."""
    package = write_package(tmp_path, WIDE_TOML, {"wide": WIDE_MODULE})
    finish_together(tmp_path, package, store.root, "together", storage_options=s3_options)
    fresh = ArtifactStore(store.root, storage_options=s3_options)
    expected = {f"n{i}" for i in range(WIDE_GROUPS)}
    on_s3 = fresh.read_record("together", "manifest.json")
    assert set(on_s3["groups"]) == expected and on_s3["status"] == "completed"
    assert read_manifest(fresh, "together")["status"] == "completed"
