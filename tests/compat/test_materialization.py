"""Materialization agrees with Apache Hamilton: ``Driver.materialize`` with ``to``/``from_``,
``Builder.with_materializers``, adapters from the registry and ``@dataloader``/``@datasaver`` give
the same results, the same metadata (times aside) and the same files."""

import importlib
import json

import pandas as pd
import pytest
from compat_support import ENGINES, assert_same, builder, comparable, load_module


def mat_source(engine):
    """``source("out_path")`` from the engine's function modifiers."""
    return importlib.import_module(f"{engine}.function_modifiers").source("out_path")


def api(engine):
    """The engine's ``materialization`` and ``base`` modules (the test's own imports)."""
    return (
        importlib.import_module(f"{engine}.io.materialization"),
        importlib.import_module(f"{engine}.base"),
    )


def materializers(engine, out):
    mat, base = api(engine)
    return [
        mat.to.json(
            dependencies=["model_parameters"], id="model_params_to_json", path=f"{out}/params.json"
        ),
        mat.to.file(
            dependencies=["classification_report"],
            id="classification_report_to_txt",
            path=f"{out}/classification_report.txt",
        ),
        mat.to.pickle(dependencies=["fit_clf"], id="clf_to_pickle", path=f"{out}/clf.pkl"),
        mat.to.csv(
            dependencies=["predicted_output_with_labels"],
            id="predicted_output_with_labels_to_csv",
            path=f"{out}/predicted.csv",
        ),
        mat.to.parquet(
            dependencies=["predicted_output_with_labels"],
            id="predictions_to_parquet",
            path=f"{out}/predicted.parquet",
        ),
        mat.to.pickle(
            dependencies=["features"], id="features_to_pickle", path=f"{out}/features.pkl"
        ),
        mat.to.csv(
            dependencies=["predicted", "labels"],
            id="joined_to_csv",
            combine=base.PandasDataFrameResult(),
            path=f"{out}/joined.csv",
        ),
    ]


@pytest.fixture
def materialized(tmp_path):
    """Each engine's (metadata, additional values, output folder) for the same materializers."""
    runs = {}
    for engine in ENGINES:
        out = tmp_path / engine
        out.mkdir()
        module = load_module("materialized", engine)
        dr = builder(engine).with_modules(module).build()
        metadata, values = dr.materialize(
            *materializers(engine, out),
            additional_vars=["classification_report", "accuracy"],
            inputs={"threshold": 0.2},
        )
        runs[engine] = metadata, values, out
    return runs


def test_materialize_returns_the_same_values_and_metadata(materialized):
    (ham_meta, ham_values, ham_out), (dag_meta, dag_values, dag_out) = (
        materialized["hamilton"],
        materialized["dagwire"],
    )
    assert_same(ham_values, dag_values)
    assert list(dag_meta) == list(ham_meta)
    assert comparable(dag_meta, dag_out) == comparable(ham_meta, ham_out)
    assert dag_meta["joined_to_csv"]["dataframe_metadata"]["column_names"] == [
        "predicted",
        "labels",
    ]


def test_materialize_writes_the_same_files(materialized):
    ham_out, dag_out = materialized["hamilton"][2], materialized["dagwire"][2]
    written = sorted(p.name for p in ham_out.iterdir())
    assert sorted(p.name for p in dag_out.iterdir()) == written
    for name in written:
        if name.endswith(".parquet"):
            pd.testing.assert_frame_equal(
                pd.read_parquet(dag_out / name), pd.read_parquet(ham_out / name)
            )
        else:  # json, text, pickles (dict and frame) and csv are deterministic: the same bytes
            assert (dag_out / name).read_bytes() == (ham_out / name).read_bytes(), name


