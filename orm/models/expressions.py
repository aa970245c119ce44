"""Query expressions: F, Value, Func, Case/When, Subquery, Exists, OrderBy, Window, ...

Expressions are backend-neutral data. Each backend's compiler renders them (the SQL compiler
in ``backends/sql``); an expression class written for Django that defines ``as_sql`` (or
``as_<vendor>``) is rendered by that method instead, so third-party expressions keep working.
"""

from __future__ import annotations

import copy
import datetime
import decimal
import functools
import inspect
import uuid
from collections import defaultdict
from typing import Any

from reinhardt.core.exceptions import FieldError
from reinhardt.orm.models.constants import LOOKUP_SEP
from reinhardt.orm.models.query_utils import Q
from reinhardt.utils.deconstruct import deconstructible
from reinhardt.utils.functional import cached_property
from reinhardt.utils.hashable import make_hashable


def _fields():
    from reinhardt.orm.models import fields

    return fields


class SQLiteNumericMixin:
    """Kept for Django compatibility: SQLite casts DecimalField results in its compiler."""


class Combinable:
    """Arithmetic and bitwise operators that build CombinedExpressions."""

    ADD = "+"
    SUB = "-"
    MUL = "*"
    DIV = "/"
    POW = "^"
    MOD = "%%"
    BITAND = "&"
    BITOR = "|"
    BITLEFTSHIFT = "<<"
    BITRIGHTSHIFT = ">>"
    BITXOR = "#"

    def _combine(self, other, connector, reversed):
        """Build ``self <connector> other`` (or the mirror image when ``reversed``)."""
        if not hasattr(other, "resolve_expression"):
            other = (
                DurationValue(other, output_field=_fields().DurationField())
                if isinstance(other, datetime.timedelta) else Value(other)
            )
        operands = (other, self) if reversed else (self, other)
        return CombinedExpression(operands[0], connector, operands[1])

    def __neg__(self):
        return self._combine(-1, self.MUL, False)

    def __invert__(self):
        return NegatedExpression(self)

    def bitand(self, other):
        return self._combine(other, self.BITAND, False)

    def bitor(self, other):
        return self._combine(other, self.BITOR, False)

    def bitxor(self, other):
        return self._combine(other, self.BITXOR, False)

    def bitleftshift(self, other):
        return self._combine(other, self.BITLEFTSHIFT, False)

    def bitrightshift(self, other):
        return self._combine(other, self.BITRIGHTSHIFT, False)


_BITWISE_HINT = "Use .bitand(), .bitor(), and .bitxor() for bitwise logical operations."


def _install_arithmetic(cls):
    """Give ``cls`` the numeric dunder methods (forward and reflected) from one table."""
    def make(connector_attr, swap):
        def method(self, other):
            return self._combine(other, getattr(self, connector_attr), swap)
        return method

    for dunder, connector_attr in (("add", "ADD"), ("sub", "SUB"), ("mul", "MUL"),
                                   ("truediv", "DIV"), ("mod", "MOD"), ("pow", "POW")):
        for prefix, swap in (("", False), ("r", True)):
            name = f"__{prefix}{dunder}__"
            fn = make(connector_attr, swap)
            fn.__name__ = fn.__qualname__ = name
            setattr(cls, name, fn)

    def make_logical(q_method):
        def method(self, other):
            if getattr(self, "conditional", False) and getattr(other, "conditional", False):
                return getattr(Q(self), q_method)(Q(other))
            raise NotImplementedError(_BITWISE_HINT)
        return method

    def refuse(self, other):
        raise NotImplementedError(_BITWISE_HINT)

    for op in ("and", "or", "xor"):
        setattr(cls, f"__{op}__", make_logical(f"__{op}__"))
        setattr(cls, f"__r{op}__", refuse)
    return cls


_install_arithmetic(Combinable)


