"""Query expressions: F, Value, Func, Case/When, Subquery, Exists, OrderBy, Window, ...

Expressions are backend-neutral data. Each backend's compiler renders them (the SQL compiler
in ``backends/sql``); an expression class written for Django that defines ``as_sql`` (or
``as_<vendor>``) is rendered by that method instead, so third-party expressions keep working.

Node classes name the attributes that hold their child expressions in ``_child_attrs``;
``get_source_expressions``/``set_source_expressions`` are generated from that declaration
when the class is built (a ``*name`` entry is a list of children), so the generic tree
walks (resolve, relabel, replace, flatten) cost no more than hand-written accessors.
"""

from __future__ import annotations

import copy
import datetime
import decimal
import functools
import inspect
import uuid
from typing import Any

from reinhardt.core.exceptions import FieldError
from reinhardt.orm.models.constants import LOOKUP_SEP
from reinhardt.orm.models.query_utils import Q
from reinhardt.utils.deconstruct import deconstructible
from reinhardt.utils.functional import cached_property
from reinhardt.utils.hashable import make_hashable


def _fields():
    # Fields import this module; look them up lazily.
    from reinhardt.orm.models import fields

    return fields


# ----- child-expression accessors, generated per class -------------------------------------


def _child_accessors(attrs):
    """Source of ``get_source_expressions``/``set_source_expressions`` for ``attrs``."""
    starred = [name for name in attrs if name.startswith("*")]
    if len(attrs) == 1 and starred:
        # A single list attribute is handed out as is (Func's argument list).
        list_attr = attrs[0][1:]
        read = f"self.{list_attr}"
        write = f"self.{list_attr} = exprs"
    else:
        read = "[" + ", ".join(f"*self.{n[1:]}" if n in starred else f"self.{n}"
                               for n in attrs) + "]"
        targets = ", ".join(f"*self.{n[1:]}" if n in starred else f"self.{n}" for n in attrs)
        write = f"{targets}, = exprs" if len(attrs) == 1 else f"{targets} = exprs"
    source = (f"def get_source_expressions(self):\n    return {read}\n"
              f"def set_source_expressions(self, exprs):\n    {write}\n")
    namespace: dict = {}
    exec(compile(source, f"<child accessors {attrs}>", "exec"), namespace)  # noqa: S102
    return namespace["get_source_expressions"], namespace["set_source_expressions"]


def _as_expression(arg):
    """Plain arguments become expressions: strings name fields, anything else is a value."""
    if hasattr(arg, "resolve_expression"):
        return arg
    return F(arg) if isinstance(arg, str) else Value(arg)


# ----- operators ---------------------------------------------------------------------------


class SQLiteNumericMixin:
    """Kept for Django compatibility: SQLite casts DecimalField results in its compiler."""


class Combinable:
    """Arithmetic and bitwise operators that build CombinedExpressions."""

    ADD, SUB, MUL, DIV, POW, MOD = "+", "-", "*", "/", "^", "%%"
    BITAND, BITOR, BITXOR = "&", "|", "#"
    BITLEFTSHIFT, BITRIGHTSHIFT = "<<", ">>"

    def _combine(self, other, connector, reversed):
        """Build ``self <connector> other`` (or the mirror image when ``reversed``)."""
        if not hasattr(other, "resolve_expression"):
            if isinstance(other, datetime.timedelta):
                other = DurationValue(other, output_field=_fields().DurationField())
            else:
                other = Value(other)
        if reversed:
            return CombinedExpression(other, connector, self)
        return CombinedExpression(self, connector, other)

    def __invert__(self):
        return NegatedExpression(self)

    def __neg__(self):
        return self._combine(-1, self.MUL, False)


_BITWISE_HINT = "Use .bitand(), .bitor(), and .bitxor() for bitwise logical operations."

# method name -> (connector attribute, operands swapped)
_OPERATOR_METHODS = {
    "bitand": ("BITAND", False), "bitor": ("BITOR", False), "bitxor": ("BITXOR", False),
    "bitleftshift": ("BITLEFTSHIFT", False), "bitrightshift": ("BITRIGHTSHIFT", False),
}
for _name, _attr in (("add", "ADD"), ("sub", "SUB"), ("mul", "MUL"), ("truediv", "DIV"),
                     ("mod", "MOD"), ("pow", "POW")):
    _OPERATOR_METHODS[f"__{_name}__"] = (_attr, False)
    _OPERATOR_METHODS[f"__r{_name}__"] = (_attr, True)


def _operator_method(name, connector_attr, swapped):
    def method(self, other):
        return self._combine(other, getattr(self, connector_attr), swapped)

    method.__name__ = method.__qualname__ = name
    return method


def _boolean_operator(name):
    def method(self, other):
        # Two conditions combine as Q objects; anything else wants the bit* methods.
        if getattr(self, "conditional", False) and getattr(other, "conditional", False):
            return getattr(Q(self), name)(Q(other))
        raise NotImplementedError(_BITWISE_HINT)

    method.__name__ = method.__qualname__ = name
    return method


def _refuse_reflected_boolean(self, other):
    raise NotImplementedError(_BITWISE_HINT)


for _name, (_attr, _swapped) in _OPERATOR_METHODS.items():
    setattr(Combinable, _name, _operator_method(_name, _attr, _swapped))
for _name in ("__and__", "__or__", "__xor__"):
    setattr(Combinable, _name, _boolean_operator(_name))
    setattr(Combinable, _name.replace("__", "__r", 1), _refuse_reflected_boolean)
