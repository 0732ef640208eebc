"""The run report: what the page says about a good run, a failed one, a resumed one, cache-served
nodes, a fan-out, hostile values and a huge artifact; written through the store (also memory://)."""

import json
import re
import uuid
from html.parser import HTMLParser
from pathlib import Path

import dagwire
import pytest
from dagwire.ad_hoc_utils import create_temporary_module
from dagwire.function_modifiers import check_output
from dagwire.runtime.artifacts import ArtifactStore
from dagwire.runtime.pipeline import Pipeline
from dagwire.runtime.records import RunError, read_manifest
from dagwire.runtime.report import artifact_previews, previews, report_html, write_report
from dagwire.runtime.runs import run_pipeline
from engine_support import write_package
from test_runs import X_test, X_train, raw  # the first stage of test_runs' pipeline

FAIL: dict[str, BaseException] = {}


@pytest.fixture(autouse=True)
def _no_failures():
    FAIL.clear()
    yield
    FAIL.clear()


def model(X_train: list, scale: float) -> float:
    if "model" in FAIL:
        raise FAIL["model"]
    return sum(X_train) * scale


@check_output(range=(0, 1), importance="warn")
def accuracy(model: float) -> float:
    return model / 100


def metrics(accuracy: float, X_test: list) -> dict:
    return {"accuracy": accuracy, "rows": len(X_test), "label": "not a number"}


def make_pipeline(**changes):
    fields = dict(
        name="demo",
        modules=[create_temporary_module(raw, X_train, X_test, model, accuracy, metrics)],
        outputs=["metrics"],
        stages={"prepare": ["X_train", "X_test"], "train": ["model"], "evaluate": ["metrics"]},
        config={"n": 10, "scale": 2.0},
        package="demo_pkg",
    )
    return Pipeline(**{**fields, **changes})


@pytest.fixture
def store(tmp_path):
    return ArtifactStore(tmp_path / "artifacts")


class _Text(HTMLParser):
    """The text a person reads on a page (no style), and the page's links and sources."""

    def __init__(self):
        super().__init__()
        self.parts, self.urls, self._skip = [], [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def read_page(html):
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split()), parser.urls


def node_statuses(html):
    """``{node: status}`` as the dataflow picture colours them."""
    found = re.findall(r'<g class="node ([a-z]+)" data-node="([^"]+)"', html)
    return {name: status for status, name in found}


def section(text, title, until):
    return text[text.index(title) : text.index(until, text.index(title))]


def test_a_good_run_shows_every_node_its_time_artifacts_config_checks_and_metrics(store):
    run_pipeline(make_pipeline(), run_id="good", store=store, config={"n": 12})
    uri = write_report(store, "good")
    assert uri == str(Path(store.root) / "good" / "report.html")
    html = Path(uri).read_text()
    text, urls = read_page(html)
    assert set(urls) <= {"../index.html"} | {u for u in urls if u.startswith("#")}
    assert "demo · run good completed" in text
    statuses = node_statuses(html)
    assert {
        n: statuses[n] for n in ("raw", "X_train", "X_test", "model", "metrics")
    } == dict.fromkeys(("raw", "X_train", "X_test", "model", "metrics"), "completed")
    assert statuses["n"] == statuses["scale"] == "input"
    nodes = section(text, "Nodes node task type", "Config")
    for name, group, type_ in [("raw", "prepare", "list"), ("model", "train", "float")]:
        assert re.search(
            rf"{name} {group} {type_} completed [0-9.]+ (µs|ms|s) [0-9a-f]{{12}}", nodes
        )
    artifacts = section(text, "Artifacts", "Nodes")
    assert "metrics · " in artifacts and '"accuracy": 0.3' in artifacts
    assert str(Path(store.root) / "good" / "model.json") in artifacts
    assert "X_train · 18 B · json" in artifacts and "[ 0, 1, 2, 3, 4, 5 ]" in artifacts
    assert re.search(r"Config key value given by n 12 --set scale 2\.0\s*$", text)
    assert f"engine version {dagwire.__version__}" in text and "package demo_pkg" in text
    checks = section(text, "Checks", "Artifacts")
    assert "accuracy accuracy_range_validator passed" in checks
    metrics_part = section(text, "Metrics across runs", "Checks")
    assert "metrics.accuracy = 0.3" in metrics_part and "metrics.rows = 6" in metrics_part
    assert "metrics.label" not in metrics_part  # text is no metric
    assert 'class="timeline"' in html and re.search(r'data-lane="prepare"', html)
    assert "What failed" not in text and "--run-id" not in text
    index = (Path(store.root) / "index.html").read_text()
    assert 'href="good/report.html"' in index and "completed" in read_page(index)[0]