class BaseExpression:
    """The protocol every expression follows (resolution, output field, source expressions)."""

    empty_result_set_value = NotImplemented
    # Whether this expression can be used in a filter()
    filterable = True
    window_compatible = False
    allowed_default = False
    constraint_validation_compatible = True
    is_summary = False
    _output_field_resolved_to_none = False

    def __init__(self, output_field=None):
        if output_field is not None:
            self.output_field = output_field

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("convert_value", None)
        return state

    def get_db_converters(self, connection):
        return (
            []
            if self.convert_value is self._convert_value_noop
            else [self.convert_value]
        ) + self.output_field.get_db_converters(connection)

    def get_source_expressions(self):
        return []

    def set_source_expressions(self, exprs):
        assert not exprs

    def _parse_expressions(self, *expressions):
        return [
            arg if hasattr(arg, "resolve_expression")
            else (F(arg) if isinstance(arg, str) else Value(arg))
            for arg in expressions
        ]

    def as_sql(self, compiler, connection, **extra_context):
        """Render with the compiler's built-in rendering of the nearest reinhardt class.

        A Django-style subclass overriding ``as_sql`` may call ``super().as_sql(...)`` with
        ``template=``/``function=`` and friends; they are passed through to the compiler.
        """
        return compiler.compile_builtin(self, **extra_context)

    @cached_property
    def contains_aggregate(self) -> bool:
        return any(expr and expr.contains_aggregate for expr in self.get_source_expressions())

    @cached_property
    def contains_over_clause(self) -> bool:
        return any(expr and expr.contains_over_clause for expr in self.get_source_expressions())

    @cached_property
    def contains_column_references(self) -> bool:
        return any(
            expr and expr.contains_column_references for expr in self.get_source_expressions()
        )

    @cached_property
    def contains_subquery(self) -> bool:
        return any(
            expr and (getattr(expr, "subquery", False) or expr.contains_subquery)
            for expr in self.get_source_expressions()
        )

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False,
                           for_save=False):
        """Return a copy whose field references are columns of ``query``."""
        c = self.copy()
        c.is_summary = summarize
        c.set_source_expressions([
            expr.resolve_expression(query, allow_joins, reuse, summarize) if expr else None
            for expr in c.get_source_expressions()
        ])
        return c

    @property
    def conditional(self) -> bool:
        return isinstance(self.output_field, _fields().BooleanField)

    @property
    def field(self):
        return self.output_field

    @cached_property
    def output_field(self):
        """The field type of this expression's value, inferred from its sources."""
        output_field = self._resolve_output_field()
        if output_field is None:
            self._output_field_resolved_to_none = True
            raise FieldError(
                f"Cannot resolve expression type of {self!r}: unknown output_field. "
                "Set output_field=."
            )
        return output_field

    @cached_property
    def _output_field_or_none(self):
        try:
            return self.output_field
        except FieldError:
            if not self._output_field_resolved_to_none:
                raise
        return None

    def _resolve_output_field(self):
        sources_iter = (source for source in self.get_source_fields() if source is not None)
        for output_field in sources_iter:
            for source in sources_iter:
                if not isinstance(output_field, source.__class__):
                    raise FieldError(
                        f"Expression contains mixed types: {output_field.__class__.__name__}, "
                        f"{source.__class__.__name__}. You must set output_field."
                    )
            return output_field
        return None

    @staticmethod
    def _convert_value_noop(value, expression, connection):
        return value

    @cached_property
    def convert_value(self):
        """Coerce a database value to the output field's Python type (numbers)."""
        field = self.output_field
        internal_type = field.get_internal_type()
        if internal_type == "FloatField":
            return lambda value, expression, connection: (
                None if value is None else float(value)
            )
        if internal_type.endswith("IntegerField"):
            return lambda value, expression, connection: (
                None if value is None else int(value)
            )
        if internal_type == "DecimalField":
            return lambda value, expression, connection: (
                None if value is None else _to_decimal(value, field)
            )
        return self._convert_value_noop

    def get_lookup(self, lookup):
        return self.output_field.get_lookup(lookup)

    def get_transform(self, name):
        return self.output_field.get_transform(name)

    def relabeled_clone(self, change_map):
        clone = self.copy()
        clone.set_source_expressions([
            e.relabeled_clone(change_map) if e is not None else None
            for e in self.get_source_expressions()
        ])
        return clone

    def replace_expressions(self, replacements):
        if replacement := replacements.get(self):
            return replacement
        if not (source_expressions := self.get_source_expressions()):
            return self
        clone = self.copy()
        clone.set_source_expressions([
            expr.replace_expressions(replacements) if expr else None
            for expr in source_expressions
        ])
        return clone

    def get_refs(self) -> set:
        refs = set()
        for expr in self.get_source_expressions():
            if expr is not None:
                refs |= expr.get_refs()
        return refs

    def copy(self):
        return copy.copy(self)

    def prefix_references(self, prefix):
        clone = self.copy()
        clone.set_source_expressions([
            F(f"{prefix}{expr.name}") if isinstance(expr, F)
            else expr.prefix_references(prefix)
            for expr in self.get_source_expressions()
        ])
        return clone

    def get_group_by_cols(self):
        if not self.contains_aggregate:
            return [self]
        cols = []
        for source in self.get_source_expressions():
            cols.extend(source.get_group_by_cols())
        return cols

    def get_source_fields(self):
        return [e._output_field_or_none for e in self.get_source_expressions()]

    def asc(self, **kwargs):
        return OrderBy(self, **kwargs)

    def desc(self, **kwargs):
        return OrderBy(self, descending=True, **kwargs)

    def reverse_ordering(self):
        return self

    def flatten(self):
        """Yield this expression and every expression inside it."""
        yield self
        for expr in self.get_source_expressions():
            if expr:
                if hasattr(expr, "flatten"):
                    yield from expr.flatten()
                else:
                    yield expr

    def select_format(self, compiler, sql, params):
        if hasattr(self.output_field, "select_format"):
            return self.output_field.select_format(compiler, sql, params)
        return sql, params


def _to_decimal(value, field):
    if isinstance(value, float):
        context = decimal.Context(prec=field.max_digits or 28)
        value = context.create_decimal_from_float(value)
    else:
        value = decimal.Decimal(value)
    if field.decimal_places is not None:
        value = value.quantize(decimal.Decimal(1).scaleb(-field.decimal_places),
                               context=decimal.Context(prec=field.max_digits or 28))
    return value


