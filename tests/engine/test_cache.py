"""Caching across runs (``Builder().with_cache()``): what is reused, what is recomputed and why.

Modules are written to files and imported fresh, so that editing a node's source is a real edit
(the cache versions code from the files, as it does for users).
"""

import importlib.util
import multiprocessing
import os
import sys
import textwrap
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from dagwire import driver
from dagwire.caching.adapter import CachingBehavior, HamiltonCacheAdapter
from dagwire.caching.code_version import helper_functions
from dagwire.caching.events import CachingEventType
from dagwire.caching.stores import folder as folder_module
from dagwire.errors import DagwireError
from dagwire.graph_types import HamiltonGraph
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DIAMOND = """
def a(x: int) -> int:
    return x * 10

def b(a: int) -> int:
    return a + 1

def c(y: int) -> int:
    return y - 1

def d(b: int, c: int) -> int:
    return b + c
"""


def load(tmp_path, source, name=None):
    """Write ``source`` as a module file and import it under a new name."""
    name = name or f"cached_{uuid.uuid4().hex[:10]}"
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def cached(module, path, dynamic=False, **options):
    builder = driver.Builder().with_modules(module).with_cache(path=str(path), **options)
    if dynamic:
        builder = builder.enable_dynamic_execution(allow_experimental_mode=True)
    return builder.build()


def outcome(dr):
    """``{node: "computed" | "retrieved"}`` for the driver's last run."""
    found = {}
    for key, events in dr.cache.logs(dr.cache.last_run_id).items():
        kinds = {e.event_type for e in events}
        found[key] = "computed" if CachingEventType.EXECUTE_NODE in kinds else "retrieved"
    return found


def computed(dr):
    return {k for k, v in outcome(dr).items() if v == "computed"}


def why(dr, node):
    events = dr.cache.logs(dr.cache.last_run_id)[node]
    return " ".join(e.msg or "" for e in events)


def run(module, path, inputs, outputs=("d",), **options):
    dr = cached(module, path, **options)
    return dr, dr.execute(list(outputs), inputs=inputs)


# --- reuse and recomputation -------------------------------------------------------------------
def test_a_second_run_with_a_new_driver_retrieves_every_node(tmp_path):
    module = load(tmp_path, DIAMOND)
    first, result = run(module, tmp_path / "c", {"x": 1, "y": 5})
    assert computed(first) == {"a", "b", "c", "d"}
    assert "no result cached" in why(first, "a")
    second, again = run(module, tmp_path / "c", {"x": 1, "y": 5})
    assert again == result == {"d": 15}
    assert computed(second) == set()
    assert set(outcome(second)) == {"a", "b", "c", "d"}


def test_an_input_change_recomputes_only_what_its_value_reaches(tmp_path):
    module = load(tmp_path, DIAMOND)
    run(module, tmp_path / "c", {"x": 1, "y": 5})
    dr, result = run(module, tmp_path / "c", {"x": 1, "y": 7})
    assert result == {"d": 17}
    assert computed(dr) == {"c", "d"}
    assert "input changed: y" in why(dr, "c")
    assert "input changed: c" in why(dr, "d")


def test_a_recomputed_node_that_yields_the_same_value_lets_what_reads_it_be_retrieved(tmp_path):
    module = load(
        tmp_path,
        """
        def parity(x: int) -> int:
            return x % 2

        def label(parity: int) -> str:
            return "odd" if parity else "even"
        """,
    )
    run(module, tmp_path / "c", {"x": 1}, ["label"])
    dr, result = run(module, tmp_path / "c", {"x": 3}, ["label"])
    assert result == {"label": "odd"}
    assert computed(dr) == {"parity"}


def test_docstring_comment_and_layout_edits_keep_the_code_version_and_the_cache(tmp_path):
    before = load(tmp_path, DIAMOND)
    run(before, tmp_path / "c", {"x": 1, "y": 5})
    edited = DIAMOND.replace(
        "def a(x: int) -> int:\n    return x * 10",
        'def a(x: int) -> int:\n    """Ten times x."""\n    # scale it\n    return x*10  # why',
    )
    after = load(tmp_path, edited)
    dr, result = run(after, tmp_path / "c", {"x": 1, "y": 5})
    assert result == {"d": 15}
    assert computed(dr) == set()
    old, new = (HamiltonGraph.from_graph(m.graph) for m in (cached(before, tmp_path / "c"), dr))
    assert old["a"].version == new["a"].version
    assert old.version == new.version


def test_code_versions_are_kept_in_the_cache_so_a_new_process_parses_nothing(tmp_path, monkeypatch):
    import weakref

    from dagwire.caching import code_version

    module = load(tmp_path, DIAMOND)
    run(module, tmp_path / "c", {"x": 1, "y": 5})
    monkeypatch.setattr(code_version, "_BY_SOURCE", {})  # what a new process starts with
    monkeypatch.setattr(code_version, "_BY_FUNCTION", weakref.WeakKeyDictionary())
    parsed = code_version.parse_count()
    dr, _ = run(module, tmp_path / "c", {"x": 1, "y": 5})
    assert computed(dr) == set()
    assert code_version.parse_count() == parsed


