"""Moved in 0.2.0 to ``dagwire.execution.schedule`` (the guard, as ``static_schedule``) and
``dagwire.execution.options`` (the Builder's options).

Kept so code written for 0.1.0 keeps importing.
"""

from .execution.options import DynamicExecutionOptions
from .execution.schedule import ENABLE, type_text
from .execution.schedule import static_schedule as static_plan

__all__ = ["ENABLE", "DynamicExecutionOptions", "static_plan", "type_text"]