@deconstructible
class Expression(BaseExpression, Combinable):
    """An expression that can be combined with others; equality by constructor arguments."""

    @cached_property
    def identity(self):
        args, kwargs = self._constructor_args
        identity = [self.__class__]
        identity.extend(make_hashable(arg) if not isinstance(arg, BaseExpression) else arg
                        for arg in args)
        for key, value in sorted(kwargs.items()):
            if key == "output_field" and value is not None:
                value = (type(value), value.name) if hasattr(value, "name") else type(value)
            identity.append((key, make_hashable(value) if not isinstance(value, BaseExpression)
                             else value))
        return tuple(identity)

    def __eq__(self, other):
        if not isinstance(other, Expression):
            return NotImplemented
        return other.identity == self.identity

    def __hash__(self):
        return hash(self.identity)


# (lhs field class, connector, rhs field class) -> result field class, for arithmetic.
_connector_combinations: list = []


def _build_connector_table():
    f = _fields()
    table = defaultdict(list)
    numeric = [
        (f.IntegerField, f.IntegerField, f.IntegerField),
        (f.FloatField, f.FloatField, f.FloatField),
        (f.DecimalField, f.DecimalField, f.DecimalField),
        (f.IntegerField, f.DecimalField, f.DecimalField),
        (f.DecimalField, f.IntegerField, f.DecimalField),
        (f.IntegerField, f.FloatField, f.FloatField),
        (f.FloatField, f.IntegerField, f.FloatField),
    ]
    for connector in (Combinable.ADD, Combinable.SUB, Combinable.MUL, Combinable.DIV,
                      Combinable.MOD, Combinable.POW):
        table[connector].extend(numeric)
    for connector in (Combinable.BITAND, Combinable.BITOR, Combinable.BITLEFTSHIFT,
                      Combinable.BITRIGHTSHIFT, Combinable.BITXOR):
        table[connector].append((f.IntegerField, f.IntegerField, f.IntegerField))
    # Null literals take the type of the other side.
    null = type(None)
    for connector in list(table):
        for lhs, _, _ in list(table[connector]):
            table[connector].append((lhs, null, lhs))
            table[connector].append((null, lhs, lhs))
    table[Combinable.ADD] += [
        (f.DateField, f.DurationField, f.DateTimeField),
        (f.DateTimeField, f.DurationField, f.DateTimeField),
        (f.TimeField, f.DurationField, f.TimeField),
        (f.DurationField, f.DateField, f.DateTimeField),
        (f.DurationField, f.DateTimeField, f.DateTimeField),
        (f.DurationField, f.TimeField, f.TimeField),
        (f.DurationField, f.DurationField, f.DurationField),
    ]
    table[Combinable.SUB] += [
        (f.DateField, f.DurationField, f.DateTimeField),
        (f.DateTimeField, f.DurationField, f.DateTimeField),
        (f.TimeField, f.DurationField, f.TimeField),
        (f.DurationField, f.DurationField, f.DurationField),
        (f.DateField, f.DateField, f.DurationField),
        (f.DateField, f.DateTimeField, f.DurationField),
        (f.DateTimeField, f.DateField, f.DurationField),
        (f.DateTimeField, f.DateTimeField, f.DurationField),
        (f.TimeField, f.TimeField, f.DurationField),
    ]
    return table


@functools.cache
def _connector_table():
    return _build_connector_table()


def register_combinable_fields(lhs, connector, rhs, result):
    """Declare the result type of ``lhs <connector> rhs`` for custom field types."""
    _connector_table()[connector].append((lhs, rhs, result))
    _resolve_combined_type.cache_clear()


@functools.lru_cache(maxsize=128)
def _resolve_combined_type(connector, lhs_type, rhs_type):
    for combinator_lhs, combinator_rhs, combined in _connector_table().get(connector, ()):
        if issubclass(lhs_type, combinator_lhs) and issubclass(rhs_type, combinator_rhs):
            return combined
    return None


