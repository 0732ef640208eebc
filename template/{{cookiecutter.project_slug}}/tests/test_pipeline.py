# Yours: generated once by dagwire; `copier update` never changes it.
"""The whole pipeline, wired by pipeline.toml, on the bundled sample data."""

import pytest

from {{ cookiecutter.package_name }}.dagwire.runtime.pipeline import (
    Pipeline,
)

PACKAGE = "{{ cookiecutter.package_name }}"


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline.load(PACKAGE)


@pytest.mark.parametrize("model_type", ["logistic", "random_forest"])
def test_pipeline_meets_the_quality_bar(pipeline: Pipeline, model_type: str):
    dr = pipeline.driver({"model_type": model_type})
    metrics = dr.execute(list(pipeline.outputs))["metrics"]
    assert metrics["accuracy"] >= 0.9
    assert metrics["f1"] >= 0.9
    assert metrics["test_rows"] > 100
