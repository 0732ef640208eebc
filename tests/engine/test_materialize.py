"""Materialization: ``to``/``from_`` with ``Driver.materialize`` and ``Builder.with_materializers``,
the adapter registry, ``@dataloader``/``@datasaver``, and the errors that say what to fix."""

import dataclasses
import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from dagwire import driver, registry
from dagwire.errors import DagwireError, InvalidDecoratorError
from dagwire.function_modifiers import dataloader, datasaver, load_from, save_to, source
from dagwire.io import formats
from dagwire.io.data_adapters import DataLoader, DataSaver
from dagwire.io.materialization import from_, to
from dagwire.io.utils import get_dataframe_metadata, get_file_metadata
from dagwire.lifecycle.api import GraphExecutionHook
from engine_support import build


def raw() -> dict:
    return {"a": 1, "b": 2}


def total(raw: dict) -> int:
    return sum(raw.values())


def report(raw: dict, total: int) -> dict:
    return {"keys": sorted(raw), "total": total}


def scaled(total: int, factor: int) -> int:
    return total * factor


@pytest.fixture
def isolated_formats(monkeypatch):
    """Formats registered by a test disappear after it."""
    monkeypatch.setattr(formats, "FORMATS", {k: list(v) for k, v in formats.FORMATS.items()})


def test_materialize_saves_returns_metadata_and_additional_values(tmp_path):
    dr = build(raw, total, report)
    metadata, values = dr.materialize(
        to.json(id="report_json", dependencies=["report"], path=str(tmp_path / "r.json")),
        to.pickle(id="total_pkl", dependencies=[total], path=str(tmp_path / "t.pkl")),
        additional_vars=["total"],
    )
    assert values == {"total": 3}
    assert json.loads((tmp_path / "r.json").read_text()) == {"keys": ["a", "b"], "total": 3}
    assert pickle.loads((tmp_path / "t.pkl").read_bytes()) == 3
    file_meta = metadata["report_json"]["file_metadata"]
    assert file_meta["path"] == str(tmp_path / "r.json")
    assert file_meta["size"] == (tmp_path / "r.json").stat().st_size
    assert set(file_meta) >= {"last_modified", "timestamp", "scheme", "notes", "__version__"}
    assert "report_json" not in dr.graph.nodes  # materialize() leaves the driver as it was


def test_arguments_may_come_from_inputs_and_materializers_run_only_what_they_need(tmp_path):
    ran = []

    def watched(raw: dict) -> int:
        ran.append("watched")
        return 0

    dr = build(raw, total, watched)
    metadata, values = dr.materialize(
        to.json(id="raw_json", dependencies=["raw"], path=source("out_path")),
        inputs={"out_path": str(tmp_path / "raw.json")},
    )
    assert values == {}
    assert json.loads((tmp_path / "raw.json").read_text()) == {"a": 1, "b": 2}
    assert ran == []


def test_extractors_replace_a_node_or_feed_an_input(tmp_path):
    (tmp_path / "raw.json").write_text(json.dumps({"x": 10}))
    calls = []

    def counted_raw() -> dict:
        calls.append(1)
        return {}

    counted_raw.__name__ = "raw"
    dr = build(counted_raw, total, scaled)
    _, values = dr.materialize(
        from_.json(target="raw", path=str(tmp_path / "raw.json")),
        from_.pickle(target="factor", path=source("factor_path")),
        additional_vars=["scaled", "load_data.raw"],
        inputs={"factor_path": _pickled(tmp_path / "f.pkl", 3)},
    )
    assert values["scaled"] == 30
    loaded, loaded_meta = values["load_data.raw"]
    assert loaded == {"x": 10}
    assert loaded_meta["file_metadata"]["size"] == (tmp_path / "raw.json").stat().st_size
    assert calls == []  # the replaced node does not run


def _pickled(path, value):
    path.write_bytes(pickle.dumps(value))
    return str(path)


def test_with_materializers_makes_savers_nodes_to_request(tmp_path):
    dr = (
        driver.Builder()
        .with_modules(_module(raw, total, report))
        .with_materializers(
            to.json(id="report_json", dependencies=["report"], path=str(tmp_path / "r.json"))
        )
        .build()
    )
    assert "report_json" in {v.name for v in dr.list_available_variables()}
    assert not (tmp_path / "r.json").exists()
    dr.execute(["total"])
    assert not (tmp_path / "r.json").exists()  # savers run only when requested
    out = dr.execute(["report_json"])
    assert out["report_json"]["file_metadata"]["path"] == str(tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text())["total"] == 3


def _module(*fns):
    from dagwire.ad_hoc_utils import create_temporary_module

    return create_temporary_module(*fns)


