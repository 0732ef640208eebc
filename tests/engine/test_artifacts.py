"""The artifact store: safe names, exact round trips, atomic writes, folders and object stores."""

import json
import os
import subprocess
import sys
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from dagwire.runtime import artifacts
from dagwire.runtime.artifacts import (
    ArtifactError,
    ArtifactStore,
    Serializer,
    safe_name,
    safe_run_id,
)
from hypothesis import given
from hypothesis import strategies as st

HOSTILE = [
    "../x",
    "../../etc/passwd",
    "/etc/passwd",
    "..",
    ".",
    "",
    "a/../../b",
    "a\x00b",
    "x" * 5000,
    "C:\\Windows\\system32",
    ".hidden",
    "-rf",
    "名前/データ",
    "manifest",
    "groups",
]


def all_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


# --- names ----------------------------------------------------------------------------------------
@given(st.text())
def test_safe_name_is_always_one_short_harmless_path_segment(text):
    name = safe_name(text)
    assert artifacts._SAFE.fullmatch(name)
    assert len(name) <= 100
    assert safe_name(name) == name  # idempotent: a safe name maps to itself


def test_safe_names_keep_distinct_names_distinct():
    names = ["a/b", "a:b", "a_b", "a b", "../a_b", "A_B"]
    assert len({safe_name(n) for n in names}) == len(names)
    assert safe_name("a_b") == "a_b"
    assert safe_name("x" * 5000) != safe_name("x" * 4999)


def test_airflow_and_prefect_run_ids_become_stable_folder_names():
    airflow = "manual__2026-01-01T00:00:00+00:00"
    folder = safe_run_id(airflow)
    assert ":" not in folder and "+" not in folder
    assert folder.startswith("manual__2026-01-01T00_00_00_00_00-")
    assert safe_run_id(airflow) == folder
    assert safe_run_id("scheduled__2026-01-01T00:00:00+00:00") != folder
    prefect = "0b6a1e6c-3a4c-4f0e-9d0a-6c1f3b9f5e21"
    assert safe_run_id(prefect) == prefect


@pytest.mark.parametrize("bad", ["", None, 3])
def test_a_run_id_must_be_a_non_empty_string(bad):
    with pytest.raises(ArtifactError, match="run id"):
        safe_run_id(bad)


@pytest.mark.parametrize("name", HOSTILE)
def test_no_node_name_writes_outside_the_run_folder(tmp_path, name):
    root = tmp_path / "root"
    store = ArtifactStore(root)
    ref = store.save("run", name, {"v": 1})
    files = all_files(tmp_path)
    assert files == [root / "run" / ref["key"].split("/")[1]]
    assert ref["name"] == name
    assert store.load(ref) == {"v": 1}


@pytest.mark.parametrize("run_id", [r for r in HOSTILE if r])
def test_no_run_id_writes_outside_the_root(tmp_path, run_id):
    root = tmp_path / "root"
    store = ArtifactStore(root)
    ref = store.save(run_id, "node", [1])
    store.write_record(run_id, "manifest.json", {"ok": True})
    (folder,) = [p for p in root.iterdir()]
    assert folder.name == safe_run_id(run_id)
    assert {p.parent for p in all_files(tmp_path)} == {folder}
    assert store.read_record(run_id, "manifest.json") == {"ok": True}
    assert store.load(ref) == [1]


def test_a_node_named_manifest_does_not_replace_the_manifest(tmp_path):
    store = ArtifactStore(tmp_path)
    store.write_record("run", "manifest.json", {"kind": "manifest"})
    ref = store.save("run", "manifest", {"kind": "node"})
    assert ref["key"] != "run/manifest.json"
    assert store.read_record("run", "manifest.json") == {"kind": "manifest"}
    assert store.load(ref) == {"kind": "node"}


