"""Model fields: a field knows its column, its Python type, its validation and its lookups.

Backend-specific storage (column types, value adaptation) is looked up on the connection:
``connection.data_types`` for the column type and ``connection.ops.adapt_*`` for values.
"""

from __future__ import annotations

import base64
import collections.abc
import copy
import datetime
import decimal
import uuid
import warnings
from functools import partialmethod, total_ordering

from reinhardt.conf import settings
from reinhardt.core import exceptions, validators
from reinhardt.orm.models.query_utils import DeferredAttribute, RegisterLookupMixin
from reinhardt.utils import timezone
from reinhardt.utils.datastructures import DictWrapper
from reinhardt.utils.dateparse import parse_date, parse_datetime, parse_duration, parse_time
from reinhardt.utils.duration import duration_microseconds, duration_string
from reinhardt.utils.functional import Promise, cached_property
from reinhardt.utils.ipv6 import clean_ipv6_address
from reinhardt.utils.translation import gettext_lazy as _

__all__ = [
    "AutoField", "BLANK_CHOICE_DASH", "BigAutoField", "BigIntegerField", "BinaryField",
    "BooleanField", "CharField", "CommaSeparatedIntegerField", "DateField", "DateTimeField",
    "DecimalField", "DurationField", "EmailField", "Empty", "Field", "FloatField",
    "GenericIPAddressField", "IPAddressField", "IntegerField", "NOT_PROVIDED",
    "PositiveBigIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
    "SlugField", "SmallAutoField", "SmallIntegerField", "TextField", "TimeField", "URLField",
    "UUIDField",
]


class NOT_PROVIDED:
    """Sentinel for an option that was not given (None can be a real default)."""

    __slots__ = ()


class Empty:
    """A blank object whose class is swapped in to make a field without __init__()."""


# The empty entry that select widgets offer first.
BLANK_CHOICE_DASH = [("", "---------")]


def _load_field(app_label, model_name, field_name):
    from reinhardt.apps import apps

    return apps.get_model(app_label, model_name)._meta.get_field(field_name)


def _empty(of_cls):
    """A bare instance of ``of_cls``, made without running its __init__()."""
    blank = Empty()
    blank.__class__ = of_cls
    return blank


def return_None():
    return None


def normalize_choices(value, *, depth=0):
    """Choices as a list of (value, label) pairs or groups, from Django's accepted forms."""
    from reinhardt.orm.models.enums import ChoicesType

    match value:
        case ChoicesType() | CallableChoiceIterator():
            return value.choices if isinstance(value, ChoicesType) else value
        case Promise() | str():
            return value
        case collections.abc.Mapping() if depth < 2:
            value = value.items()
        case collections.abc.Iterator() if depth < 2:
            pass
        case collections.abc.Iterable() if depth < 2 and not any(
            isinstance(x, (Promise, str)) for x in value
        ):
            pass
        case collections.abc.Callable() if depth == 0:
            return CallableChoiceIterator(value)
        case _:
            return value
    try:
        return [(key, normalize_choices(label, depth=depth + 1)) for key, label in value]
    except (TypeError, ValueError):
        return value  # not pairs after all: leave them for the checks to report


class CallableChoiceIterator:
    """Choices given as a callable, evaluated afresh each time they are iterated."""

    __slots__ = ("func",)

    def __iter__(self):
        return iter(normalize_choices(self.func()))

    def __init__(self, func):
        self.func = func


def flatten_choices(choices):
    """(value, label) pairs, with the pairs inside named groups brought to the top level."""
    for key, label in choices or ():
        if isinstance(label, (list, tuple)):
            yield from label
            continue
        yield key, label


# (name, default, attribute it is stored in) for every constructor option deconstruct()
# reports; "==" marks options compared by equality rather than identity.
_FIELD_OPTIONS = (
    ("verbose_name", None, "_verbose_name"),
    ("primary_key", False, "primary_key"),
    ("max_length", None, "max_length"),
    ("unique", False, "_unique"),
    ("blank", False, "blank"),
    ("null", False, "null"),
    ("db_index", False, "db_index"),
    ("default", NOT_PROVIDED, "default"),
    ("db_default", NOT_PROVIDED, "db_default"),
    ("editable", True, "editable"),
    ("serialize", True, "serialize"),
    ("unique_for_date", None, "unique_for_date"),
    ("unique_for_month", None, "unique_for_month"),
    ("unique_for_year", None, "unique_for_year"),
    ("choices", None, "choices"),
    ("help_text", "", "help_text"),
    ("db_column", None, "db_column"),
    ("db_comment", None, "db_comment"),
    ("db_tablespace", None, "_db_tablespace"),
    ("auto_created", False, "auto_created"),
    ("validators", [], "_validators"),
    ("error_messages", None, "_error_messages"),
)
_COMPARED_BY_VALUE = frozenset({"choices", "validators"})

# Modules whose fields are importable from reinhardt.orm.models directly; deconstruct()
# shortens paths under them to that public location.
_PUBLIC_FIELD_MODULES = (
    "reinhardt.orm.models.fields.related",
    "reinhardt.orm.models.fields.json",
    "reinhardt.orm.models.fields",
)


def _public_path(cls):
    path = f"{cls.__module__}.{cls.__qualname__}"
    prefix = next((m for m in _PUBLIC_FIELD_MODULES if path.startswith(m)), None)
    if prefix is None:
        return path
    return "reinhardt.orm.models" + path[len(prefix):]


