"""Moved in 0.2.0 to ``dagwire.runtime.plan``.

Kept so code written for 0.1.0 keeps importing.
"""

from .runtime.plan import (
    GROUPINGS,
    SINGLE_GROUP,
    Group,
    GroupPlan,
    PlanError,
)

__all__ = [
    "GROUPINGS",
    "SINGLE_GROUP",
    "Group",
    "GroupPlan",
    "PlanError",
]
