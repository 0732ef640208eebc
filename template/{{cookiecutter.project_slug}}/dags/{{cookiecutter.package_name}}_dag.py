# Template-owned: `copier update` keeps this file in step with dagwire; see docs/dagwire.md.
"""The Airflow DAG of this pipeline: one task per group of the plan in pipeline.toml.

Template-owned (`copier update` keeps it in step with the engine). Parsing it is cheap: it reads
pipeline.toml and pipeline.lock.json and imports nothing of the pipeline, so after changing the
functions run `{{ cookiecutter.project_slug }} lock` and commit the lock. To deploy, install this
project into the Airflow environment and make this folder part of Airflow's DAG folder (README).
"""

from {{ cookiecutter.package_name }}.dagwire.orchestrators.airflow import (
    pipeline_dag,
)

dag = pipeline_dag("{{ cookiecutter.package_name }}")
