"""Errors are part of dagwire's interface: each says what went wrong, where, and what to do.

They subclass ``ValueError`` because Apache Hamilton raises ``ValueError`` for the same
situations, so code that catches Hamilton's errors keeps working.
"""


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


class AdapterError(DagwireError):
    """Adapters were combined in a way that makes a step ambiguous."""


class DynamicExecutionError(DagwireError):
    """The graph's Parallelizable/Collect shape cannot be run as asked."""
