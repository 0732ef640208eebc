"""Errors are part of dagwire's interface: each says what went wrong, where, and what to do.

They subclass ``ValueError`` because Apache Hamilton raises ``ValueError`` for the same
situations, so code that catches Hamilton's errors keeps working. An error a node raises keeps its
type; ``note_node_failure`` adds where it happened, and ``failed_node`` says which node it was.
"""

from __future__ import annotations

from collections.abc import Callable


class DagwireError(ValueError):
    """Base class of every error the engine raises about a graph or a request."""


class GraphCycleError(DagwireError):
    """The functions depend on each other in a circle, so no order can compute them."""


class DuplicateNodeError(DagwireError):
    """Two functions define the same node."""


class TypeMismatchError(DagwireError):
    """A function's parameter type does not accept the type its upstream function returns."""


class MissingInputsError(DagwireError):
    """Values the requested outputs need were neither computed, passed as inputs, nor configured."""


class InputTypeError(DagwireError):
    """A runtime input's value is not of the type the nodes reading it declare."""


class UnknownOutputError(DagwireError):
    """A requested output is not a node of the graph."""


class ConfigInputOverlapError(DagwireError):
    """The same name was given as config and as a runtime input; which one wins would be a guess."""


class InvalidDecoratorError(DagwireError):
    """A function modifier was used in a way it cannot support."""


#: Apache Hamilton's name for the same error: ``except`` works with either name.
InvalidDecoratorException = InvalidDecoratorError


class AdapterError(DagwireError):
    """Adapters were combined in a way that makes a step ambiguous."""


class DynamicExecutionError(DagwireError):
    """The graph's Parallelizable/Collect shape cannot be run as asked."""


# --- which node an error came from ---------------------------------------------------------------
#: The one attribute the engine sets on an exception a node raised: [node name, described yet].
_FAILURE = "__dagwire_failure__"


def note_node_failure(
    exc: BaseException, node: str, describe: Callable[[], str] | None = None
) -> None:
    """Note on ``exc`` that node ``node`` raised it; the exception keeps its type.

    The first node noted is where the error happened (a node that runs a driver of its own re-raises
    its inner node's error): ``failed_node`` reads it back. ``describe()``, when given, returns what
    the failure looks like from there (the node, its inputs, how the run got to it); it is called
    and added to the exception's notes once, by whichever part of the engine notes it first.
    """
    failure = getattr(exc, _FAILURE, None)
    if failure is None:
        failure = [node, False]
        setattr(exc, _FAILURE, failure)
    if describe is not None and not failure[1]:
        failure[1] = True
        exc.add_note(describe())


def failed_node(exc: BaseException) -> str | None:
    """The node noted as having raised ``exc`` (see ``note_node_failure``), or None."""
    failure = getattr(exc, _FAILURE, None)
    return failure[0] if failure is not None else None