del _name, _attr, _swapped


# ----- value conversion ----------------------------------------------------------------------


def _float_or_none(value, expression, connection):
    return value if value is None else float(value)


def _int_or_none(value, expression, connection):
    return value if value is None else int(value)


def _decimal_converter(field):
    def convert(value, expression, connection):
        return value if value is None else _to_decimal(value, field)

    return convert


def _to_decimal(value, field):
    precision = decimal.Context(prec=field.max_digits or 28)
    if isinstance(value, float):
        number = precision.create_decimal_from_float(value)
    else:
        number = decimal.Decimal(value)
    if field.decimal_places is None:
        return number
    return number.quantize(decimal.Decimal(1).scaleb(-field.decimal_places), context=precision)


# ----- the expression protocol ---------------------------------------------------------------


class BaseExpression:
    """The protocol every expression follows (resolution, output field, source expressions)."""

    is_summary = False
    _output_field_resolved_to_none = False
    allowed_default = False  # usable as a field's db_default
    constraint_validation_compatible = True
    filterable = True  # usable in filter()
    window_compatible = False  # usable inside Window()
    # What the expression evaluates to over no rows; NotImplemented: ask the database.
    empty_result_set_value = NotImplemented
    _child_attrs: tuple = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        attrs = cls.__dict__.get("_child_attrs")
        if attrs and "get_source_expressions" not in cls.__dict__:
            cls.get_source_expressions, cls.set_source_expressions = _child_accessors(attrs)

    def __init__(self, output_field=None):
        if output_field is None:
            return
        self.output_field = output_field

    def __getstate__(self):
        # The converter may be a closure; it is rebuilt on demand after unpickling.
        state = dict(self.__dict__)
        state.pop("convert_value", None)
        return state

    def get_source_expressions(self):
        return []

    def set_source_expressions(self, exprs):
        if exprs:
            raise ValueError(f"{type(self).__name__} takes no source expressions.")

    def _parse_expressions(self, *expressions):
        return [_as_expression(arg) for arg in expressions]

    def as_sql(self, compiler, connection, **extra_context):
        """Render with the compiler's built-in rendering of the nearest reinhardt class.

        A Django-style subclass overriding ``as_sql`` may call ``super().as_sql(...)`` with
        ``template=``/``function=`` and friends; they are passed through to the compiler.
        """
        return compiler.compile_builtin(self, **extra_context)

    # -- what the tree below contains (cached: expressions are rebuilt, not mutated) --

    def _any_child(self, flag):
        return any(child and getattr(child, flag) for child in self.get_source_expressions())

    @cached_property
    def contains_aggregate(self) -> bool:
        return self._any_child("contains_aggregate")

    @cached_property
    def contains_over_clause(self) -> bool:
        return self._any_child("contains_over_clause")

    @cached_property
    def contains_column_references(self) -> bool:
        return self._any_child("contains_column_references")

    @cached_property
    def contains_subquery(self) -> bool:
        return any(
            child and (getattr(child, "subquery", False) or child.contains_subquery)
            for child in self.get_source_expressions()
        )

    # -- resolution and tree rewriting --

    def resolve_expression(self, query=None, allow_joins=True, reuse=None,
                           summarize=False, for_save=False):
        """Return a copy whose field references are columns of ``query``."""
        resolved = self.copy()
        resolved.is_summary = summarize
        resolved.set_source_expressions([
            child.resolve_expression(query, allow_joins, reuse, summarize) if child else None
            for child in resolved.get_source_expressions()
        ])
        return resolved

    def _rebuilt(self, rewrite, skip_falsy=False):
        """A copy whose children are ``rewrite(child)``; missing children stay None."""
        clone = self.copy()
        clone.set_source_expressions([
            None if (not child if skip_falsy else child is None) else rewrite(child)
            for child in self.get_source_expressions()
        ])
        return clone

    def relabeled_clone(self, change_map):
        return self._rebuilt(lambda child: child.relabeled_clone(change_map))

    def replace_expressions(self, replacements):
        replacement = replacements.get(self)
        if replacement:
            return replacement
        if not self.get_source_expressions():
            return self
        return self._rebuilt(lambda child: child.replace_expressions(replacements),
                             skip_falsy=True)

    def prefix_references(self, prefix):
        def prefixed(child):
            if isinstance(child, F):
                return F(prefix + child.name)
            return child.prefix_references(prefix)

        return self._rebuilt(prefixed)

    def copy(self):
        return copy.copy(self)

    def get_refs(self) -> set:
        return set().union(*(child.get_refs() for child in self.get_source_expressions()
                             if child is not None))

    def flatten(self):
        """Yield this expression and every expression inside it."""
        yield self
        for child in filter(None, self.get_source_expressions()):
            if hasattr(child, "flatten"):
                yield from child.flatten()
            else:
                yield child

    def get_group_by_cols(self):
        if self.contains_aggregate:
            # Group by the plain parts around the aggregate, never by the aggregate itself.
            return [col for child in self.get_source_expressions()
                    for col in child.get_group_by_cols()]
        return [self]

    # -- type of the result --

    @property
    def conditional(self) -> bool:
        return isinstance(self.output_field, _fields().BooleanField)

    @property
    def field(self):
        return self.output_field

    @cached_property
    def output_field(self):
        """The field type of this expression's value, inferred from its sources."""
        inferred = self._resolve_output_field()
        if inferred is not None:
            return inferred
        self._output_field_resolved_to_none = True
        raise FieldError(
            f"Cannot resolve expression type of {self!r}: unknown output_field. "
            "Set output_field=."
        )

    @cached_property
    def _output_field_or_none(self):
        """The output field, or None when it cannot be inferred (a mixed-type error still
        propagates)."""
        try:
            field = self.output_field
        except FieldError:
            if not self._output_field_resolved_to_none:
                raise
            field = None
        return field

    def get_source_fields(self):
        return [child._output_field_or_none for child in self.get_source_expressions()]

    def _resolve_output_field(self):
        """The common type of the sources whose type is known; mixed types are an error."""
        known = [field for field in self.get_source_fields() if field is not None]
        if not known:
            return None
        first = known[0]
        for other in known[1:]:
            if not isinstance(first, type(other)):
                raise FieldError(
                    f"Expression contains mixed types: {type(first).__name__}, "
                    f"{type(other).__name__}. You must set output_field."
                )
        return first

    def get_lookup(self, lookup):
        return self.output_field.get_lookup(lookup)

    @staticmethod
    def _convert_value_noop(value, expression, connection):
        return value

    @cached_property
    def convert_value(self):
        """Coerce a database value to the output field's Python type (numbers)."""
        field = self.output_field
        kind = field.get_internal_type()
        if kind == "FloatField":
            return _float_or_none
        if kind.endswith("IntegerField"):
            return _int_or_none
        if kind == "DecimalField":
            return _decimal_converter(field)
        return self._convert_value_noop

    def get_db_converters(self, connection):
        own = self.convert_value
        field_converters = self.output_field.get_db_converters(connection)
        if own is self._convert_value_noop:
            return list(field_converters)
        return [own, *field_converters]

    def get_transform(self, name):
        return self.output_field.get_transform(name)

    def select_format(self, compiler, sql, params):
        formatter = getattr(self.output_field, "select_format", None)
        if formatter is None:
            return sql, params
        return formatter(compiler, sql, params)

    # -- ordering --

    def desc(self, **kwargs):
        return OrderBy(self, descending=True, **kwargs)

    def asc(self, **kwargs):
        return OrderBy(self, **kwargs)

    def reverse_ordering(self):
        # Only OrderBy has a direction to flip.
        return self


