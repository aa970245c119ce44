"""JSONField, its key/index/path transforms and its lookups (data side).

How each backend stores JSON and evaluates key paths is the compiler's business; this module
only says what is asked. Path semantics follow Django: ``data__a__0__b`` is key ``a``, index
``0``, key ``b``; ``KT()``/KeyTextTransform give the value as text.
"""

from __future__ import annotations

import json

from reinhardt.core import exceptions
from reinhardt.orm.models import lookups
from reinhardt.orm.models.constants import LOOKUP_SEP
from reinhardt.orm.models.expressions import Value
from reinhardt.orm.models.fields import Field, TextField
from reinhardt.orm.models.lookups import (
    FieldGetDbPrepValueMixin,
    PostgresOperatorLookup,
    Transform,
)
from reinhardt.utils.translation import gettext_lazy as _

__all__ = ["JSONField"]


class JSONField(Field):
    empty_strings_allowed = False
    description = _("A JSON object")
    default_error_messages = {
        "invalid": _("Value must be valid JSON."),
    }
    _default_hint = ("dict", "{}")

    def __init__(self, verbose_name=None, name=None, encoder=None, decoder=None, **kwargs):
        if encoder and not callable(encoder):
            raise ValueError("The encoder parameter must be a callable object.")
        if decoder and not callable(decoder):
            raise ValueError("The decoder parameter must be a callable object.")
        self.encoder = encoder
        self.decoder = decoder
        super().__init__(verbose_name, name, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.encoder is not None:
            kwargs["encoder"] = self.encoder
        if self.decoder is not None:
            kwargs["decoder"] = self.decoder
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        # A key extracted on some databases (SQLite) is already a number/boolean, not JSON
        # text.
        if isinstance(expression, KeyTransform) and not isinstance(value, str):
            return value
        if not isinstance(value, (str, bytes, bytearray)):
            # Drivers with a native JSON type (psycopg, pymongo) decode already.
            if self.decoder is None:
                return value
            value = json.dumps(value)
        try:
            return json.loads(value, cls=self.decoder)
        except json.JSONDecodeError:
            return value

    def get_internal_type(self):
        return "JSONField"

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        if isinstance(value, Value) and isinstance(value.output_field, JSONField):
            value = value.value
        elif hasattr(value, "as_sql") or hasattr(value, "resolve_expression"):
            return value
        return connection.ops.adapt_json_value(value, self.encoder)

    def get_db_prep_save(self, value, connection):
        # Python None is stored as SQL NULL; Value(None, JSONField()) stores JSON null.
        # Expressions are passed through untouched rather than turned into JSON.
        if value is None:
            return value
        if (
            isinstance(value, Value)
            and value.value is None
            and isinstance(value.output_field, JSONField)
        ):
            value = None
        return super().get_db_prep_save(value, connection)

    def get_transform(self, name):
        transform = super().get_transform(name)
        if transform:
            return transform
        return KeyTransformFactory(name)

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        try:
            json.dumps(value, cls=self.encoder)
        except TypeError:
            raise exceptions.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value},
            )

    def value_to_string(self, obj):
        return self.value_from_object(obj)


class DataContains(FieldGetDbPrepValueMixin, PostgresOperatorLookup):
    lookup_name = "contains"
    postgres_operator = "@>"


class ContainedBy(FieldGetDbPrepValueMixin, PostgresOperatorLookup):
    lookup_name = "contained_by"
    postgres_operator = "<@"


class HasKeyLookup(PostgresOperatorLookup):
    logical_operator = None

    def compile_json_path_final_key(self, key_transform):
        # A key such as "0" is an object key here, not an array index.
        return ".%s" % json.dumps(key_transform)


class HasKey(HasKeyLookup):
    lookup_name = "has_key"
    postgres_operator = "?"
    prepare_rhs = False


class HasKeys(HasKeyLookup):
    lookup_name = "has_keys"
    postgres_operator = "?&"
    logical_operator = " AND "

    def get_prep_lookup(self):
        return [str(item) for item in self.rhs]


class HasAnyKeys(HasKeys):
    lookup_name = "has_any_keys"
    postgres_operator = "?|"
    logical_operator = " OR "


class HasKeyOrArrayIndex(HasKey):
    def compile_json_path_final_key(self, key_transform):
        return compile_json_path([key_transform], include_root=False)


class CaseInsensitiveMixin:
    """Case-insensitive comparison of JSON values (compared as text where needed)."""


class JSONExact(lookups.Exact):
    can_use_none_as_rhs = True


class JSONIContains(CaseInsensitiveMixin, lookups.IContains):
    pass


JSONField.register_lookup(DataContains)
JSONField.register_lookup(ContainedBy)
JSONField.register_lookup(HasKey)
JSONField.register_lookup(HasKeys)
JSONField.register_lookup(HasAnyKeys)
JSONField.register_lookup(JSONExact)
JSONField.register_lookup(JSONIContains)


def compile_json_path(key_transforms, include_root=True):
    """'$."a"[0]."b"': the JSON path of a list of keys (integers are array indexes)."""
    path = ["$"] if include_root else []
    for key_transform in key_transforms:
        try:
            num = int(key_transform)
        except ValueError:  # non-integer
            path.append(".")
            path.append(json.dumps(key_transform))
        else:
            path.append("[%s]" % num)
    return "".join(path)


