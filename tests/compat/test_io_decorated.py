"""@load_from / @save_to agree with Apache Hamilton: same values in, same files out."""

import json
import pickle

import pandas as pd
import pytest
from compat_support import assert_same, comparable, run_both


@pytest.fixture
def files(tmp_path):
    (tmp_path / "raw.json").write_text(json.dumps({"a": 1, "b": [1, 2], "c": None}))
    (tmp_path / "orders.csv").write_text("item;qty\napple;3\npear;5\n")
    pd.DataFrame({"item": ["apple", "pear"], "price": [0.5, 0.75]}).to_parquet(
        tmp_path / "prices.parquet"
    )
    (tmp_path / "model.pkl").write_bytes(pickle.dumps({"weights": [0.1, 0.2]}))
    return tmp_path


def inputs_for(files, engine):
    out = files / engine
    out.mkdir()
    return {
        "raw_data_path": str(files / "raw.json"),
        "orders_path": str(files / "orders.csv"),
        "prices_path": str(files / "prices.parquet"),
        "model_path": str(files / "model.pkl"),
        "valid_keys": ["a", "c"],
        "report_path": str(out / "report.json"),
        "report_pickle_path": str(out / "report.pkl"),
        "joined_csv_path": str(out / "joined.csv"),
        "joined_parquet_path": str(out / "joined.parquet"),
    }


def test_loaded_values_and_saved_files_match(files):
    outputs = [
        "raw_data",
        "valid_data",
        "orders",
        "prices",
        "model",
        "report",
        "joined",
        "report_saved",
        "save.report_copy",
        "joined_csv",
        "joined_parquet",
    ]
    ham = run_both("io_decorated", outputs, inputs=inputs_for(files, "hamilton"))[0]
    dag = run_both("io_decorated", outputs, inputs=inputs_for(files, "dagwire"))[1]
    values = [
        o
        for o in outputs
        if o not in ("report_saved", "save.report_copy", "joined_csv", "joined_parquet")
    ]
    assert_same({k: ham[k] for k in values}, {k: dag[k] for k in values})
    h, d = files / "hamilton", files / "dagwire"
    for saver in ("report_saved", "save.report_copy", "joined_csv", "joined_parquet"):
        assert dag[saver]["file_metadata"]["path"].startswith(str(d))
        assert dag[saver]["file_metadata"]["size"] > 0
        assert comparable(dag[saver], d) == comparable(ham[saver], h), saver
    for name, read in [("report.json", json.loads), ("report.pkl", pickle.loads)]:
        assert read((d / name).read_bytes()) == read((h / name).read_bytes()), name
    assert (d / "joined.csv").read_text() == (h / "joined.csv").read_text()
    pd.testing.assert_frame_equal(
        pd.read_parquet(d / "joined.parquet"), pd.read_parquet(h / "joined.parquet")
    )


def test_loaders_report_the_same_metadata(files):
    loaders = ["raw_data.load_data.input_data", "orders.load_data.df", "prices.load_data.df"]
    ham, dag = run_both("io_decorated", loaders, inputs=inputs_for(files, "loaders"))[:2]
    for name in loaders:
        assert_same(ham[name][0], dag[name][0], name)
        assert comparable(dag[name][1], files) == comparable(ham[name][1], files), name
    assert dag["orders.load_data.df"][1]["dataframe_metadata"]["rows"] == 2


def test_savers_run_only_when_requested(files):
    inputs = inputs_for(files, "both")
    run_both("io_decorated", ["report_copy", "joined_copy", "note"], inputs=inputs)
    assert list((files / "both").iterdir()) == []
    assert not (files / "unused.txt").exists()


def test_loader_nodes_are_named_alike(files):
    drivers = run_both("io_decorated", ["raw_data"], inputs=inputs_for(files, "names"))[2]
    names = {
        engine: sorted(v.name for v in dr.list_available_variables() if not v.is_external_input)
        for engine, dr in drivers.items()
    }
    assert names["dagwire"] == names["hamilton"]
    assert "raw_data.load_data.input_data" in names["dagwire"]
    assert "save.report_copy" in names["dagwire"]
