"""``@check_output`` / ``@check_output_custom``: data checks that run with the node they guard.

As in Apache Hamilton, a checked node ``x`` becomes three kinds of nodes:

    x_raw                       the function itself
    x_<check>_validator  ...    one per check, each returning a ValidationResult
    x                           x_raw's value, released once every check has been acted on

so requesting ``x`` always runs its checks, and the results are outputs like any other
(``dr.execute(["x", "x_range_validator"])``; find them with
``list_available_variables(tag_filter={IS_DATA_VALIDATOR_TAG: None})``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..data_quality import base as dq
from ..errors import InvalidDecoratorError
from ..node import Dependency, Node, origin_of, type_name
from .base import modifiers_of
from .transformers import NodeTransformer, check_target

IS_DATA_VALIDATOR_TAG = "hamilton.data_quality.contains_dq_results"
DATA_VALIDATOR_ORIGINAL_OUTPUT_TAG = "hamilton.data_quality.source_node"


class _DataValidation(NodeTransformer):
    def validate(self, fn: Callable[..., Any]) -> None:
        for other in modifiers_of(fn):
            if isinstance(other, _DataValidation) and other.target == self.target:
                raise InvalidDecoratorError(
                    f"{origin_of(fn)} has two data-check decorators on the same nodes; pass all "
                    "the checks to one @check_output (or one @check_output_custom), or give each a "
                    "different target_."
                )

    def validators_for(self, node: Node, fn: Callable[..., Any]) -> list[dq.DataValidator]:
        raise NotImplementedError

    def transform_node(
        self, node: Node, fn: Callable[..., Any], config: dict[str, Any]
    ) -> list[Node]:
        name = node.name
        raw = node.copy(name=f"{name}_raw")
        raw_input = {raw.name: Dependency(node.type, False)}
        checks: list[tuple[str, dq.DataValidator]] = []
        taken: dict[str, int] = {}
        for validator in self.validators_for(node, fn):
            check_name = f"{name}_{validator.name()}"
            count = taken.get(check_name, 0)
            taken[check_name] = count + 1
            checks.append((f"{check_name}_{count}" if count else check_name, validator))
        check_tags = {
            **node.tags,
            IS_DATA_VALIDATOR_TAG: True,
            DATA_VALIDATOR_ORIGINAL_OUTPUT_TAG: name,
        }
        check_nodes = [
            Node(
                check_name,
                _run_check(validator, raw.name),
                dict(raw_input),
                dq.ValidationResult,
                tags=dict(check_tags),
                doc=validator.description(),
                origin=node.origin,
                user_function=node.user_function,
            )
            for check_name, validator in checks
        ]
        final = Node(
            name,
            _act_on_checks(name, raw.name, checks),
            {**raw_input, **{c: Dependency(dq.ValidationResult, False) for c, _ in checks}},
            node.type,
            tags=dict(node.tags),
            doc=node.doc,
            origin=node.origin,
            user_function=node.user_function,
        )
        return [*check_nodes, final, raw]


def _run_check(validator: dq.DataValidator, raw_name: str) -> Callable[..., Any]:
    def check(**kwargs: Any) -> dq.ValidationResult:
        return validator.validate(kwargs[raw_name])

    return check


def _act_on_checks(
    name: str, raw_name: str, checks: list[tuple[str, dq.DataValidator]]
) -> Callable[..., Any]:
    def released(**kwargs: Any) -> Any:
        failures = []
        for check_name, validator in checks:
            result = kwargs[check_name]
            if validator.importance is dq.DataValidationLevel.WARN:
                dq.act_warn(name, result, validator)
            else:
                failures.append((result, validator))
        dq.act_fail_bulk(name, failures)
        return kwargs[raw_name]

    return released


class check_output_custom(_DataValidation):
    """Run your own ``DataValidator`` instances on the function's output."""

    def __init__(self, *validators: dq.DataValidator, target_: Any = None) -> None:
        if not validators:
            raise InvalidDecoratorError("@check_output_custom() needs at least one validator.")
        bad = [v for v in validators if not isinstance(v, dq.DataValidator)]
        if bad:
            raise InvalidDecoratorError(
                f"@check_output_custom takes DataValidator instances, got {bad[0]!r}; subclass "
                "dagwire.data_quality.base.DataValidator."
            )
        check_target(target_, "check_output_custom")
        self.target = target_
        self.validators = list(validators)

    def validators_for(self, node: Node, fn: Callable[..., Any]) -> list[dq.DataValidator]:
        return self.validators


class check_output(_DataValidation):
    """Built-in checks by keyword: ``@check_output(range=(0, 1), importance="fail")``.

    Keywords: ``data_type``, ``range``, ``values_in``, ``allow_nans``, ``max_fraction_nans``,
    ``max_standard_dev``, ``mean_in_range`` (pandas Series), ``data_type``, ``range``, ``values_in``
    (numbers and strings), ``contains``, ``does_not_contain`` (strings), ``allow_none`` (anything).
    """

    def __init__(
        self,
        importance: str = "warn",
        default_validator_candidates: list | None = None,
        target_: Any = None,
        **default_validator_kwargs: Any,
    ) -> None:
        dq.importance_level(importance)
        if not default_validator_kwargs:
            raise InvalidDecoratorError(
                "@check_output() needs at least one check, e.g. @check_output(range=(0, 1))."
            )
        check_target(target_, "check_output")
        self.importance = importance
        self.default_validator_candidates = default_validator_candidates
        self.default_validator_kwargs = default_validator_kwargs
        self.target = target_

    def validators_for(self, node: Node, fn: Callable[..., Any]) -> list[dq.DataValidator]:
        from ..data_quality import default_validators as defaults

        try:
            return defaults.resolve_default_validators(
                node.type,
                self.importance,
                self.default_validator_candidates,
                **self.default_validator_kwargs,
            )
        except LookupError as exc:
            usable = defaults.arguments_for(node.type, self.default_validator_candidates)
            raise InvalidDecoratorError(
                f"@check_output on {origin_of(fn)}: no '{exc.args[0]}' check exists for node "
                f"'{node.name}' of type {type_name(node.type)}. Checks available for this type: "
                f"{', '.join(usable) or 'none'}. Fix the return annotation, use target_= to pick "
                "another node, or write a DataValidator for @check_output_custom."
            ) from None
        except ValueError as exc:  # a validator refused its argument
            raise InvalidDecoratorError(f"@check_output on {origin_of(fn)}: {exc}") from exc