@total_ordering
class Field(RegisterLookupMixin):
    """Base class of all fields."""

    # How model instances read and write the value (deferred loading included).
    descriptor_class = DeferredAttribute

    # Relation flags, set by the related fields; plain fields are none of these.
    many_to_many = many_to_one = one_to_many = one_to_one = related_model = None
    hidden = generated = False

    # Declaration order: declared fields count up from 0, auto-created ones down from -1.
    creation_counter, auto_creation_counter = 0, -1

    # Values that count as "no value" for blank=False; '' is not storable in columns that
    # hold numbers, dates, ... (empty_strings_allowed False there).
    empty_values = list(validators.EMPTY_VALUES)
    empty_strings_allowed = True

    default_validators: list = []
    default_error_messages = {
        "blank": _("This field cannot be blank."),
        "invalid_choice": _("Value %(value)r is not a valid choice."),
        "null": _("This field cannot be null."),
        "unique_for_date": _("%(field_label)s must be unique for %(date_field_label)s "
                             "%(lookup_type)s."),
        "unique": _("%(model_name)s with this %(field_label)s already exists."),
    }
    system_check_deprecated_details = system_check_removed_details = None

    # Options that change nothing in the column definition (migrations skip them).
    non_db_attrs = ("blank", "choices", "db_column", "editable", "error_messages",
                    "help_text", "limit_choices_to", "on_delete", "related_name",
                    "related_query_name", "validators", "verbose_name")

    @property
    def description(self):
        """Subclasses set a plain string; this is the fallback for custom fields."""
        return _("Field of type: %(field_type)s") % {"field_type": type(self).__name__}

    def __init__(self, verbose_name=None, name=None, primary_key=False, max_length=None,
                 unique=False, blank=False, null=False, db_index=False, rel=None,
                 default=NOT_PROVIDED, editable=True, serialize=True, unique_for_date=None,
                 unique_for_month=None, unique_for_year=None, choices=None, help_text="",
                 db_column=None, db_tablespace=None, auto_created=False, validators=(),
                 error_messages=None, db_comment=None, db_default=NOT_PROVIDED):
        if db_default is not NOT_PROVIDED and not hasattr(db_default, "resolve_expression"):
            from reinhardt.orm.models.expressions import Value

            db_default = Value(db_default)
        if choices is not None:
            if isinstance(choices, collections.abc.Iterator):
                choices = list(choices)
            choices = normalize_choices(choices)
        # Declared fields count up, auto-created ones count down, so the two never mix.
        if auto_created:
            counter = Field.auto_creation_counter
            Field.auto_creation_counter = counter - 1
        else:
            counter = Field.creation_counter
            Field.creation_counter = counter + 1
        # verbose_name is derived from the name later when None; the constructor's
        # arguments are kept separately (underscored) for deconstruct().
        self.__dict__.update(
            name=name, verbose_name=verbose_name, _verbose_name=verbose_name,
            primary_key=primary_key, max_length=max_length, _unique=unique,
            blank=blank, null=null, remote_field=rel, is_relation=rel is not None,
            default=default, db_default=db_default, editable=editable, serialize=serialize,
            unique_for_date=unique_for_date, unique_for_month=unique_for_month,
            unique_for_year=unique_for_year, choices=choices, help_text=help_text,
            db_index=db_index, db_column=db_column, db_comment=db_comment,
            _db_tablespace=db_tablespace, auto_created=auto_created,
            creation_counter=counter, _validators=list(validators),
            _error_messages=error_messages, error_messages_overrides=error_messages,
        )

    def __str__(self):
        """'app_label.ModelName.field_name' for fields attached to models."""
        model = getattr(self, "model", None)
        if model is None:
            return super().__str__()
        return f"{model._meta.label}.{self.name}"

    def __repr__(self):
        cls = type(self)
        name = getattr(self, "name", None)
        suffix = "" if name is None else f": {name}"
        return f"<{cls.__module__}.{cls.__qualname__}{suffix}>"

    # ----- identity, ordering, copying and pickling ----------------------------------------

    def _sort_key(self):
        # Fields without a model sort before fields of the same counter that have one.
        model = getattr(self, "model", None)
        if model is None:
            return (self.creation_counter, 0, "", "")
        return (self.creation_counter, 1, model._meta.app_label, model._meta.model_name)

    def __eq__(self, other):
        if not isinstance(other, Field):
            return NotImplemented
        return (self.creation_counter == other.creation_counter
                and getattr(self, "model", None) == getattr(other, "model", None))

    def __hash__(self):
        return hash(self.creation_counter)

    def __lt__(self, other):
        if isinstance(other, Field):
            return self._sort_key() < other._sort_key()
        return NotImplemented

    def __copy__(self):
        # Not via __reduce__, which refers to the field through its model.
        duplicate = _empty(type(self))
        duplicate.__dict__ = dict(self.__dict__)
        return duplicate

    def __deepcopy__(self, memodict):
        # Fields are not mutated once built, so a shallow copy (with its own remote_field,
        # pointing back at the copy) is a faithful deep copy.
        duplicate = copy.copy(self)
        rel = self.remote_field
        if rel:
            duplicate.remote_field = copy.copy(rel)
            if getattr(rel, "field", None) is self:
                duplicate.remote_field.field = duplicate
        memodict[id(self)] = duplicate
        return duplicate

    def __reduce__(self):
        """Pickle a field of a model by reference to the model."""
        model = getattr(self, "model", None)
        if model is not None:
            meta = model._meta
            return _load_field, (meta.app_label, meta.object_name, self.name)
        state = dict(self.__dict__)
        state.pop("_get_default", None)
        return _empty, (type(self),), state

    def deconstruct(self):
        """(name, import path, args, kwargs) that recreate this field, for migrations."""
        kwargs = {}
        for option, default, attr in _FIELD_OPTIONS:
            current = getattr(self, attr)
            if option in _COMPARED_BY_VALUE:
                if option == "choices" and isinstance(current, collections.abc.Iterable):
                    current = list(current)
                differs = current != default
            else:
                differs = current is not default
            if differs:
                kwargs[option] = current
        self._deconstruct_options(kwargs)
        return self.name, _public_path(type(self)), [], kwargs

    # Subclasses whose constructor fixes or defaults max_length name that value here, so
    # deconstruct() leaves it out.
    _implied_max_length = None

    def _deconstruct_options(self, kwargs):
        """Adjust the keyword arguments deconstruct() reports, for a subclass's own options
        and defaults (each override calls super() first)."""
        implied = self._implied_max_length
        if implied is not None and kwargs.get("max_length") == implied:
            del kwargs["max_length"]

    def clone(self):
        """An uncontributed copy of this field, built from its deconstruction."""
        _name, _path, args, kwargs = self.deconstruct()
        return type(self)(*args, **kwargs)

    # ----- messages, conversion and validation ---------------------------------------------

    @cached_property
    def error_messages(self) -> dict:
        merged = {}
        for klass in self.__class__.__mro__[::-1]:
            merged.update(getattr(klass, "default_error_messages", None) or {})
        if self.error_messages_overrides:
            merged.update(self.error_messages_overrides)
        return merged

    def _invalid(self, value, code="invalid"):
        """The ValidationError for ``value`` with this field's message for ``code``."""
        return exceptions.ValidationError(
            self.error_messages[code], code=code, params={"value": value}
        )

    @cached_property
    def validators(self) -> list:
        """Default validators plus the ones given to the field."""
        return [*self.default_validators, *self._validators]

    def to_python(self, value):
        """Convert input to the field's Python type; raise ValidationError if impossible."""
        return value

    def clean(self, value, model_instance):
        """Convert, validate and run validators; return the clean value."""
        converted = self.to_python(value)
        self.validate(converted, model_instance)
        self.run_validators(converted)
        return converted

    def validate(self, value, model_instance):
        """Check choices, nullability and blankness (fields not user-editable are skipped)."""
        if self.editable:
            self._check_choice_null_blank(value)

    def _check_choice_null_blank(self, value):
        empty = value in self.empty_values
        if self.choices is not None and not empty and not self._is_valid_choice(value):
            raise self._invalid(value, "invalid_choice")
        if value is None and not self.null:
            raise exceptions.ValidationError(self.error_messages["null"], code="null")
        if empty and not self.blank:
            raise exceptions.ValidationError(self.error_messages["blank"], code="blank")

    def _is_valid_choice(self, value):
        for key, label in self.choices:
            if isinstance(label, (list, tuple)):
                if any(value == group_key for group_key, _label in label):
                    return True
            elif value == key:
                return True
        return False

    def run_validators(self, value):
        """Run every validator and report all their errors together (empty values skip)."""
        found = []
        if value not in self.empty_values:
            overrides = self.error_messages
            for validator in self.validators:
                try:
                    validator(value)
                except exceptions.ValidationError as exc:
                    if getattr(exc, "code", None) in overrides:
                        exc.message = overrides[exc.code]
                    found.extend(exc.error_list)
        if found:
            raise exceptions.ValidationError(found)

    def check(self, **kwargs):
        """System checks for this field (see reinhardt.core.checks)."""
        return []

    # ----- the column ----------------------------------------------------------------------

    def get_internal_type(self):
        return self._internal_type or type(self).__name__

    # Built-in fields name their internal type here, so subclasses inherit it; a field
    # class without one reports its own class name.
    _internal_type = None

    def db_type(self, connection):
        """The column type for this field on ``connection`` (None: no column)."""
        column_type = connection.data_types.get(self.get_internal_type())
        if column_type is None:
            return None
        params = self.db_type_parameters(connection)
        return column_type(params) if callable(column_type) else column_type % params

    def db_type_parameters(self, connection):
        """The field's attributes for the column-type templates (``%(max_length)s``, and
        ``qn_``-prefixed for quoted names)."""
        return DictWrapper(self.__dict__, connection.ops.quote_name, "qn_")

    def db_parameters(self, connection):
        return {"type": self.db_type(connection), "check": self.db_check(connection)}

    def db_check(self, connection):
        template = connection.data_type_check_constraints.get(self.get_internal_type())
        return None if template is None else template % self.db_type_parameters(connection)

    def cast_db_type(self, connection):
        """The type to CAST() to for this field (the column type unless the backend says
        otherwise)."""
        template = connection.ops.cast_data_types.get(self.get_internal_type())
        if template:
            return template % self.db_type_parameters(connection)
        return self.db_type(connection)

    def rel_db_type(self, connection):
        """The column type of a foreign key pointing at this field."""
        return self.db_type(connection)

    def db_type_suffix(self, connection):
        suffixes = connection.data_types_suffix
        return suffixes.get(self.get_internal_type())

    @property
    def unique(self) -> bool:
        return self._unique or self.primary_key

    @property
    def db_returning(self) -> bool:
        """Whether the database sets this field's value on insert (so it is read back)."""
        return self.has_db_default() or getattr(self, "_db_returning", False)

    @property
    def db_tablespace(self):
        own = self._db_tablespace
        return own if own else settings.DEFAULT_INDEX_TABLESPACE

    def get_col(self, alias, output_field=None):
        own = output_field is None or output_field == self
        if own and alias == self.model._meta.db_table:
            return self.cached_col
        from reinhardt.orm.models.expressions import Col

        return Col(alias, self, output_field)

    @cached_property
    def cached_col(self):
        from reinhardt.orm.models.expressions import Col

        return Col(self.model._meta.db_table, self)

    def get_db_converters(self, connection):
        reader = getattr(self, "from_db_value", None)
        return [] if reader is None else [reader]

    def select_format(self, compiler, sql, params):
        """How a backend selects this column (e.g. a cast); override where needed."""
        return sql, params

    # ----- joining a model -----------------------------------------------------------------

    def contribute_to_class(self, cls, name, private_only=False):
        """Attach this field to a model class."""
        self.model = cls
        self.set_attributes_from_name(name)
        cls._meta.add_field(self, private=private_only)
        display_name = f"get_{self.name}_display"
        # A get_FOO_display() the model class defines itself is left alone.
        if self.choices is not None and display_name not in vars(cls):
            setattr(cls, display_name, partialmethod(cls._get_FIELD_display, field=self))
        if self.column:
            setattr(cls, self.attname, self.descriptor_class(self))

    def set_attributes_from_name(self, name):
        if not self.name:
            self.name = name
        self.attname, self.column = self.get_attname_column()
        self.concrete = self.column is not None
        if self.name and self.verbose_name is None:
            self.verbose_name = " ".join(self.name.split("_"))

    def get_attname_column(self):
        attname = self.get_attname()
        return attname, self.db_column or attname

    def get_attname(self):
        return self.name

    def get_filter_kwargs_for_object(self, obj):
        """The filter() arguments that find ``obj`` by this field's value."""
        return {self.name: getattr(obj, self.attname)}

    # ----- values on their way to the database ---------------------------------------------

    def get_prep_value(self, value):
        """Python value to the query's value, independent of the database."""
        return str(value) if isinstance(value, Promise) else value

    def pre_save(self, model_instance, add):
        """The value to save for this field (auto_now fields compute it here)."""
        return getattr(model_instance, self.attname)

    def get_db_prep_value(self, value, connection, prepared=False):
        """Query value to what ``connection``'s driver expects."""
        return value if prepared else self.get_prep_value(value)

    def get_db_prep_save(self, value, connection):
        if hasattr(value, "resolve_expression") or hasattr(value, "as_sql"):
            return value
        return self.get_db_prep_value(value, connection=connection, prepared=False)

    def get_pk_value_on_save(self, instance):
        """The value of a primary key field when an object is first saved (None: let the
        database choose)."""
        return self.get_default() if self.default else None

    # ----- defaults ------------------------------------------------------------------------

    def get_default(self):
        return self._get_default()

    def has_default(self) -> bool:
        return self.default is not NOT_PROVIDED

    def has_db_default(self) -> bool:
        return self.db_default is not NOT_PROVIDED

    @cached_property
    def _get_default(self):
        """A zero-argument callable producing the default (cached: called per object)."""
        default = self.default
        if default is not NOT_PROVIDED:
            return default if callable(default) else (lambda: default)
        if self.db_default is not NOT_PROVIDED:
            from reinhardt.orm.models.expressions import DatabaseDefault

            return lambda: DatabaseDefault(self.db_default, output_field=self)
        if self.null or not self.empty_strings_allowed:
            return return_None
        return str  # str() == ""

    # ----- choices, forms and serialisation ------------------------------------------------

    def get_choices(self, include_blank=True, blank_choice=BLANK_CHOICE_DASH,
                    limit_choices_to=None, ordering=()):
        """Choices with a blank option first, for select widgets."""
        head = list(blank_choice) if include_blank else []
        if self.choices is not None:
            own = list(self.choices)
            if head and any(key in ("", None) for key, _label in self.flatchoices):
                return own  # the choices already offer a blank entry
            return head + own
        rel = self.remote_field
        key_attr = rel.get_related_field().attname if hasattr(rel, "get_related_field") \
            else "pk"
        queryset = rel.model._default_manager.complex_filter(
            limit_choices_to or self.get_limit_choices_to()
        )
        if ordering:
            queryset = queryset.order_by(*ordering)
        return head + [(getattr(obj, key_attr), str(obj)) for obj in queryset]

    @property
    def flatchoices(self):
        """The choices as (value, label) pairs, groups flattened."""
        return [*flatten_choices(self.choices)]

    def value_from_object(self, obj):
        return getattr(obj, self.attname)

    def value_to_string(self, obj) -> str:
        """The serialised value of this field on ``obj`` (serializers use it)."""
        return str(self.value_from_object(obj))

    def formfield(self, form_class=None, choices_form_class=None, **kwargs):
        """The form field for this model field (forms arrive with reinhardt.web.forms)."""
        raise NotImplementedError(
            "Form fields are not available yet: reinhardt.web.forms has not been built."
        )

    def save_form_data(self, instance, data):
        # Forms assign through the field name, so descriptors see the value.
        setattr(instance, self.name, data)

    def slice_expression(self, expression, start, length):
        """``F('field')[a:b]``; text fields slice with Substr."""
        from reinhardt.orm.errors import NotSupportedError

        raise NotSupportedError(f"{type(self).__name__} does not support slicing.")


