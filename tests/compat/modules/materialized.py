"""A small training pipeline whose outputs are materialized, after Hamilton's
examples/materialization (model parameters to JSON, a report to a text file, the model to a
pickle, predictions to CSV and parquet)."""

import pandas as pd


def raw_data(n_rows: int = 6) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "height": [1.5 + 0.1 * i for i in range(n_rows)],
            "width": [float(i % 3) for i in range(n_rows)],
            "label": [i % 2 for i in range(n_rows)],
        }
    )


def features(raw_data: pd.DataFrame) -> pd.DataFrame:
    return raw_data[["height", "width"]]


def labels(raw_data: pd.DataFrame) -> pd.Series:
    return raw_data["label"]


def model_parameters(features: pd.DataFrame, threshold: float = 0.5) -> dict:
    return {"columns": list(features.columns), "threshold": threshold, "weights": [0.25, -0.5]}


def fit_clf(model_parameters: dict, features: pd.DataFrame) -> dict:
    return {"kind": "linear", "params": model_parameters, "rows_seen": len(features)}


def predicted(fit_clf: dict, features: pd.DataFrame) -> pd.Series:
    weights = fit_clf["params"]["weights"]
    score = features["height"] * weights[0] + features["width"] * weights[1]
    return (score > fit_clf["params"]["threshold"]).astype("int64").rename("predicted")


def predicted_output_with_labels(predicted: pd.Series, labels: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({"predicted": predicted, "label": labels})


def accuracy(predicted_output_with_labels: pd.DataFrame) -> float:
    frame = predicted_output_with_labels
    return float((frame["predicted"] == frame["label"]).mean())


def classification_report(accuracy: float, fit_clf: dict) -> str:
    return f"model: {fit_clf['kind']}\naccuracy: {accuracy:.3f}\n"
