"""@dataloader and @datasaver, after examples/materialization/datasaver_dataloader_example."""

import json

import pandas as pd
from hamilton.function_modifiers import config, dataloader, datasaver
from hamilton.io import utils as io_utils


@dataloader()
def raw_data(raw_path: str) -> tuple[pd.DataFrame, dict]:
    df = pd.read_csv(raw_path)
    return df, io_utils.get_file_and_dataframe_metadata(raw_path, df)


@dataloader()
def settings(settings_path: str) -> tuple[dict, dict[str, str]]:
    with open(settings_path) as file:
        return json.load(file), {"source": settings_path}


def transformed_data(raw_data: pd.DataFrame, settings: dict) -> pd.DataFrame:
    return raw_data.assign(total=raw_data["qty"] * settings["factor"])


@datasaver()
def saved_data(transformed_data: pd.DataFrame, filepath: str) -> dict:
    transformed_data.to_csv(filepath)
    return io_utils.get_file_and_dataframe_metadata(filepath, transformed_data)


@config.when(source="demo")
@dataloader()
def extra_rows__demo(rows: int) -> tuple[list, dict]:
    return list(range(rows)), {"rows": rows}


@config.when(source="demo")
@datasaver()
def row_report__demo(extra_rows: list) -> dict:
    return {"rows": len(extra_rows)}