def test_combine_joins_dependencies_with_a_result_builder(tmp_path):
    pd = pytest.importorskip("pandas")
    from dagwire.base import PandasDataFrameResult

    def a() -> pd.Series:
        return pd.Series([1, 2])

    def b(a: pd.Series) -> pd.Series:
        return a * 10

    metadata, _ = build(a, b).materialize(
        to.csv(
            id="ab_csv",
            dependencies=["a", "b"],
            combine=PandasDataFrameResult(),
            path=str(tmp_path / "ab.csv"),
        )
    )
    assert (tmp_path / "ab.csv").read_text() == "a,b\n1,10\n2,20\n"
    assert metadata["ab_csv"]["dataframe_metadata"]["column_names"] == ["a", "b"]
    assert metadata["ab_csv"]["dataframe_metadata"]["rows"] == 2


def test_an_unknown_format_names_the_choices():
    with pytest.raises(AttributeError, match=r"to\.xlsx.*Available: .*csv.*json.*pickle"):
        _ = to.xlsx
    with pytest.raises(AttributeError, match=r"from_\.nope.*Available: .*csv"):
        _ = from_.nope
    assert {"csv", "json", "parquet", "pickle", "file"} <= set(dir(to))


def test_a_missing_dependency_names_the_materializer_the_node_and_a_close_name(tmp_path):
    dr = build(raw, total, report)
    with pytest.raises(DagwireError) as caught:
        dr.materialize(to.json(id="out", dependencies=["reprot"], path=str(tmp_path / "x")))
    message = str(caught.value)
    assert "Materializer 'out'" in message and "'reprot'" in message
    assert "Did you mean 'report'" in message
    assert __file__ in message  # where the materializer was written
    with pytest.raises(DagwireError, match=r"(?s)Extractor from_\.json\(target='rwa'\).*'raw'"):
        dr.materialize(from_.json(target="rwa", path="x.json"), additional_vars=["total"])
    assert list(tmp_path.iterdir()) == []


def test_misuse_is_refused_with_the_fix(tmp_path):
    dr = build(raw, total, report)
    with pytest.raises(DagwireError, match="combine=.*or give one dependency"):
        dr.materialize(to.json(id="two", dependencies=["raw", "report"], path="x.json"))
    with pytest.raises(DagwireError, match="nothing to compute"):
        dr.materialize()
    with pytest.raises(DagwireError, match="'total', which already exists.*another id"):
        dr.materialize(to.json(id="total", dependencies=["raw"], path="x.json"))
    with pytest.raises(DagwireError, match="received a sequence: unpack it"):
        driver.Builder().with_materializers([to.json(id="j", dependencies=["raw"], path="x")])
    with pytest.raises(DagwireError, match="takes materializers"):
        driver.Builder().with_materializers("raw")
    with pytest.raises(InvalidDecoratorError, match=r"@to\.json needs path="):
        dr.materialize(to.json(id="j", dependencies=["raw"]))
    with pytest.raises(InvalidDecoratorError, match="format 'csv' handles .*DataFrame, not int"):
        dr.materialize(to.csv(id="c", dependencies=["total"], path="x.csv"))
    assert list(tmp_path.iterdir()) == []


def _write_half_then_fail(value, file):
    """A saver whose disk fills up halfway through the file."""
    file.write(json.dumps(value).encode()[:4])
    raise OSError("disk full")


def test_a_failing_saver_keeps_earlier_files_and_never_leaves_half_a_file(
    tmp_path, isolated_formats
):
    target = tmp_path / "report.half"
    target.write_text("previous")
    formats.register_format(formats.DataFormat("halfway", (dict,), save=_write_half_then_fail))
    dr = build(raw, total, report)
    with pytest.raises(OSError, match="disk full"):
        dr.materialize(
            to.json(id="first", dependencies=["raw"], path=str(tmp_path / "raw.json")),
            to.halfway(id="second", dependencies=["report"], path=str(target)),
        )
    assert json.loads((tmp_path / "raw.json").read_text()) == {"a": 1, "b": 2}
    assert target.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw.json", "report.half"]


def test_validate_and_visualize_materialization_run_nothing(tmp_path):
    dr = build(raw, total, report, scaled)
    saver = to.pickle(id="scaled_pkl", dependencies=["scaled"], path=source("out_path"))
    with pytest.raises(DagwireError, match="factor"):
        dr.validate_materialization(saver, inputs={"out_path": str(tmp_path / "s.json")})
    dr.validate_materialization(saver, inputs={"out_path": "s.json", "factor": 2})
    dot = dr.visualize_materialization(
        saver, additional_vars=["report"], inputs={"out_path": "s.json", "factor": 2}
    )
    assert "scaled_pkl" in dot and "report" in dot and "out_path" in dot
    assert list(tmp_path.iterdir()) == []