def test_a_code_edit_recomputes_the_node_and_what_its_changed_value_reaches(tmp_path):
    module = load(tmp_path, DIAMOND)
    run(module, tmp_path / "c", {"x": 1, "y": 5})
    edited = load(tmp_path, DIAMOND.replace("return a + 1", "return a + 2"))
    dr, result = run(edited, tmp_path / "c", {"x": 1, "y": 5})
    assert result == {"d": 16}
    assert computed(dr) == {"b", "d"}
    assert "code changed" in why(dr, "b")
    assert cached(edited, tmp_path / "c").public_graph["b"].version != (
        cached(module, tmp_path / "c").public_graph["b"].version
    )


def test_overrides_are_versioned_by_value(tmp_path):
    module = load(tmp_path, DIAMOND)
    dr = cached(module, tmp_path / "c")
    dr.execute(["d"], inputs={"x": 1, "y": 5})
    assert dr.execute(["d"], inputs={"x": 1, "y": 5}, overrides={"b": 100}) == {"d": 104}
    assert computed(dr) == {"d"}
    dr.execute(["d"], inputs={"x": 1, "y": 5}, overrides={"b": 100})
    assert computed(dr) == set()
    dr.execute(["d"], inputs={"x": 1, "y": 5}, overrides={"b": 11})  # what b computes
    assert computed(dr) == set()


def test_config_values_are_part_of_the_key(tmp_path):
    module = load(tmp_path, "def scaled(x: int, factor: int) -> int:\n    return x * factor\n")
    build = driver.Builder().with_modules(module).with_cache(path=str(tmp_path / "c"))
    assert build.with_config({"factor": 2}).build().execute(["scaled"], inputs={"x": 3}) == {
        "scaled": 6
    }
    again = driver.Builder().with_modules(module).with_config({"factor": 3})
    dr = again.with_cache(path=str(tmp_path / "c")).build()
    assert dr.execute(["scaled"], inputs={"x": 3}) == {"scaled": 9}
    assert computed(dr) == {"scaled"}


# --- behaviors ---------------------------------------------------------------------------------
def test_recompute_runs_the_node_every_time_and_what_reads_an_unchanged_value_is_retrieved(
    tmp_path,
):
    module = load(tmp_path, DIAMOND)
    run(module, tmp_path / "c", {"x": 1, "y": 5}, recompute=["a"])
    dr, _ = run(module, tmp_path / "c", {"x": 1, "y": 5}, recompute=["a"])
    assert computed(dr) == {"a"}
    assert "RECOMPUTE" in why(dr, "a")
    assert dr.cache.behaviors[dr.cache.last_run_id]["a"] is CachingBehavior.RECOMPUTE


def test_recompute_true_recomputes_everything(tmp_path):
    module = load(tmp_path, DIAMOND)
    run(module, tmp_path / "c", {"x": 1, "y": 5})
    dr, _ = run(module, tmp_path / "c", {"x": 1, "y": 5}, recompute=True)
    assert computed(dr) == {"a", "b", "c", "d"}


def test_disable_recomputes_the_node_and_everything_reading_it(tmp_path):
    module = load(tmp_path, DIAMOND)
    run(module, tmp_path / "c", {"x": 1, "y": 5}, disable=["a"])
    dr, result = run(module, tmp_path / "c", {"x": 1, "y": 5}, disable=["a"])
    assert result == {"d": 15}
    assert computed(dr) == {"a", "b"}  # b's value is unchanged, so d is retrieved (as Hamilton)


def test_ignore_leaves_a_client_out_of_the_keys_of_what_reads_it(tmp_path):
    module = load(
        tmp_path,
        """
        import threading

        def client() -> object:
            return threading.Lock()  # cannot be pickled, like a connection

        def rows(client: object, n: int) -> list:
            return list(range(n))
        """,
    )
    run(module, tmp_path / "c", {"n": 3}, ["rows"], ignore=["client"])
    dr, result = run(module, tmp_path / "c", {"n": 3}, ["rows"], ignore=["client"])
    assert result == {"rows": [0, 1, 2]}
    assert computed(dr) == {"client"}


def test_the_cache_decorator_sets_the_behavior_and_the_driver_lists_win(tmp_path):
    source = """
    from dagwire.function_modifiers import cache

    @cache(behavior="recompute")
    def a(x: int) -> int:
        return x + 1

    def b(a: int) -> int:
        return a * 2
    """
    module = load(tmp_path, source)
    run(module, tmp_path / "c", {"x": 1}, ["b"])
    dr, _ = run(module, tmp_path / "c", {"x": 1}, ["b"])
    assert computed(dr) == {"a"}
    dr, _ = run(module, tmp_path / "c", {"x": 1}, ["b"], default=["a"])
    assert computed(dr) == set()


def test_unknown_or_conflicting_node_names_are_refused(tmp_path):
    module = load(tmp_path, DIAMOND)
    with pytest.raises(DagwireError, match=r"'bb' is not a node.*Did you mean 'b'"):
        cached(module, tmp_path / "c", recompute=["bb"])
    with pytest.raises(DagwireError, match="node 'a' is given two behaviors"):
        cached(module, tmp_path / "c", recompute=["a"], disable=["a"])
    with pytest.raises(DagwireError, match="only one of"):
        cached(module, tmp_path / "c", recompute=True, disable=True)
    with pytest.raises(TypeError, match="recomptue"):
        cached(module, tmp_path / "c", recomptue=["a"])


