"""How the engine runs a request: make a schedule, then run it.

``schedule`` turns the requested outputs into the steps to run in order, and what to free after
each; ``loop`` runs them in a flat loop. With dynamic execution (``Parallelizable``/``Collect``,
or a thread pool), ``dynamic`` places the steps in levels, one per Parallelizable block, and
``parallel`` runs the levels on the ``executors`` (Apache Hamilton's ``execution.executors``).
``options`` holds the Builder methods that turn dynamic execution on.
"""

# 0.1.0 names of this package, kept so code written for 0.1.0 keeps importing. Loaded on first use:
# importing the package stays free of the machinery.
_MOVED = {
    "ExecutionPlan": ("schedule", "Schedule"),
    "Step": ("schedule", "Step"),
    "make_plan": ("schedule", "make_schedule"),
    "check_input_types": ("schedule", "check_input_types"),
    "inputs_read": ("schedule", "inputs_read"),
    "run_plan": ("loop", "run_schedule"),
    "new_run_id": ("loop", "new_execution_id"),
}


def __getattr__(name: str):
    if name not in _MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    module, attribute = _MOVED[name]
    return getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