def _identity_part(value):
    return value if isinstance(value, BaseExpression) else make_hashable(value)


@deconstructible
class Expression(BaseExpression, Combinable):
    """An expression that can be combined with others; equality by constructor arguments."""

    @cached_property
    def identity(self):
        args, kwargs = self._constructor_args
        parts = [type(self), *map(_identity_part, args)]
        for key in sorted(kwargs):
            value = kwargs[key]
            if key == "output_field" and value is not None:
                # Field instances compare by creation order: use type and name instead.
                value = (type(value), value.name) if hasattr(value, "name") else type(value)
            parts.append((key, _identity_part(value)))
        return tuple(parts)

    def __hash__(self):
        return hash(self.identity)

    def __eq__(self, other):
        if isinstance(other, Expression):
            return self.identity == other.identity
        return NotImplemented


# ----- arithmetic result types ---------------------------------------------------------------


@functools.cache
def _connector_table():
    """connector -> [(lhs field class, rhs field class, result field class), ...]."""
    f = _fields()
    same_numbers = [(kind, kind, kind) for kind in (f.IntegerField, f.FloatField,
                                                    f.DecimalField)]
    mixed_numbers = [
        (f.IntegerField, f.DecimalField, f.DecimalField),
        (f.DecimalField, f.IntegerField, f.DecimalField),
        (f.IntegerField, f.FloatField, f.FloatField),
        (f.FloatField, f.IntegerField, f.FloatField),
    ]
    arithmetic = same_numbers + mixed_numbers
    table = {op: list(arithmetic) for op in "+ - * / %% ^".split()}
    for op in ("&", "|", "<<", ">>", "#"):
        table[op] = [(f.IntegerField, f.IntegerField, f.IntegerField)]
    # A NULL literal takes the type of the other operand.
    none = type(None)
    for rules in table.values():
        rules += [rule for lhs, _, _ in list(rules) for rule in ((lhs, none, lhs),
                                                                 (none, lhs, lhs))]
    moments = [(f.DateField, f.DateTimeField), (f.DateTimeField, f.DateTimeField),
               (f.TimeField, f.TimeField)]  # (operand type, type after shifting it)
    for moment, shifted in moments:
        table["+"].append((moment, f.DurationField, shifted))
        table["-"].append((moment, f.DurationField, shifted))
    for moment, shifted in moments:
        table["+"].append((f.DurationField, moment, shifted))
    table["+"].append((f.DurationField, f.DurationField, f.DurationField))
    table["-"].append((f.DurationField, f.DurationField, f.DurationField))
    for lhs, rhs in ((f.DateField, f.DateField), (f.DateField, f.DateTimeField),
                     (f.DateTimeField, f.DateField), (f.DateTimeField, f.DateTimeField),
                     (f.TimeField, f.TimeField)):
        table["-"].append((lhs, rhs, f.DurationField))
    return table


def register_combinable_fields(lhs, connector, rhs, result):
    """Declare the result type of ``lhs <connector> rhs`` for custom field types."""
    _connector_table().setdefault(connector, []).append((lhs, rhs, result))
    _resolve_combined_type.cache_clear()


