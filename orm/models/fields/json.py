"""JSONField, its key/index/path transforms and its lookups (data side).

How each backend stores JSON and evaluates key paths is the compiler's business; this module
only says what is asked. Path semantics follow Django: ``data__a__0__b`` is key ``a``, index
``0``, key ``b``; ``KT()``/KeyTextTransform give the value as text.

The many small lookup classes exist so that each backend can render each one by class name
(``visit_KeyTransformExact``, ``mql_KeyTransformLt``, ...); they carry no logic of their own
and are declared from tables at the end of the module.
"""

from __future__ import annotations

import json

from reinhardt.core import exceptions
from reinhardt.orm.models import lookups
from reinhardt.orm.models.constants import LOOKUP_SEP
from reinhardt.orm.models.expressions import Value
from reinhardt.orm.models.fields import Field, TextField
from reinhardt.utils.translation import gettext_lazy as _

__all__ = ["JSONField"]

_CODEC_ROLES = ("encoder", "decoder")


def _is_json_value_node(value) -> bool:
    """A ``Value(..., output_field=JSONField())``: its payload is data to serialise."""
    return isinstance(value, Value) and isinstance(value.output_field, JSONField)


class JSONField(Field):
    """A column (or document attribute) holding any JSON-serialisable Python value.

    ``encoder``/``decoder`` are ``json.JSONEncoder``/``JSONDecoder`` subclasses used on the
    way in and out; Python ``None`` means SQL NULL, ``Value(None, JSONField())`` JSON null.
    """

    description = _("A JSON object")
    empty_strings_allowed = False
    default_error_messages = {"invalid": _("Value must be valid JSON.")}
    _default_hint = ("dict", "{}")

    def __init__(self, verbose_name=None, name=None, encoder=None, decoder=None, **kwargs):
        for role, codec in zip(_CODEC_ROLES, (encoder, decoder)):
            if codec and not callable(codec):
                raise ValueError(f"The {role} parameter must be a callable object.")
        self.encoder, self.decoder = encoder, decoder
        Field.__init__(self, verbose_name, name, **kwargs)

    def deconstruct(self):
        *head, kwargs = super().deconstruct()
        kwargs.update({
            role: getattr(self, role) for role in _CODEC_ROLES if getattr(self, role) is not None
        })
        return (*head, kwargs)

    def get_internal_type(self):
        return "JSONField"

    # ----- database <-> Python ------------------------------------------------------------

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        is_text = isinstance(value, (str, bytes, bytearray))
        if not is_text:
            # Already decoded: by the driver (psycopg, pymongo), or a scalar the database
            # extracted from a key (SQLite gives numbers and booleans as such).
            if self.decoder is None or isinstance(expression, KeyTransform):
                return value
            value = json.dumps(value)  # re-encode so the custom decoder sees JSON text
        elif isinstance(expression, KeyTransform) and not isinstance(value, str):
            return value
        return _loads_or_raw(value, self.decoder)

    def get_db_prep_value(self, value, connection, prepared=False):
        value = value if prepared else self.get_prep_value(value)
        if _is_json_value_node(value):
            value = value.value
        elif hasattr(value, "resolve_expression") or hasattr(value, "as_sql"):
            return value
        return connection.ops.adapt_json_value(value, self.encoder)

    def get_db_prep_save(self, value, connection):
        if value is not None:
            if _is_json_value_node(value) and value.value is None:
                value = None  # JSON null: serialised by get_db_prep_value as 'null'
            return super().get_db_prep_save(value, connection)
        return None  # SQL NULL

    def value_to_string(self, obj):
        return self.value_from_object(obj)

    # ----- validation and lookups ---------------------------------------------------------

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        if not _encodable(value, self.encoder):
            raise exceptions.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value})

    def get_transform(self, name):
        # Any name that is not a registered transform is a key into the document.
        return super().get_transform(name) or KeyTransformFactory(name)


def _loads_or_raw(text, decoder):
    """Decode JSON text; text that is not JSON (a key extracted as a bare string) is
    returned as it came."""
    try:
        return json.loads(text, cls=decoder)
    except json.JSONDecodeError:
        return text


def _encodable(value, encoder) -> bool:
    try:
        json.dumps(value, cls=encoder)
    except TypeError:
        return False
    return True


