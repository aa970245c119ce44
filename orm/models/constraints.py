"""Meta.constraints: CheckConstraint and UniqueConstraint, validated in Python and in DDL."""

from __future__ import annotations

from enum import Enum

from reinhardt.core.exceptions import FieldError, ValidationError
from reinhardt.orm.connections import DEFAULT_DB_ALIAS
from reinhardt.orm.models.expressions import Exists, F
from reinhardt.orm.models.lookups import Exact, IsNull
from reinhardt.orm.models.query_utils import Q
from reinhardt.utils.translation import gettext_lazy as _

__all__ = ["BaseConstraint", "CheckConstraint", "Deferrable", "UniqueConstraint"]

_MODULE, _PUBLIC_MODULE = __name__, "reinhardt.orm.models"


def _condition_sql(model, schema_editor, condition) -> str:
    """``condition`` as inline SQL for DDL: DDL takes no parameters, so values are quoted in."""
    from reinhardt.orm.query import Query

    query = Query(model=model, alias_cols=False)
    connection = schema_editor.connection
    where = query.build_where(condition)
    sql, params = where.as_sql(query.get_compiler(connection=connection), connection)
    return sql % tuple(map(schema_editor.quote_value, params))


def _expr_references(expr):
    """Yield the field-name paths (tuples of names) an expression or Q refers to."""
    pending = [expr]
    while pending:
        item = pending.pop()
        if isinstance(item, Q):
            for child in item.children:
                if type(child) is tuple:
                    yield tuple(child[0].split("__"))
                    pending.append(child[1])
                else:
                    pending.append(child)
        elif isinstance(item, F):
            yield tuple(item.name.split("__"))
        elif hasattr(item, "get_source_expressions"):
            pending.extend(item.get_source_expressions())


class BaseConstraint:
    default_violation_error_message = _("Constraint “%(name)s” is violated.")
    violation_error_code = None
    violation_error_message = None

    def __init__(self, *, name, violation_error_code=None, violation_error_message=None):
        self.name = name
        if violation_error_code is not None:
            self.violation_error_code = violation_error_code
        self.violation_error_message = (
            self.default_violation_error_message
            if violation_error_message is None else violation_error_message
        )

    @property
    def contains_expressions(self) -> bool:
        return False

    def _subclass_must_implement(self, *args, **kwargs):
        raise NotImplementedError("This method must be implemented by a subclass.")

    constraint_sql = create_sql = remove_sql = _subclass_must_implement

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        self._subclass_must_implement()

    def get_violation_error_message(self):
        return self.violation_error_message % {"name": self.name}

    def _custom_message(self):
        """The violation message when the user chose one, else None."""
        message = self.violation_error_message
        if message is None or message == self.default_violation_error_message:
            return None
        return message

    def _violation(self):
        return ValidationError(self.get_violation_error_message(), code=self.violation_error_code)

    def check(self, model, connection):
        return []

    def deconstruct(self):
        cls = type(self)
        module = _PUBLIC_MODULE if cls.__module__ == _MODULE else cls.__module__
        options = {"name": self.name}
        message = self._custom_message()
        if message is not None:
            options["violation_error_message"] = message
        if self.violation_error_code is not None:
            options["violation_error_code"] = self.violation_error_code
        return f"{module}.{cls.__name__}", (), options

    def clone(self):
        _path, args, kwargs = self.deconstruct()
        return type(self)(*args, **kwargs)

    def _repr_tail(self) -> str:
        """The violation_error_* part of repr(), shown only when set by the user."""
        tail = ""
        if self.violation_error_code is not None:
            tail += f" violation_error_code={self.violation_error_code!r}"
        message = self._custom_message()
        if message is not None:
            tail += f" violation_error_message={message!r}"
        return tail

    def _compared(self):
        return (self.name, self.violation_error_code, self.violation_error_message)

    def _equals(self, kind, other):
        """Value equality among constraints of ``kind``; anything else is not comparable."""
        if isinstance(other, kind):
            return self._compared() == other._compared()
        return NotImplemented


class CheckConstraint(BaseConstraint):
    """A condition every row must satisfy (``condition=Q(...)``)."""

    def __init__(self, *, name, condition=None, check=None, violation_error_code=None,
                 violation_error_message=None):
        # ``check=`` is the name Django used before 5.1.
        condition = condition if check is None else check
        if not getattr(condition, "conditional", False):
            raise TypeError(
                "CheckConstraint.condition must be a Q instance or boolean expression."
            )
        self.condition = condition
        super().__init__(name=name, violation_error_code=violation_error_code,
                         violation_error_message=violation_error_message)

    @property
    def check_(self):
        return self.condition

    def constraint_sql(self, model, schema_editor):
        return schema_editor._check_sql(
            self.name, _condition_sql(model, schema_editor, self.condition))

    def create_sql(self, model, schema_editor):
        return schema_editor._create_check_sql(
            model, self.name, _condition_sql(model, schema_editor, self.condition))

    def remove_sql(self, model, schema_editor):
        return schema_editor._delete_check_sql(model, self.name)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        values = instance._get_field_expression_map(meta=model._meta, exclude=exclude)
        try:
            holds = Q(self.condition).check(values, using=using)
        except FieldError:
            # The condition mentions an excluded field: it cannot be judged here.
            return
        if not holds:
            raise self._violation()

    def __repr__(self):
        return (
            f"<{type(self).__qualname__}: condition={self.condition} name={self.name!r}"
            f"{self._repr_tail()}>"
        )

    def _compared(self):
        return (*super()._compared(), self.condition)

    def __eq__(self, other):
        return self._equals(CheckConstraint, other)

    __hash__ = None  # mutable, compared by value

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        kwargs["condition"] = self.condition
        return path, args, kwargs