def test_graph_hooks_see_a_materialize_run(tmp_path):
    seen = []

    class Hook(GraphExecutionHook):
        def run_before_graph_execution(self, *, final_vars, **future):
            seen.append(sorted(final_vars))

        def run_after_graph_execution(self, *, success, **future):
            seen.append(success)

    dr = build(raw, total, adapters=[Hook()])
    dr.materialize(
        to.json(id="raw_json", dependencies=["raw"], path=str(tmp_path / "r.json")),
        additional_vars=["total"],
    )
    assert seen == [["raw_json", "total"], True]


class _KeyValue:
    """The name and type the key=value loader and saver share."""

    @classmethod
    def applicable_types(cls):
        return [dict]

    @classmethod
    def name(cls):
        return "keyvalue"


@dataclasses.dataclass
class KeyValueSaver(_KeyValue, DataSaver):
    """Writes ``key=value`` lines."""

    path: str
    separator: str = "="

    def save_data(self, data):
        with open(self.path, "w") as file:
            file.writelines(f"{k}{self.separator}{v}\n" for k, v in data.items())
        return {**get_file_metadata(self.path), "keys": len(data)}


@dataclasses.dataclass
class KeyValueLoader(_KeyValue, DataLoader):
    path: str

    def load_data(self, type_):
        with open(self.path) as file:
            pairs = (line.rstrip("\n").split("=", 1) for line in file)
            return {k: int(v) for k, v in pairs}, get_file_metadata(self.path)


def test_an_adapter_registered_once_serves_every_place(tmp_path, isolated_formats):
    registry.register_adapter(KeyValueSaver)
    registry.register_adapter(KeyValueLoader)
    assert registry.SAVER_REGISTRY["keyvalue"] == [KeyValueSaver]
    assert registry.LOADER_REGISTRY["keyvalue"] == [KeyValueLoader]
    assert "keyvalue" in registry.LOADER_REGISTRY and "csv" in registry.SAVER_REGISTRY
    (tmp_path / "in.kv").write_text("a=5\nb=6\n")

    @load_from.keyvalue(path=source("in_path"))
    def loaded(data: dict) -> dict:
        return data

    @save_to.keyvalue(path=str(tmp_path / "saved.kv"), separator=":", output_name_="saved")
    def doubled(loaded: dict) -> dict:
        return {k: v * 2 for k, v in loaded.items()}

    dr = build(loaded, doubled, total)
    metadata, values = dr.materialize(
        from_.keyvalue(target="raw", path=str(tmp_path / "in.kv")),
        to.keyvalue(id="raw_kv", dependencies=["raw"], path=str(tmp_path / "raw.kv")),
        additional_vars=["saved", "total"],
        inputs={"in_path": str(tmp_path / "in.kv")},
    )
    assert values["total"] == 11
    assert (tmp_path / "saved.kv").read_text() == "a:10\nb:12\n"
    assert (tmp_path / "raw.kv").read_text() == "a=5\nb=6\n"
    assert metadata["raw_kv"]["keys"] == 2 and values["saved"]["keys"] == 2
    node = dr.graph.nodes["saved"]
    assert node.tags["hamilton.data_saver.classname"] == "KeyValueSaver"


def test_an_adapters_required_fields_are_checked(tmp_path, isolated_formats):
    registry.register_adapter(KeyValueSaver)
    with pytest.raises(InvalidDecoratorError, match=r"@to\.keyvalue needs path="):
        build(raw).materialize(to.keyvalue(id="kv", dependencies=["raw"], separator="-"))


def test_register_adapter_refuses_what_is_not_an_adapter_dataclass():
    with pytest.raises(TypeError, match="DataLoader or DataSaver subclass.*register_format"):
        registry.register_adapter(dict)

    class NotADataclass(DataSaver):  # no @dataclass
        @classmethod
        def applicable_types(cls):
            return [dict]

        @classmethod
        def name(cls):
            return "nope"

        def save_data(self, data):
            return {}

    with pytest.raises(TypeError, match="NotADataclass is not a dataclass"):
        registry.register_adapter(NotADataclass)
    assert KeyValueSaver.get_required_arguments() == {"path": str}
    assert KeyValueSaver.get_optional_arguments() == {"separator": str}


def test_adapters_choose_by_type_like_hamilton():
    assert KeyValueSaver.applies_to(dict)
    assert not KeyValueSaver.applies_to(int)
    assert KeyValueLoader.applies_to(dict) and not KeyValueLoader.applies_to(list)


