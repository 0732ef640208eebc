"""@load_from and @save_to, after the examples in Hamilton's I/O docs."""

import pandas as pd
from hamilton.function_modifiers import load_from, save_to, source, value


@load_from.json(path=source("raw_data_path"))
def raw_data(input_data: dict) -> dict:
    return input_data


@load_from.json(path=source("raw_data_path"), inject_="data")
def valid_data(data: dict, valid_keys: list[str]) -> dict:
    return {key: item for key, item in data.items() if key in valid_keys}


@load_from.csv(path=source("orders_path"), sep=";")
def orders(df: pd.DataFrame) -> pd.DataFrame:
    return df


@load_from.parquet(path=source("prices_path"))
def prices(df: pd.DataFrame) -> pd.DataFrame:
    return df


@load_from.pickle(path=source("model_path"))
def model(loaded: object) -> object:
    return loaded


@save_to.json(path=source("report_path"), output_name_="report_saved")
def report(valid_data: dict, orders: pd.DataFrame) -> dict:
    return {"keys": sorted(valid_data), "orders": int(len(orders))}


@save_to.pickle(path=source("report_pickle_path"))
def report_copy(report: dict) -> dict:
    return dict(report)


@save_to.csv(path=source("joined_csv_path"), output_name_="joined_csv")
def joined(orders: pd.DataFrame, prices: pd.DataFrame) -> pd.DataFrame:
    return orders.merge(prices, on="item")


@save_to.parquet(path=source("joined_parquet_path"), output_name_="joined_parquet")
def joined_copy(joined: pd.DataFrame) -> pd.DataFrame:
    return joined.copy()


@save_to.file(path=value("unused.txt"), output_name_="never_saved")
def note(report: dict) -> str:
    return f"{report['orders']} orders"