class CombinedExpression(SQLiteNumericMixin, Expression):
    """``lhs <connector> rhs``, e.g. ``F('price') * 2``."""

    def __init__(self, lhs, connector, rhs, output_field=None):
        super().__init__(output_field=output_field)
        self.connector = connector
        self.lhs = lhs
        self.rhs = rhs

    def __repr__(self):
        return f"<{self.__class__.__name__}: {self}>"

    def __str__(self):
        return f"{self.lhs} {self.connector} {self.rhs}"

    def get_source_expressions(self):
        return [self.lhs, self.rhs]

    def set_source_expressions(self, exprs):
        self.lhs, self.rhs = exprs

    def _resolve_output_field(self):
        lhs_type = type(self.lhs._output_field_or_none)
        rhs_type = type(self.rhs._output_field_or_none)
        combined_type = _resolve_combined_type(self.connector, lhs_type, rhs_type)
        if combined_type is None:
            raise FieldError(
                f"Cannot infer type of {self.connector!r} expression involving these types: "
                f"{lhs_type.__name__}, {rhs_type.__name__}. You must set output_field."
            )
        return combined_type()

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False,
                           for_save=False):
        lhs = self.lhs.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        rhs = self.rhs.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        if not isinstance(self, (DurationExpression, TemporalSubtraction)):
            f = _fields()
            try:
                lhs_type = lhs.output_field.get_internal_type()
            except (AttributeError, FieldError):
                lhs_type = None
            try:
                rhs_type = rhs.output_field.get_internal_type()
            except (AttributeError, FieldError):
                rhs_type = None
            if "DurationField" in {lhs_type, rhs_type} and lhs_type != rhs_type:
                return DurationExpression(self.lhs, self.connector, self.rhs).resolve_expression(
                    query, allow_joins, reuse, summarize, for_save)
            datetime_fields = {"DateField", "DateTimeField", "TimeField"}
            if (self.connector == self.SUB and lhs_type in datetime_fields
                    and lhs_type == rhs_type):
                return TemporalSubtraction(self.lhs, self.rhs).resolve_expression(
                    query, allow_joins, reuse, summarize, for_save)
            del f
        c = self.copy()
        c.is_summary = summarize
        c.lhs = lhs
        c.rhs = rhs
        return c

    @cached_property
    def allowed_default(self):
        return self.lhs.allowed_default and self.rhs.allowed_default


class DurationExpression(CombinedExpression):
    """Arithmetic between a duration and a date/time (or another duration)."""


class TemporalSubtraction(CombinedExpression):
    """``date - date``, ``datetime - datetime``: a duration."""

    def __init__(self, lhs, rhs):
        super().__init__(lhs, self.SUB, rhs, output_field=_fields().DurationField())


@deconstructible(path="reinhardt.orm.models.F")
class F(Combinable):
    """A reference to a field (or annotation) of the model being queried."""

    allowed_default = False

    def __init__(self, name: str):
        self.name = name

    def __repr__(self):
        return f"{type(self).__name__}({self.name})"

    def __eq__(self, other):
        return type(other) is type(self) and other.name == self.name

    def __hash__(self):
        return hash(self.name)

    def __getitem__(self, subscript):
        return Sliced(self, subscript)

    def __contains__(self, other):
        # Without this, ``x in F(...)`` would fall back to __getitem__ and loop forever.
        raise TypeError(f"argument of type '{type(self).__name__}' is not iterable")

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False,
                           for_save=False):
        # The query knows how to turn a name (possibly spanning relations) into a column.
        return query.resolve_ref(self.name, allow_joins, reuse, summarize)

    def replace_expressions(self, replacements):
        return replacements.get(self, self)

    def copy(self):
        return copy.copy(self)

    asc = BaseExpression.asc
    desc = BaseExpression.desc


class _OuterReference(F):
    """Shared by OuterRef and its resolved form: neither aggregates nor is relabelled."""

    contains_aggregate = False
    contains_over_clause = False

    def relabeled_clone(self, relabels):
        # Relabelling concerns the inner query's aliases; an outer reference keeps its own.
        return self


class ResolvedOuterRef(_OuterReference):
    """An OuterRef resolved against the inner query: a column of the outer query."""

    def as_sql(self, *args, **kwargs):
        raise ValueError(
            "This queryset contains a reference to an outer query and may only be used in a "
            "subquery."
        )

    def resolve_expression(self, *args, **kwargs):
        column = F.resolve_expression(self, *args, **kwargs)
        if column.contains_over_clause:
            raise FieldError(
                f"Referencing outer query window expression is not supported: {self.name}."
            )
        # A reference through a relation may match several rows of the outer query.
        column.possibly_multivalued = LOOKUP_SEP in self.name
        return column

    def get_group_by_cols(self):
        return []


class OuterRef(_OuterReference):
    """A reference to a field of the outer query, inside a Subquery or Exists."""

    def resolve_expression(self, *args, **kwargs):
        # OuterRef(OuterRef("x")) reaches two levels out: peel one level per resolution.
        name = self.name
        return name if isinstance(name, type(self)) else ResolvedOuterRef(name)


def _slice_bounds(subscript):
    """Translate an index or slice into a 1-based (start, length); length None = to the end."""
    if isinstance(subscript, int):
        if subscript < 0:
            raise ValueError("Negative indexing is not supported.")
        return subscript + 1, 1
    if not isinstance(subscript, slice):
        raise TypeError("Argument to slice must be either int or slice instance.")
    lo, hi = subscript.start, subscript.stop
    if any(bound is not None and bound < 0 for bound in (lo, hi)):
        raise ValueError("Negative indexing is not supported.")
    if subscript.step is not None:
        raise ValueError("Step argument is not supported.")
    if lo and hi and hi < lo:
        raise ValueError("Slice stop must be greater than slice start.")
    lo = lo or 0
    return lo + 1, (None if hi is None else hi - lo)