def compile_json_path(key_transforms, include_root=True):
    """'$."a"[0]."b"': the JSON path of a list of keys (integers are array indexes)."""
    steps = []
    for key in key_transforms:
        try:
            steps.append(f"[{int(key)}]")
        except ValueError:
            steps.append("." + json.dumps(key))
    return ("$" if include_root else "") + "".join(steps)


# ----- lookups on the whole document -------------------------------------------------------


class DataContains(lookups.FieldGetDbPrepValueMixin, lookups.PostgresOperatorLookup):
    """``data__contains={...}``: the document includes the given pairs/elements."""

    postgres_operator = "@>"
    lookup_name = "contains"


class ContainedBy(lookups.FieldGetDbPrepValueMixin, lookups.PostgresOperatorLookup):
    """``data__contained_by={...}``: every pair of the document is in the given value."""

    postgres_operator = "<@"
    lookup_name = "contained_by"


class HasKeyLookup(lookups.PostgresOperatorLookup):
    """Key-presence lookups. ``logical_operator`` joins the per-key tests (None: one key)."""

    def compile_json_path_final_key(self, key_transform):
        # Always an object member: has_key="0" asks for key "0", not element 0.
        return "." + json.dumps(key_transform)

    logical_operator = None


class HasKey(HasKeyLookup):
    postgres_operator = "?"
    lookup_name = "has_key"
    prepare_rhs = False


class HasKeys(HasKeyLookup):
    """``has_keys=[...]``: every key is present."""

    postgres_operator = "?&"
    lookup_name = "has_keys"
    logical_operator = " AND "

    def get_prep_lookup(self):
        return list(map(str, self.rhs))


class HasAnyKeys(HasKeys):
    """``has_any_keys=[...]``: at least one key is present."""

    logical_operator = " OR "
    lookup_name = "has_any_keys"
    postgres_operator = "?|"


class HasKeyOrArrayIndex(HasKey):
    """As ``has_key``, but an integer-like key may also be an array index."""

    def compile_json_path_final_key(self, key_transform):
        return compile_json_path((key_transform,), False)


class CaseInsensitiveMixin:
    """Case-insensitive comparison of JSON values (compared as text where needed)."""


class JSONExact(lookups.Exact):
    # ``data=None`` compares with JSON null rather than becoming ``isnull``.
    can_use_none_as_rhs = True


class JSONIContains(CaseInsensitiveMixin, lookups.IContains):
    """``icontains`` on the document's JSON text."""


for _lookup in (DataContains, ContainedBy, HasKey, HasKeys, HasAnyKeys, JSONExact,
                JSONIContains):
    JSONField.register_lookup(_lookup)


# ----- keys, indexes and paths -------------------------------------------------------------


class KeyTransform(lookups.Transform):
    """``data__key``: the JSON value under ``key`` (or index) of the left-hand side."""

    # A backend may select a key's value as JSON text (json_key_select_format), which does
    # not sort like the value itself: ORDER BY then repeats the expression.
    selected_form_orders_differently = True
    postgres_nested_operator = "#>"
    postgres_operator = "->"

    def __init__(self, key_name, *args, **kwargs):
        self.key_name = str(key_name)
        super().__init__(*args, **kwargs)

    def __repr__(self):
        return f"{type(self).__name__}({self.key_name!r}, {self.lhs!r})"

    @property
    def identity(self):
        return (type(self), self.key_name, self.lhs)

    def preprocess_lhs(self, compiler=None, connection=None):
        """The innermost non-key expression and the list of keys, outermost first."""
        node, path = self, []
        while isinstance(node, KeyTransform):
            path.append(node.key_name)
            node = node.lhs
        path.reverse()
        return node, path

    def select_format(self, compiler, sql, params):
        formatter = getattr(compiler, "json_key_select_format", None)
        if formatter is None:
            return sql, params
        return formatter(self, sql, params)


class KeyTextTransform(KeyTransform):
    """``data__key`` as text (PostgreSQL's ->>): strings without JSON quotes."""

    output_field = TextField()
    selected_form_orders_differently = False
    postgres_nested_operator = "#>>"
    postgres_operator = "->>"

    def select_format(self, compiler, sql, params):
        return sql, params

    @classmethod
    def from_lookup(cls, lookup):
        """``KT("data__owner__name")``: the text at that path of field ``data``."""
        root, *path = lookup.split(LOOKUP_SEP)
        if not path:
            raise ValueError("Lookup must contain key or index transforms.")
        node = root
        for key in path:
            node = cls(key, node)
        return node


