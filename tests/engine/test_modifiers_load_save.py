"""@load_from / @save_to and the format registry: round trips, atomic writes, extension, misuse."""

import json
import pickle

import pytest
from dagwire.errors import InvalidDecoratorError
from dagwire.function_modifiers import load_from, save_to, source, value
from dagwire.io import formats
from engine_support import build

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")


FRAME = pd.DataFrame({"item": ["apple", "pear"], "qty": [3, 5]})


@pytest.mark.parametrize(
    ("fmt", "data", "annotation"),
    [
        ("csv", FRAME, pd.DataFrame),
        ("parquet", FRAME, pd.DataFrame),
        ("json", FRAME, pd.DataFrame),
        ("json", {"a": [1, 2], "b": None}, dict),
        ("pickle", {"any": {1, 2}}, object),
        ("npy", np.arange(6).reshape(2, 3), np.ndarray),
        ("file", "some text\n", str),
        ("file", b"\x00bytes", bytes),
    ],
)
def test_what_save_to_writes_load_from_reads_back(tmp_path, fmt, data, annotation):
    path = tmp_path / "sub" / f"data.{fmt}"  # the folder is created on save

    @getattr(save_to, fmt)(path=source("target"), output_name_="saved")
    def produced() -> annotation:
        return data

    saved = build(produced).execute(["saved"], inputs={"target": str(path)})["saved"]
    assert saved["file_metadata"]["path"] == str(path)
    assert saved["file_metadata"]["size"] == path.stat().st_size > 0

    @getattr(load_from, fmt)(path=value(str(path)))
    def loaded(x: annotation) -> annotation:
        return x

    back = build(loaded).execute(["loaded"])["loaded"]
    if isinstance(data, pd.DataFrame):
        pd.testing.assert_frame_equal(back, data, check_dtype=False)
    elif isinstance(data, np.ndarray):
        np.testing.assert_array_equal(back, data)
    else:
        assert back == data


def test_the_save_runs_only_when_its_output_is_requested(tmp_path):
    target = tmp_path / "out.json"

    @save_to.json(path=str(target), output_name_="report_saved")
    def report() -> dict:
        return {"n": 1}

    def downstream(report: dict) -> int:
        return report["n"]

    dr = build(report, downstream)
    assert dr.execute(["downstream", "report"]) == {"downstream": 1, "report": {"n": 1}}
    assert not target.exists()
    dr.execute(["report_saved"])
    assert json.loads(target.read_text()) == {"n": 1}
    assert {v.name for v in dr.what_is_downstream_of("report")} == {
        "report",
        "downstream",
        "report_saved",
    }


def test_without_output_name_the_saver_is_called_save_dot_node(tmp_path):
    @save_to.pickle(path=str(tmp_path / "x.pkl"))
    def x() -> int:
        return 3

    dr = build(x)
    assert "save.x" in dr.graph.nodes
    dr.execute(["save.x"])
    assert pickle.loads((tmp_path / "x.pkl").read_bytes()) == 3


def test_a_failed_save_leaves_the_previous_file_and_no_temporary_file(tmp_path, monkeypatch):
    monkeypatch.setattr(formats, "FORMATS", {k: list(v) for k, v in formats.FORMATS.items()})

    def write_half(value, file):
        file.write(b'{"new": ')
        raise OSError("disk full")

    formats.register_format(formats.DataFormat("halfway", (dict,), save=write_half))
    target = tmp_path / "out.json"
    target.write_text('{"old": true}')

    @save_to.halfway(path=str(target), output_name_="saved")
    def report() -> dict:
        return {"new": 1}

    with pytest.raises(OSError, match="disk full"):
        build(report).execute(["saved"])
    assert json.loads(target.read_text()) == {"old": True}
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_loaders_add_hamiltons_nodes_and_options_reach_the_reader(tmp_path):
    (tmp_path / "orders.csv").write_text("item;qty\napple;3\n")

    @load_from.csv(path=source("orders_path"), sep=value(";"), inject_="df")
    def orders(df: pd.DataFrame, factor: int) -> pd.DataFrame:
        return df.assign(qty=df.qty * factor)

    dr = build(orders)
    assert {"orders.load_data.df", "orders.select_data.df"} <= set(dr.graph.nodes)
    out = dr.execute(
        ["orders", "orders.load_data.df"],
        inputs={"orders_path": str(tmp_path / "orders.csv"), "factor": 2},
    )
    assert out["orders"].qty.tolist() == [6]
    frame, metadata = out["orders.load_data.df"]
    assert list(frame.columns) == ["item", "qty"]
    assert metadata["file_metadata"]["path"].endswith("orders.csv")


def test_the_format_is_picked_by_the_annotated_type(tmp_path):
    path = tmp_path / "rows.json"
    path.write_text('{"a": {"0": 1, "1": 2}}')

    @load_from.json(path=str(path))
    def as_dict(d: dict) -> dict:
        return d

    @load_from.json(path=str(path))
    def as_frame(df: pd.DataFrame) -> pd.DataFrame:
        return df

    out = build(as_dict, as_frame).execute(["as_dict", "as_frame"])
    assert out["as_dict"] == {"a": {"0": 1, "1": 2}}
    assert out["as_frame"]["a"].tolist() == [1, 2]