def _number_error(field, value, exc):
    """The TypeError/ValueError raised when a query gets a non-number for ``field``."""
    return type(exc)(f"Field '{field.name}' expected a number but got {value!r}.")


def _query_number(field, value, convert):
    """``convert(value)`` for a query parameter; a non-number is an error naming the field."""
    if value is None:
        return None
    try:
        return convert(value)
    except (TypeError, ValueError) as exc:
        raise _number_error(field, value, exc) from exc


def _python_number(field, value, convert):
    """``convert(value)`` for to_python(); a non-number is the field's "invalid" error."""
    if value is None:
        return None
    try:
        return convert(value)
    except (TypeError, ValueError):
        raise field._invalid(value) from None


def _parsed_or_none(parser, value):
    try:
        return parser(value)
    except ValueError:
        return None


def _limit_length(field):
    """Check max_length in validation too (the column enforces it in the database)."""
    if field.max_length is not None:
        field.validators.append(validators.MaxLengthValidator(field.max_length))


class BooleanField(Field):
    description = _("Boolean (Either True or False)")
    _internal_type = "BooleanField"
    empty_strings_allowed = False
    default_error_messages = {
        "invalid_nullable": _("“%(value)s” value must be either True, False, or None."),
        "invalid": _("“%(value)s” value must be either True or False."),
    }
    _TEXT_VALUES = {"t": True, "True": True, "1": True, "f": False, "False": False, "0": False}

    def to_python(self, value):
        if value in self.empty_values and self.null:
            return None
        if value is True or value is False or value in (0, 1):
            return bool(value)  # drivers may hand back 0/1
        if isinstance(value, str) and value in self._TEXT_VALUES:
            return self._TEXT_VALUES[value]
        message = self.error_messages["invalid_nullable" if self.null else "invalid"]
        raise exceptions.ValidationError(message, code="invalid", params={"value": value})

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value is None else self.to_python(value)


