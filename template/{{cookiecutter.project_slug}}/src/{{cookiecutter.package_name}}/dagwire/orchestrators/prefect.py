"""Moved in 0.2.0 to ``dagwire.runtime.orchestrators.prefect``.

Kept so code written for 0.1.0 keeps importing.
"""

from ..runtime.orchestrators.prefect import (
    pipeline_flow,
    serve,
)

__all__ = [
    "pipeline_flow",
    "serve",
]