@pytest.mark.parametrize(
    "key",
    [
        "../x.json",
        "/etc/passwd",
        "run/../../x.json",
        "run/.hidden",
        "run",
        "a/b/c/d",
        "run/x\x00.json",
        None,
        7,
    ],
)
def test_references_that_point_outside_the_root_are_refused(tmp_path, key):
    store = ArtifactStore(tmp_path)
    with pytest.raises(ArtifactError, match="outside the store's root|not an artifact reference"):
        store.load({"key": key, "serializer": "json"})
    assert store.exists({"key": key, "serializer": "json"}) is False


# --- serializers ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    [
        {"a": [1, 2.5, -0.0, True, None, "é\u2028\ud800"], "b": {"c": []}},
        2**200,
        0.1 + 0.2,
        False,
        None,
        "",
        [],
    ],
)
def test_plain_data_round_trips_exactly_as_json(tmp_path, value):
    store = ArtifactStore(tmp_path)
    ref = store.save("run", "v", value)
    assert ref["serializer"] == "json"
    back = store.load(ref)
    assert back == value and type(back) is type(value)
    assert repr(back) == repr(value)  # -0.0 stays -0.0, True does not become 1
    assert ref["size"] == os.path.getsize(ref["uri"])


class Money(float):
    pass


@pytest.mark.parametrize(
    "value",
    [(1, 2), {1: "a"}, float("nan"), float("inf"), {"x": (1,)}, {1, 2}, Money(2.5), b"bytes"],
    ids=["tuple", "int-keys", "nan", "inf", "nested-tuple", "set", "float-subclass", "bytes"],
)
def test_what_json_would_change_is_pickled_instead(tmp_path, value):
    store = ArtifactStore(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # chosen up front, not after a failed JSON attempt
        ref = store.save("run", "v", value)
    assert ref["serializer"] == "pickle"
    back = store.load(ref)
    assert type(back) is type(value)
    assert repr(back) == repr(value)


@dataclass
class Model:
    weights: list
    bias: float


def test_arbitrary_objects_fall_back_to_pickle(tmp_path):
    store = ArtifactStore(tmp_path)
    ref = store.save("run", "model", Model([1.0, 2.0], 0.5))
    assert (ref["serializer"], Path(ref["uri"]).suffix) == ("pickle", ".pickle")
    assert store.load(ref) == Model([1.0, 2.0], 0.5)


def test_pandas_frames_and_series_are_parquet(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    store = ArtifactStore(tmp_path)
    index = pd.Index([7, 8, 9], name="i")
    frame = pd.DataFrame({"x": [1, 2, 3], "y": ["a", "b", None]}, index=index)
    ref = store.save("run", "frame", frame)
    assert ref["serializer"] == "parquet" and ref["uri"].endswith("frame.parquet")
    pd.testing.assert_frame_equal(store.load(ref), frame)
    for series in (pd.Series([1.5, 2.5], name="price"), pd.Series([1, 2], index=["a", "b"])):
        ref = store.save("run", "series", series)
        assert ref["serializer"] == "parquet"
        pd.testing.assert_series_equal(store.load(ref), series)


def test_frames_parquet_cannot_hold_exactly_are_pickled(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    store = ArtifactStore(tmp_path)
    int_columns = pd.DataFrame({0: [1], 1: [2]})  # parquet would turn the names into strings
    ref = store.save("run", "ints", int_columns)
    assert ref["serializer"] == "pickle"
    pd.testing.assert_frame_equal(store.load(ref), int_columns)
    mixed = pd.DataFrame({"a": [1, "x"]})  # pyarrow refuses: falls back, and says so
    with pytest.warns(UserWarning, match="'mixed' as parquet failed.*falling back to pickle"):
        ref = store.save("run", "mixed", mixed)
    assert ref["serializer"] == "pickle"
    pd.testing.assert_frame_equal(store.load(ref), mixed)
    assert sorted(p.name for p in all_files(tmp_path)) == ["ints.pickle", "mixed.pickle"]


def test_numpy_arrays_are_npy_and_object_arrays_are_pickled(tmp_path):
    np = pytest.importorskip("numpy")
    store = ArtifactStore(tmp_path)
    array = np.arange(12, dtype="float32").reshape(3, 4)
    ref = store.save("run", "array", array)
    assert ref["serializer"] == "npy"
    back = store.load(ref)
    assert back.dtype == array.dtype and (back == array).all()
    objects = np.array([{"a": 1}, None], dtype=object)
    ref = store.save("run", "objects", objects)
    assert ref["serializer"] == "pickle"
    assert list(store.load(ref)) == [{"a": 1}, None]
    assert store.save("run", "scalar", np.float64(1.5))["serializer"] == "pickle"


def test_optional_libraries_are_imported_only_when_a_value_needs_them():
    engine = Path(artifacts.__file__).parents[2]
    code = (
        "import sys, tempfile\n"
        "from dagwire.runtime.artifacts import ArtifactStore\n"
        "store = ArtifactStore(tempfile.mkdtemp())\n"
        "store.load(store.save('run', 'x', {'a': [1, 2]}))\n"
        "store.load(store.save('run', 'y', {1, 2}))\n"
        "heavy = {'pandas', 'numpy', 'pyarrow', 'fsspec'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        cwd=engine,
        env={**os.environ, "PYTHONPATH": str(engine)},
    )


class Celsius:
    def __init__(self, degrees):
        self.degrees = degrees


CELSIUS = Serializer(
    name="celsius",
    extension="txt",
    accepts=lambda v: isinstance(v, Celsius),
    dump=lambda v, f: f.write(str(v.degrees).encode()),
    load=lambda f: Celsius(float(f.read())),
)


def test_users_register_serializers_that_win_over_the_builtins(tmp_path, monkeypatch):
    monkeypatch.setattr(artifacts, "SERIALIZERS", list(artifacts.SERIALIZERS))
    store = ArtifactStore(tmp_path)
    assert store.save("run", "t", Celsius(21.5))["serializer"] == "pickle"
    artifacts.register_serializer(CELSIUS)
    ref = store.save("run", "t", Celsius(21.5))
    assert (ref["serializer"], Path(ref["uri"]).read_text()) == ("celsius", "21.5")
    assert store.load(ref).degrees == 21.5
    artifacts.register_serializer(CELSIUS)  # registering again replaces, never duplicates
    assert [s.name for s in artifacts.SERIALIZERS].count("celsius") == 1


def test_reading_with_an_unregistered_serializer_says_how_to_fix_it(tmp_path):
    store = ArtifactStore(tmp_path, serializers=[CELSIUS])
    ref = store.save("run", "t", Celsius(1))
    with pytest.raises(ArtifactError, match="'celsius', which is not registered here"):
        ArtifactStore(tmp_path).load(ref)


def test_a_missing_artifact_is_reported_with_its_location(tmp_path):
    store = ArtifactStore(tmp_path)
    ref = store.save("run", "x", 1)
    os.remove(ref["uri"])
    assert not store.exists(ref)
    with pytest.raises(ArtifactError, match=r"run/x\.json does not exist.*--artifacts"):
        store.load(ref)


# --- atomicity ------------------------------------------------------------------------------------
def half_then_crash(value, file):
    file.write(b'{"half": ')
    raise OSError("disk full")


BROKEN = Serializer("broken", "json", lambda v: True, half_then_crash, json.load)


def test_a_failed_write_leaves_the_previous_artifact_whole_and_no_temp_files(tmp_path):
    good = ArtifactStore(tmp_path)
    ref = good.save("run", "x", {"version": 1})
    broken = ArtifactStore(tmp_path, serializers=[BROKEN])
    with pytest.raises(ArtifactError, match="Could not write 'x'.*OSError: disk full"):
        broken.save("run", "x", {"version": 2})
    assert good.load(ref) == {"version": 1}
    assert all_files(tmp_path) == [Path(ref["uri"])]


def test_an_interrupted_record_write_keeps_the_old_record(tmp_path, monkeypatch):
    store = ArtifactStore(tmp_path)
    store.write_record("run", "manifest.json", {"status": "running"})

    class Unserializable:
        def __str__(self):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.write_record("run", "manifest.json", {"status": Unserializable()})
    assert store.read_record("run", "manifest.json") == {"status": "running"}
    assert [p.name for p in all_files(tmp_path)] == ["manifest.json"]


def interrupt_halfway(value, file):
    file.write(b'{"half": ')
    raise KeyboardInterrupt


def test_ctrl_c_during_a_write_leaves_no_temp_file(tmp_path):
    good = ArtifactStore(tmp_path)
    ref = good.save("run", "x", {"version": 1})
    interrupted = ArtifactStore(
        tmp_path, serializers=[Serializer("slow", "json", lambda v: True, interrupt_halfway, None)]
    )
    with pytest.raises(KeyboardInterrupt):
        interrupted.save("run", "x", {"version": 2})
    assert good.load(ref) == {"version": 1}
    assert not list(tmp_path.rglob("*.tmp"))
    assert all_files(tmp_path) == [Path(ref["uri"])]


def test_a_failed_move_into_place_leaves_no_temp_file(tmp_path):
    store = ArtifactStore(tmp_path)
    (tmp_path / "run" / "x.json").mkdir(parents=True)  # the final name is taken by a folder
    with pytest.raises(OSError):
        store.save("run", "x", 1)
    assert all_files(tmp_path) == []


def test_a_truncated_artifact_is_not_taken_as_complete(tmp_path):
    store = ArtifactStore(tmp_path)
    ref = store.save("run", "x", list(range(100)))
    assert store.exists(ref)
    with open(ref["uri"], "r+b") as f:
        f.truncate(10)
    assert not store.exists(ref)


def test_artifacts_get_ordinary_file_permissions(tmp_path):
    store = ArtifactStore(tmp_path)
    ref = store.save("run", "x", 1)
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(ref["uri"]).st_mode & 0o777 == 0o666 & ~umask


# --- roots ----------------------------------------------------------------------------------------
def test_a_relative_root_is_resolved_against_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = ArtifactStore("artifacts")
    ref = store.save("r1", "x", 1)
    assert Path(ref["uri"]) == tmp_path / "artifacts" / "r1" / "x.json"
    assert ArtifactStore(f"file://{tmp_path}/artifacts").load(ref) == 1


def test_an_empty_root_is_refused(tmp_path):
    with pytest.raises(ArtifactError, match="artifact root is empty"):
        ArtifactStore("")


def test_urls_without_fsspec_installed_say_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "fsspec", None)  # what Python does for a missing package
    with pytest.raises(ArtifactError, match="needs fsspec.*s3fs"):
        ArtifactStore("s3://bucket/prefix")


def test_records_and_run_folders_are_listed(tmp_path):
    store = ArtifactStore(tmp_path)
    assert store.run_folders() == []
    store.write_record("b", "manifest.json", {"n": 2})
    store.write_record("a", "manifest.json", {"n": 1})
    store.write_record("a", "groups/g1.json", {"group": "g1"})
    store.write_record("a", "groups/g2.json", {"group": "g2"})
    store.save("no-manifest", "x", 1)
    assert store.run_folders() == ["a", "b"]
    assert [r["group"] for r in store.list_records("a", "groups")] == ["g1", "g2"]
    assert list(store.list_records("b", "groups")) == []
    assert store.read_record("c", "manifest.json") is None


@pytest.mark.parametrize("content", [b'{"run_id": "bad", "crea', b"[1, 2]", b"\xff\xfe"])
def test_a_broken_record_is_an_error_naming_its_file(tmp_path, content):
    store = ArtifactStore(tmp_path)
    store.write_record("bad", "manifest.json", {"run_id": "bad"})
    (tmp_path / "bad" / "manifest.json").write_bytes(content)
    with pytest.raises(ArtifactError, match=f"{tmp_path / 'bad' / 'manifest.json'}"):
        store.read_record("bad", "manifest.json")


@pytest.mark.parametrize("record", ["manifest.json", "groups/g.json"])
def test_runs_are_still_listed_when_one_run_has_a_broken_record(tmp_path, record):
    from dagwire.runtime.runs import list_runs

    store = ArtifactStore(tmp_path)
    for run in ("good", "bad"):
        store.write_record(run, "manifest.json", {"run_id": run, "created_at": run})
        store.write_record(run, "groups/g.json", {"group": "g", "status": "completed"})
    (tmp_path / "bad" / Path(record)).write_text('{"run_id": "bad", "crea')
    with pytest.warns(UserWarning, match=r"skipping run 'bad'.*" + record.split("/")[-1]):
        runs = list_runs(store)
    assert [r["run_id"] for r in runs] == ["good"]


def roundtrip_everything(store):
    ref = store.save("manual__2026-01-01T00:00:00+00:00", "../evil", {"a": [1, 2]})
    assert ref["uri"].startswith(store.root)
    assert store.exists(ref)
    assert store.load(ref) == {"a": [1, 2]}
    store.write_record("manual__2026-01-01T00:00:00+00:00", "manifest.json", {"ok": 1})
    store.write_record("manual__2026-01-01T00:00:00+00:00", "groups/g.json", {"group": "g"})
    assert store.run_folders() == [safe_run_id("manual__2026-01-01T00:00:00+00:00")]
    assert store.read_record("manual__2026-01-01T00:00:00+00:00", "manifest.json") == {"ok": 1}
    assert [r["group"] for r in store.list_records(store.run_folders()[0], "groups")] == ["g"]
    return ref


def test_fsspec_memory_urls(tmp_path):
    pytest.importorskip("fsspec")
    root = f"memory://dagwire-{uuid.uuid4().hex}/artifacts"
    store = ArtifactStore(root)
    ref = roundtrip_everything(store)
    assert ref["uri"].startswith(f"{root}/manual__2026")
    assert ArtifactStore(f"{root}/").load(ref) == {"a": [1, 2]}


@pytest.fixture(scope="module")
def s3_endpoint():
    pytest.importorskip("s3fs")
    server_module = pytest.importorskip("moto.server")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_s3_against_a_local_moto_server(s3_endpoint, monkeypatch):
    import s3fs

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    options = {"endpoint_url": s3_endpoint, "key": "testing", "secret": "testing"}
    s3fs.S3FileSystem(**options).mkdir("dagwire-bucket")
    store = ArtifactStore("s3://dagwire-bucket/team/artifacts", storage_options=options)
    ref = roundtrip_everything(store)
    assert ref["uri"].startswith("s3://dagwire-bucket/team/artifacts/")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing falls back
        pd = pytest.importorskip("pandas")
        frame = pd.DataFrame({"x": range(1000)})
        frame_ref = store.save("r", "frame", frame)
    assert frame_ref["serializer"] == "parquet"
    pd.testing.assert_frame_equal(store.load(frame_ref), frame)


@pytest.mark.parametrize("replaced", ["FileExpired", "PreconditionFailed"])
def test_a_record_replaced_while_it_is_read_is_read_again(tmp_path, replaced):
    """Object stores report a record replaced mid-read (fsspec's FileExpired, S3's 412)."""
    store = ArtifactStore(tmp_path)
    store.write_record("r", "groups/g.json", {"group": "g"})
    errors = {
        "FileExpired": type("FileExpired", (OSError,), {})("the file changed"),
        "PreconditionFailed": OSError(
            22, "At least one of the pre-conditions you specified did not hold (PreconditionFailed)"
        ),
    }
    real_open, calls = store._files.open, []

    def flaky_open(key):
        calls.append(key)
        if len(calls) == 1:
            raise errors[replaced]
        return real_open(key)

    forgotten = []  # what a listing cached about the old version is dropped before reading again
    store._files.open, store._files.forget = flaky_open, forgotten.append
    assert store.read_record("r", "groups/g.json") == {"group": "g"}
    assert len(calls) == 2 and forgotten == calls[:1]
    store._files.open = lambda key: (_ for _ in ()).throw(OSError(5, "disk on fire"))
    with pytest.raises(OSError, match="disk on fire"):
        store.read_record("r", "groups/g.json")