class Sliced(F):
    """``F('field')[start:stop]`` on text or arrays."""

    def __init__(self, obj, subscript):
        super().__init__(obj.name)
        self.obj = obj
        self.start, self.length = _slice_bounds(subscript)

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False,
                           for_save=False):
        field_ref = query.resolve_ref(self.name, allow_joins, reuse, summarize)
        target = field_ref
        if isinstance(self.obj, (OuterRef, type(self))):
            target = self.obj.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        return field_ref.output_field.slice_expression(target, self.start, self.length)


@deconstructible(path="reinhardt.orm.models.Func")
class Func(SQLiteNumericMixin, Expression):
    """A database function call: ``function(expr, ...)`` rendered through ``template``."""

    function = None
    template = "%(function)s(%(expressions)s)"
    arg_joiner = ", "
    arity = None  # The number of arguments the function accepts.

    def __init__(self, *expressions, output_field=None, **extra):
        given = len(expressions)
        if self.arity is not None and given != self.arity:
            noun = "argument" if self.arity == 1 else "arguments"
            raise TypeError(
                f"'{type(self).__name__}' takes exactly {self.arity} {noun} ({given} given)"
            )
        super().__init__(output_field=output_field)
        self.source_expressions = self._parse_expressions(*expressions)
        self.extra = extra

    def __repr__(self):
        name = type(self).__name__
        shown = self.arg_joiner.join(map(str, self.source_expressions))
        options = self.extra | self._get_repr_options()
        if not options:
            return f"{name}({shown})"
        rendered = ", ".join(f"{key}={options[key]}" for key in sorted(options))
        return f"{name}({shown}, {rendered})"

    def _get_repr_options(self):
        return {}

    def get_source_expressions(self):
        return self.source_expressions

    def set_source_expressions(self, exprs):
        self.source_expressions = exprs

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False,
                           for_save=False):
        resolved = self.copy()
        resolved.is_summary = summarize
        resolved.source_expressions = [
            arg.resolve_expression(query, allow_joins, reuse, summarize, for_save)
            for arg in resolved.source_expressions
        ]
        return resolved

    def copy(self):
        # The argument list and extra options are per instance: don't share them with clones.
        clone = super().copy()
        clone.source_expressions = list(self.source_expressions)
        clone.extra = dict(self.extra)
        return clone

    @cached_property
    def allowed_default(self):
        return all(expression.allowed_default for expression in self.source_expressions)


@deconstructible(path="reinhardt.orm.models.Value")
class Value(SQLiteNumericMixin, Expression):
    """A literal value, passed to the database as a parameter."""

    for_save = False
    allowed_default = True

    def __init__(self, value, output_field=None):
        super().__init__(output_field=output_field)
        self.value = value

    def __repr__(self):
        return f"{self.__class__.__name__}({self.value!r})"

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False,
                           for_save=False):
        c = super().resolve_expression(query, allow_joins, reuse, summarize, for_save)
        c.for_save = for_save
        return c

    def get_group_by_cols(self):
        return []

    # Python type -> field class name, most specific first (bool before int, datetime
    # before date).
    _INFERRED_FIELDS = (
        (str, "CharField"), (bool, "BooleanField"), (int, "IntegerField"),
        (float, "FloatField"), (datetime.datetime, "DateTimeField"),
        (datetime.date, "DateField"), (datetime.time, "TimeField"),
        (datetime.timedelta, "DurationField"), (decimal.Decimal, "DecimalField"),
        (bytes, "BinaryField"), (uuid.UUID, "UUIDField"),
    )

    def _resolve_output_field(self):
        for python_type, field_name in self._INFERRED_FIELDS:
            if isinstance(self.value, python_type):
                return getattr(_fields(), field_name)()
        return None

    @property
    def empty_result_set_value(self):
        return self.value


class DurationValue(Value):
    pass


class RawSQL(Expression):
    """A fragment of SQL with its parameters (SQL backends only)."""

    allowed_default = True

    def __init__(self, sql, params, output_field=None):
        if output_field is None:
            output_field = _fields().Field()
        self.sql, self.params = sql, params
        super().__init__(output_field=output_field)

    def __repr__(self):
        return f"{self.__class__.__name__}({self.sql}, {self.params})"

    def get_group_by_cols(self):
        return [self]

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False,
                           for_save=False):
        return super().resolve_expression(query, allow_joins, reuse, summarize, for_save)


class Star(Expression):
    """``*``, as in COUNT(*)."""

    def __repr__(self):
        return "'*'"


class DatabaseDefault(Expression):
    """The database-side default of a column (``db_default``)."""

    def __init__(self, expression, output_field=None):
        super().__init__(output_field)
        self.expression = expression

    def get_source_expressions(self):
        return [self.expression]

    def set_source_expressions(self, exprs):
        (self.expression,) = exprs