class Deferrable(Enum):
    DEFERRED = "deferred"
    IMMEDIATE = "immediate"

    # Shown like an enum member, Deferrable.DEFERRED.
    def __repr__(self):
        return f"{type(self).__qualname__}.{self.name}"


def _unique_argument_problem(expressions, fields, name, condition, deferrable, include,
                             opclasses):
    """The first thing wrong with UniqueConstraint's arguments as (exception, message)."""
    deferred = bool(deferrable)
    opclasses_ok = isinstance(opclasses, (list, tuple))
    rules = (
        (not name, ValueError, "A unique constraint must be named."),
        (not expressions and not fields, ValueError,
         "At least one field or expression is required to define a unique constraint."),
        (bool(expressions and fields), ValueError,
         "UniqueConstraint.fields and expressions are mutually exclusive."),
        (condition is not None and not isinstance(condition, Q), ValueError,
         "UniqueConstraint.condition must be a Q instance."),
        (bool(condition) and deferred, ValueError,
         "UniqueConstraint with conditions cannot be deferred."),
        (bool(include) and deferred, ValueError,
         "UniqueConstraint with include fields cannot be deferred."),
        (bool(opclasses) and deferred, ValueError,
         "UniqueConstraint with opclasses cannot be deferred."),
        (bool(expressions) and deferred, ValueError,
         "UniqueConstraint with expressions cannot be deferred."),
        (bool(expressions and opclasses), ValueError,
         "UniqueConstraint.opclasses cannot be used with expressions. Use "
         "django.contrib.postgres.indexes.OpClass() instead."),
        (deferrable is not None and not isinstance(deferrable, Deferrable), TypeError,
         "UniqueConstraint.deferrable must be a Deferrable instance."),
        (include is not None and not isinstance(include, (list, tuple)), TypeError,
         "UniqueConstraint.include must be a list or tuple."),
        (not opclasses_ok, TypeError, "UniqueConstraint.opclasses must be a list or tuple."),
        (opclasses_ok and bool(opclasses) and len(fields) != len(opclasses), ValueError,
         "UniqueConstraint.fields and UniqueConstraint.opclasses must have the same "
         "number of elements."),
    )
    return next(((error, message) for broken, error, message in rules if broken), None)


