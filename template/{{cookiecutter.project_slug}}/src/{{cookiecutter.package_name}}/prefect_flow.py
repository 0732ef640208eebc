# Template-owned: `copier update` keeps this file in step with dagwire; see docs/dagwire.md.
"""The Prefect flow of this pipeline: one task per group of the plan in pipeline.toml.

Template-owned (`copier update` keeps it in step with the engine). Run it once, or serve it as a
deployment that polls for runs (see the README):

    python -m {{ cookiecutter.package_name }}.prefect_flow
    python -m {{ cookiecutter.package_name }}.prefect_flow serve
"""

from .dagwire.orchestrators.prefect import pipeline_flow, serve

# The entrypoint lets a served deployment import this flow again in the process of each run.
flow = pipeline_flow(__package__, entrypoint=f"{__package__}.prefect_flow.flow")

if __name__ == "__main__":
    raise SystemExit(serve(flow, __package__))