class Col(Expression):
    """A column of a table alias in the query: the resolved form of a field reference."""

    contains_column_references = True
    possibly_multivalued = False

    def __init__(self, alias, target, output_field=None):
        if output_field is None:
            output_field = target
        super().__init__(output_field=output_field)
        self.alias, self.target = alias, target

    def __repr__(self):
        alias, target = self.alias, self.target
        identifiers = (alias, str(target)) if alias else (str(target),)
        return "{}({})".format(self.__class__.__name__, ", ".join(identifiers))

    @cached_property
    def identity(self):
        return (Col, self.alias, self.target, self.output_field)

    def relabeled_clone(self, relabels):
        if self.alias is None:
            return self
        return self.__class__(relabels.get(self.alias, self.alias), self.target,
                              self.output_field)

    def get_group_by_cols(self):
        return [self]

    def get_db_converters(self, connection):
        if self.target == self.output_field:
            return self.output_field.get_db_converters(connection)
        return self.output_field.get_db_converters(connection) + \
            self.target.get_db_converters(connection)


class Ref(Expression):
    """A reference to an annotation (or selected expression) of the same query by name."""

    def __init__(self, refs, source):
        super().__init__()
        self.refs, self.source = refs, source

    def __repr__(self):
        return f"{self.__class__.__name__}({self.refs}, {self.source})"

    @cached_property
    def identity(self):
        return (Ref, self.refs, self.source)

    def get_source_expressions(self):
        return [self.source]

    def set_source_expressions(self, exprs):
        (self.source,) = exprs

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False,
                           for_save=False):
        return self

    def get_refs(self):
        return {self.refs}

    def relabeled_clone(self, relabels):
        clone = self.copy()
        clone.source = self.source.relabeled_clone(relabels)
        return clone

    def get_group_by_cols(self):
        return [self]


class PositionRef(Ref):
    """A reference to the ``ordinal``-th selected column (ORDER BY 2)."""

    def __init__(self, ordinal, refs, source):
        self.ordinal = ordinal
        super().__init__(refs, source)

    @cached_property
    def identity(self):
        return (PositionRef, self.ordinal, self.refs, self.source)


class ExpressionList(Func):
    """Expressions separated by commas (used in ORDER BY and PARTITION BY clauses)."""

    template = "%(expressions)s"

    def __str__(self):
        return self.arg_joiner.join(str(arg) for arg in self.source_expressions)

    def _resolve_output_field(self):
        return None


class OrderByList(ExpressionList):
    template = "ORDER BY %(expressions)s"

    def __init__(self, *expressions, **extra):
        expressions = (
            (
                OrderBy(F(expr[1:]), descending=True)
                if isinstance(expr, str) and expr[0] == "-"
                else expr
            )
            for expr in expressions
        )
        super().__init__(*expressions, **extra)


@deconstructible(path="reinhardt.orm.models.ExpressionWrapper")
class ExpressionWrapper(SQLiteNumericMixin, Expression):
    """Wraps an expression to give it an explicit output_field."""

    def __init__(self, expression, output_field):
        super().__init__(output_field=output_field)
        self.expression = expression

    def set_source_expressions(self, exprs):
        self.expression = exprs[0]

    def get_source_expressions(self):
        return [self.expression]

    def get_group_by_cols(self):
        if isinstance(self.expression, Expression):
            expression = self.expression.copy()
            expression.output_field = self.output_field
            return expression.get_group_by_cols()
        return super().get_group_by_cols()

    def __repr__(self):
        return f"{self.__class__.__name__}({self.expression})"

    @property
    def allowed_default(self):
        return self.expression.allowed_default


class NegatedExpression(ExpressionWrapper):
    """``~expression`` on a boolean expression."""

    def __init__(self, expression):
        super().__init__(expression, output_field=_fields().BooleanField())

    def __invert__(self):
        return self.expression.copy()

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False,
                           for_save=False):
        resolved = super().resolve_expression(query, allow_joins, reuse, summarize, for_save)
        if not getattr(resolved.expression, "conditional", False):
            raise TypeError("Cannot negate non-conditional expressions.")
        return resolved

    def select_format(self, compiler, sql, params):
        return compiler.connection.ops.boolean_select_format(self, sql, params) \
            if hasattr(compiler.connection.ops, "boolean_select_format") else (sql, params)


@deconstructible(path="reinhardt.orm.models.When")
class When(Expression):
    """``WHEN condition THEN result`` inside a Case."""

    template = "WHEN %(condition)s THEN %(result)s"
    # When() is only valid inside Case().
    conditional = False

    def __init__(self, condition=None, then=None, **lookups):
        if lookups:
            if condition is None:
                condition, lookups = Q(**lookups), None
            elif getattr(condition, "conditional", False):
                condition, lookups = Q(condition, **lookups), None
        if condition is None or not getattr(condition, "conditional", False) or lookups:
            raise TypeError(
                "When() supports a Q object, a boolean expression, or lookups as a condition."
            )
        if isinstance(condition, Q) and not condition:
            raise ValueError("An empty Q() can't be used as a When() condition.")
        super().__init__(output_field=None)
        self.condition = condition
        self.result = self._parse_expressions(then)[0]

    def __str__(self):
        return f"WHEN {self.condition!r} THEN {self.result!r}"

    def __repr__(self):
        return f"<{self.__class__.__name__}: {self}>"

    def get_source_expressions(self):
        return [self.condition, self.result]

    def set_source_expressions(self, exprs):
        self.condition, self.result = exprs

    def get_source_fields(self):
        # The output type comes from the result, not from the condition.
        return [self.result._output_field_or_none]

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False,
                           for_save=False):
        c = self.copy()
        c.is_summary = summarize
        if hasattr(c.condition, "resolve_expression"):
            c.condition = c.condition.resolve_expression(query, allow_joins, reuse, summarize,
                                                         False)
        c.result = c.result.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        return c

    def get_group_by_cols(self):
        cols = []
        for source in self.get_source_expressions():
            cols.extend(source.get_group_by_cols())
        return cols

    @cached_property
    def allowed_default(self):
        return self.condition.allowed_default and self.result.allowed_default


