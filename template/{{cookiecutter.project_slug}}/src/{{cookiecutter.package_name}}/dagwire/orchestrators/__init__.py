"""Orchestrator wrappers: each turns the group plan into the tasks of one orchestrator.

Only a generated project's DAG or flow file imports them, never the engine itself, and a project
ships only the wrapper it chose. Every task calls ``runs.run_group``, as the plain runner does, so
all runners write the same artifacts; only small references to them pass between tasks.
"""