# --- values that cannot be stored, failures ---------------------------------------------------
def test_unpicklable_results_are_recomputed_with_the_reason_and_never_crash(tmp_path):
    module = load(
        tmp_path,
        """
        import threading

        def lock(x: int) -> object:
            return threading.Lock()

        def held(lock: object) -> bool:
            return lock.locked()

        def other(x: int) -> int:
            return x + 1
        """,
    )
    run(module, tmp_path / "c", {"x": 1}, ["held", "other"])
    dr, result = run(module, tmp_path / "c", {"x": 1}, ["held", "other"])
    assert result == {"held": False, "other": 2}
    assert computed(dr) == {"lock", "held"}
    debug = dr.cache.logs(dr.cache.last_run_id, level="debug")["lock"]
    unhashable = [e for e in debug if e.event_type is CachingEventType.UNHASHABLE_DATA_VERSION]
    assert unhashable and "cannot be pickled" in unhashable[0].msg


def test_an_unpicklable_input_makes_its_readers_recompute(tmp_path):
    module = load(tmp_path, "def size(handle: object) -> int:\n    return 1\n")
    handle = threading.Lock()
    run(module, tmp_path / "c", {"handle": handle}, ["size"])
    dr, _ = run(module, tmp_path / "c", {"handle": handle}, ["size"])
    assert computed(dr) == {"size"}


def test_a_failed_run_keeps_the_results_of_the_nodes_that_completed(tmp_path):
    source = DIAMOND.replace(
        "return b + c", "if FAIL:\n        raise RuntimeError('boom')\n    return b + c"
    )
    module = load(tmp_path, "FAIL = True\n" + source)
    with pytest.raises(RuntimeError, match="boom"):
        run(module, tmp_path / "c", {"x": 1, "y": 5})
    module.FAIL = False
    dr, result = run(module, tmp_path / "c", {"x": 1, "y": 5})
    assert result == {"d": 15}
    assert computed(dr) == {"d"}


def test_a_result_file_gone_from_the_store_is_recomputed(tmp_path):
    module = load(tmp_path, "def big(n: int) -> bytes:\n    return bytes(n)\n")
    run(module, tmp_path / "c", {"n": 200_000}, ["big"])  # over the inline limit: its own file
    results = tmp_path / "c" / "results"
    for file in results.iterdir():
        if file.is_file():
            file.unlink()
    dr, result = run(module, tmp_path / "c", {"n": 200_000}, ["big"])
    assert result == {"big": bytes(200_000)}
    assert computed(dr) == {"big"}
    debug = dr.cache.logs(dr.cache.last_run_id, level="debug")["big"]
    assert CachingEventType.MISSING_RESULT in {e.event_type for e in debug}


def test_an_unreadable_result_is_replaced_once_recomputed(tmp_path):
    """A damaged result file must not make every later run fail to read it and recompute."""
    module = load(tmp_path, "def big(n: int) -> bytes:\n    return bytes(n)\n")
    run(module, tmp_path / "c", {"n": 200_000}, ["big"])
    for file in (tmp_path / "c" / "results").iterdir():
        if file.is_file():
            file.write_bytes(b"not a pickle")
    dr, result = run(module, tmp_path / "c", {"n": 200_000}, ["big"])
    assert result == {"big": bytes(200_000)} and computed(dr) == {"big"}
    debug = dr.cache.logs(dr.cache.last_run_id, level="debug")["big"]
    assert CachingEventType.FAILED_RETRIEVAL in {e.event_type for e in debug}
    dr, result = run(module, tmp_path / "c", {"n": 200_000}, ["big"])
    assert result == {"big": bytes(200_000)} and computed(dr) == set()


def test_a_warm_run_reads_only_the_results_it_returns(tmp_path, monkeypatch):
    from dagwire.caching.stores.file import FileResultStore

    module = load(tmp_path, DIAMOND)
    run(module, tmp_path / "c", {"x": 1, "y": 5})
    read = []
    real_get = FileResultStore.get
    monkeypatch.setattr(FileResultStore, "get", lambda self, v: read.append(v) or real_get(self, v))
    dr, result = run(module, tmp_path / "c", {"x": 1, "y": 5})
    assert result == {"d": 15} and computed(dr) == set()
    assert read == [dr.cache.data_versions[dr.cache.last_run_id]["d"]]
    run(module, tmp_path / "c", {"x": 1, "y": 6})  # c and d compute: d reads b, which is loaded
    assert len(read) == 2


def test_a_result_left_unloaded_is_loaded_when_a_computed_node_reads_it(tmp_path, monkeypatch):
    module = load(tmp_path, DIAMOND)
    run(module, tmp_path / "c", {"x": 1, "y": 5})
    monkeypatch.setattr(HamiltonCacheAdapter, "_values_needed", lambda self, r, p, f: set(f))
    dr, result = run(module, tmp_path / "c", {"x": 1, "y": 6})  # b predicted unread
    assert result == {"d": 16} and computed(dr) == {"c", "d"}