class KeyTransform(Transform):
    """``data__key``: the JSON value under ``key`` (or index) of the left-hand side."""

    postgres_operator = "->"
    postgres_nested_operator = "#>"

    def __init__(self, key_name, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.key_name = str(key_name)

    def preprocess_lhs(self, compiler=None, connection=None):
        """The innermost non-key expression and the list of keys, outermost first."""
        key_transforms = [self.key_name]
        previous = self.lhs
        while isinstance(previous, KeyTransform):
            key_transforms.insert(0, previous.key_name)
            previous = previous.lhs
        return previous, key_transforms

    @property
    def identity(self):
        return (self.__class__, self.key_name, self.lhs)

    # A backend may select a key's value as JSON text (json_key_select_format), which does
    # not sort like the value itself: ORDER BY then repeats the expression.
    selected_form_orders_differently = True

    def select_format(self, compiler, sql, params):
        hook = getattr(compiler, "json_key_select_format", None)
        return hook(self, sql, params) if hook is not None else (sql, params)

    def __repr__(self):
        return f"{self.__class__.__name__}({self.key_name!r}, {self.lhs!r})"


class KeyTextTransform(KeyTransform):
    """``data__key`` as text (PostgreSQL's ->>): strings without JSON quotes."""

    postgres_operator = "->>"
    postgres_nested_operator = "#>>"
    output_field = TextField()

    selected_form_orders_differently = False

    def select_format(self, compiler, sql, params):
        return sql, params

    @classmethod
    def from_lookup(cls, lookup):
        transform, *keys = lookup.split(LOOKUP_SEP)
        if not keys:
            raise ValueError("Lookup must contain key or index transforms.")
        for key in keys:
            transform = cls(key, transform)
        return transform


KT = KeyTextTransform.from_lookup


class KeyTransformTextLookupMixin:
    """Compare a key's value as text (for the text lookups: icontains, startswith...)."""

    def __init__(self, key_transform, *args, **kwargs):
        if not isinstance(key_transform, KeyTransform):
            raise TypeError(
                "Transform should be an instance of KeyTransform in order to use this lookup."
            )
        key_text_transform = KeyTextTransform(
            key_transform.key_name, *key_transform.source_expressions,
            **key_transform.extra,
        )
        super().__init__(key_text_transform, *args, **kwargs)


class KeyTransformIsNull(lookups.IsNull):
    """``data__key__isnull=True``: the key is absent (a JSON null counts as present)."""


class KeyTransformIn(lookups.In):
    pass


class KeyTransformExact(JSONExact):
    pass


class KeyTransformIExact(CaseInsensitiveMixin, KeyTransformTextLookupMixin, lookups.IExact):
    pass


class KeyTransformIContains(CaseInsensitiveMixin, KeyTransformTextLookupMixin,
                            lookups.IContains):
    pass


class KeyTransformStartsWith(KeyTransformTextLookupMixin, lookups.StartsWith):
    pass


class KeyTransformIStartsWith(CaseInsensitiveMixin, KeyTransformTextLookupMixin,
                              lookups.IStartsWith):
    pass


class KeyTransformEndsWith(KeyTransformTextLookupMixin, lookups.EndsWith):
    pass


class KeyTransformIEndsWith(CaseInsensitiveMixin, KeyTransformTextLookupMixin,
                            lookups.IEndsWith):
    pass


class KeyTransformRegex(KeyTransformTextLookupMixin, lookups.Regex):
    pass


class KeyTransformIRegex(CaseInsensitiveMixin, KeyTransformTextLookupMixin, lookups.IRegex):
    pass


class KeyTransformNumericLookupMixin:
    def process_rhs(self, compiler, connection):
        sql, params = super().process_rhs(compiler, connection)
        if not connection.features.has_native_json_field:
            params = [json.loads(value) if isinstance(value, str) else value
                      for value in params]
        return sql, params


class KeyTransformLt(KeyTransformNumericLookupMixin, lookups.LessThan):
    pass


class KeyTransformLte(KeyTransformNumericLookupMixin, lookups.LessThanOrEqual):
    pass


class KeyTransformGt(KeyTransformNumericLookupMixin, lookups.GreaterThan):
    pass


class KeyTransformGte(KeyTransformNumericLookupMixin, lookups.GreaterThanOrEqual):
    pass


KeyTransform.register_lookup(KeyTransformIn)
KeyTransform.register_lookup(KeyTransformExact)
KeyTransform.register_lookup(KeyTransformIExact)
KeyTransform.register_lookup(KeyTransformIsNull)
KeyTransform.register_lookup(KeyTransformIContains)
KeyTransform.register_lookup(KeyTransformStartsWith)
KeyTransform.register_lookup(KeyTransformIStartsWith)
KeyTransform.register_lookup(KeyTransformEndsWith)
KeyTransform.register_lookup(KeyTransformIEndsWith)
KeyTransform.register_lookup(KeyTransformRegex)
KeyTransform.register_lookup(KeyTransformIRegex)

KeyTransform.register_lookup(KeyTransformLt)
KeyTransform.register_lookup(KeyTransformLte)
KeyTransform.register_lookup(KeyTransformGt)
KeyTransform.register_lookup(KeyTransformGte)


class KeyTransformFactory:
    def __init__(self, key_name):
        self.key_name = key_name

    def __call__(self, *args, **kwargs):
        return KeyTransform(self.key_name, *args, **kwargs)

