"""Built-in adapters, under the names Apache Hamilton's ``lifecycle.default`` gives them.

    dr = driver.Builder().with_modules(m).with_adapters(PrintLn(), NodeTimer()).build()

Each one costs nothing unless it is passed to a driver; optional tools (``pdb``, ``tqdm``) are
imported only when used.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from ..htypes import check_instance
from ..messages import format_duration, short_repr
from ..node import type_name
from .api import GraphExecutionHook, NodeExecutionHook, NodeExecutionMethod

#: Which nodes an adapter acts on: a predicate on (name, tags), a list of names, one name, or all.
NodeFilter = Callable[[str, dict[str, Any]], bool] | list[str] | str | None


def should_run_node(node_name: str, node_tags: dict[str, Any], node_filter: NodeFilter) -> bool:
    if node_filter is None:
        return True
    if isinstance(node_filter, str):
        return node_name == node_filter
    if isinstance(node_filter, (list, tuple, set, frozenset)):
        return node_name in node_filter
    if callable(node_filter):
        return bool(node_filter(node_name, node_tags))
    raise ValueError(
        f"node_filter={node_filter!r} is not a filter: pass a node name, a list of names, or a "
        "function (node_name, node_tags) -> bool."
    )


def _task_qualified(node_name: str, task_id: str | None) -> str:
    """A node runs once per item inside Parallelizable blocks: the item's task tells them apart."""
    if task_id is None or ".block-" not in task_id:
        return node_name
    return f"{task_id}:{node_name}"


class PrintLn(NodeExecutionHook):
    """Prints each node as it starts and finishes; ``verbosity=2`` adds inputs and results."""

    def __init__(
        self,
        verbosity: int = 1,
        print_fn: Callable[[str], Any] = print,
        node_filter: NodeFilter = None,
    ) -> None:
        if verbosity not in (1, 2):
            raise ValueError(
                f"PrintLn(verbosity={verbosity!r}): use 1 (names and times) or 2 "
                "(also inputs and results)."
            )
        self.verbosity = verbosity
        self.print_fn = print_fn
        self.node_filter = node_filter
        self._started: dict[str, float] = {}

    def run_before_node_execution(
        self,
        *,
        node_name: str,
        node_tags: dict[str, Any],
        node_kwargs: dict[str, Any],
        task_id: str | None = None,
        **future_kwargs: Any,
    ) -> None:
        if not should_run_node(node_name, node_tags, self.node_filter):
            return
        label = _task_qualified(node_name, task_id)
        self._started[label] = time.perf_counter()
        message = f"Running node '{label}'"
        if self.verbosity == 2:
            import pprint

            message += f" with inputs:\n{pprint.pformat(node_kwargs)}"
        self.print_fn(message)

    def run_after_node_execution(
        self,
        *,
        node_name: str,
        node_tags: dict[str, Any],
        result: Any,
        error: Exception | None,
        success: bool,
        task_id: str | None = None,
        **future_kwargs: Any,
    ) -> None:
        if not should_run_node(node_name, node_tags, self.node_filter):
            return
        label = _task_qualified(node_name, task_id)
        started = self._started.pop(label, None)
        took = "" if started is None else f" in {format_duration(time.perf_counter() - started)}"
        message = f"Finished node '{label}'{took}: {'success' if success else 'failure'}"
        if self.verbosity == 2:
            import pprint

            message += f", result:\n{pprint.pformat(result)}" if success else f", error: {error!r}"
        self.print_fn(message)