@deconstructible(path="reinhardt.orm.models.Case")
class Case(SQLiteNumericMixin, Expression):
    """``CASE WHEN ... THEN ... ELSE default END``."""

    template = "CASE %(cases)s ELSE %(default)s END"
    case_joiner = " "

    def __init__(self, *cases, default=None, output_field=None, **extra):
        if not all(isinstance(case, When) for case in cases):
            raise TypeError("Positional arguments must all be When objects.")
        super().__init__(output_field)
        self.cases = list(cases)
        self.default = self._parse_expressions(default)[0]
        self.extra = extra

    def __str__(self):
        return "CASE %s, ELSE %r" % (", ".join(str(c) for c in self.cases), self.default)

    def __repr__(self):
        return f"<{self.__class__.__name__}: {self}>"

    def get_source_expressions(self):
        return self.cases + [self.default]

    def set_source_expressions(self, exprs):
        *self.cases, self.default = exprs

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False,
                           for_save=False):
        c = self.copy()
        c.is_summary = summarize
        for pos, case in enumerate(c.cases):
            c.cases[pos] = case.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        c.default = c.default.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        return c

    def copy(self):
        c = super().copy()
        c.cases = c.cases[:]
        return c

    def get_group_by_cols(self):
        if not self.cases:
            return self.default.get_group_by_cols()
        return super().get_group_by_cols()

    @cached_property
    def allowed_default(self):
        return self.default.allowed_default and all(
            case_.allowed_default for case_ in self.cases)


class Subquery(BaseExpression, Combinable):
    """A QuerySet used as an expression; may reference the outer query through OuterRef."""

    template = "(%(subquery)s)"
    contains_aggregate = False
    empty_result_set_value = None
    subquery = True

    def __init__(self, queryset, output_field=None, **extra):
        # Accepts a QuerySet or a bare Query.
        self.query = getattr(queryset, "query", queryset).clone()
        self.query.subquery = True
        self.extra = extra
        super().__init__(output_field)

    def get_source_expressions(self):
        return [self.query]

    def set_source_expressions(self, exprs):
        self.query = exprs[0]

    def _resolve_output_field(self):
        return self.query.output_field

    def copy(self):
        clone = super().copy()
        clone.query = clone.query.clone()
        return clone

    @property
    def external_aliases(self):
        return self.query.external_aliases

    def get_external_cols(self):
        return self.query.get_external_cols()

    def get_group_by_cols(self):
        return self.query.get_group_by_cols(wrapper=self)

    @cached_property
    def identity(self):
        return (Subquery, id(self.query))

    def __eq__(self, other):
        if not isinstance(other, Subquery):
            return NotImplemented
        return self.query is other.query

    def __hash__(self):
        return hash(id(self.query))


class Exists(Subquery):
    """``EXISTS(subquery)``: a boolean expression, usable directly in filter()."""

    template = "EXISTS(%(subquery)s)"
    empty_result_set_value = False

    def __init__(self, queryset, **kwargs):
        super().__init__(queryset, **kwargs)
        self.query = self.query.exists()

    def select_format(self, compiler, sql, params):
        return compiler.boolean_select_format(self, sql, params)

    def _resolve_output_field(self):
        return _fields().BooleanField()


@deconstructible(path="reinhardt.orm.models.OrderBy")
class OrderBy(Expression):
    """An ordering term: expression, direction and where NULLs go."""

    template = "%(expression)s %(ordering)s"
    conditional = False

    def __init__(self, expression, descending=False, nulls_first=None, nulls_last=None):
        # Validate the null placement first: only True or None are meaningful, never both.
        if nulls_first and nulls_last:
            raise ValueError("nulls_first and nulls_last are mutually exclusive")
        if False in (nulls_first, nulls_last):
            raise ValueError("nulls_first and nulls_last values must be True or None.")
        if not hasattr(expression, "resolve_expression"):
            raise ValueError("expression must be an expression type")
        self.expression = expression
        self.descending = descending
        self.nulls_first, self.nulls_last = nulls_first, nulls_last

    def __repr__(self):
        return f"{type(self).__name__}({self.expression}, descending={self.descending})"

    def get_source_expressions(self):
        return [self.expression]

    def set_source_expressions(self, exprs):
        (self.expression,) = exprs

    def get_group_by_cols(self):
        # An ordering term never groups by itself, only by what it orders on.
        return list(self.expression.get_group_by_cols())

    def reverse_ordering(self):
        self.descending = not self.descending
        # Flipping the direction also moves NULLs to the other end.
        if self.nulls_first or self.nulls_last:
            self.nulls_first, self.nulls_last = (
                (None, True) if self.nulls_first else (True, None)
            )
        return self

    def asc(self):
        self.descending = False

    def desc(self):
        self.descending = True