@functools.lru_cache(maxsize=128)
def _resolve_combined_type(connector, lhs_type, rhs_type):
    for lhs, rhs, result in _connector_table().get(connector, ()):
        if issubclass(lhs_type, lhs) and issubclass(rhs_type, rhs):
            return result
    return None


def _internal_type(expression):
    try:
        return expression.output_field.get_internal_type()
    except (AttributeError, FieldError):
        return None


_MOMENT_TYPES = frozenset({"DateField", "DateTimeField", "TimeField"})


class CombinedExpression(SQLiteNumericMixin, Expression):
    """``lhs <connector> rhs``, e.g. ``F('price') * 2``."""

    _child_attrs = ("lhs", "rhs")

    def __init__(self, lhs, connector, rhs, output_field=None):
        self.lhs, self.connector, self.rhs = lhs, connector, rhs
        super().__init__(output_field=output_field)

    def __str__(self):
        return f"{self.lhs} {self.connector} {self.rhs}"

    def __repr__(self):
        return f"<{type(self).__name__}: {self}>"

    def _resolve_output_field(self):
        left = type(self.lhs._output_field_or_none)
        right = type(self.rhs._output_field_or_none)
        result = _resolve_combined_type(self.connector, left, right)
        if result is not None:
            return result()
        raise FieldError(
            f"Cannot infer type of {self.connector!r} expression involving these types: "
            f"{left.__name__}, {right.__name__}. You must set output_field."
        )

    def _specialised(self, lhs_kind, rhs_kind):
        """The subclass that renders this operation, when date/duration types need one."""
        if lhs_kind != rhs_kind and "DurationField" in (lhs_kind, rhs_kind):
            return DurationExpression(self.lhs, self.connector, self.rhs)
        if self.connector == self.SUB and lhs_kind == rhs_kind and lhs_kind in _MOMENT_TYPES:
            return TemporalSubtraction(self.lhs, self.rhs)
        return None

    def resolve_expression(self, query=None, allow_joins=True, reuse=None,
                           summarize=False, for_save=False):
        args = (query, allow_joins, reuse, summarize, for_save)
        lhs, rhs = self.lhs.resolve_expression(*args), self.rhs.resolve_expression(*args)
        if not isinstance(self, (DurationExpression, TemporalSubtraction)):
            special = self._specialised(_internal_type(lhs), _internal_type(rhs))
            if special is not None:
                return special.resolve_expression(*args)
        resolved = self.copy()
        resolved.is_summary = summarize
        resolved.lhs, resolved.rhs = lhs, rhs
        return resolved

    @cached_property
    def allowed_default(self):
        return self.lhs.allowed_default and self.rhs.allowed_default


class DurationExpression(CombinedExpression):
    """Arithmetic between a duration and a date/time (or another duration)."""


class TemporalSubtraction(CombinedExpression):
    """``date - date``, ``datetime - datetime``: a duration."""

    def __init__(self, lhs, rhs):
        CombinedExpression.__init__(self, lhs, self.SUB, rhs,
                                    output_field=_fields().DurationField())


# ----- references ------------------------------------------------------------------------------


@deconstructible(path="reinhardt.orm.models.F")
class F(Combinable):
    """A reference to a field (or annotation) of the model being queried."""

    allowed_default = False

    def __init__(self, name: str):
        self.name = name

    def __repr__(self):
        return f"{type(self).__name__}({self.name})"

    def __hash__(self):
        return hash(self.name)

    def __eq__(self, other):
        return type(other) is type(self) and other.name == self.name

    def __contains__(self, other):
        # Without this, ``x in F(...)`` would fall back to __getitem__ and loop forever.
        raise TypeError(f"argument of type '{type(self).__name__}' is not iterable")

    def __getitem__(self, subscript):
        return Sliced(self, subscript)

    def resolve_expression(self, query=None, allow_joins=True, reuse=None,
                           summarize=False, for_save=False):
        # The query knows how to turn a name (possibly spanning relations) into a column.
        return query.resolve_ref(self.name, allow_joins, reuse, summarize)

    def replace_expressions(self, replacements):
        return replacements.get(self, self)

    def copy(self):
        return copy.copy(self)

    desc = BaseExpression.desc
    asc = BaseExpression.asc


class _OuterReference(F):
    """Shared by OuterRef and its resolved form: neither aggregates nor is relabelled."""

    contains_over_clause = contains_aggregate = False

    def relabeled_clone(self, relabels):
        # Relabelling concerns the inner query's aliases; an outer reference keeps its own.
        return self


class ResolvedOuterRef(_OuterReference):
    """An OuterRef resolved against the inner query: a column of the outer query."""

    def get_group_by_cols(self):
        return []

    def resolve_expression(self, *args, **kwargs):
        column = F.resolve_expression(self, *args, **kwargs)
        if column.contains_over_clause:
            raise FieldError(
                f"Referencing outer query window expression is not supported: {self.name}."
            )
        # A reference through a relation may match several rows of the outer query.
        column.possibly_multivalued = LOOKUP_SEP in self.name
        return column

    def as_sql(self, *args, **kwargs):
        raise ValueError(
            "This queryset contains a reference to an outer query and may only be used in a "
            "subquery."
        )


class OuterRef(_OuterReference):
    """A reference to a field of the outer query, inside a Subquery or Exists."""

    def resolve_expression(self, *args, **kwargs):
        # OuterRef(OuterRef("x")) reaches two levels out: peel one level per resolution.
        if isinstance(self.name, type(self)):
            return self.name
        return ResolvedOuterRef(self.name)


