"""Aggregate functions: Count, Sum, Avg, Min, Max, StdDev, Variance."""

from __future__ import annotations

from reinhardt.core.exceptions import FieldError
from reinhardt.orm.models.expressions import Func, Star, Value
from reinhardt.orm.models.fields import DecimalField, FloatField, IntegerField
from reinhardt.orm.models.functions.comparison import Coalesce
from reinhardt.orm.models.functions.mixins import (
    FixDurationInputMixin,
    NumericOutputFieldMixin,
)

__all__ = ["Aggregate", "Avg", "Count", "Max", "Min", "StdDev", "Sum", "Variance"]


class Aggregate(Func):
    """A function over a group of rows; ``filter=`` restricts the rows, ``default=`` replaces
    the NULL an empty group gives."""

    template = "%(function)s(%(distinct)s%(expressions)s)"
    contains_aggregate = True
    name = None
    filter_template = "%s FILTER (WHERE %%(filter)s)"
    window_compatible = True
    allow_distinct = False
    empty_result_set_value = None

    def __init__(self, *expressions, distinct=False, filter=None, default=None, **extra):
        kind = type(self).__name__
        if distinct and not self.allow_distinct:
            raise TypeError(f"{kind} does not allow distinct.")
        if default is not None and self.empty_result_set_value is not None:
            # e.g. Count: an empty group already gives 0, never NULL.
            raise TypeError(f"{kind} does not allow default.")
        self.distinct = distinct
        self.filter = filter
        self.default = default
        super().__init__(*expressions, **extra)

    # The filter= condition travels with the arguments (so that resolving, relabelling and
    # copying reach it), as the last source expression.

    def get_source_expressions(self):
        return [*super().get_source_expressions(), self.filter]

    def set_source_expressions(self, exprs):
        self.filter = exprs[-1]
        return super().set_source_expressions(exprs[:-1])

    def _arguments(self):
        """The aggregated expressions, without the filter."""
        return super().get_source_expressions()

    def get_source_fields(self):
        # The filter is a condition, not a value read: it doesn't decide the output type.
        return [argument._output_field_or_none for argument in self._arguments()]

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False,
                           for_save=False):
        resolved = super().resolve_expression(query, allow_joins, reuse, summarize)
        condition = resolved.filter
        if condition is not None and hasattr(condition, "resolve_expression"):
            resolved.filter = condition.resolve_expression(query, allow_joins, reuse, summarize)
        if summarize:
            resolved._refuse_summary_of_summary(query)
        elif not self.is_summary:
            self._refuse_nested_aggregates(resolved)
        return resolved._with_default(query, allow_joins, reuse, summarize)

    def _refuse_summary_of_summary(self, query) -> None:
        """aggregate() over an annotation that is itself an aggregate cannot be computed."""
        for ref in self.get_refs():
            if query.annotations[ref].is_summary:
                raise FieldError(f"Cannot compute {self.name}('{ref}'): '{ref}' is an aggregate")

    def _refuse_nested_aggregates(self, resolved) -> None:
        """Sum(Count(...)) and the like: SQL cannot nest aggregates in one query."""
        for position, argument in enumerate(resolved._arguments()):
            if argument.contains_aggregate:
                written = self._arguments()[position]
                shown = getattr(written, "name", None) or repr(written)
                raise FieldError(
                    f"Cannot compute {resolved.name}('{shown}'): '{shown}' is an aggregate"
                )

    def _with_default(self, query, allow_joins, reuse, summarize):
        """default=X becomes Coalesce(aggregate, X), typed like the aggregate."""
        if self.default is None:
            return self
        output_field = self._output_field_or_none
        fallback = self.default
        if hasattr(fallback, "resolve_expression"):
            fallback = fallback.resolve_expression(query, allow_joins, reuse, summarize)
            if fallback._output_field_or_none is None:
                fallback.output_field = output_field
        else:
            fallback = Value(fallback, output_field)
        self.default = None  # the Coalesce holds it now
        wrapped = Coalesce(self, fallback, output_field=output_field)
        wrapped.is_summary = self.is_summary
        return wrapped

    @property
    def default_alias(self):
        """``<field>__<aggregate>`` (``price__sum``) for aggregate(Sum("price"))."""
        arguments = [e for e in self.get_source_expressions() if e is not None]
        if len(arguments) != 1 or not hasattr(arguments[0], "name"):
            raise TypeError("Complex expressions require an alias")
        return f"{arguments[0].name}__{self.name.lower()}"

    def get_group_by_cols(self):
        return []  # an aggregate is computed per group, never grouped by

    def _get_repr_options(self):
        options = super()._get_repr_options()
        options.update((key, value) for key, value in
                       (("distinct", self.distinct), ("filter", self.filter)) if value)
        return options


class Avg(FixDurationInputMixin, NumericOutputFieldMixin, Aggregate):
    function = "AVG"
    name = "Avg"
    allow_distinct = True


class Count(Aggregate):
    function = "COUNT"
    name = "Count"
    output_field = IntegerField()
    allow_distinct = True
    empty_result_set_value = 0

    def __init__(self, expression, filter=None, **extra):
        if expression == "*":
            expression = Star()
        if isinstance(expression, Star) and filter is not None:
            raise ValueError("Star cannot be used with filter. Please specify a field.")
        super().__init__(expression, filter=filter, **extra)


class Max(Aggregate):
    function = "MAX"
    name = "Max"


class Min(Aggregate):
    function = "MIN"
    name = "Min"


class _Spread(NumericOutputFieldMixin, Aggregate):
    """StdDev and Variance: of the population by default, of a sample with sample=True."""

    population_function = sample_function = None

    def __init__(self, expression, sample=False, **extra):
        self.function = self.sample_function if sample else self.population_function
        super().__init__(expression, **extra)

    def _get_repr_options(self):
        return {**super()._get_repr_options(), "sample": self.function == self.sample_function}


class StdDev(_Spread):
    name = "StdDev"
    population_function, sample_function = "STDDEV_POP", "STDDEV_SAMP"


class Sum(FixDurationInputMixin, Aggregate):
    function = "SUM"
    name = "Sum"
    allow_distinct = True


class Variance(_Spread):
    name = "Variance"
    population_function, sample_function = "VAR_POP", "VAR_SAMP"


_numeric_types = (DecimalField, FloatField)