def _as_order_by_list(order_by):
    if isinstance(order_by, (list, tuple)):
        return OrderByList(*order_by)
    if isinstance(order_by, (BaseExpression, str)):
        return OrderByList(order_by)
    raise ValueError(
        "Window.order_by must be either a string reference to a field, an "
        "expression, or a list or tuple of them."
    )


class Window(SQLiteNumericMixin, Expression):
    """``expression OVER (PARTITION BY ... ORDER BY ... frame)``."""

    template = "%(expression)s OVER (%(window)s)"
    contains_aggregate = False
    contains_over_clause = True

    def __init__(self, expression, partition_by=None, order_by=None, frame=None,
                 output_field=None):
        if not getattr(expression, "window_compatible", False):
            raise ValueError(
                f"Expression '{type(expression).__name__}' isn't compatible with OVER clauses."
            )
        if partition_by is not None:
            parts = partition_by if isinstance(partition_by, (tuple, list)) else [partition_by]
            partition_by = ExpressionList(*parts)
        self.partition_by = partition_by
        self.order_by = None if order_by is None else _as_order_by_list(order_by)
        self.frame = frame
        super().__init__(output_field=output_field)
        (self.source_expression,) = self._parse_expressions(expression)

    def _resolve_output_field(self):
        return self.source_expression.output_field

    _SLOTS = ("source_expression", "partition_by", "order_by", "frame")

    def get_source_expressions(self):
        return [getattr(self, slot) for slot in self._SLOTS]

    def set_source_expressions(self, exprs):
        for slot, expr in zip(self._SLOTS, exprs, strict=True):
            setattr(self, slot, expr)

    def __str__(self):
        partition = f"PARTITION BY {self.partition_by}" if self.partition_by else ""
        return f"{self.source_expression} OVER ({partition}{self.order_by or ''}{self.frame or ''})"

    def __repr__(self):
        return f"<{type(self).__qualname__}: {self}>"

    def get_group_by_cols(self):
        return [
            col
            for part in (self.partition_by or None, self.order_by)
            if part is not None
            for col in part.get_group_by_cols()
        ]


class WindowFrameExclusion:
    CURRENT_ROW = "CURRENT ROW"
    GROUP = "GROUP"
    TIES = "TIES"
    NO_OTHERS = "NO OTHERS"


def _frame_bound(offset, direction):
    """Describe one frame bound: ``None`` is unbounded, 0 the current row, else N rows away."""
    if offset is None:
        return f"UNBOUNDED {direction}"
    if offset == 0:
        return "CURRENT ROW"
    return "%d %s" % (abs(offset), direction)


class WindowFrame(Expression):
    """A window frame: ``ROWS|RANGE BETWEEN start AND end``."""

    template = "%(frame_type)s BETWEEN %(start)s AND %(end)s%(exclude)s"
    frame_type = None

    def __init__(self, start=None, end=None, exclusion=None):
        self.start, self.end = Value(start), Value(end)
        self.exclusion = exclusion

    def get_source_expressions(self):
        return [self.start, self.end]

    def set_source_expressions(self, exprs):
        self.start, self.end = exprs

    def get_group_by_cols(self):
        return []

    def __str__(self):
        start, end = self.start.value, self.end.value
        # A positive start or a negative end is outside what the frame syntax can express
        # and is shown as unbounded, like the SQL rendering treats it.
        start_text = _frame_bound(start if start is None or start <= 0 else None, "PRECEDING")
        end_text = _frame_bound(end if end is None or end >= 0 else None, "FOLLOWING")
        return f"{self.frame_type} BETWEEN {start_text} AND {end_text}"

    def __repr__(self):
        return f"<{type(self).__qualname__}: {self}>"


class RowRange(WindowFrame):
    frame_type = "ROWS"


class ValueRange(WindowFrame):
    frame_type = "RANGE"


def is_builtin_node(cls) -> bool:
    """Whether a node class is one of reinhardt's own (rendered by compiler visitors)."""
    return cls.__module__.startswith("reinhardt.")


def signature_accepts(func, name: str) -> bool:
    try:
        return name in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


__all__ = [
    "Combinable", "BaseExpression", "Expression", "CombinedExpression", "DurationExpression",
    "TemporalSubtraction", "F", "ResolvedOuterRef", "OuterRef", "Func", "Value", "RawSQL",
    "Star", "Col", "Ref", "ExpressionList", "OrderByList", "ExpressionWrapper",
    "NegatedExpression", "When", "Case", "Subquery", "Exists", "OrderBy", "Window",
    "WindowFrame", "RowRange", "ValueRange", "WindowFrameExclusion", "DatabaseDefault",
    "register_combinable_fields", "Any",
]