@pytest.mark.parametrize("scheme", ["memory", "file"])
def test_a_failed_save_to_a_url_leaves_no_half_file(tmp_path, monkeypatch, scheme):
    fsspec = pytest.importorskip("fsspec")
    monkeypatch.setattr(formats, "FORMATS", {k: list(v) for k, v in formats.FORMATS.items()})

    def write_half(value, file):
        file.write(b"partial")
        raise OSError("disk full")

    formats.register_format(formats.DataFormat("halfway", (dict,), save=write_half))
    folder = f"dagwire-{tmp_path.name}" if scheme == "memory" else str(tmp_path).lstrip("/")
    url = f"{scheme}:///{folder}/out/x.bin"

    @save_to.halfway(path=url, output_name_="saved")
    def report() -> dict:
        return {"new": 1}

    with pytest.raises(OSError, match="disk full"):
        build(report).execute(["saved"])
    assert not fsspec.core.url_to_fs(url)[0].exists(url)
    if scheme == "file":
        assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_saving_to_a_file_url_reports_the_local_file(tmp_path):
    target = tmp_path / "y.json"

    @save_to.json(path=f"file://{target}", output_name_="saved")
    def report() -> dict:
        return {"local": True}

    saved = build(report).execute(["saved"])["saved"]
    assert json.loads(target.read_text()) == {"local": True}
    assert saved["file_metadata"]["size"] == target.stat().st_size
    assert [p.name for p in tmp_path.iterdir()] == ["y.json"]


def test_fsspec_urls_work_through_the_same_decorators():
    pytest.importorskip("fsspec")

    @save_to.json(path="memory://dagwire-test/out.json", output_name_="saved")
    def report() -> dict:
        return {"remote": True}

    @load_from.json(path="memory://dagwire-test/out.json")
    def loaded(d: dict) -> dict:
        return d

    saved = build(report).execute(["saved"])["saved"]
    assert saved["file_metadata"]["scheme"] == "memory"
    assert build(loaded).execute(["loaded"]) == {"loaded": {"remote": True}}


def test_users_register_formats_and_later_registrations_win(tmp_path, monkeypatch):
    monkeypatch.setattr(formats, "FORMATS", {k: list(v) for k, v in formats.FORMATS.items()})

    def read_lines(file, strip=True):
        lines = file.read().decode().splitlines()
        return [line.strip() for line in lines] if strip else lines

    def write_lines(lines, file):
        file.write("\n".join(lines).encode())

    formats.register_format(formats.DataFormat("lines", (list,), read_lines, write_lines))
    (tmp_path / "in.txt").write_text(" a \nb")

    @load_from.lines(path=str(tmp_path / "in.txt"), strip=False)
    def raw(lines: list) -> list:
        return lines

    @save_to.lines(path=str(tmp_path / "out.txt"), output_name_="saved")
    def upper(raw: list) -> list:
        return [x.upper() for x in raw]

    build(raw, upper).execute(["saved"])
    assert (tmp_path / "out.txt").read_text() == " A \nB"
    assert "lines" in dir(load_from)

    formats.register_format(formats.DataFormat("json", (dict,), lambda f: {"mine": True}))

    @load_from.json(path=str(tmp_path / "in.txt"))
    def mine(d: dict) -> dict:
        return d

    assert build(mine).execute(["mine"]) == {"mine": {"mine": True}}


def test_misuse_is_reported_with_the_function_and_the_fix(tmp_path):
    with pytest.raises(
        AttributeError, match="no data format named 'xlsx'.*Available: .*csv.*register_format"
    ):
        _ = load_from.xlsx
    with pytest.raises(InvalidDecoratorError, match="needs path="):
        load_from.csv(sep=";")
    with pytest.raises(InvalidDecoratorError, match="2 parameters, so say which one .*inject_"):

        @load_from.csv(path="x.csv")
        def two(a: pd.DataFrame, b: int) -> int:
            return b

    with pytest.raises(InvalidDecoratorError, match="inject_='c' is not a parameter"):

        @load_from.csv(path="x.csv", inject_="c")
        def other(a: pd.DataFrame) -> int:
            return 1

    @load_from.csv(path="x.csv")
    def wrong_type(a: dict) -> dict:
        return a

    with pytest.raises(
        InvalidDecoratorError,
        match=r"load_from.csv cannot load parameter 'a' .*"
        r"annotated dict.*handles pandas.DataFrame",
    ):
        build(wrong_type)

    @save_to.parquet(path="x.parquet")
    def not_a_frame() -> int:
        return 1

    with pytest.raises(InvalidDecoratorError, match="parquet cannot save node 'not_a_frame'"):
        build(not_a_frame)

    with pytest.raises(InvalidDecoratorError, match="output_name_ must be a node name"):
        save_to.json(path="x", output_name_=3)
    with pytest.raises(ValueError, match="needs a load or a save"):
        formats.DataFormat("nothing", (object,))