class _TextMixin:
    """Shared by CharField and TextField: optional collation, str values, slicing."""

    def __init__(self, *args, db_collation=None, **kwargs):
        self.db_collation = db_collation
        super().__init__(*args, **kwargs)

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        params["collation"] = self.db_collation
        return params

    def slice_expression(self, expression, start, length):
        from reinhardt.orm.models.functions import Substr

        return Substr(expression, start, length)

    def _deconstruct_options(self, kwargs):
        super()._deconstruct_options(kwargs)
        if self.db_collation:
            kwargs["db_collation"] = self.db_collation

    def to_python(self, value):
        return value if value is None or isinstance(value, str) else str(value)

    def get_prep_value(self, value):
        return self.to_python(super().get_prep_value(value))


class CharField(_TextMixin, Field):
    _internal_type = "CharField"

    def __init__(self, *args, db_collation=None, **kwargs):
        super().__init__(*args, db_collation=db_collation, **kwargs)
        _limit_length(self)

    @property
    def description(self):
        return _("String (unlimited)") if self.max_length is None else _(
            "String (up to %(max_length)s)")

    def cast_db_type(self, connection):
        if self.max_length is not None:
            return super().cast_db_type(connection)
        return connection.ops.cast_char_field_without_max_length

    @cached_property
    def _str_passthrough(self) -> bool:
        """Whether a ``str`` value reaches the database unchanged (no subclass alters it)."""
        cls = type(self)
        return (cls.to_python is CharField.to_python
                and cls.get_prep_value is CharField.get_prep_value
                and cls.get_db_prep_save is CharField.get_db_prep_save
                and cls.get_db_prep_value is Field.get_db_prep_value)

    def get_db_prep_save(self, value, connection):
        if type(value) is str and self._str_passthrough:
            return value
        return super().get_db_prep_save(value, connection)