class PDBDebugger(NodeExecutionHook, NodeExecutionMethod):
    """Opens the debugger before, during (stepping into the function) or after matching nodes.

    Before and after, the debugger stops in this adapter, where ``node_name``, ``node_kwargs`` and
    (after) ``result`` are local variables; ``PDBDebugger.CONTEXT`` also holds them.
    """

    CONTEXT: dict[str, Any] = {}

    def __init__(
        self,
        node_filter: NodeFilter,
        before: bool = False,
        during: bool = False,
        after: bool = False,
    ) -> None:
        self.node_filter = node_filter
        self.run_before = before
        self.run_during = during
        self.run_after = after

    def run_before_node_execution(
        self,
        *,
        node_name: str,
        node_tags: dict[str, Any],
        node_kwargs: dict[str, Any],
        node_return_type: Any = None,
        task_id: str | None = None,
        **future_kwargs: Any,
    ) -> None:
        if self._stops_at(
            self.run_before,
            node_name,
            node_tags,
            f"debugging before node '{node_name}'; inputs are in node_kwargs.",
            node_kwargs=node_kwargs,
            task_id=task_id,
        ):
            breakpoint()  # honours PYTHONBREAKPOINT, like any breakpoint() the user writes

    def run_to_execute_node(
        self,
        *,
        node_name: str,
        node_tags: dict[str, Any],
        node_callable: Callable[..., Any],
        node_kwargs: dict[str, Any],
        task_id: str | None = None,
        **future_kwargs: Any,
    ) -> Any:
        if not self._stops_at(
            self.run_during,
            node_name,
            node_tags,
            f"stepping into node '{node_name}'; 's' enters its function.",
            node_callable=node_callable,
            node_kwargs=node_kwargs,
            task_id=task_id,
        ):
            return node_callable(**node_kwargs)
        import pdb

        return pdb.runcall(node_callable, **node_kwargs)

    def run_after_node_execution(
        self,
        *,
        node_name: str,
        node_tags: dict[str, Any],
        node_kwargs: dict[str, Any],
        result: Any,
        error: Exception | None,
        success: bool,
        task_id: str | None = None,
        **future_kwargs: Any,
    ) -> None:
        if self._stops_at(
            self.run_after,
            node_name,
            node_tags,
            f"debugging after node '{node_name}'; see result and error.",
            node_kwargs=node_kwargs,
            result=result,
            error=error,
            success=success,
            task_id=task_id,
        ):
            breakpoint()

    def _stops_at(
        self, enabled: bool, node_name: str, node_tags: dict[str, Any], message: str, **context: Any
    ) -> bool:
        """Whether to stop at this node now; if so, keep its context and say what is where."""
        if not (enabled and should_run_node(node_name, node_tags, self.node_filter)):
            return False
        PDBDebugger.CONTEXT = dict(node_name=node_name, node_tags=node_tags, **context)
        print(f"dagwire: {message}")
        return True


class ProgressBar(GraphExecutionHook, NodeExecutionHook):
    """A progress bar over the nodes of each run: tqdm when installed, plain text otherwise.

    Extra keyword arguments go to ``tqdm.tqdm`` (the text fallback understands ``file``).
    """

    def __init__(
        self, desc: str = "Graph execution", max_node_name_width: int = 50, **kwargs: Any
    ) -> None:
        self.desc = desc
        self.max_node_name_width = max_node_name_width
        self.kwargs = kwargs
        self.progress_bar: Any = None
        self._width = 0

    def run_before_graph_execution(
        self, *, execution_path: list[str], **future_kwargs: Any
    ) -> None:
        total = len(execution_path)
        self._width = min(
            max((len(n) for n in execution_path), default=0), self.max_node_name_width
        )
        try:
            import tqdm
        except ImportError:
            self.progress_bar = _TextBar(self.desc, total, self.kwargs.get("file"))
        else:
            self.progress_bar = tqdm.tqdm(desc=self.desc, unit="funcs", total=total, **self.kwargs)

    def run_before_node_execution(self, *, node_name: str, **future_kwargs: Any) -> None:
        if self.progress_bar is not None:
            self.progress_bar.set_description_str(f"{self.desc} -> {self._fit(node_name)}")

    def run_after_node_execution(self, **future_kwargs: Any) -> None:
        if self.progress_bar is not None:
            self.progress_bar.update(1)

    def run_after_graph_execution(self, *, success: bool = True, **future_kwargs: Any) -> None:
        if self.progress_bar is None:
            return
        status = "done" if success else "failed"
        self.progress_bar.set_description_str(f"{self.desc} -> {self._fit(status)}")
        self.progress_bar.close()
        self.progress_bar = None

    def _fit(self, text: str) -> str:
        width = self._width
        if len(text) > width:
            return text[: max(width - 3, 0)] + "..." if width > 3 else text
        return text.ljust(width)


class _TextBar:
    """The plain-text stand-in for tqdm: one rewritten line on a terminal, a line per tenth
    of the work in a log file."""

    def __init__(self, desc: str, total: int, file: Any = None) -> None:
        self.file = file if file is not None else sys.stderr
        self.total = total
        self.n = 0
        self.label = desc
        self.started = time.perf_counter()
        self._tty = bool(getattr(self.file, "isatty", lambda: False)())
        self._next_tenth = 1
        self._lock = threading.Lock()

    def set_description_str(self, label: str) -> None:
        self.label = label

    def update(self, n: int = 1) -> None:
        with self._lock:
            self.n += n
            self.total = max(self.total, self.n)  # parallel items run more nodes than planned
            if self._tty:
                self._write("\r" + self._line())
            elif self.n * 10 >= self._next_tenth * self.total:
                self._next_tenth = self.n * 10 // self.total + 1
                self._write(self._line() + "\n")

    def close(self) -> None:
        with self._lock:
            took = format_duration(time.perf_counter() - self.started)
            self._write(("\r" if self._tty else "") + f"{self._line()} in {took}\n")

    def _line(self) -> str:
        percent = 100 * self.n // self.total if self.total else 100
        return f"{self.label} [{self.n}/{self.total}] {percent:3d}%"

    def _write(self, text: str) -> None:
        self.file.write(text)
        self.file.flush()


