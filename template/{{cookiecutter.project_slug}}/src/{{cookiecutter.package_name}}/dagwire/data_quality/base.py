"""What a data validator is, what it returns, and how a failed check is acted on.

Subclass ``DataValidator`` and pass instances to ``@check_output_custom``. Each check runs as its
own node and returns a ``ValidationResult``, so results can be requested like any output
(``dr.execute(["orders", "orders_range_validator"])``). A failed ``"warn"`` check logs a warning;
failed ``"fail"`` checks raise ``DataValidationError`` listing all of them.
"""

from __future__ import annotations

import abc
from enum import Enum
from typing import Any

from ..errors import DagwireError, InvalidDecoratorError


class DataValidationError(DagwireError):
    """One or more ``importance="fail"`` checks did not pass."""


class DataValidationLevel(Enum):
    WARN = "warn"
    FAIL = "fail"


class ValidationResult:
    """The outcome of one check: whether it passed, a readable message, details to debug with."""

    __slots__ = ("passes", "message", "diagnostics")

    def __init__(
        self, passes: bool, message: str, diagnostics: dict[str, Any] | None = None
    ) -> None:
        self.passes = passes
        self.message = message
        self.diagnostics = diagnostics if diagnostics is not None else {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ValidationResult) and (
            (self.passes, self.message, self.diagnostics)
            == (other.passes, other.message, other.diagnostics)
        )

    def __repr__(self) -> str:
        return (
            f"ValidationResult(passes={self.passes!r}, message={self.message!r}, "
            f"diagnostics={self.diagnostics!r})"
        )


def importance_level(importance: Any) -> DataValidationLevel:
    try:
        return DataValidationLevel(importance)
    except ValueError:
        raise InvalidDecoratorError(
            f"importance={importance!r} is not a level; use importance='warn' (log and go on) or "
            "importance='fail' (stop the run)."
        ) from None


class DataValidator(abc.ABC):
    """A check on a node's value. ``applies_to`` decides which return types it accepts."""

    def __init__(self, importance: str) -> None:
        self._importance = importance_level(importance)

    @property
    def importance(self) -> DataValidationLevel:
        return self._importance

    @abc.abstractmethod
    def applies_to(self, datatype: type) -> bool:
        """Whether the check can run on values of ``datatype``."""

    @abc.abstractmethod
    def description(self) -> str:
        """One sentence saying what is checked (the validator node's documentation)."""

    @classmethod
    @abc.abstractmethod
    def name(cls) -> str:
        """Suffix of the validator node's name: ``<node>_<name>``."""

    @abc.abstractmethod
    def validate(self, dataset: Any) -> ValidationResult:
        """Run the check."""


class BaseDefaultValidator(DataValidator, abc.ABC):
    """A validator ``@check_output`` builds from one keyword argument (``arg()``)."""

    @classmethod
    @abc.abstractmethod
    def applies_to(cls, datatype: type) -> bool: ...

    @classmethod
    @abc.abstractmethod
    def arg(cls) -> str:
        """The ``@check_output`` keyword that selects this validator."""

    @classmethod
    def name(cls) -> str:
        return f"{cls.arg()}_validator"


def failure_message(node_name: str, result: ValidationResult, validator: DataValidator) -> str:
    details = f" Details: {result.diagnostics}." if result.diagnostics else ""
    return f"[{node_name}:{validator.name()}] check failed: {result.message}{details}"


def act_warn(node_name: str, result: ValidationResult, validator: DataValidator) -> None:
    if not result.passes:
        import logging

        logging.getLogger(__name__).warning(failure_message(node_name, result, validator))


def act_fail_bulk(node_name: str, failures: list[tuple[ValidationResult, DataValidator]]) -> None:
    messages = [failure_message(node_name, r, v) for r, v in failures if not r.passes]
    if messages:
        raise DataValidationError(
            f"{len(messages)} data check{'s' if len(messages) > 1 else ''} on '{node_name}' "
            "failed (importance='fail'):\n  " + "\n  ".join(messages) + "\nFix the data or the "
            "function, or use importance='warn' to log the failure and continue."
        )