def _slice_bounds(subscript):
    """Translate an index or slice into a 1-based (start, length); length None = to the end."""
    negative = "Negative indexing is not supported."
    if isinstance(subscript, slice):
        first, stop = subscript.start, subscript.stop
        if (first is not None and first < 0) or (stop is not None and stop < 0):
            raise ValueError(negative)
        if subscript.step is not None:
            raise ValueError("Step argument is not supported.")
        if first and stop and stop < first:
            raise ValueError("Slice stop must be greater than slice start.")
        first = first or 0
        return first + 1, None if stop is None else stop - first
    if not isinstance(subscript, int):
        raise TypeError("Argument to slice must be either int or slice instance.")
    if subscript < 0:
        raise ValueError(negative)
    return subscript + 1, 1


class Sliced(F):
    """``F('field')[start:stop]`` on text or arrays."""

    def __init__(self, obj, subscript):
        self.start, self.length = _slice_bounds(subscript)
        self.obj = obj
        F.__init__(self, obj.name)

    def resolve_expression(self, query=None, allow_joins=True, reuse=None,
                           summarize=False, for_save=False):
        column = query.resolve_ref(self.name, allow_joins, reuse, summarize)
        sliced_from = column
        if isinstance(self.obj, (OuterRef, type(self))):
            sliced_from = self.obj.resolve_expression(query, allow_joins, reuse, summarize,
                                                      for_save)
        return column.output_field.slice_expression(sliced_from, self.start, self.length)


# ----- functions and literals ----------------------------------------------------------------


def _arity_error(func, given):
    noun = "argument" if func.arity == 1 else "arguments"
    return TypeError(f"'{type(func).__name__}' takes exactly {func.arity} {noun} ({given} given)")


@deconstructible(path="reinhardt.orm.models.Func")
class Func(SQLiteNumericMixin, Expression):
    """A database function call: ``function(expr, ...)`` rendered through ``template``."""

    arity = None  # how many arguments the function takes (None: any number)
    arg_joiner = ", "
    template = "%(function)s(%(expressions)s)"
    function = None
    _child_attrs = ("*source_expressions",)

    def __init__(self, *expressions, output_field=None, **extra):
        if self.arity is not None and len(expressions) != self.arity:
            raise _arity_error(self, len(expressions))
        self.extra = extra
        self.source_expressions = [_as_expression(arg) for arg in expressions]
        super().__init__(output_field=output_field)

    def _get_repr_options(self):
        return {}

    def __repr__(self):
        arguments = self.arg_joiner.join(map(str, self.source_expressions))
        options = {**self.extra, **self._get_repr_options()}
        if options:
            arguments += ", " + ", ".join(f"{key}={options[key]}" for key in sorted(options))
        return f"{type(self).__name__}({arguments})"

    def resolve_expression(self, query=None, allow_joins=True, reuse=None,
                           summarize=False, for_save=False):
        resolved = self.copy()
        resolved.is_summary = summarize
        resolved.source_expressions = [
            operand.resolve_expression(query, allow_joins, reuse, summarize, for_save)
            for operand in resolved.source_expressions
        ]
        return resolved

    def copy(self):
        # The argument list and extra options are per instance: don't share them with clones.
        clone = copy.copy(self)
        clone.extra = {**self.extra}
        clone.source_expressions = [*self.source_expressions]
        return clone

    @cached_property
    def allowed_default(self):
        return all(operand.allowed_default for operand in self.source_expressions)


@deconstructible(path="reinhardt.orm.models.Value")
class Value(SQLiteNumericMixin, Expression):
    """A literal value, passed to the database as a parameter."""

    allowed_default = True
    for_save = False

    # Python type -> field class name, most specific first (bool before int, datetime
    # before date).
    _INFERRED_FIELDS = (
        (str, "CharField"), (bool, "BooleanField"), (int, "IntegerField"),
        (float, "FloatField"), (datetime.datetime, "DateTimeField"),
        (datetime.date, "DateField"), (datetime.time, "TimeField"),
        (datetime.timedelta, "DurationField"), (decimal.Decimal, "DecimalField"),
        (bytes, "BinaryField"), (uuid.UUID, "UUIDField"),
    )

    def __init__(self, value, output_field=None):
        self.value = value
        super().__init__(output_field=output_field)

    def __repr__(self):
        return f"{type(self).__name__}({self.value!r})"

    def resolve_expression(self, query=None, allow_joins=True, reuse=None,
                           summarize=False, for_save=False):
        # A literal has nothing to resolve; remember whether it is being saved.
        resolved = self.copy()
        resolved.is_summary = summarize
        resolved.for_save = for_save
        return resolved

    def _resolve_output_field(self):
        for python_type, field_name in self._INFERRED_FIELDS:
            if isinstance(self.value, python_type):
                return getattr(_fields(), field_name)()
        return None

    def get_group_by_cols(self):
        return []

    @property
    def empty_result_set_value(self):
        return self.value


class DurationValue(Value):
    """A ``timedelta`` operand (backends without an interval type convert it)."""


class RawSQL(Expression):
    """A fragment of SQL with its parameters (SQL backends only)."""

    allowed_default = True

    def __init__(self, sql, params, output_field=None):
        self.sql, self.params = sql, params
        super().__init__(output_field=_fields().Field() if output_field is None
                         else output_field)

    def __repr__(self):
        return f"{type(self).__name__}({self.sql}, {self.params})"

    def get_group_by_cols(self):
        return [self]


class Star(Expression):
    """``*``, as in COUNT(*)."""

    def __repr__(self):
        return "'*'"