GROWING = """
def big(n: int) -> bytes:
    return bytes(n)

def grown(big: bytes) -> bytes:
    return big + b"x"

def length(grown: bytes) -> int:
    return len(grown)
"""


def test_a_result_gone_after_the_run_was_planned_is_recomputed_from_unloaded_inputs(tmp_path):
    module = load(tmp_path, GROWING)
    dr, _ = run(module, tmp_path / "c", {"n": 200_000}, ["length"])
    (tmp_path / "c" / "results" / dr.cache.data_versions[dr.cache.last_run_id]["grown"]).unlink()
    dr, result = run(module, tmp_path / "c", {"n": 200_000}, ["length"])
    assert result == {"length": 200_001}
    assert computed(dr) == {"grown"}  # big was predicted unread, and is loaded when grown runs


def test_an_unreadable_result_left_unloaded_fails_one_run_naming_it_and_the_next_recomputes(
    tmp_path,
):
    """A result pickled by another version of a library: the run that needs it says which node
    to recompute, and the next run does, instead of failing the same way for ever."""
    module = load(tmp_path, GROWING)
    dr, _ = run(module, tmp_path / "c", {"n": 200_000}, ["grown"])
    versions = dr.cache.data_versions[dr.cache.last_run_id]
    (tmp_path / "c" / "results" / versions["grown"]).unlink()
    (tmp_path / "c" / "results" / versions["big"]).write_bytes(b"not a pickle")
    with pytest.raises(Exception, match="node 'big' could not be read back.*Run again"):
        run(module, tmp_path / "c", {"n": 200_000}, ["grown"])
    dr, result = run(module, tmp_path / "c", {"n": 200_000}, ["grown"])
    assert result == {"grown": bytes(200_000) + b"x"} and computed(dr) == {"big", "grown"}


# --- sharing one cache -------------------------------------------------------------------------
def test_threads_filling_one_cache_at_once_lose_nothing(tmp_path):
    module = load(tmp_path, DIAMOND)
    path = tmp_path / "shared"

    def fill(i):
        return run(module, path, {"x": i, "y": i})[1]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(fill, range(16)))
    assert results == [{"d": 11 * i} for i in range(16)]
    for i in range(16):
        dr, result = run(module, path, {"x": i, "y": i})
        assert result == {"d": 11 * i} and computed(dr) == set()


def test_one_driver_running_in_several_threads_at_once_never_fails(tmp_path):
    """Prefect's tasks share one driver (a RunGraph) across threads: while one run looks up why a
    node is new or saves code versions, another adds entries to the same dictionaries."""
    wide = "".join(f"def n{i}(x: int) -> int:\n    return x + {i}\n\n\n" for i in range(200))
    dr = cached(load(tmp_path, wide), tmp_path / "c")
    outputs = [f"n{i}" for i in range(200)]
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, as a loaded machine does
    try:
        with ThreadPoolExecutor(4) as pool:
            runs = [pool.submit(dr.execute, outputs, inputs={"x": x}) for x in range(40)]
            results = [r.result() for r in runs]
    finally:
        sys.setswitchinterval(switch)
    assert [r["n7"] for r in results] == [x + 7 for x in range(40)]


def test_a_flush_never_writes_a_key_whose_result_another_thread_stored_after_the_results(
    tmp_path, monkeypatch
):
    """Another process must never find a key naming a result that is not there yet."""
    from dagwire.caching.stores.file import FileMetadataStore, FileResultStore

    dr = cached(load(tmp_path, DIAMOND), tmp_path / "c")
    dr.execute(["d"], inputs={"x": 1, "y": 5})
    cache, run_id = dr.cache, dr.cache.last_run_id
    flush_results = cache.result_store.flush
    others = []

    def results_then_another_thread_stores():
        flush_results()
        other = threading.Thread(
            target=cache._store, args=(run_id, "a", None, "a-late", "code", (), 123456)
        )
        other.start()
        other.join(timeout=0.2)
        others.append(other)

    monkeypatch.setattr(cache.result_store, "flush", results_then_another_thread_stores)
    cache.flush()
    keys, results = FileMetadataStore(tmp_path / "c"), FileResultStore(tmp_path / "c")
    keys.refresh()
    results.refresh()
    assert all(results.exists(entry[0]) for entry in keys.log.entries.values())
    others[0].join()


