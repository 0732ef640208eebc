"""How the engine runs a request: make a schedule, then run it.

``schedule`` turns the requested outputs into the steps to run in order, and what to free after
each; ``loop`` runs them in a flat loop. With dynamic execution (``Parallelizable``/``Collect``,
or a thread pool), ``dynamic`` places the steps in levels, one per Parallelizable block, and
``parallel`` runs the levels on the ``executors`` (Apache Hamilton's ``execution.executors``).
``options`` holds the Builder methods that turn dynamic execution on.
"""