class CommaSeparatedIntegerField(CharField):
    description = _("Comma-separated integers")
    default_validators = [validators.validate_comma_separated_integer_list]


def _to_naive(value):
    return timezone.make_naive(value, datetime.UTC) if timezone.is_aware(value) else value


def _get_naive_now():
    return _to_naive(timezone.now())


class _TemporalMixin:
    """auto_now / auto_now_add handling and ISO serialisation for date and time fields.

    Subclasses name their connection adapter in ``_adapter`` and give the current value in
    ``_now()``.
    """

    empty_strings_allowed = False
    _adapter = None

    def __init__(self, verbose_name=None, name=None, auto_now=False, auto_now_add=False,
                 **kwargs):
        self.auto_now = auto_now
        self.auto_now_add = auto_now_add
        if auto_now or auto_now_add:
            # Set automatically, so neither editable nor required in forms.
            kwargs.update(editable=False, blank=True)
        super().__init__(verbose_name, name, **kwargs)

    def _check_mutually_exclusive_options(self):
        chosen = [bool(self.auto_now), bool(self.auto_now_add), self.has_default()]
        return chosen.count(True) > 1

    def _deconstruct_options(self, kwargs):
        super()._deconstruct_options(kwargs)
        automatic = [flag for flag in ("auto_now", "auto_now_add") if getattr(self, flag)]
        kwargs.update(dict.fromkeys(automatic, True))
        if automatic:
            # editable=False and blank=True came with the flag, not from the user.
            del kwargs["editable"], kwargs["blank"]

    def _parse(self, value, parser, code):
        """``parser(value)``; a value that parses but is out of range raises ``code``."""
        try:
            return parser(value)
        except ValueError:
            raise self._invalid(value, code) from None

    def pre_save(self, model_instance, add):
        if not (self.auto_now or (add and self.auto_now_add)):
            return super().pre_save(model_instance, add)
        now = self._now()
        setattr(model_instance, self.attname, now)
        return now

    def get_prep_value(self, value):
        return self.to_python(super().get_prep_value(value))

    def get_db_prep_value(self, value, connection, prepared=False):
        adapt = getattr(connection.ops, self._adapter)
        return adapt(value if prepared else self.get_prep_value(value))

    def value_to_string(self, obj):
        current = self.value_from_object(obj)
        return "" if current is None else current.isoformat()


# Kept for code that refers to the old name.
DateTimeCheckMixin = _TemporalMixin


def _calendar_date(moment):
    """The date a datetime falls on; an aware one is read in the default time zone."""
    if settings.USE_TZ and timezone.is_aware(moment):
        moment = timezone.make_naive(moment, timezone.get_default_timezone())
    return moment.date()