def _fill_in_process(args):
    path, module_path, i = args
    spec = importlib.util.spec_from_file_location("shared_diamond", module_path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["shared_diamond"] = module
    spec.loader.exec_module(module)
    return run(module, path, {"x": i, "y": i})[1]


def test_processes_filling_one_cache_at_once_lose_nothing(tmp_path):
    (tmp_path / "shared_diamond.py").write_text(DIAMOND)
    path = str(tmp_path / "shared")
    args = [(path, str(tmp_path / "shared_diamond.py"), i) for i in range(8)]
    with multiprocessing.get_context("fork").Pool(4) as pool:
        assert pool.map(_fill_in_process, args) == [{"d": 11 * i} for i in range(8)]
    module = load(tmp_path, DIAMOND, "shared_diamond_again")
    for i in range(8):
        dr, result = run(module, path, {"x": i, "y": i})
        assert result == {"d": 11 * i} and computed(dr) == set()


def test_many_runs_are_merged_into_few_segment_files_and_keep_every_entry(tmp_path):
    module = load(tmp_path, DIAMOND)
    runs = folder_module.COMPACT_AFTER + 5
    for i in range(runs):
        run(module, tmp_path / "c", {"x": i, "y": 0})
    segments = list((tmp_path / "c" / "metadata").iterdir())
    assert len(segments) <= folder_module.COMPACT_AFTER
    for i in range(runs):
        dr, _ = run(module, tmp_path / "c", {"x": i, "y": 0})
        assert computed(dr) == set()


def test_a_reader_listing_segments_another_process_merges_meanwhile_reads_every_entry(
    tmp_path, monkeypatch
):
    """Workers start together: one merges the segments another has just listed."""
    from dagwire.caching.stores.folder import Folder, SegmentLog

    writer = SegmentLog(Folder(tmp_path / "log"))
    for i in range(folder_module.COMPACT_AFTER + 1):
        writer.put(i, i)
        writer.flush()
    reader = SegmentLog(Folder(tmp_path / "log"))
    listing = reader.folder.names()
    SegmentLog(Folder(tmp_path / "log")).refresh()  # merges them and deletes the listed files
    real_names = reader.folder.names
    stale = iter([listing])
    monkeypatch.setattr(reader.folder, "names", lambda: next(stale, None) or real_names())
    reader.refresh()
    assert reader.entries == {i: i for i in range(folder_module.COMPACT_AFTER + 1)}


def test_an_fsspec_url_holds_the_cache(tmp_path):
    pytest.importorskip("fsspec")
    module = load(tmp_path, DIAMOND)
    url = f"memory://dagwire-cache-{uuid.uuid4().hex}"
    run(module, url, {"x": 1, "y": 5})
    dr, result = run(module, url, {"x": 1, "y": 5})
    assert result == {"d": 15} and computed(dr) == set()
    assert repr(dr.cache.result_store) == f"FileResultStore({url!r})"


def test_an_s3_bucket_holds_the_cache_shared_by_processes(tmp_path, monkeypatch):
    s3fs = pytest.importorskip("s3fs")
    pytest.importorskip("moto.server")
    from services import s3_env, s3_server

    with s3_server() as options:
        for name, value in s3_env(options).items():
            monkeypatch.setenv(name, value)
        bucket = f"dagwire-cache-{uuid.uuid4().hex[:10]}"
        s3fs.S3FileSystem(**options).mkdir(bucket)
        url = f"s3://{bucket}/team/cache"
        (tmp_path / "shared_diamond.py").write_text(DIAMOND)
        args = [(url, str(tmp_path / "shared_diamond.py"), i) for i in range(3)]
        with multiprocessing.get_context("fork").Pool(2) as pool:
            assert pool.map(_fill_in_process, args) == [{"d": 11 * i} for i in range(3)]
        module = load(tmp_path, DIAMOND)
        for i in range(3):
            dr, result = run(module, url, {"x": i, "y": i}, storage_options=options)
            assert result == {"d": 11 * i} and computed(dr) == set()


# --- Parallelizable / Collect ------------------------------------------------------------------
FAN_OUT = """
from dagwire.htypes import Collect, Parallelizable

def item(n: int) -> Parallelizable[int]:
    for i in range(n):
        yield i

def squared(item: int) -> int:
    return item * item

def total(squared: Collect[int]) -> int:
    return sum(squared)
"""


def test_parallelizable_items_are_cached_one_by_one(tmp_path):
    module = load(tmp_path, FAN_OUT)
    dr = cached(module, tmp_path / "c", dynamic=True)
    assert dr.execute(["total"], inputs={"n": 3}) == {"total": 5}
    dr = cached(module, tmp_path / "c", dynamic=True)
    assert dr.execute(["total"], inputs={"n": 3}) == {"total": 5}
    assert {k[0] for k in computed(dr)} == {"item"}  # as in Hamilton, it always recomputes
    dr.execute(["total"], inputs={"n": 4})
    squared = {k: v for k, v in outcome(dr).items() if k[0] == "squared"}
    assert sorted(squared.values()) == ["computed", "retrieved", "retrieved", "retrieved"]
    assert outcome(dr)[("total", "collect-item")] == "computed"


def test_items_computed_in_worker_processes_are_stored_for_the_next_run(tmp_path):
    from dagwire.execution.executors import MultiProcessingExecutor

    calls = tmp_path / "calls.txt"
    source = FAN_OUT.replace(
        "    return item * item",
        f"    open({str(calls)!r}, 'a').write(f'{{item}}\\n')\n    return item * item",
    )
    module = load(tmp_path, source)
    for n in (3, 3, 4):
        builder = driver.Builder().with_modules(module).with_cache(path=str(tmp_path / "c"))
        builder = builder.enable_dynamic_execution(allow_experimental_mode=True)
        dr = builder.with_remote_executor(MultiProcessingExecutor(2)).build()
        assert dr.execute(["total"], inputs={"n": n}) == {"total": sum(i * i for i in range(n))}
    assert sorted(calls.read_text().split()) == ["0", "1", "2", "3"]  # each item computed once


# --- the driver's surface ----------------------------------------------------------------------
def test_the_cache_attributes_hamilton_users_read(tmp_path):
    module = load(tmp_path, DIAMOND)
    dr = cached(module, tmp_path / "c")
    dr.execute(["d"], inputs={"x": 1, "y": 5})
    cache = dr.cache
    assert isinstance(cache, HamiltonCacheAdapter)
    run_id = cache.last_run_id
    assert cache.run_ids == [run_id]
    assert set(cache.data_versions[run_id]) >= {"a", "b", "c", "d", "x", "y"}
    assert set(cache.cache_keys[run_id]) == {"a", "b", "c", "d"}
    assert cache.code_versions[run_id]["a"] == dr.public_graph["a"].version
    assert (
        cache.metadata_store.get(cache.cache_keys[run_id]["d"]) == cache.data_versions[run_id]["d"]
    )
    assert cache.result_store.get(cache.data_versions[run_id]["d"]) == 15
    assert cache.metadata_store.get_run_ids() == [run_id]
    assert set(cache.logs()) == {run_id}


def test_view_run_marks_what_came_from_the_cache(tmp_path):
    module = load(tmp_path, DIAMOND)
    run(module, tmp_path / "c", {"x": 1, "y": 5})
    dr, _ = run(module, tmp_path / "c", {"x": 1, "y": 6})
    dot = dr.cache.view_run()
    assert "b: int [from cache]" in dot and "d: int [computed]" in dot and '"y"' in dot
    dr.cache.view_run(output_file_path=str(tmp_path / "run.mmd"))
    assert "[from cache]" in (tmp_path / "run.mmd").read_text()


def test_a_driver_without_a_cache_says_how_to_add_one(tmp_path):
    dr = driver.Builder().with_modules(load(tmp_path, DIAMOND)).build()
    with pytest.raises(DagwireError, match=r"with_cache\(path="):
        _ = dr.cache


def test_the_cache_adapter_can_be_given_with_with_adapters(tmp_path):
    module = load(tmp_path, DIAMOND)
    for _ in range(2):
        adapter = HamiltonCacheAdapter(path=str(tmp_path / "c"))
        dr = driver.Builder().with_modules(module).with_adapters(adapter).build()
        assert dr.execute(["d"], inputs={"x": 1, "y": 5}) == {"d": 15}
    assert dr.cache is adapter and computed(dr) == set()
    with pytest.raises(DagwireError, match="already serves another driver"):
        driver.Builder().with_modules(module).with_adapters(adapter).build()


def test_a_pickled_driver_with_a_cache_is_rebuilt_with_its_own_adapter(tmp_path):
    """As in Apache Hamilton, whose drivers ship to process pools with their cache."""
    import pickle

    dr = cached(load(tmp_path, DIAMOND), tmp_path / "c")
    dr.execute(["d"], inputs={"x": 1, "y": 5})
    again = pickle.loads(pickle.dumps(dr))
    assert again.execute(["d"], inputs={"x": 1, "y": 5}) == {"d": 15}
    assert again.cache is not dr.cache and computed(again) == set()
    assert dr.cache.run_ids == [dr.cache.run_ids[0]]  # the original's history is its own


def test_materialize_runs_through_the_cache_and_its_logs(tmp_path):
    from dagwire.io.materialization import to

    dr = cached(load(tmp_path, DIAMOND), tmp_path / "c")
    saver = to.pickle(id="saved", dependencies=["d"], path=str(tmp_path / "d.pkl"))
    metadata, extra = dr.materialize(saver, additional_vars=["b"], inputs={"x": 1, "y": 5})
    assert extra == {"b": 11} and "saved" in metadata
    assert computed(dr) == {"a", "b", "c", "d", "saved"}
    dr.materialize(saver, additional_vars=["b"], inputs={"x": 1, "y": 6})
    assert computed(dr) == {"c", "d", "saved"}  # dr.cache reports the materialize runs
    assert "saved: dict[str, Any] [computed]" in dr.cache.view_run()
    assert dr.execute(["d"], inputs={"x": 1, "y": 6}) == {"d": 16} and computed(dr) == set()


def test_stores_given_elsewhere_leave_no_cache_folder_in_the_working_directory(
    tmp_path, monkeypatch
):
    from dagwire.caching.stores.file import FileResultStore
    from dagwire.caching.stores.sqlite import SQLiteMetadataStore

    module = load(tmp_path, DIAMOND)
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    for _ in range(2):
        dr = (
            driver.Builder()
            .with_modules(module)
            .with_cache(
                metadata_store=SQLiteMetadataStore(path=str(tmp_path / "c")),
                result_store=FileResultStore(path=str(tmp_path / "c")),
            )
            .build()
        )
        assert dr.execute(["d"], inputs={"x": 1, "y": 5}) == {"d": 15}
    assert computed(dr) == set() and list((tmp_path / "cwd").iterdir()) == []
    assert (tmp_path / "c" / "code").is_dir()  # code versions are kept beside the results


def test_a_log_file_records_every_event(tmp_path):
    module = load(tmp_path, DIAMOND)
    run(module, tmp_path / "c", {"x": 1, "y": 5}, log_to_file=True)
    lines = (tmp_path / "c" / "cache_logs.jsonl").read_text().splitlines()
    assert any('"execute_node"' in line and '"d"' in line for line in lines)


# --- the property: a cached result always equals an uncached one --------------------------------
@st.composite
def dataflows(draw):
    """A random DAG of int nodes over two inputs, and one edit: of a node's code, of an input's
    value, or of a comment (which must change nothing)."""
    size = draw(st.integers(2, 7))
    parents = {}
    for i in range(size):
        pool = ["x", "y", *(f"n{j}" for j in range(i))]
        parents[f"n{i}"] = draw(
            st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True)
        )
    constants = {name: draw(st.integers(0, 3)) for name in parents}
    inputs = {"x": draw(st.integers(0, 3)), "y": draw(st.integers(0, 3))}
    edit = draw(
        st.one_of(
            st.tuples(st.just("code"), st.sampled_from(sorted(parents)), st.integers(0, 3)),
            st.tuples(st.just("input"), st.sampled_from(["x", "y"]), st.integers(0, 3)),
            st.tuples(st.just("comment"), st.sampled_from(sorted(parents)), st.just(0)),
        )
    )
    return parents, constants, inputs, edit