def test_metrics_are_charted_across_the_recent_runs_of_the_pipeline(store):
    for i, scale in enumerate([1.0, 2.0, 4.0]):
        run_pipeline(make_pipeline(), run_id=f"r{i}", store=store, config={"scale": scale})
    run_pipeline(make_pipeline(name="other"), run_id="x", store=store)  # not the same pipeline
    html = report_html(store, "r2")
    card = re.search(r'data-metric="metrics.accuracy">(.*?)</div>', html).group(1)
    assert card.count("<circle") == 3
    assert "metrics.accuracy = 0.4" in read_page(card)[0]
    assert read_page(card)[0].endswith("run value r2 0.4 r1 0.2 r0 0.1")
    earlier = report_html(store, "r1")  # a report of an older run stops at that run
    assert (
        re.search(r'data-metric="metrics.accuracy">(.*?)</div>', earlier).group(1).count("<circle")
        == 2
    )


def test_a_failed_run_shows_the_node_error_traceback_source_inputs_and_resume_command(store):
    FAIL["model"] = ValueError("the model diverged")
    with pytest.raises(ValueError):
        run_pipeline(make_pipeline(), run_id="bad", store=store, config={"scale": 0.5})
    html = report_html(store, "bad")
    text, _ = read_page(html)
    assert "demo · run bad failed" in text
    failure = section(text, "What failed", "Dataflow")
    assert "Node model (task train) ValueError : the model diverged" in failure
    line = model.__code__.co_firstlineno
    assert f"Source: {__file__}:{line} def model(X_train: list, scale: float)" in failure
    assert "The inputs it got: input value X_train list: [ 0, 1, 2, 3, 4 ] scale float: 0.5" in (
        failure
    )
    assert "Traceback (most recent call last)" in failure and 'raise FAIL["model"]' in failure
    command = f"python -m demo_pkg run --run-id bad --set scale=0.5 --artifacts {store.root}"
    assert command in failure
    statuses = node_statuses(html)
    assert (statuses["model"], statuses["metrics"], statuses["raw"]) == (
        "failed",
        "skipped",
        "completed",
    )
    record = read_manifest(store, "bad")["groups"]["train"]["nodes"]["model"]
    assert len(json.dumps(record["failure"])) < 20_000  # bounded, whatever the inputs


def test_a_resumed_run_shows_the_groups_it_reused(store):
    FAIL["model"] = ValueError("once")
    with pytest.raises(ValueError):
        run_pipeline(make_pipeline(), run_id="r", store=store)
    FAIL.clear()
    run_pipeline(make_pipeline(), run_id="r", store=store)
    html = report_html(store, "r")
    statuses = node_statuses(html)
    assert (statuses["raw"], statuses["X_train"], statuses["model"]) == (
        "reused",
        "reused",
        "completed",
    )
    assert re.search(
        r'data-lane="prepare"><text[^>]*>prepare</text><rect class="bar task" '
        r'data-bar="prepare"[^>]*fill="#e8f0fe"',
        html,
    )  # the reused colour
    assert "What failed" not in read_page(html)[0]


def test_nodes_the_cache_served_are_shown_as_cached(store):
    run_pipeline(make_pipeline(), run_id="c1", store=store, cache=True)
    run_pipeline(make_pipeline(), run_id="c2", store=store, cache=True)
    statuses = node_statuses(report_html(store, "c2"))
    assert statuses["model"] == statuses["raw"] == "cached"
    assert node_statuses(report_html(store, "c1"))["model"] == "completed"


