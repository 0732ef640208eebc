"""Moved in 0.2.0 to ``dagwire.runtime.pipeline``.

Kept so code written for 0.1.0 keeps importing.
"""

from .runtime.pipeline import (
    ARTIFACTS_ENV,
    FILENAME,
    Pipeline,
    PipelineDefinitionError,
)

__all__ = [
    "ARTIFACTS_ENV",
    "FILENAME",
    "Pipeline",
    "PipelineDefinitionError",
]