def dataflow_source(parents, constants, comment_on=None):
    lines = []
    for name, deps in parents.items():
        params = ", ".join(f"{d}: int" for d in deps)
        note = "  # an edited comment" if name == comment_on else ""
        body = f"    return ({' + '.join(deps)} + {constants[name]}) % 3{note}"
        lines += [f"def {name}({params}) -> int:", body, ""]
    return "\n".join(lines)


def expected_values(parents, constants, inputs):
    values = dict(inputs)
    for name, deps in parents.items():
        values[name] = (sum(values[d] for d in deps) + constants[name]) % 3
    return values


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(dataflows())
def test_cached_results_equal_uncached_ones_and_exactly_the_reached_nodes_recompute(tmp_path, flow):
    parents, constants, inputs, (kind, target, amount) = flow
    path = tmp_path / f"cache-{uuid.uuid4().hex}"
    outputs = list(parents)
    run(load(tmp_path, dataflow_source(parents, constants)), path, inputs, outputs)
    new_constants, new_inputs, comment_on = dict(constants), dict(inputs), None
    if kind == "code":
        new_constants[target] = constants[target] + 3 + amount  # always a different source
    elif kind == "input":
        new_inputs[target] = amount
    else:
        comment_on = target
    module = load(tmp_path, dataflow_source(parents, new_constants, comment_on))
    dr, result = run(module, path, new_inputs, outputs)
    plain = driver.Builder().with_modules(module).build().execute(outputs, inputs=new_inputs)
    assert result == plain
    before = expected_values(parents, constants, inputs)
    after = expected_values(parents, new_constants, new_inputs)
    reached = {
        name
        for name, deps in parents.items()
        if (kind == "code" and name == target) or any(before[d] != after[d] for d in deps)
    }
    assert computed(dr) == reached