class FunctionInputOutputTypeChecker(NodeExecutionHook):
    """Checks at run time that each node receives and returns values of its annotated types.

    Strict by design: containers are checked element by element. Leave an annotation generic
    (``dict``) to skip checking inside it.
    """

    def __init__(self, check_input: bool = True, check_output: bool = True) -> None:
        self.check_input = check_input
        self.check_output = check_output

    def run_before_node_execution(
        self,
        *,
        node_name: str,
        node_kwargs: dict[str, Any],
        node_input_types: dict[str, Any],
        **future_kwargs: Any,
    ) -> None:
        if not self.check_input:
            return
        for name, value in node_kwargs.items():
            expected = node_input_types.get(name, Any)
            if not check_instance(value, expected):
                raise TypeError(
                    f"Node '{node_name}' received {name}={_describe(value)}, but declares "
                    f"'{name}: {type_name(expected)}'. Fix the value upstream or the annotation."
                )

    def run_after_node_execution(
        self,
        *,
        node_name: str,
        node_return_type: Any,
        result: Any,
        success: bool,
        **future_kwargs: Any,
    ) -> None:
        if self.check_output and success and not check_instance(result, node_return_type):
            raise TypeError(
                f"Node '{node_name}' returned {_describe(result)}, but is annotated to return "
                f"{type_name(node_return_type)}. Fix the function or its return annotation."
            )


def _describe(value: Any) -> str:
    return f"{short_repr(value)} ({type_name(type(value))})"


# --- graceful errors ---------------------------------------------------------------------------
SENTINEL_DEFAULT = None
ERROR_SENTINEL_TAG = "hamilton.error_sentinel"  # Apache Hamilton's tag: code setting it works
INJECTION_ALLOWED = "injection is requested"


def accept_error_sentinels(func: Callable[..., Any]) -> Callable[..., Any]:
    """Let ``func`` run even when an input is ``GracefulErrorAdapter``'s sentinel (it receives
    the sentinel), e.g. to report partial results instead of being skipped."""
    from ..function_modifiers.base import NodeModifier, Phase

    class _AcceptErrorSentinels(NodeModifier):
        phase = Phase.DECORATE

        def transform(self, nodes: list[Any], fn: Any, config: dict[str, Any]) -> list[Any]:
            return [n.copy(tags={**n.tags, ERROR_SENTINEL_TAG: INJECTION_ALLOWED}) for n in nodes]

    return _AcceptErrorSentinels()(func)


