"""Moved in 0.2.0 to ``dagwire.execution.dynamic`` (the levels, as ``DynamicSchedule``) and
``dagwire.execution.parallel`` (running them).

Kept so code written for 0.1.0 keeps importing.
"""

from .execution.dynamic import Block, Level, NodeUnit
from .execution.dynamic import DynamicSchedule as DynamicPlan
from .execution.dynamic import dynamic_schedule as dynamic_plan
from .execution.parallel import DynamicExecution, dynamic_execution, run_level

__all__ = [
    "Block",
    "DynamicExecution",
    "DynamicPlan",
    "Level",
    "NodeUnit",
    "dynamic_execution",
    "dynamic_plan",
    "run_level",
]
