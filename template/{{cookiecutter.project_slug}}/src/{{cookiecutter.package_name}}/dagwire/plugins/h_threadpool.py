"""Independent branches of a graph, run at the same time on a thread pool.

    dr = driver.Builder().with_modules(m).with_adapters(h_threadpool.FutureAdapter()).build()

Nodes start as soon as their inputs exist, so two slow API calls that do not depend on each other
overlap. Threads help with waiting (I/O) and with libraries that release the GIL, not with
pure-Python computation.
"""

from __future__ import annotations

import os
from typing import Any

from ..execution.executors import MultiThreadingExecutor
from ..lifecycle.api import ResultBuilder

__all__ = ["FutureAdapter"]


class FutureAdapter(ResultBuilder):
    """Apache Hamilton's thread-pool adapter. It is also the result builder, so a custom one is
    passed through ``result_builder``."""

    def __init__(
        self,
        max_workers: int | None = None,
        thread_name_prefix: str = "",
        result_builder: ResultBuilder | None = None,
    ) -> None:
        workers = max_workers if max_workers is not None else min(32, (os.cpu_count() or 1) + 4)
        #: Read by the driver: nodes computed once run on this executor.
        self.local_executor = MultiThreadingExecutor(
            workers, thread_name_prefix=thread_name_prefix or "dagwire"
        )
        self.result_builder = result_builder

    def build_result(self, **outputs: Any) -> Any:
        if self.result_builder is None:
            return outputs
        return self.result_builder.build_result(**outputs)

    def output_type(self) -> Any:
        return self.result_builder.output_type() if self.result_builder is not None else dict