class UniqueConstraint(BaseConstraint):
    """Rows must be unique on ``fields`` (or expressions), optionally under a condition."""

    def __init__(self, *expressions, fields=(), name=None, condition=None, deferrable=None,
                 include=None, opclasses=(), nulls_distinct=None, violation_error_code=None,
                 violation_error_message=None):
        problem = _unique_argument_problem(
            expressions, fields, name, condition, deferrable, include, opclasses)
        if problem is not None:
            error, message = problem
            raise error(message)
        self.fields = tuple(fields)
        self.expressions = tuple(F(e) if isinstance(e, str) else e for e in expressions)
        self.condition = condition
        self.deferrable = deferrable
        self.include = tuple(include or ())
        self.opclasses = opclasses
        self.nulls_distinct = nulls_distinct
        super().__init__(name=name, violation_error_code=violation_error_code,
                         violation_error_message=violation_error_message)

    def check(self, model, connection):
        """Warn when the database would not create this constraint at all (models.W038)."""
        from reinhardt.core import checks

        flag = "supports_deferrable_unique_constraints"
        if (
            self.deferrable is None
            or getattr(connection.features, flag, False)
            or flag in model._meta.required_db_features
        ):
            return []
        database = connection.display_name
        return [checks.Warning(
            f"{database} does not support deferrable unique constraints: "
            f"UniqueConstraint {self.name!r} on {model._meta.label} is not created on "
            f"database {connection.alias!r}.",
            hint=(
                f"Drop deferrable= to enforce the constraint (immediately) on {database}, "
                f"add {flag!r} to Meta.required_db_features if the model only runs on "
                "databases that support it, or silence models.W038 if uniqueness need not "
                "be enforced there."
            ),
            obj=model,
            id="models.W038",
        )]

    @property
    def contains_expressions(self) -> bool:
        return bool(self.expressions)

    # ---- DDL -----------------------------------------------------------------------------------

    def _ddl_options(self, model, schema_editor) -> dict:
        """The keyword arguments every schema editor unique-constraint method takes."""
        get_field = model._meta.get_field
        return {
            "condition": (
                None if self.condition is None
                else _condition_sql(model, schema_editor, self.condition)
            ),
            "deferrable": self.deferrable,
            "include": [get_field(name).column for name in self.include],
            "opclasses": self.opclasses,
            "expressions": self.expressions,
            "nulls_distinct": self.nulls_distinct,
        }

    def _constrained_fields(self, model):
        return [model._meta.get_field(name) for name in self.fields]

    def constraint_sql(self, model, schema_editor):
        return schema_editor._unique_sql(
            model, self._constrained_fields(model), self.name,
            **self._ddl_options(model, schema_editor))

    def create_sql(self, model, schema_editor):
        return schema_editor._create_unique_sql(
            model, self._constrained_fields(model), self.name,
            **self._ddl_options(model, schema_editor))

    def remove_sql(self, model, schema_editor):
        return schema_editor._delete_unique_sql(
            model, self.name, **self._ddl_options(model, schema_editor))

    # ---- identity ------------------------------------------------------------------------------

    def __repr__(self):
        shown = [f"<{type(self).__qualname__}:"]
        if self.fields:
            shown.append(f" fields={self.fields!r}")
        if self.expressions:
            shown.append(f" expressions={self.expressions!r}")
        shown.append(f" name={self.name!r}")
        if self.condition is not None:
            shown.append(f" condition={self.condition}")
        if self.deferrable is not None:
            shown.append(f" deferrable={self.deferrable!r}")
        if self.include:
            shown.append(f" include={self.include!r}")
        if self.opclasses:
            shown.append(f" opclasses={self.opclasses!r}")
        if self.nulls_distinct is not None:
            shown.append(f" nulls_distinct={self.nulls_distinct!r}")
        shown.append(self._repr_tail())
        return "".join(shown) + ">"

    def _compared(self):
        return (
            *super()._compared(), self.fields, self.condition, self.deferrable, self.include,
            self.opclasses, self.expressions, self.nulls_distinct,
        )

    def __eq__(self, other):
        return self._equals(UniqueConstraint, other)

    __hash__ = None  # mutable, compared by value

    def deconstruct(self):
        path, _args, kwargs = super().deconstruct()
        optional = (
            ("fields", self.fields), ("condition", self.condition),
            ("deferrable", self.deferrable), ("include", self.include),
            ("opclasses", self.opclasses),
        )
        kwargs.update((key, value) for key, value in optional if value)
        if self.nulls_distinct is not None:
            kwargs["nulls_distinct"] = self.nulls_distinct
        return path, self.expressions, kwargs

    # ---- validation ----------------------------------------------------------------------------

    def _same_field_values(self, model, instance, exclude, rows):
        """``rows`` narrowed to those equal to ``instance`` on ``fields``, or None when the
        check does not apply (a field is excluded, or a NULL makes the row distinct)."""
        equal_to = {}
        for name in self.fields:
            if exclude and name in exclude:
                return None
            field = model._meta.get_field(name)
            value = getattr(instance, field.attname)
            if value is None and self.nulls_distinct is not False:
                # NULL is distinct from NULL: such a row never conflicts.
                return None
            equal_to[field.name] = value
        return rows.filter(**equal_to)

    def _same_expression_values(self, model, instance, exclude, rows):
        """``rows`` whose expressions evaluate like the instance's, or None when an
        expression uses an excluded field."""
        if exclude and any(
            path[0] in exclude for expr in self.expressions for path in _expr_references(expr)
        ):
            return None
        own_values = instance._get_field_expression_map(meta=model._meta, exclude=exclude)
        replacements = {F(name): value for name, value in own_values.items()}
        conditions = []
        for expression in self.expressions:
            for_validation = getattr(expression, "get_expression_for_validation", None)
            if for_validation is not None:
                expression = for_validation()
            instance_value = expression.replace_expressions(replacements)
            equal = Exact(expression, instance_value)
            if self.nulls_distinct is False:
                # NULLs count as equal: both sides NULL is a clash too.
                both_null = Q(IsNull(expression, True), IsNull(instance_value, True))
                equal = Q(equal) | both_null
            conditions.append(equal)
        return rows.filter(*conditions)

    def _unique_violation(self, model, instance):
        """Field constraints with the default message report like ``unique=True`` does."""
        if not self.fields or self._custom_message() is not None:
            return self._violation()
        error = instance.unique_error_message(model, self.fields)
        return ValidationError(
            error.message, code=self.violation_error_code or error.code, params=error.params)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        rows = model._default_manager.using(using)
        narrow = self._same_field_values if self.fields else self._same_expression_values
        rows = narrow(model, instance, exclude, rows)
        if rows is None:
            return
        opts = model._meta
        if not instance._state.adding and instance._is_pk_set(opts):
            # Saved before: the row being edited is not a clash with itself.
            rows = rows.exclude(pk=instance._get_pk_val(opts))
        if not self.condition:
            if rows.exists():
                raise self._unique_violation(model, instance)
            return
        values = instance._get_field_expression_map(meta=opts, exclude=exclude)
        # Clash only when the instance itself falls under the condition and so does
        # another row with the same values.
        clash = self.condition & Exists(rows.filter(self.condition))
        try:
            found = clash.check(values, using=using)
        except FieldError:
            return
        if found:
            raise self._violation()