class DateField(_TemporalMixin, Field):
    description = _("Date (without time)")
    _internal_type = "DateField"
    _adapter = "adapt_datefield_value"
    default_error_messages = {
        "invalid": _("“%(value)s” value has an invalid date format. It must be in "
                     "YYYY-MM-DD format."),
        "invalid_date": _("“%(value)s” value has the correct format (YYYY-MM-DD) but it is "
                          "an invalid date."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self._check_mutually_exclusive_options():
            raise TypeError(
                "The options auto_now, auto_now_add, and default are mutually exclusive. "
                "Only one of these options may be present."
            )

    @staticmethod
    def _now():
        return datetime.date.today()

    def to_python(self, value):
        if value is None or type(value) is datetime.date:
            return value
        if isinstance(value, datetime.datetime):
            return _calendar_date(value)
        if isinstance(value, datetime.date):  # a date subclass
            return value
        parsed = self._parse(value, parse_date, "invalid_date")
        if parsed is None:
            raise self._invalid(value)
        return parsed

    def contribute_to_class(self, cls, name, **kwargs):
        super().contribute_to_class(cls, name, **kwargs)
        if self.null:
            return
        for prefix, forward in (("next", True), ("previous", False)):
            setattr(cls, f"get_{prefix}_by_{self.name}", partialmethod(
                cls._get_next_or_previous_by_FIELD, field=self, is_next=forward))


class DateTimeField(DateField):
    _internal_type = "DateTimeField"
    _adapter = "adapt_datetimefield_value"
    default_error_messages = {
        "invalid": _("“%(value)s” value has an invalid format. It must be in "
                     "YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ] format."),
        "invalid_date": _("“%(value)s” value has the correct format (YYYY-MM-DD) but it is "
                          "an invalid date."),
        "invalid_datetime": _("“%(value)s” value has the correct format "
                              "(YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ]) but it is an invalid "
                              "date/time."),
    }
    description = _("Date (with time)")

    @staticmethod
    def _now():
        return timezone.now()

    def _label(self):
        try:
            return f"{self.model.__name__}.{self.name}"
        except AttributeError:
            return None

    def _localize_naive(self, value, label):
        """A naive datetime while USE_TZ is on: warn, then read it as local time."""
        warnings.warn(
            f"DateTimeField {label} received a naive datetime ({value}) while time zone "
            "support is active." if label else
            f"DateTimeField received a naive datetime ({value}) while time zone support is "
            "active.",
            RuntimeWarning,
        )
        return timezone.make_aware(value, timezone.get_default_timezone())

    def to_python(self, value):
        if value is None or isinstance(value, datetime.datetime):
            return value
        if isinstance(value, datetime.date):
            midnight = datetime.datetime(value.year, value.month, value.day)
            if not settings.USE_TZ:
                return midnight
            return self._localize_naive(midnight, self._label())
        parsed = self._parse(value, parse_datetime, "invalid_datetime")
        if parsed is not None:
            return parsed
        day = self._parse(value, parse_date, "invalid_date")
        if day is None:
            raise self._invalid(value)
        return datetime.datetime(day.year, day.month, day.day)

    def get_prep_value(self, value):
        value = self.to_python(Field.get_prep_value(self, value))
        if value is None or not settings.USE_TZ or not timezone.is_naive(value):
            return value
        return self._localize_naive(value, self._label() or "(unbound)")


class DecimalField(Field):
    description = _("Decimal number")
    _internal_type = "DecimalField"
    empty_strings_allowed = False
    default_error_messages = {"invalid": _("“%(value)s” value must be a decimal number.")}

    def __init__(self, verbose_name=None, name=None, max_digits=None, decimal_places=None,
                 **kwargs):
        self.max_digits = max_digits
        self.decimal_places = decimal_places
        super().__init__(verbose_name, name, **kwargs)

    @cached_property
    def validators(self):
        digits = validators.DecimalValidator(self.max_digits, self.decimal_places)
        return [*super().validators, digits]

    def _deconstruct_options(self, kwargs):
        super()._deconstruct_options(kwargs)
        for option in ("max_digits", "decimal_places"):
            if getattr(self, option) is not None:
                kwargs[option] = getattr(self, option)

    @cached_property
    def context(self):
        """Floats are converted with max_digits significant digits."""
        precision = self.max_digits
        return decimal.Context(prec=precision)

    def to_python(self, value):
        return None if value is None else self._as_decimal(value)

    def _as_decimal(self, value):
        try:
            if isinstance(value, float):
                number = self.context.create_decimal_from_float(value)
            else:
                number = decimal.Decimal(value)
        except (decimal.InvalidOperation, TypeError, ValueError):
            raise self._invalid(value) from None
        if not number.is_finite():
            raise self._invalid(value)  # NaN and infinities are not storable
        return number

    def get_prep_value(self, value):
        return self.to_python(super().get_prep_value(value))

    def get_db_prep_value(self, value, connection, prepared=False):
        value = value if prepared else self.get_prep_value(value)
        if hasattr(value, "as_sql"):
            return value
        return connection.ops.adapt_decimalfield_value(value, self.max_digits,
                                                       self.decimal_places)


class DurationField(Field):
    """A timedelta: a native interval where the database has one, microseconds otherwise."""

    description = _("Duration")
    _internal_type = "DurationField"
    default_error_messages = {
        "invalid": _("“%(value)s” value has an invalid format. It must be in "
                     "[DD] [[HH:]MM:]ss[.uuuuuu] format.")
    }
    empty_strings_allowed = False

    def to_python(self, value):
        if value is None or isinstance(value, datetime.timedelta):
            return value
        parsed = _parsed_or_none(parse_duration, value)
        if parsed is None:
            raise self._invalid(value)
        return parsed

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None or connection.features.has_native_duration_field:
            return value
        return duration_microseconds(value)

    def get_db_converters(self, connection):
        own = [] if connection.features.has_native_duration_field else [
            connection.ops.convert_durationfield_value
        ]
        return own + super().get_db_converters(connection)

    def value_to_string(self, obj):
        current = self.value_from_object(obj)
        return "" if current is None else duration_string(current)


class EmailField(CharField):
    description = _("Email address")
    default_validators = [validators.validate_email]

    def __init__(self, *args, **kwargs):
        # 254 characters: the longest address the mail RFCs allow. deconstruct() always
        # writes max_length out, so migrations don't depend on this default.
        super().__init__(*args, **{"max_length": 254, **kwargs})


class FloatField(Field):
    description = _("Floating point number")
    _internal_type = "FloatField"
    empty_strings_allowed = False
    default_error_messages = {"invalid": _("“%(value)s” value must be a float.")}

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or type(value) is float:
            return value  # the common case, without a call
        return _query_number(self, value, float)

    def to_python(self, value):
        return _python_number(self, value, float)


def _limit_of(validator):
    limit = validator.limit_value
    return limit() if callable(limit) else limit


class IntegerField(Field):
    description = _("Integer")
    _internal_type = "IntegerField"
    empty_strings_allowed = False
    default_error_messages = {"invalid": _("“%(value)s” value must be an integer.")}

    @cached_property
    def validators(self):
        # Bounds come from the default connection's integer range for this column type;
        # a bound the field's own validators already keep within is not added again.
        found = super().validators
        from reinhardt.orm import connection

        try:
            low, high = connection.ops.integer_field_range(self.get_internal_type())
        except (KeyError, AttributeError):
            return found
        if low is not None and not any(
            isinstance(v, validators.MinValueValidator) and _limit_of(v) >= low for v in found
        ):
            found.append(validators.MinValueValidator(low))
        if high is not None and not any(
            isinstance(v, validators.MaxValueValidator) and _limit_of(v) <= high for v in found
        ):
            found.append(validators.MaxValueValidator(high))
        return found

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or type(value) is int:
            return value  # the common case, without a call
        return _query_number(self, value, int)

    def get_db_prep_value(self, value, connection, prepared=False):
        prepped = super().get_db_prep_value(value, connection, prepared)
        return connection.ops.adapt_integerfield_value(prepped, self.get_internal_type())

    def to_python(self, value):
        return _python_number(self, value, int)


class BigIntegerField(IntegerField):
    description = _("Big (8 byte) integer")
    _internal_type = "BigIntegerField"


class SmallIntegerField(IntegerField):
    description = _("Small integer")
    _internal_type = "SmallIntegerField"


class IPAddressField(Field):
    description = _("IPv4 address")
    _internal_type = "IPAddressField"
    empty_strings_allowed = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "max_length": 15})

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value is None else str(value)


