"""Moved in 0.2.0 to ``dagwire.runtime.artifacts``.

Kept so code written for 0.1.0 keeps importing.
"""

from .runtime.artifacts import (
    JSON,
    NPY,
    PARQUET,
    PICKLE,
    SERIALIZERS,
    ArtifactError,
    ArtifactStore,
    Ref,
    Serializer,
    register_serializer,
    safe_name,
    safe_run_id,
)

__all__ = [
    "JSON",
    "NPY",
    "PARQUET",
    "PICKLE",
    "SERIALIZERS",
    "ArtifactError",
    "ArtifactStore",
    "Ref",
    "Serializer",
    "register_serializer",
    "safe_name",
    "safe_run_id",
]