FANOUT = """
    from dagwire.htypes import Collect, Parallelizable


    def files(n_files: int) -> Parallelizable[str]:
        for i in range(n_files):
            yield f"file-{i}"


    def size(files: str) -> float:
        return float(len(files) + int(files.rsplit("-", 1)[1]))


    def total(size: Collect[float]) -> float:
        return sum(size)
"""
FANOUT_TOML = """
    [pipeline]
    name = "fan"
    modules = ["transforms.fan"]
    outputs = ["total"]

    [stages]
    split = ["files"]
    measure = ["size"]
    combine = ["total"]

    [config]
    n_files = 4
"""


def test_a_fan_out_shows_one_lane_per_item_and_counts_items(tmp_path, monkeypatch, store):
    monkeypatch.syspath_prepend(str(tmp_path))
    pipeline = Pipeline.load(write_package(tmp_path, FANOUT_TOML, {"fan": FANOUT}))
    run_pipeline(pipeline, run_id="fan", store=store)
    html = report_html(store, "fan")
    text, _ = read_page(html)
    lanes = re.findall(r'data-lane="([^"]+)"', html)
    assert sorted(lanes) == sorted(["split", "combine"] + [f"measure[{i}]" for i in range(4)])
    assert node_statuses(html)["size"] == "completed"
    assert re.search(r"size measure float completed [0-9.]+ (µs|ms|s) · 4 items", text)
    assert "files · " in text and "4 items; the first:" in text
    assert "total = 30" in text  # a number output is a metric


def test_hostile_names_and_values_stay_text(store):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    FAIL["model"] = ValueError(hostile)
    with pytest.raises(ValueError):
        run_pipeline(make_pipeline(name=hostile), run_id="h<1>&", store=store, config={"n": 3})
    # a node name no function could have, as a hand-edited or future record might hold
    run_json = next(Path(store.root).glob("h_1*/run.json"))
    header = json.loads(run_json.read_text())
    header["graph"]["nodes"][hostile] = {"type": hostile, "code_sha256": hostile}
    header["graph"]["edges"].append(["raw", hostile])
    header["config"]["label"] = hostile
    run_json.write_text(json.dumps(header))
    html = report_html(store, "h<1>&")
    assert "<script" not in html and "<img" not in html
    text, urls = read_page(html)
    assert text.count(hostile) >= 5  # title, failure message, dataflow, nodes, config: as text
    index = (Path(store.root) / "index.html").resolve().as_uri()
    assert all(u.startswith("#") or u == index for u in urls)
    index = Path(store.root) / "index.html"
    write_report(store, "h<1>&")
    assert "<script" not in index.read_text() and hostile in read_page(index.read_text())[0]


def test_a_huge_artifact_never_makes_a_huge_page(store):
    def big(n: int) -> list:
        return [{"row": i, "text": "x" * 50} for i in range(n)]

    pipeline = make_pipeline(
        modules=[create_temporary_module(big)], outputs=["big"], stages={}, config={"n": 50_000}
    )
    run_pipeline(pipeline, run_id="big", store=store)
    ref = read_manifest(store, "big")["groups"]
    size = next(iter(ref.values()))["artifacts"]["big"]["size"]
    assert size > 3_000_000
    html = report_html(store, "big")
    assert len(html) < 60_000
    assert "big · 3.9 MB · json" in read_page(html)[0]
    assert '"row": 3,' in html.replace("&quot;", '"') and '"row": 60' not in html
    assert "of 3.9 MB of JSON, not parsed" in read_page(html)[0]