def test_dataloader_gives_the_value_and_its_metadata_nodes():
    @dataloader()
    def settings() -> tuple[dict, dict]:
        return {"factor": 4}, {"source": "memory"}

    def boosted(settings: dict) -> int:
        return settings["factor"] + 1

    dr = build(settings, boosted)
    out = dr.execute(["boosted", "settings.loader"])
    assert out == {"boosted": 5, "settings.loader": ({"factor": 4}, {"source": "memory"})}
    assert dr.graph.nodes["settings.loader"].tags["hamilton.data_loader.has_metadata"] is True
    assert dr.graph.nodes["settings"].tags["hamilton.data_loader.source"] == "settings"


def test_datasaver_tags_its_node_and_misuse_names_the_function(tmp_path):
    @datasaver()
    def written(raw: dict, out_path: str) -> dict:
        with open(out_path, "w") as file:
            json.dump(raw, file)
        return get_file_metadata(out_path)

    dr = build(raw, written)
    out = dr.execute(["written"], inputs={"out_path": str(tmp_path / "w.json")})
    assert out["written"]["file_metadata"]["size"] > 0
    assert dr.graph.nodes["written"].tags["hamilton.data_saver.sink"] == "written"
    with pytest.raises(InvalidDecoratorError, match=r"@dataloader on .*tuple\[<the loaded type>"):

        @dataloader()
        def wrong() -> dict:
            return {}

    with pytest.raises(InvalidDecoratorError, match="@datasaver on .*must return a dict"):

        @datasaver()
        def also_wrong() -> int:
            return 1

    with pytest.raises(InvalidDecoratorError, match="annotate the return type"):

        @dataloader()
        def unannotated():
            return 1, {}


def test_metadata_helpers_have_hamiltons_shape(tmp_path):
    missing = get_file_metadata(str(tmp_path / "nope"))["file_metadata"]
    assert missing["size"] is None and "does not exist" in missing["notes"]
    assert get_file_metadata("s3://bucket/key")["file_metadata"]["scheme"] == "s3"
    assert get_dataframe_metadata([1, 2])["dataframe_metadata"] == {
        "__version__": "1.0.0",
        "rows": 2,
        "columns": None,
        "column_names": None,
        "datatypes": None,
    }


def test_importing_the_driver_loads_no_materialization_module():
    lazy = [
        "dagwire.io.materialization",
        "dagwire.io.data_adapters",
        "dagwire.io.utils",
        "dagwire.io.formats",
        "dagwire.registry",
        "dagwire.function_modifiers.adapters",
    ]
    code = f"import sys; from dagwire import driver; print([m for m in {lazy} if m in sys.modules])"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(Path(driver.__file__).parents[1])},
    )
    assert out.stdout.strip() == "[]"


def test_materialize_runs_on_a_cached_driver_and_its_loaders_are_not_taken_from_the_cache(
    tmp_path,
):
    from dagwire.ad_hoc_utils import create_temporary_module

    module = create_temporary_module(raw, total, report)
    dr = driver.Builder().with_modules(module).with_cache(path=str(tmp_path / "cache")).build()
    saved = tmp_path / "t.pkl"
    for _ in range(2):  # computed, then retrieved: the saver's run is the same either way
        metadata, values = dr.materialize(
            to.pickle(id="total_pkl", dependencies=["total"], path=str(saved)),
            additional_vars=["report"],
        )
        assert values == {"report": {"keys": ["a", "b"], "total": 3}}
        assert pickle.loads(saved.read_bytes()) == 3 and "total_pkl" in metadata
    (tmp_path / "raw.json").write_text(json.dumps({"x": 40, "y": 2}))
    _, values = dr.materialize(
        from_.json(target="raw", path=str(tmp_path / "raw.json")), additional_vars=["total"]
    )
    assert values == {"total": 42}
    assert dr.execute(["total"]) == {"total": 3}  # the driver's own graph, its cache as it was
    assert len(dr.cache.run_ids) == 4  # materialize's runs are recorded with the driver's


def test_load_from_and_save_to_import_from_hamiltons_module_too():
    from dagwire.function_modifiers import adapters

    assert (adapters.load_from, adapters.save_to) == (load_from, save_to)


def test_a_missing_path_is_refused_where_the_materializer_is_written():
    with pytest.raises(InvalidDecoratorError, match="to.pickle needs path="):
        to.pickle(id="total_pkl", dependencies=["total"])
    with pytest.raises(InvalidDecoratorError, match="from_.json needs path="):
        from_.json(target="raw")
    assert to.memory(id="kept", dependencies=["total"]).fixed == {}  # memory takes no path