def test_the_cache_loads_nothing_until_a_driver_asks_for_it():
    code = "import sys; from dagwire import driver; print(any('caching' in m for m in sys.modules))"
    import subprocess

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "False", out.stderr


def test_a_builder_with_a_cache_builds_many_drivers_and_copies_each_with_its_own_adapter(
    tmp_path,
):
    module = load(tmp_path, DIAMOND)
    builder = driver.Builder().with_modules(module).with_cache(path=str(tmp_path / "c"))
    first, second, twin = builder.build(), builder.build(), builder.copy().build()
    assert len({id(first.cache), id(second.cache), id(twin.cache)}) == 3
    assert first.execute(["d"], inputs={"x": 1, "y": 5}) == {"d": 15}
    assert twin.execute(["d"], inputs={"x": 1, "y": 5}) == {"d": 15}
    assert computed(twin) == set()  # the same folder: the first driver's results serve it
    with pytest.raises(TypeError):
        driver.Builder().with_cache(path=str(tmp_path / "c"), recompte=["a"])
    with pytest.raises(DagwireError, match="called twice"):
        builder.with_cache(path=str(tmp_path / "other"))


HELPED = """
from textwrap import dedent


def _inner(v: int) -> int:
    return v * 10


def _scale(v: int) -> int:
    return _inner(v)


def a(x: int) -> int:
    return _scale(x) + len(dedent(""))


def b(y: int) -> int:
    return y
"""


def test_an_edit_to_a_helper_the_node_calls_recomputes_it_and_a_comment_does_not(tmp_path):
    """Unlike Apache Hamilton, whose cache serves a stale value when only a helper changed."""
    run(load(tmp_path, HELPED), tmp_path / "c", {"x": 1, "y": 5}, outputs=["a", "b"])
    commented = HELPED.replace("return v * 10", "return v * 10  # tens")
    dr, result = run(
        load(tmp_path, commented), tmp_path / "c", {"x": 1, "y": 5}, outputs=["a", "b"]
    )
    assert result == {"a": 10, "b": 5} and computed(dr) == set()
    edited = HELPED.replace("return v * 10", "return v * 100")
    dr, result = run(load(tmp_path, edited), tmp_path / "c", {"x": 1, "y": 5}, outputs=["a", "b"])
    assert result == {"a": 100, "b": 5} and computed(dr) == {"a"}
    assert "code changed" in why(dr, "a")
    helpers = helper_functions(load(tmp_path, HELPED).a)
    assert [h.__name__ for h in helpers] == ["_inner", "_scale"]  # not textwrap's dedent


