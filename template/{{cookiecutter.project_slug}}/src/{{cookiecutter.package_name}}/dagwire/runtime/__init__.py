"""The project runtime: what turns the engine into a pipeline repository.

``pipeline`` reads pipeline.toml, ``settings`` the task settings of its stages, ``plan`` splits
the graph into groups (the tasks of a run; a group run once per item for a Parallelizable block),
``artifacts`` keeps the values that cross a group boundary, ``runs`` runs groups and items,
``records`` is what a run recorded and how it is read back, ``lock`` pins the group plan an
orchestrator deploys, ``cli`` is the project's command line, and ``orchestrators`` turns the group
plan into an orchestrator's tasks.

The runtime is built on the engine's public API; the engine never imports it, so ``import dagwire``
and a driver run load none of it.
"""