KT = KeyTextTransform.from_lookup


class KeyTransformFactory:
    """What ``JSONField.get_transform`` returns for a key: builds the ``KeyTransform``."""

    __slots__ = ("key_name",)

    def __init__(self, key_name):
        self.key_name = key_name

    def __call__(self, *lhs, **options):
        return KeyTransform(self.key_name, *lhs, **options)


class KeyTransformTextLookupMixin:
    """Compare a key's value as text (for the text lookups: icontains, startswith...)."""

    def __init__(self, key_transform, *args, **kwargs):
        super().__init__(_text_of_key(key_transform), *args, **kwargs)


def _text_of_key(key_transform):
    """The same key path, read as text."""
    if isinstance(key_transform, KeyTransform):
        return KeyTextTransform(key_transform.key_name, *key_transform.source_expressions,
                                **key_transform.extra)
    raise TypeError(
        "Transform should be an instance of KeyTransform in order to use this lookup.")


class KeyTransformNumericLookupMixin:
    """Order comparisons on a key: without a native JSON type the bound parameters arrive
    as JSON text and are decoded back to numbers."""

    def process_rhs(self, compiler, connection):
        sql, params = super().process_rhs(compiler, connection)
        if connection.features.has_native_json_field:
            return sql, params
        return sql, [json.loads(p) if isinstance(p, str) else p for p in params]


class KeyTransformIsNull(lookups.IsNull):
    """``data__key__isnull=True``: the key is absent (a JSON null counts as present)."""


class KeyTransformExact(JSONExact):
    """``data__key=value``; ``value=None`` matches a JSON null."""


def _key_lookup(name, *parents):
    return type(name, parents, {"__doc__": f"``{parents[-1].lookup_name}`` on a JSON key."})


_TEXT = KeyTransformTextLookupMixin
_NUMERIC = KeyTransformNumericLookupMixin
_CI = CaseInsensitiveMixin

KeyTransformIn = _key_lookup("KeyTransformIn", lookups.In)
KeyTransformIExact = _key_lookup("KeyTransformIExact", _CI, _TEXT, lookups.IExact)
KeyTransformIContains = _key_lookup("KeyTransformIContains", _CI, _TEXT, lookups.IContains)
KeyTransformStartsWith = _key_lookup("KeyTransformStartsWith", _TEXT, lookups.StartsWith)
KeyTransformIStartsWith = _key_lookup("KeyTransformIStartsWith", _CI, _TEXT,
                                      lookups.IStartsWith)
KeyTransformEndsWith = _key_lookup("KeyTransformEndsWith", _TEXT, lookups.EndsWith)
KeyTransformIEndsWith = _key_lookup("KeyTransformIEndsWith", _CI, _TEXT, lookups.IEndsWith)
KeyTransformRegex = _key_lookup("KeyTransformRegex", _TEXT, lookups.Regex)
KeyTransformIRegex = _key_lookup("KeyTransformIRegex", _CI, _TEXT, lookups.IRegex)
KeyTransformLt = _key_lookup("KeyTransformLt", _NUMERIC, lookups.LessThan)
KeyTransformLte = _key_lookup("KeyTransformLte", _NUMERIC, lookups.LessThanOrEqual)
KeyTransformGt = _key_lookup("KeyTransformGt", _NUMERIC, lookups.GreaterThan)
KeyTransformGte = _key_lookup("KeyTransformGte", _NUMERIC, lookups.GreaterThanOrEqual)

for _lookup in (KeyTransformIn, KeyTransformExact, KeyTransformIExact, KeyTransformIsNull,
                KeyTransformIContains, KeyTransformStartsWith, KeyTransformIStartsWith,
                KeyTransformEndsWith, KeyTransformIEndsWith, KeyTransformRegex,
                KeyTransformIRegex, KeyTransformLt, KeyTransformLte, KeyTransformGt,
                KeyTransformGte):
    KeyTransform.register_lookup(_lookup)
del _lookup
