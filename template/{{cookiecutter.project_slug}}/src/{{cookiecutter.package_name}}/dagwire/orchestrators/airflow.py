"""Moved in 0.2.0 to ``dagwire.runtime.orchestrators.airflow``.

Kept so code written for 0.1.0 keeps importing.
"""

from ..runtime.orchestrators.airflow import (
    log,
    pipeline_dag,
)

__all__ = [
    "log",
    "pipeline_dag",
]