PACKAGED_NODES = """
from dagwire.function_modifiers import does

from PKG import helpers


def _summed(**values: int) -> int:
    return sum(values.values())


def scaled(x: int) -> int:
    return helpers.scale(x)


@does(_summed)
def total(x: int, y: int) -> int:
    pass


def plain(y: int) -> int:
    return y
"""


def test_helpers_called_through_a_module_or_named_by_a_decorator_are_part_of_the_key(
    tmp_path, monkeypatch
):
    """``helpers.scale(x)`` and ``@does(_summed)``: their edits reach the cache key too."""
    import importlib

    package = f"pkg_{uuid.uuid4().hex[:8]}"
    (tmp_path / package).mkdir()
    (tmp_path / package / "__init__.py").write_text("")
    helpers = tmp_path / package / "helpers.py"
    nodes = tmp_path / package / "nodes.py"
    helpers.write_text("def scale(v):\n    return v * 10\n")
    nodes.write_text(PACKAGED_NODES.replace("PKG", package))
    monkeypatch.syspath_prepend(str(tmp_path))

    def fresh_run():
        for name in [m for m in sys.modules if m.split(".")[0] == package]:
            del sys.modules[name]
        importlib.invalidate_caches()
        module = importlib.import_module(f"{package}.nodes")
        return run(module, tmp_path / "c", {"x": 1, "y": 2}, outputs=["scaled", "total", "plain"])

    assert fresh_run()[1] == {"scaled": 10, "total": 3, "plain": 2}
    helpers.write_text("def scale(v):\n    return v * 100\n")
    nodes.write_text(nodes.read_text().replace("sum(values.values())", "-sum(values.values())"))
    dr, result = fresh_run()
    assert result == {"scaled": 100, "total": -3, "plain": 2}
    assert computed(dr) == {"scaled", "total"}


def test_in_memory_stores_cache_within_the_process_and_persist_to_a_folder(tmp_path, monkeypatch):
    """Apache Hamilton's ``caching.stores.memory``: nothing is written until ``persist_to``."""
    from dagwire.caching.stores.file import FileMetadataStore, FileResultStore
    from dagwire.caching.stores.memory import InMemoryMetadataStore, InMemoryResultStore

    module = load(tmp_path, DIAMOND)
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    keys, results = InMemoryMetadataStore(), InMemoryResultStore()
    for _ in range(2):
        dr = (
            driver.Builder()
            .with_modules(module)
            .with_cache(metadata_store=keys, result_store=results)
            .build()
        )
        assert dr.execute(["d"], inputs={"x": 1, "y": 5}) == {"d": 15}
    assert computed(dr) == set() and list((tmp_path / "cwd").iterdir()) == []
    assert len(keys) == 4 and len(keys.get_run_ids()) == 2  # both runs, as in Hamilton
    keys.persist_to(FileMetadataStore(tmp_path / "c"))
    results.persist_to(FileResultStore(tmp_path / "c"))
    dr, result = run(module, tmp_path / "c", {"x": 1, "y": 5})
    assert result == {"d": 15} and computed(dr) == set()
    loaded = InMemoryMetadataStore.load_from(FileMetadataStore(tmp_path / "c"))
    again = InMemoryResultStore.load_from(FileResultStore(tmp_path / "c"), metadata_store=loaded)
    assert (
        len(loaded) == 4
        and again.get(keys.get(dr.cache.cache_keys[dr.cache.last_run_id]["d"])) == 15
    )


CONSTANTS = """
FACTOR = 10
COLUMNS = ["a", "b"]


def _scaled(v: int) -> int:
    return v * FACTOR


def a(x: int) -> int:
    return _scaled(x)


def b(y: int) -> int:
    return y + len(COLUMNS)
"""


def test_an_edit_to_a_module_constant_recomputes_the_nodes_reading_it(tmp_path):
    run(load(tmp_path, CONSTANTS), tmp_path / "c", {"x": 1, "y": 5}, outputs=["a", "b"])
    dr, result = run(load(tmp_path, CONSTANTS), tmp_path / "c", {"x": 1, "y": 5}, ["a", "b"])
    assert result == {"a": 10, "b": 7} and computed(dr) == set()
    edited = CONSTANTS.replace("FACTOR = 10", "FACTOR = 100")
    dr, result = run(load(tmp_path, edited), tmp_path / "c", {"x": 1, "y": 5}, ["a", "b"])
    assert result == {"a": 100, "b": 7} and computed(dr) == {"a"}  # through its helper
    edited = edited.replace('["a", "b"]', '["a", "b", "c"]')
    dr, result = run(load(tmp_path, edited), tmp_path / "c", {"x": 1, "y": 5}, ["a", "b"])
    assert result == {"a": 100, "b": 8} and computed(dr) == {"b"}