class GracefulErrorAdapter(NodeExecutionMethod, GraphExecutionHook):
    """Lets a run finish despite failures: a node raising ``error_to_catch`` yields
    ``sentinel_value``, and every node receiving the sentinel is skipped and yields it too.

    What happened is kept for the last run: ``failures`` (node -> the error caught) and ``skipped``
    (node -> the input that carried the sentinel); ``summary()`` puts both in words. In
    ``Parallelizable`` nodes, items yielded before a failure are kept and the sentinel is added as
    one more item (``try_all_parallel=True``), or replaces them all (``False``).
    """

    def __init__(
        self,
        error_to_catch: type[Exception],
        sentinel_value: Any = SENTINEL_DEFAULT,
        try_all_parallel: bool = True,
        allow_injection: bool = True,
    ) -> None:
        self.error_to_catch = error_to_catch
        self.sentinel_value = sentinel_value
        self.try_all_parallel = try_all_parallel
        self.allow_injection = allow_injection
        self.failures: dict[str, Exception] = {}
        self.skipped: dict[str, str] = {}

    def run_before_graph_execution(self, **future_kwargs: Any) -> None:
        self.failures = {}
        self.skipped = {}

    def run_after_graph_execution(self, **future_kwargs: Any) -> None:
        if self.failures:
            import logging

            logging.getLogger(__name__).warning(self.summary())

    def summary(self) -> str:
        """The failures and skipped nodes of the last run, one per line."""
        if not self.failures:
            return "No node failed."
        lines = [f"{len(self.failures)} node(s) failed and were replaced by the sentinel:"]
        lines += [f"  {name}: {type(e).__name__}: {e}" for name, e in self.failures.items()]
        if self.skipped:
            lines.append(f"{len(self.skipped)} node(s) were skipped because an input failed:")
            lines += [f"  {name} (input '{cause}')" for name, cause in self.skipped.items()]
        return "\n".join(lines)

    def _is_sentinel(self, value: Any) -> bool:
        sentinel = self.sentinel_value
        return value is sentinel or (type(value) is type(sentinel) and value == sentinel)

    def run_to_execute_node(
        self,
        *,
        node_name: str,
        node_tags: dict[str, Any],
        node_callable: Callable[..., Any],
        node_kwargs: dict[str, Any],
        task_id: str | None = None,
        is_expand: bool = False,
        **future_kwargs: Any,
    ) -> Any:
        label = _task_qualified(node_name, task_id)
        injectable = self.allow_injection and node_tags.get(ERROR_SENTINEL_TAG) == INJECTION_ALLOWED
        if not injectable:
            for name, value in node_kwargs.items():
                if self._is_sentinel(value):
                    self.skipped[label] = name
                    return [self.sentinel_value] if is_expand else self.sentinel_value
        if not is_expand:
            try:
                return node_callable(**node_kwargs)
            except self.error_to_catch as exc:
                self.failures[label] = exc
                return self.sentinel_value
        items: list[Any] = []
        try:
            for item in node_callable(**node_kwargs):
                items.append(item)
        except self.error_to_catch as exc:
            self.failures[label] = exc
            sentinel = self.sentinel_value
            items = [*items, sentinel] if self.try_all_parallel else [sentinel]
        return items


# --- timing ------------------------------------------------------------------------------------
@dataclass
class NodeRecord:
    """When and how one node ran. A node inside a Parallelizable block runs once per item: its
    record spans the first start to the last end, ``duration`` adds the runs up, ``runs`` counts
    them, and one failure makes the status ``"failure"``."""

    node: str
    started: float  # seconds since the epoch
    ended: float
    duration: float  # seconds
    status: str  # "success" or "failure"
    error: str | None = None
    runs: int = 1

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class NodeTimer(NodeExecutionHook):
    """Records start, end, duration and status of every node it sees, in ``records`` (by name).

    Records accumulate across runs until ``clear()``; a later run of a node replaces its record.
    """

    def __init__(self) -> None:
        self.records: dict[str, NodeRecord] = {}
        self._open: dict[tuple[str, str | None], tuple[float, float]] = {}
        self._lock = threading.Lock()
        self._run_of: dict[str, str | None] = {}  # node -> the run its record belongs to

    def clear(self) -> None:
        with self._lock:
            self.records.clear()
            self._open.clear()
            self._run_of.clear()

    def run_before_node_execution(
        self, *, node_name: str, task_id: str | None = None, **future_kwargs: Any
    ) -> None:
        self._open[(node_name, task_id)] = (time.time(), time.perf_counter())

    def run_after_node_execution(
        self,
        *,
        node_name: str,
        success: bool,
        error: Exception | None,
        task_id: str | None = None,
        run_id: str | None = None,
        **future_kwargs: Any,
    ) -> None:
        ended, end_clock = time.time(), time.perf_counter()
        started, start_clock = self._open.pop((node_name, task_id), (ended, end_clock))
        record = NodeRecord(
            node_name,
            started,
            ended,
            end_clock - start_clock,
            "success" if success else "failure",
            None if error is None else f"{type(error).__name__}: {error}",
        )
        with self._lock:
            previous = self.records.get(node_name)
            if previous is not None and run_id is not None and self._run_of[node_name] == run_id:
                record = _merge(previous, record)  # another item of the same parallel run
            self._run_of[node_name] = run_id
            self.records[node_name] = record

    def __getstate__(self) -> dict[str, Any]:  # process pools copy adapters into the workers
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()


def _merge(a: NodeRecord, b: NodeRecord) -> NodeRecord:
    failed = a if a.status == "failure" else b if b.status == "failure" else None
    return NodeRecord(
        node=a.node,
        started=min(a.started, b.started),
        ended=max(a.ended, b.ended),
        duration=a.duration + b.duration,
        status="failure" if failed else "success",
        error=failed.error if failed else None,
        runs=a.runs + b.runs,
    )