def test_previews_fit_tables_arrays_json_and_objects():
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")
    frame = pd.DataFrame({"a": range(1000), "b": ["x"] * 1000})
    shown = previews.preview(frame)
    assert shown["shape"] == [1000, 2] and shown["columns"][0] == {"name": "a", "type": "int64"}
    assert shown["rows"] == [[str(i), "x"] for i in range(5)]
    series = previews.preview(frame["b"])
    assert (series["type"], series["shape"], series["rows"][0]) == ("Series", [1000, 1], ["x"])
    array = previews.preview(np.arange(10.0).reshape(2, 5))
    assert array["stats"] == {"min": 0.0, "max": 9.0, "mean": 4.5} and array["shape"] == [2, 5]
    assert previews.preview({"k": [1, 2]})["text"] == '{\n  "k": [\n    1,\n    2\n  ]\n}'

    class Model:
        def __repr__(self):
            return "Model(" + "w" * 10_000 + ")"

    assert len(previews.preview(Model())["text"]) <= previews.TEXT_CHARS
    assert previews.summary(frame, 80).startswith("DataFrame 1000 rows x 2 columns (a: int64")


def test_a_memory_store_gets_the_report_and_the_index():
    fsspec = pytest.importorskip("fsspec")
    root = f"memory://dagwire-report-{uuid.uuid4().hex}/artifacts"
    store = ArtifactStore(root)
    run_pipeline(make_pipeline(), run_id="m", store=store)
    uri = write_report(store, "m")
    assert uri == f"{root}/m/report.html"
    with fsspec.open(uri, "rt") as file:
        assert "demo · run m" in read_page(file.read())[0]
    with fsspec.open(f"{root}/index.html", "rt") as file:
        assert 'href="m/report.html"' in file.read()


def test_an_unknown_run_is_refused_naming_the_runs_there(store):
    run_pipeline(make_pipeline(), run_id="known", store=store)
    with pytest.raises(RunError, match=r"No run 'nope' under .*The runs there: known\."):
        write_report(store, "nope")


def test_the_timeline_draws_each_task_on_its_lane_at_its_time_so_parallel_work_shows():
    from dagwire.runtime.report.timeline import timeline_svg
    from dagwire.runtime.report.view import Lane

    at = "2026-01-01T00:00:0{}+00:00".format
    node = ("fit", at("0.500"), 1.0, "completed")
    svg = timeline_svg(
        [Lane("a", "completed", at(0), 2.0, [node]), Lane("b", "failed", at(1), 1.0)]
    )
    bars = {
        name: (float(x), float(width))
        for name, x, width in re.findall(
            r'data-bar="(\w+)" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg
        )
    }
    left, plot = 230.0, 900.0  # the labels' column, then two seconds over the plot's width
    assert bars == {
        "a": (left, plot),
        "fit": (left + plot / 4, plot / 2),
        "b": (left + plot / 2, plot / 2),  # started while "a" ran: both on screen at once
    }
    assert re.findall(r'data-lane="(\w+)"', svg) == ["a", "b"]


def test_a_task_that_failed_before_any_node_ran_is_shown_with_its_error(store):
    from dagwire.runtime.runs import run_group

    pipeline = make_pipeline()
    with pytest.raises(RunError):
        run_group(pipeline, pipeline.plan(), "evaluate", run_id="early", store=store)
    text, _ = read_page(report_html(store, "early"))
    failure = section(text, "What failed", "Dataflow")
    assert "Task evaluate failed RunError : Group 'evaluate' needs 'model', 'X_test'" in failure
    assert "python -m demo_pkg run --run-id early" in failure