class DatabaseDefault(Expression):
    """The database-side default of a column (``db_default``)."""

    _child_attrs = ("expression",)

    def __init__(self, expression, output_field=None):
        self.expression = expression
        super().__init__(output_field)


class Col(Expression):
    """A column of a table alias in the query: the resolved form of a field reference."""

    possibly_multivalued = False
    contains_column_references = True

    def __init__(self, alias, target, output_field=None):
        self.alias, self.target = alias, target
        super().__init__(output_field=target if output_field is None else output_field)

    def __repr__(self):
        shown = [self.alias, str(self.target)] if self.alias else [str(self.target)]
        return f"{type(self).__name__}({', '.join(shown)})"

    @cached_property
    def identity(self):
        return (Col, self.alias, self.target, self.output_field)

    def get_group_by_cols(self):
        return [self]

    def relabeled_clone(self, relabels):
        alias = self.alias
        if alias is None:
            return self
        return type(self)(relabels.get(alias, alias), self.target, self.output_field)

    def get_db_converters(self, connection):
        converters = self.output_field.get_db_converters(connection)
        if self.target != self.output_field:
            # A column read as another type: convert for both.
            converters = converters + self.target.get_db_converters(connection)
        return converters


class Ref(Expression):
    """A reference to an annotation (or selected expression) of the same query by name."""

    _child_attrs = ("source",)

    def __init__(self, refs, source):
        self.refs, self.source = refs, source
        super().__init__()

    def __repr__(self):
        return f"{type(self).__name__}({self.refs}, {self.source})"

    @cached_property
    def identity(self):
        return (Ref, self.refs, self.source)

    def resolve_expression(self, query=None, allow_joins=True, reuse=None,
                           summarize=False, for_save=False):
        return self  # already refers to something the query selects

    def get_group_by_cols(self):
        return [self]

    def get_refs(self):
        return {self.refs}

    def relabeled_clone(self, relabels):
        clone = self.copy()
        clone.source = clone.source.relabeled_clone(relabels)
        return clone


class PositionRef(Ref):
    """A reference to the ``ordinal``-th selected column (ORDER BY 2)."""

    def __init__(self, ordinal, refs, source):
        Ref.__init__(self, refs, source)
        self.ordinal = ordinal

    @cached_property
    def identity(self):
        return (PositionRef, self.ordinal, self.refs, self.source)


class ExpressionList(Func):
    """Expressions separated by commas (used in ORDER BY and PARTITION BY clauses)."""

    template = "%(expressions)s"

    def _resolve_output_field(self):
        return None  # a list has no single type

    def __str__(self):
        return self.arg_joiner.join(map(str, self.source_expressions))


def _ordering_term(term):
    """``"-name"`` means descending on field ``name``; anything else is used as given."""
    if isinstance(term, str) and term.startswith("-"):
        return OrderBy(F(term[1:]), descending=True)
    return term


class OrderByList(ExpressionList):
    template = "ORDER BY %(expressions)s"

    def __init__(self, *expressions, **extra):
        ExpressionList.__init__(self, *map(_ordering_term, expressions), **extra)


@deconstructible(path="reinhardt.orm.models.ExpressionWrapper")
class ExpressionWrapper(SQLiteNumericMixin, Expression):
    """Wraps an expression to give it an explicit output_field."""

    _child_attrs = ("expression",)

    def __init__(self, expression, output_field):
        self.expression = expression
        super().__init__(output_field=output_field)

    def __repr__(self):
        return f"{type(self).__name__}({self.expression})"

    def get_group_by_cols(self):
        inner = self.expression
        if not isinstance(inner, Expression):
            return super().get_group_by_cols()
        # Group by the wrapped expression, typed as the wrapper says.
        retyped = inner.copy()
        retyped.output_field = self.output_field
        return retyped.get_group_by_cols()

    @property
    def allowed_default(self):
        return self.expression.allowed_default


class NegatedExpression(ExpressionWrapper):
    """``~expression`` on a boolean expression."""

    def __init__(self, expression):
        ExpressionWrapper.__init__(self, expression, output_field=_fields().BooleanField())

    def __invert__(self):
        return self.expression.copy()

    def resolve_expression(self, query=None, allow_joins=True, reuse=None,
                           summarize=False, for_save=False):
        resolved = super().resolve_expression(query, allow_joins, reuse, summarize, for_save)
        if getattr(resolved.expression, "conditional", False):
            return resolved
        raise TypeError("Cannot negate non-conditional expressions.")

    def select_format(self, compiler, sql, params):
        ops = compiler.connection.ops
        if hasattr(ops, "boolean_select_format"):
            return ops.boolean_select_format(self, sql, params)
        return sql, params


# ----- conditional expressions ---------------------------------------------------------------


def _when_condition(condition, lookups):
    """The condition of ``When(condition, **lookups)``, as one boolean expression or Q."""
    if lookups:
        if condition is None:
            return Q(**lookups)
        if not getattr(condition, "conditional", False):
            condition = None  # lookups beside a non-boolean condition: refused below
        else:
            return Q(condition, **lookups)
    if not getattr(condition, "conditional", False):
        raise TypeError(
            "When() supports a Q object, a boolean expression, or lookups as a condition."
        )
    if isinstance(condition, Q) and not condition:
        raise ValueError("An empty Q() can't be used as a When() condition.")
    return condition