def _normalised_ipv6_or_same(address, unpack_ipv4):
    try:
        return clean_ipv6_address(address, unpack_ipv4)
    except exceptions.ValidationError:
        return address  # stored as given; validation is what reports it


class GenericIPAddressField(Field):
    description = _("IP address")
    _internal_type = "GenericIPAddressField"
    empty_strings_allowed = False
    default_error_messages = {}
    _implied_max_length = 39  # the longest textual IPv6 address

    def __init__(self, verbose_name=None, name=None, protocol="both", unpack_ipv4=False,
                 *args, **kwargs):
        self.protocol, self.unpack_ipv4 = protocol, unpack_ipv4
        self.default_validators = validators.ip_address_validators(protocol, unpack_ipv4)
        kwargs["max_length"] = self._implied_max_length
        super().__init__(verbose_name, name, *args, **kwargs)

    def _deconstruct_options(self, kwargs):
        super()._deconstruct_options(kwargs)
        if self.protocol != "both":
            kwargs["protocol"] = self.protocol
        if self.unpack_ipv4 is not False:
            kwargs["unpack_ipv4"] = self.unpack_ipv4

    def to_python(self, value):
        text = value if value is None else str(value).strip()
        if text is None or ":" not in text:
            return text
        message = self.error_messages.get("invalid", _("Enter a valid IPv4 or IPv6 address."))
        return clean_ipv6_address(text, self.unpack_ipv4, message)

    def get_prep_value(self, value):
        prepped = super().get_prep_value(value)
        if prepped is None:
            return None
        if prepped and ":" in prepped:
            # IPv6 is stored in its normalised form.
            prepped = _normalised_ipv6_or_same(prepped, self.unpack_ipv4)
        return str(prepped)

    def get_db_prep_value(self, value, connection, prepared=False):
        prepped = value if prepared else self.get_prep_value(value)
        return connection.ops.adapt_ipaddressfield_value(prepped)


