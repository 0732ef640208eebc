"""Where tasks run: in the calling thread, on a thread pool, or on a process pool.

The names are Apache Hamilton's (``hamilton.execution.executors``). Each executor hands back a
``concurrent.futures.Future`` per task and the scheduler reacts to the futures' completion
callbacks, so nothing waits in a polling loop. ``concurrent.futures`` is imported on first use: a
driver that never runs in parallel never pays for it.
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Callable
from typing import Any


class TaskExecutor(abc.ABC):
    """Runs tasks. ``init`` and ``finalize`` bracket each ``execute`` call."""

    #: True when ``submit`` runs the task before returning (no concurrency at all).
    runs_inline = False

    def init(self) -> None:  # noqa: B027 - optional: most executors need no set-up
        """Provision what the executor needs (a pool) before a run."""

    def finalize(self) -> None:  # noqa: B027
        """Release it after the run, whether the run succeeded or not."""

    @abc.abstractmethod
    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        """Start ``fn(*args)``; return a ``concurrent.futures.Future`` of its result."""


class SynchronousLocalTaskExecutor(TaskExecutor):
    """Runs each task in the calling thread, at submission."""

    runs_inline = True

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        from concurrent.futures import Future

        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args))
        except Exception as exc:  # the scheduler re-raises it from the future
            future.set_exception(exc)
        return future


class PoolExecutor(TaskExecutor):
    """Runs tasks on ``max_tasks`` workers. The pool lives from the first ``init`` to the last
    ``finalize``: runs that overlap (threads sharing a driver) share it, and none closes it under
    another."""

    def __init__(self, max_tasks: int) -> None:
        if not isinstance(max_tasks, int) or isinstance(max_tasks, bool) or max_tasks < 1:
            raise ValueError(
                f"{type(self).__name__}(max_tasks={max_tasks!r}): max_tasks is the number of tasks "
                "that run at the same time; give a whole number of at least 1."
            )
        self.max_tasks = max_tasks
        self._pool: Any = None
        self._runs = 0  # runs between init and finalize
        self._lock = threading.Lock()

    @abc.abstractmethod
    def create_pool(self) -> Any: ...

    def init(self) -> None:
        with self._lock:
            if self._pool is None:
                self._pool = self.create_pool()
            self._runs += 1

    def finalize(self) -> None:
        with self._lock:
            self._runs = max(self._runs - 1, 0)
            if self._runs:
                return  # another run still uses the pool
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def __getstate__(self) -> dict[str, Any]:  # copied into worker processes: no pool, no lock
        return {**self.__dict__, "_pool": None, "_runs": 0, "_lock": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        if self._pool is None:
            raise RuntimeError(f"{type(self).__name__} was used outside a run; call init() first.")
        return self._pool.submit(fn, *args)


class MultiThreadingExecutor(PoolExecutor):
    """Threads: right for work that waits (I/O, network) or releases the GIL (numpy, pandas)."""

    def __init__(self, max_tasks: int, *, thread_name_prefix: str = "dagwire") -> None:
        super().__init__(max_tasks)
        self.thread_name_prefix = thread_name_prefix

    def create_pool(self) -> Any:
        from concurrent.futures import ThreadPoolExecutor

        return ThreadPoolExecutor(
            max_workers=self.max_tasks, thread_name_prefix=self.thread_name_prefix
        )


class MultiProcessingExecutor(PoolExecutor):
    """Processes: right for pure-Python CPU work. Node functions, their inputs and outputs, and the
    adapters must be picklable (functions defined at module level are); hooks run in the workers."""

    def create_pool(self) -> Any:
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(max_workers=self.max_tasks)

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        """Pickles the task here, so that a task that cannot be sent fails now, in the caller,
        instead of inside the pool's feeder thread (where Python 3.11 can hang on shutdown)."""
        import pickle

        try:
            payload = pickle.dumps((fn, args))
        except Exception as exc:
            exc.add_note(
                "dagwire: MultiProcessingExecutor sends each task to a worker process by pickling "
                "it. Define node functions at module level (not inside another function), and "
                "keep inputs and adapters picklable; MultiThreadingExecutor has no such limit."
            )
            raise
        return super().submit(_call_pickled, payload)


def _call_pickled(payload: bytes) -> Any:
    import pickle

    fn, args = pickle.loads(payload)
    return fn(*args)


class ExecutionManager:
    """Chooses the executor per kind of task: ``local`` for nodes computed once, ``remote`` for the
    items of ``Parallelizable`` blocks."""

    def __init__(self, local_executor: TaskExecutor, remote_executor: TaskExecutor) -> None:
        self.local_executor = local_executor
        self.remote_executor = remote_executor


class DefaultExecutionManager(ExecutionManager):
    """Hamilton's default pairing: local work in the calling thread, block items on processes."""

    def __init__(
        self,
        local_executor: TaskExecutor | None = None,
        remote_executor: TaskExecutor | None = None,
    ) -> None:
        super().__init__(
            local_executor or SynchronousLocalTaskExecutor(),
            remote_executor or MultiProcessingExecutor(max_tasks=5),
        )