@deconstructible(path="reinhardt.orm.models.When")
class When(Expression):
    """``WHEN condition THEN result`` inside a Case."""

    conditional = False  # only meaningful inside Case(), not as a filter on its own
    template = "WHEN %(condition)s THEN %(result)s"
    _child_attrs = ("condition", "result")

    def __init__(self, condition=None, then=None, **lookups):
        self.condition = _when_condition(condition, lookups)
        self.result = _as_expression(then)
        super().__init__(output_field=None)

    def __repr__(self):
        return f"<{type(self).__name__}: {self}>"

    def __str__(self):
        return f"WHEN {self.condition!r} THEN {self.result!r}"

    def get_source_fields(self):
        # The output type comes from the result, not from the condition.
        return [self.result._output_field_or_none]

    def resolve_expression(self, query=None, allow_joins=True, reuse=None,
                           summarize=False, for_save=False):
        resolved = self.copy()
        resolved.is_summary = summarize
        condition = resolved.condition
        if hasattr(condition, "resolve_expression"):
            resolved.condition = condition.resolve_expression(
                query, allow_joins, reuse, summarize, False)
        resolved.result = resolved.result.resolve_expression(
            query, allow_joins, reuse, summarize, for_save)
        return resolved

    def get_group_by_cols(self):
        return [*self.condition.get_group_by_cols(), *self.result.get_group_by_cols()]

    @cached_property
    def allowed_default(self):
        return self.condition.allowed_default and self.result.allowed_default


@deconstructible(path="reinhardt.orm.models.Case")
class Case(SQLiteNumericMixin, Expression):
    """``CASE WHEN ... THEN ... ELSE default END``."""

    case_joiner = " "
    template = "CASE %(cases)s ELSE %(default)s END"
    _child_attrs = ("*cases", "default")

    def __init__(self, *cases, default=None, output_field=None, **extra):
        for case in cases:
            if not isinstance(case, When):
                raise TypeError("Positional arguments must all be When objects.")
        self.cases, self.default = list(cases), _as_expression(default)
        self.extra = extra
        super().__init__(output_field)

    def __repr__(self):
        return f"<{type(self).__name__}: {self}>"

    def __str__(self):
        whens = ", ".join(map(str, self.cases))
        return f"CASE {whens}, ELSE {self.default!r}"

    def copy(self):
        clone = super().copy()
        clone.cases = list(clone.cases)
        return clone

    def resolve_expression(self, query=None, allow_joins=True, reuse=None,
                           summarize=False, for_save=False):
        args = (query, allow_joins, reuse, summarize, for_save)
        resolved = self.copy()
        resolved.is_summary = summarize
        resolved.cases = [when.resolve_expression(*args) for when in resolved.cases]
        resolved.default = resolved.default.resolve_expression(*args)
        return resolved

    def get_group_by_cols(self):
        if self.cases:
            return super().get_group_by_cols()
        return self.default.get_group_by_cols()

    @cached_property
    def allowed_default(self):
        if not self.default.allowed_default:
            return False
        return all(when.allowed_default for when in self.cases)


# ----- subqueries ----------------------------------------------------------------------------


class Subquery(BaseExpression, Combinable):
    """A QuerySet used as an expression; may reference the outer query through OuterRef."""

    subquery = True
    contains_aggregate = False
    empty_result_set_value = None
    template = "(%(subquery)s)"
    _child_attrs = ("query",)

    def __init__(self, queryset, output_field=None, **extra):
        # Accepts a QuerySet or a bare Query; works on its own copy.
        inner = getattr(queryset, "query", queryset).clone()
        inner.subquery = True
        self.query, self.extra = inner, extra
        super().__init__(output_field)

    def copy(self):
        clone = super().copy()
        clone.query = self.query.clone()
        return clone

    def _resolve_output_field(self):
        return self.query.output_field

    def get_group_by_cols(self):
        return self.query.get_group_by_cols(wrapper=self)

    def get_external_cols(self):
        return self.query.get_external_cols()

    @property
    def external_aliases(self):
        return self.query.external_aliases

    # Two Subquery objects are the same expression only when they share one Query.
    @cached_property
    def identity(self):
        return (Subquery, id(self.query))

    def __hash__(self):
        return hash(id(self.query))

    def __eq__(self, other):
        if isinstance(other, Subquery):
            return self.query is other.query
        return NotImplemented


class Exists(Subquery):
    """``EXISTS(subquery)``: a boolean expression, usable directly in filter()."""

    empty_result_set_value = False
    template = "EXISTS(%(subquery)s)"

    def __init__(self, queryset, **kwargs):
        Subquery.__init__(self, queryset, **kwargs)
        self.query = self.query.exists()

    def _resolve_output_field(self):
        return _fields().BooleanField()

    def select_format(self, compiler, sql, params):
        return compiler.boolean_select_format(self, sql, params)


# ----- ordering and windows ------------------------------------------------------------------


def _check_nulls_placement(nulls_first, nulls_last):
    """Only True or None are meaningful, and never both True."""
    if nulls_first and nulls_last:
        raise ValueError("nulls_first and nulls_last are mutually exclusive")
    if (nulls_first, nulls_last).count(False):
        raise ValueError("nulls_first and nulls_last values must be True or None.")