def test_loaders_replace_targets_alike(tmp_path):
    (tmp_path / "raw.csv").write_text("height,width,label\n1.0,2.0,1\n3.0,0.5,0\n")
    (tmp_path / "params.json").write_text(json.dumps({"threshold": 0.1, "weights": [1.0, 0.0]}))
    results = {}
    for engine in ENGINES:
        mat, _ = api(engine)
        dr = builder(engine).with_modules(load_module("materialized", engine)).build()
        metadata, values = dr.materialize(
            mat.from_.csv(target="raw_data", path=str(tmp_path / "raw.csv")),
            mat.from_.json(target="model_parameters", path=str(tmp_path / "params.json")),
            mat.to.json(
                id="params_out", dependencies=["model_parameters"], path=f"{tmp_path}/{engine}.json"
            ),
            additional_vars=["raw_data", "model_parameters", "load_data.raw_data", "accuracy"],
        )
        results[engine] = comparable(metadata, tmp_path), values
    (ham_meta, ham), (dag_meta, dag) = results["hamilton"], results["dagwire"]
    loaded, loaded_meta = dag["load_data.raw_data"]
    assert_same(ham["load_data.raw_data"][0], loaded)
    assert comparable(loaded_meta, tmp_path) == comparable(ham["load_data.raw_data"][1], tmp_path)
    assert_same(
        {k: ham[k] for k in ("raw_data", "model_parameters", "accuracy")},
        {k: dag[k] for k in ("raw_data", "model_parameters", "accuracy")},
    )
    assert dag["model_parameters"] == {"threshold": 0.1, "weights": [1.0, 0.0]}
    assert (
        ham_meta["params_out"]["file_metadata"]["size"]
        == (dag_meta["params_out"]["file_metadata"]["size"])
    )
    assert (tmp_path / "dagwire.json").read_bytes() == (tmp_path / "hamilton.json").read_bytes()


def test_adapters_without_files_match(monkeypatch):
    monkeypatch.setenv("COMPAT_SHAPE", "wide")
    runs = {}
    for engine in ENGINES:
        mat, base = api(engine)
        dr = builder(engine).with_modules(load_module("materialized", engine)).build()
        runs[engine] = dr.materialize(
            mat.from_.literal(target="threshold", value=0.9),
            mat.from_.environment(target="model_parameters", names=("COMPAT_SHAPE",)),
            mat.to.memory(
                id="joined",
                dependencies=["labels", "threshold"],
                combine=base.PandasDataFrameResult(),
            ),
            additional_vars=["model_parameters", "load_data.threshold"],
        )
    assert_same(runs["hamilton"], runs["dagwire"])
    assert list(runs["dagwire"][0]["joined"].columns) == ["labels", "threshold"]
    assert runs["dagwire"][1] == {
        "model_parameters": {"COMPAT_SHAPE": "wide"},
        "load_data.threshold": (0.9, {}),
    }


def test_with_materializers_adds_nodes_to_request(tmp_path):
    names, saved = {}, {}
    for engine in ENGINES:
        mat, base = api(engine)
        dr = (
            builder(engine)
            .with_modules(load_module("materialized", engine))
            .with_materializers(
                mat.to.csv(
                    id="joined_csv",
                    dependencies=["predicted", "labels"],
                    combine=base.PandasDataFrameResult(),
                    path=str(tmp_path / f"{engine}.csv"),
                ),
                mat.from_.json(target="model_parameters", path=str(tmp_path / "params.json")),
            )
            .build()
        )
        names[engine] = sorted(v.name for v in dr.list_available_variables())
        (tmp_path / "params.json").write_text(json.dumps({"threshold": 0.3, "weights": [1, 0]}))
        saved[engine] = dr.execute(["joined_csv", "accuracy"])
    # Hamilton keeps listing 'threshold', read only by the model_parameters that from_ replaced.
    assert set(names["hamilton"]) - set(names["dagwire"]) == {"threshold"}
    assert set(names["dagwire"]) <= set(names["hamilton"])
    assert {"joined_csv", "joined_csv_build_result", "load_data.model_parameters"} <= set(
        names["dagwire"]
    )
    assert saved["dagwire"]["accuracy"] == saved["hamilton"]["accuracy"]
    assert (tmp_path / "dagwire.csv").read_bytes() == (tmp_path / "hamilton.csv").read_bytes()


def test_a_registered_adapter_works_in_every_place(tmp_path):
    (tmp_path / "words.txt").write_text("pear\napple\nfig\n")
    extra = tmp_path / "extra.txt"
    extra.write_text("kiwi\nlime\n")
    results = {}
    for engine in ENGINES:
        mat, _ = api(engine)
        module = load_module("custom_adapters", engine)
        out = tmp_path / engine
        out.mkdir()
        dr = builder(engine).with_modules(module).build()
        metadata, values = dr.materialize(
            mat.from_.compat_lines(target="extra", path=str(extra)),
            mat.to.compat_lines(
                id="words_out",
                dependencies=["words"],
                path=str(out / "words.txt"),
                prefix="* ",
            ),
            additional_vars=["word_count", "sorted_saved", "words"],
            inputs={
                "words_path": str(tmp_path / "words.txt"),
                "sorted_path": str(out / "sorted.txt"),
            },
        )
        results[engine] = comparable(metadata, out), comparable(values, out)
    assert results["dagwire"] == results["hamilton"]
    assert results["dagwire"][1]["word_count"] == 5
    assert results["dagwire"][0]["words_out"]["lines"] == 3
    for name in ("words.txt", "sorted.txt"):
        assert (tmp_path / "dagwire" / name).read_bytes() == (
            tmp_path / "hamilton" / name
        ).read_bytes()
    assert (tmp_path / "dagwire" / "sorted.txt").read_text() == "- APPLE\n- FIG\n- PEAR\n"