class PositiveIntegerRelDbTypeMixin:
    """Positive integer fields: a foreign key to one is a plain integer column (no CHECK)
    unless the backend needs the types to match."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if hasattr(cls, "integer_field_class"):
            return  # inherited from a positive field already set up
        cls.integer_field_class = next(
            (base for base in cls.__mro__[1:] if issubclass(base, IntegerField)), None)

    def rel_db_type(self, connection):
        if connection.features.related_fields_match_type:
            return self.db_type(connection)
        return self.integer_field_class().db_type(connection=connection)


class PositiveBigIntegerField(PositiveIntegerRelDbTypeMixin, BigIntegerField):
    description = _("Positive big integer")
    _internal_type = "PositiveBigIntegerField"


class PositiveIntegerField(PositiveIntegerRelDbTypeMixin, IntegerField):
    description = _("Positive integer")
    _internal_type = "PositiveIntegerField"


class PositiveSmallIntegerField(PositiveIntegerRelDbTypeMixin, SmallIntegerField):
    description = _("Positive small integer")
    _internal_type = "PositiveSmallIntegerField"


class SlugField(CharField):
    description = _("Slug (up to %(max_length)s)")
    _internal_type = "SlugField"
    default_validators = [validators.validate_slug]
    _implied_max_length = 50

    def __init__(self, *args, max_length=50, db_index=True, allow_unicode=False, **kwargs):
        self.allow_unicode = allow_unicode
        if allow_unicode:
            # In place before CharField.__init__ builds the validator list.
            self.default_validators = [validators.validate_unicode_slug]
        super().__init__(*args, max_length=max_length, db_index=db_index, **kwargs)

    def _deconstruct_options(self, kwargs):
        super()._deconstruct_options(kwargs)
        # Indexed by default here, unlike Field: only db_index=False is worth reporting.
        kwargs.pop("db_index", None)
        if self.db_index is False:
            kwargs["db_index"] = False
        if self.allow_unicode is not False:
            kwargs["allow_unicode"] = self.allow_unicode


class TextField(_TextMixin, Field):
    description = _("Text")
    _internal_type = "TextField"


class TimeField(_TemporalMixin, Field):
    description = _("Time")
    _internal_type = "TimeField"
    _adapter = "adapt_timefield_value"
    default_error_messages = {
        "invalid": _("“%(value)s” value has an invalid format. It must be in "
                     "HH:MM[:ss[.uuuuuu]] format."),
        "invalid_time": _("“%(value)s” value has the correct format (HH:MM[:ss[.uuuuuu]]) "
                          "but it is an invalid time."),
    }

    @staticmethod
    def _now():
        return datetime.datetime.now().time()

    def to_python(self, value):
        if isinstance(value, datetime.datetime):
            return value.time()  # some drivers read a TIME column as a datetime
        if value is None or isinstance(value, datetime.time):
            return value
        parsed = self._parse(value, parse_time, "invalid_time")
        if parsed is None:
            raise self._invalid(value)
        return parsed


class URLField(CharField):
    description = _("URL")
    default_validators = [validators.URLValidator()]
    _implied_max_length = 200

    def __init__(self, verbose_name=None, name=None, **kwargs):
        kwargs.setdefault("max_length", self._implied_max_length)
        super().__init__(verbose_name, name, **kwargs)


class BinaryField(Field):
    """Raw bytes. Values read back are ``bytes`` on every backend."""

    empty_values = [None, b""]
    description = _("Raw binary data")
    _internal_type = "BinaryField"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{"editable": False, **kwargs})
        _limit_length(self)

    def _deconstruct_options(self, kwargs):
        super()._deconstruct_options(kwargs)
        # Not editable by default here, the opposite of Field.
        kwargs.pop("editable", None)
        if self.editable:
            kwargs["editable"] = True

    def get_default(self):
        default = self.default
        if default is not NOT_PROVIDED and not callable(default):
            return default  # as given: bytes, bytearray or memoryview
        produced = super().get_default()
        return b"" if produced == "" else produced

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        if value is None:
            return None
        driver = connection.Database
        return driver.Binary(value) if driver else bytes(value)

    def get_placeholder(self, value, compiler, connection):
        return connection.ops.binary_placeholder_sql(value)

    def from_db_value(self, value, expression, connection):
        return value if value is None or isinstance(value, bytes) else bytes(value)

    def to_python(self, value):
        if not isinstance(value, str):
            return value
        # base64 text, as value_to_string() writes it for serializers
        return memoryview(base64.b64decode(value.encode("ascii")))

    def value_to_string(self, obj):
        """Binary data is written out as base64 text."""
        return base64.b64encode(self.value_from_object(obj)).decode("ascii")


class UUIDField(Field):
    description = _("Universally unique identifier")
    _internal_type = "UUIDField"
    empty_strings_allowed = False
    default_error_messages = {"invalid": _("“%(value)s” is not a valid UUID.")}
    # 32 hex digits where the column is text; always set, so never deconstructed.
    _implied_max_length = 32

    def __init__(self, verbose_name=None, **kwargs):
        super().__init__(verbose_name, **{**kwargs, "max_length": self._implied_max_length})

    def get_prep_value(self, value):
        return self.to_python(super().get_prep_value(value))

    def get_db_prep_value(self, value, connection, prepared=False):
        as_uuid = value
        if value is not None and not isinstance(value, uuid.UUID):
            as_uuid = self.to_python(value)
        if as_uuid is None or connection.features.has_native_uuid_field:
            return as_uuid
        return as_uuid.hex

    def to_python(self, value):
        if value is None or isinstance(value, uuid.UUID):
            return value
        try:
            if isinstance(value, int):
                return uuid.UUID(int=value)
            return uuid.UUID(hex=value)
        except (AttributeError, ValueError):
            raise self._invalid(value) from None

    def from_db_value(self, value, expression, connection):
        if value is None or isinstance(value, uuid.UUID):
            return value
        if isinstance(value, str):
            return uuid.UUID(value)
        return uuid.UUID(bytes=bytes(value))


class AutoFieldMixin:
    """Database-assigned integer primary keys: always blank-able, read back on insert."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "blank": True})

    def validate(self, value, model_instance):
        return None  # the database assigns the value

    db_returning = True

    def _deconstruct_options(self, kwargs):
        super()._deconstruct_options(kwargs)
        del kwargs["blank"]  # implied
        kwargs["primary_key"] = True

    def get_db_prep_value(self, value, connection, prepared=False):
        if prepared:
            return value
        value = self.get_prep_value(value)
        check = getattr(connection.ops, "validate_autopk_value", None)
        return value if check is None else check(value)

    def contribute_to_class(self, cls, name, **kwargs):
        meta = cls._meta
        if meta.auto_field:
            raise ValueError(
                f"Model {meta.label} can't have more than one auto-generated field."
            )
        super().contribute_to_class(cls, name, **kwargs)
        meta.auto_field = self

    def formfield(self, **kwargs):
        return None


def _sibling_auto_fields():
    return (BigAutoField, SmallAutoField)


class AutoFieldMeta(type):
    """Makes BigAutoField and SmallAutoField count as subclasses of AutoField."""

    def __subclasscheck__(cls, subclass):
        if issubclass(subclass, _sibling_auto_fields()):
            return True
        return super().__subclasscheck__(subclass)

    def __instancecheck__(cls, instance):
        if isinstance(instance, _sibling_auto_fields()):
            return True
        return super().__instancecheck__(instance)


class _AutoRelMixin:
    """A foreign key to an auto field is a plain integer column of the same width."""

    _plain_integer = None

    def rel_db_type(self, connection):
        return self._plain_integer().db_type(connection=connection)


class AutoField(AutoFieldMixin, _AutoRelMixin, IntegerField, metaclass=AutoFieldMeta):
    _internal_type = "AutoField"
    _plain_integer = IntegerField


class BigAutoField(AutoFieldMixin, _AutoRelMixin, BigIntegerField):
    _internal_type = "BigAutoField"
    _plain_integer = BigIntegerField


class SmallAutoField(AutoFieldMixin, _AutoRelMixin, SmallIntegerField):
    _internal_type = "SmallAutoField"
    _plain_integer = SmallIntegerField


class OrderWrt(IntegerField):
    """The ``_order`` column that ``Meta.order_with_respect_to`` adds."""

    def __init__(self, *args, **kwargs):
        kwargs.update(name="_order", editable=False)
        super().__init__(*args, **kwargs)


# Registered after the lookups module exists; imported at the end to avoid a cycle.
from reinhardt.orm.models.fields import _registration  # noqa: E402,F401