def test_previews_read_a_table_in_part_keep_a_large_pickle_closed_and_are_computed_once(
    store, monkeypatch
):
    """A parquet file far smaller than its table is previewed from its metadata and first rows;
    a large pickle is never unpickled; a second report reads no artifact again."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")

    def frame(n: int) -> pd.DataFrame:
        return pd.DataFrame({"i": range(n), "text": ["x" * 1000] * n})  # 1 kB a row in memory

    def blob(n: int) -> object:
        return {"payload": bytes(n * 100)}  # no JSON: pickled, 3 MB

    modules = [create_temporary_module(frame, blob)]
    pipeline = make_pipeline(modules=modules, outputs=["frame", "blob"], stages={})
    run_pipeline(pipeline, run_id="t", store=store, config={"n": 30_000})
    refs = read_manifest(store, "t")["groups"]
    refs = {k: v for r in refs.values() for k, v in r["artifacts"].items()}
    assert refs["frame"]["size"] < 300_000  # 30 MB of text in memory
    opened = []
    monkeypatch.setattr(ArtifactStore, "load", lambda self, ref: opened.append(ref) or 1 / 0)
    real_open = ArtifactStore.open
    monkeypatch.setattr(
        ArtifactStore, "open", lambda self, ref: opened.append(ref["name"]) or real_open(self, ref)
    )
    text, _ = read_page(report_html(store, "t"))
    assert opened == ["frame"]  # in part; the pickle not at all
    assert "DataFrame: 30,000 rows × 2 columns (i: int64, text: string" in text or (
        "DataFrame: 30,000 rows × 2 columns (i: int64, text: large_string" in text
    )
    assert "Not previewed: a pickle over 2.0 MB is not unpickled for a preview" in text
    opened.clear()
    write_report(store, "t")
    assert opened == [] and "DataFrame: 30,000 rows" in read_page(report_html(store, "t"))[0]
    assert store.read_record("t", f"{artifact_previews.PREVIEWS}/frame.json") is not None


def test_a_large_array_is_previewed_from_its_header(store, monkeypatch):
    np = pytest.importorskip("numpy")
    ref = store.save("a", "weights", np.zeros((300, 4), dtype="float32"))
    monkeypatch.setattr(artifact_previews, "LOAD_LIMIT", 1_000)
    monkeypatch.setattr(ArtifactStore, "load", lambda self, ref: 1 / 0)
    shown = artifact_previews.preview_artifact(store, ref)
    assert (shown["shape"], shown["dtype"]) == ([300, 4], "float32") and "stats" not in shown
    assert shown["text"] == "(values not read: 4.9 kB)"


def test_a_metric_chart_marks_this_run_only_when_it_has_a_value_and_centres_flat_series():
    from dagwire.runtime.report.metrics import ALONE, CURRENT, metrics_html

    def dots(html: str) -> list[tuple[str, str, str]]:
        circle = r'<circle cx="[^"]+" cy="([^"]+)" r="[^"]+" fill="([^"]+)"><title>(\w+)'
        return re.findall(circle, html)

    failed = metrics_html({"m": [("r1", 0.5), ("r2", 0.7)]}, "r3")  # r3 computed no value
    assert CURRENT not in failed and "m = not computed in this run" in read_page(failed)[0]
    rising = dots(metrics_html({"m": [("r1", 0.5), ("r2", 0.7)]}, "r2"))
    assert [colour == CURRENT for _, colour, _ in rising] == [False, True]
    flat = dots(metrics_html({"m": [("r1", 1.0), ("r2", 1.0), ("r3", 1.0)]}, "r3"))
    assert {cy for cy, _, _ in flat} == {"30.0"}  # the middle of the 60 px chart
    (alone,) = dots(metrics_html({"m": [("r1", 2.0)]}, "r1"))
    assert alone == ("30.0", ALONE, "r1")


def test_the_timeline_names_the_nodes_on_bars_that_hold_them_and_keeps_the_hovers():
    from dagwire.runtime.report.timeline import timeline_svg
    from dagwire.runtime.report.view import Lane

    at = "2026-01-01T00:00:0{}+00:00".format
    nodes = [
        ("fit_the_model", at("0.000"), 1.0, "completed"),  # 450 px: the whole name
        ("score_every_row_of_the_test_set", at("1.000"), 0.1, "completed"),  # 45 px: cut
        ("tiny", at("1.500"), 0.001, "failed"),  # 1 px: hover only
    ]
    svg = timeline_svg([Lane("train", "failed", at(0), 2.0, nodes)])
    labels = re.findall(r'<text class="bar-label"[^>]*>([^<]+)</text>', svg)
    assert labels == ["fit_the_model", "score…"]
    assert ">train</text>" in svg  # the task's name on its lane
    assert "<title>tiny: failed" in svg and "<title>fit_the_model: completed" in svg