def test_dataloader_and_datasaver_match(tmp_path):
    (tmp_path / "raw.csv").write_text("item,qty\napple,3\npear,5\n")
    (tmp_path / "settings.json").write_text(json.dumps({"factor": 2}))
    outputs = ["raw_data", "settings", "settings.loader", "transformed_data", "saved_data"]
    results = {}
    for engine in ENGINES:
        inputs = {
            "raw_path": str(tmp_path / "raw.csv"),
            "settings_path": str(tmp_path / "settings.json"),
            "filepath": str(tmp_path / engine / "saved.csv"),
        }
        (tmp_path / engine).mkdir()
        module = load_module("etl_dataloader", engine, plain_annotations=True)
        dr = builder(engine).with_modules(module).build()
        results[engine] = comparable(dr.execute(outputs, inputs=inputs), tmp_path / engine)
    assert_same(results["hamilton"], results["dagwire"])
    assert results["dagwire"]["settings.loader"][0] == {"factor": 2}
    assert results["dagwire"]["saved_data"]["file_metadata"]["path"] == "saved.csv"
    saved = [(tmp_path / engine / "saved.csv").read_bytes() for engine in ENGINES]
    assert saved[0] == saved[1]


def test_dataloader_nodes_and_tags_match():
    seen = {}
    for engine in ENGINES:
        module = load_module("etl_dataloader", engine, plain_annotations=True)
        dr = builder(engine).with_modules(module).build()
        seen[engine] = {
            v.name: {k: t for k, t in v.tags.items() if k.startswith("hamilton.data_")}
            for v in dr.list_available_variables()
        }
    assert seen["dagwire"] == seen["hamilton"]
    assert seen["dagwire"]["raw_data.loader"]["hamilton.data_loader.has_metadata"] is True


def test_config_chosen_dataloader_and_datasaver_are_named_without_the_suffix():
    seen, results = {}, {}
    for engine in ENGINES:
        module = load_module("etl_dataloader", engine, plain_annotations=True)
        dr = builder(engine).with_modules(module).with_config({"source": "demo"}).build()
        seen[engine] = {v.name: v.tags for v in dr.list_available_variables()}
        results[engine] = dr.execute(["row_report", "extra_rows"], inputs={"rows": 3})
    assert {"extra_rows", "extra_rows.loader", "row_report"} <= set(seen["dagwire"])
    assert set(seen["dagwire"]) == set(seen["hamilton"])
    for name in ("extra_rows", "extra_rows.loader", "row_report"):
        tags = [
            {k: t for k, t in seen[e][name].items() if k.startswith("hamilton.data_")}
            for e in ENGINES
        ]
        assert tags[1] == tags[0], name
    assert (
        results["dagwire"]
        == results["hamilton"]
        == {
            "row_report": {"rows": 3},
            "extra_rows": [0, 1, 2],
        }
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_mistakes_fail_alike(engine, tmp_path):
    mat, _ = api(engine)
    dr = builder(engine).with_modules(load_module("materialized", engine)).build()
    with pytest.raises(AttributeError, match="xlsx"):
        _ = mat.to.xlsx
    with pytest.raises(ValueError, match="no_such_node"):
        dr.materialize(mat.to.json(id="x", dependencies=["no_such_node"], path=f"{tmp_path}/x"))
    with pytest.raises(ValueError, match="combine"):
        dr.materialize(mat.to.csv(id="two", dependencies=["predicted", "labels"], path="x.csv"))
    with pytest.raises(ValueError):
        dr.materialize()
    with pytest.raises(ValueError, match="out_path"):
        dr.validate_materialization(
            mat.to.json(id="p", dependencies=["model_parameters"], path=mat_source(engine))
        )
    assert list(tmp_path.iterdir()) == []