@deconstructible(path="reinhardt.orm.models.OrderBy")
class OrderBy(Expression):
    """An ordering term: expression, direction and where NULLs go."""

    conditional = False
    template = "%(expression)s %(ordering)s"
    _child_attrs = ("expression",)

    def __init__(self, expression, descending=False, nulls_first=None, nulls_last=None):
        _check_nulls_placement(nulls_first, nulls_last)
        if not hasattr(expression, "resolve_expression"):
            raise ValueError("expression must be an expression type")
        self.expression, self.descending = expression, descending
        self.nulls_first, self.nulls_last = nulls_first, nulls_last

    def __repr__(self):
        return f"{type(self).__name__}({self.expression}, descending={self.descending})"

    def get_group_by_cols(self):
        # An ordering term never groups by itself, only by what it orders on.
        return [*self.expression.get_group_by_cols()]

    def reverse_ordering(self):
        self.descending = not self.descending
        # Flipping the direction also moves NULLs to the other end.
        if self.nulls_first:
            self.nulls_first, self.nulls_last = None, True
        elif self.nulls_last:
            self.nulls_first, self.nulls_last = True, None
        return self

    # These flip the term in place (and return None), as Django's do.
    def desc(self):
        self.descending = True

    def asc(self):
        self.descending = False


def _as_order_by_list(order_by):
    if isinstance(order_by, (list, tuple)):
        return OrderByList(*order_by)
    if not isinstance(order_by, (BaseExpression, str)):
        raise ValueError(
            "Window.order_by must be either a string reference to a field, an "
            "expression, or a list or tuple of them."
        )
    return OrderByList(order_by)


class Window(SQLiteNumericMixin, Expression):
    """``expression OVER (PARTITION BY ... ORDER BY ... frame)``."""

    contains_over_clause = True
    contains_aggregate = False
    template = "%(expression)s OVER (%(window)s)"
    _child_attrs = ("source_expression", "partition_by", "order_by", "frame")

    def __init__(self, expression, partition_by=None, order_by=None, frame=None,
                 output_field=None):
        if not getattr(expression, "window_compatible", False):
            raise ValueError(
                f"Expression '{type(expression).__name__}' isn't compatible with OVER clauses."
            )
        if partition_by is not None and not isinstance(partition_by, (tuple, list)):
            partition_by = [partition_by]
        self.partition_by = None if partition_by is None else ExpressionList(*partition_by)
        self.order_by = None if order_by is None else _as_order_by_list(order_by)
        self.frame = frame
        self.source_expression = _as_expression(expression)
        super().__init__(output_field=output_field)

    def _resolve_output_field(self):
        return self.source_expression.output_field

    def __repr__(self):
        return f"<{type(self).__qualname__}: {self}>"

    def __str__(self):
        partition = f"PARTITION BY {self.partition_by}" if self.partition_by else ""
        return f"{self.source_expression} OVER ({partition}{self.order_by or ''}{self.frame or ''})"

    def get_group_by_cols(self):
        # The window's own value is never grouped on; its partition and ordering are.
        cols = []
        for clause in (self.partition_by or None, self.order_by):
            if clause is not None:
                cols += clause.get_group_by_cols()
        return cols


class WindowFrameExclusion:
    """Values for ``WindowFrame(exclusion=...)`` (SQL ``EXCLUDE ...``)."""

    CURRENT_ROW, GROUP, TIES, NO_OTHERS = "CURRENT ROW", "GROUP", "TIES", "NO OTHERS"


def _frame_bound(offset, direction):
    """Describe one frame bound: ``None`` is unbounded, 0 the current row, else N rows away."""
    if offset is None:
        return f"UNBOUNDED {direction}"
    return "CURRENT ROW" if offset == 0 else f"{abs(int(offset))} {direction}"


class WindowFrame(Expression):
    """A window frame: ``ROWS|RANGE BETWEEN start AND end``."""

    frame_type = None
    template = "%(frame_type)s BETWEEN %(start)s AND %(end)s%(exclude)s"
    _child_attrs = ("start", "end")

    def __init__(self, start=None, end=None, exclusion=None):
        self.exclusion = exclusion
        self.start, self.end = Value(start), Value(end)

    def __repr__(self):
        return f"<{type(self).__qualname__}: {self}>"

    def __str__(self):
        start, end = self.start.value, self.end.value
        # A positive start or a negative end is outside what the frame syntax can express
        # and is shown as unbounded, like the SQL rendering treats it.
        if start is not None and start > 0:
            start = None
        if end is not None and end < 0:
            end = None
        preceding, following = _frame_bound(start, "PRECEDING"), _frame_bound(end, "FOLLOWING")
        return f"{self.frame_type} BETWEEN {preceding} AND {following}"

    def get_group_by_cols(self):
        return []


class RowRange(WindowFrame):
    frame_type = "ROWS"


class ValueRange(WindowFrame):
    frame_type = "RANGE"


def is_builtin_node(cls) -> bool:
    """Whether a node class is one of reinhardt's own (rendered by compiler visitors)."""
    return cls.__module__.startswith("reinhardt.")


def signature_accepts(func, name: str) -> bool:
    try:
        parameters = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False
    return name in parameters


__all__ = [
    "Combinable", "BaseExpression", "Expression", "CombinedExpression", "DurationExpression",
    "TemporalSubtraction", "F", "ResolvedOuterRef", "OuterRef", "Func", "Value", "RawSQL",
    "Star", "Col", "Ref", "ExpressionList", "OrderByList", "ExpressionWrapper",
    "NegatedExpression", "When", "Case", "Subquery", "Exists", "OrderBy", "Window",
    "WindowFrame", "RowRange", "ValueRange", "WindowFrameExclusion", "DatabaseDefault",
    "register_combinable_fields", "Any",
]
