"""MongoDB's own fields: ObjectId keys and the document-native fields.

``ObjectIdAutoField`` is a primary key the backend fills with a new ObjectId on insert (and
that a ``DEFAULT_AUTO_FIELD``-less model can declare explicitly); ``ObjectIdField`` holds an
ObjectId, and accepts its 24-hex-digit text wherever a value is given.

``ArrayField``, ``EmbeddedModelField`` (with ``EmbeddedModel``) and ``DictField`` store a BSON
array, a subdocument made from a model-like instance and a free-form subdocument; see
docs/backends/mongodb.md.
"""

from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId

from reinhardt.core import exceptions
from reinhardt.orm.errors import NotSupportedError
from reinhardt.orm.models.fields import AutoFieldMixin, Field, IntegerField
from reinhardt.orm.models.fields.json import JSONField
from reinhardt.orm.models.lookups import FieldGetDbPrepValueMixin, Lookup, Transform

__all__ = [
    "ArrayField", "DictField", "EmbeddedModel", "EmbeddedModelField", "ObjectIdAutoField",
    "ObjectIdField",
]


class ObjectIdField(Field):
    description = "MongoDB ObjectId"
    empty_strings_allowed = False

    def get_internal_type(self) -> str:
        return "ObjectIdField"

    def to_python(self, value):
        if value is None or isinstance(value, ObjectId):
            return value
        try:
            return ObjectId(str(value))
        except (InvalidId, TypeError):
            raise exceptions.ValidationError(
                f"“{value}” is not a valid ObjectId (24 hexadecimal digits).",
                code="invalid", params={"value": value},
            ) from None

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return self.to_python(value)

    def from_db_value(self, value, expression, connection):
        return value


class ObjectIdAutoField(AutoFieldMixin, ObjectIdField):
    def get_internal_type(self) -> str:
        return "ObjectIdAutoField"


# ----- document-native fields (MongoDB only) -------------------------------------------------------
#
# ArrayField, EmbeddedModelField and DictField store what a document holds natively: a BSON
# array, a subdocument made from a model instance, a free-form subdocument. SQL backends have
# no column for them: the system check reports an error for every database the model
# migrates to that is not MongoDB, and the schema editor or a query there raises
# NotSupportedError naming the backend.


def _not_on(connection, field):
    name = f"{field.model.__name__}.{field.name}" if getattr(field, "model", None) else (
        field.name or type(field).__name__)
    display = getattr(connection.features, "display_name", connection.vendor)
    return NotSupportedError(
        f"{type(field).__name__} {name} is a MongoDB document field; the {display} backend "
        f"(database '{connection.alias}') cannot store it. Use the MongoDB backend "
        "(reinhardt.backends.mongodb) for this model, or a JSONField.",
        backend=display, feature=f"{type(field).__name__} (MongoDB document fields)")


class DocumentFieldMixin:
    """What makes a field MongoDB-only: checks and refusals on other backends."""

    def check(self, **kwargs):
        from reinhardt.conf import settings
        from reinhardt.core import checks
        from reinhardt.orm import connections, router

        errors = list(super().check(**kwargs))
        databases = kwargs.get("databases")
        if databases is None:
            databases = list(getattr(settings, "DATABASES", {}) or {})
        model = getattr(self, "model", None)
        for alias in databases:
            if model is not None and not router.allow_migrate_model(alias, model):
                continue
            connection = connections[alias]
            if connection.vendor != "mongodb":
                errors.append(checks.Error(
                    f"{type(self).__name__} needs the MongoDB backend; database '{alias}' uses "
                    f"{connection.features.display_name}, which cannot store it.",
                    hint="Route this model to a MongoDB database, or use a JSONField.",
                    obj=self, id="mongodb.E001"))
        return errors

    def _require_mongodb(self, connection):
        if connection.vendor != "mongodb":
            raise _not_on(connection, self)

    def db_type(self, connection):
        self._require_mongodb(connection)
        return None

    def db_parameters(self, connection):
        self._require_mongodb(connection)
        return {"type": None, "check": None}


def _item_converters(field, connection):
    """The converters turning a stored value of ``field`` back into Python."""
    from reinhardt.orm.models.expressions import Col

    col = Col(None, field)
    return [*connection.ops.get_db_converters(col), *field.get_db_converters(connection)], col


def _convert(value, converters, col, connection):
    for converter in converters:
        value = converter(value, col, connection)
    return value


class ArrayField(DocumentFieldMixin, Field):
    """A list of ``base_field`` values stored as a BSON array.

    Lookups: ``exact``, ``contains`` (holds every given item), ``contained_by``, ``overlap``
    (holds any), ``len``, ``field__0`` (0-based index; NULL past the end) and ``field__0_2``
    (a slice, end exclusive).
    """

    empty_strings_allowed = False
    description = "Array of values"
    default_error_messages = {
        "item_invalid": "Item %(nth)s in the array did not validate: %(message)s",
        "max_length": "List contains %(count)d items, it should contain no more than "
                      "%(limit)d.",
        "not_a_list": "Value must be a list.",
    }

    def __init__(self, base_field, size=None, **kwargs):
        if not isinstance(base_field, Field) or base_field.is_relation:
            raise TypeError(
                "ArrayField(base_field) needs a field instance for the items (not a relation), "
                f"got {base_field!r}.")
        if size is not None and (not isinstance(size, int) or size < 0):
            raise ValueError(f"ArrayField size must be a non-negative integer, got {size!r}.")
        self.base_field = base_field
        self.size = size
        super().__init__(**kwargs)

    def contribute_to_class(self, cls, name, **kwargs):
        super().contribute_to_class(cls, name, **kwargs)
        self.base_field.model = cls
        self.base_field.set_attributes_from_name(f"{name}_item")

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["base_field"] = self.base_field.clone()
        if self.size is not None:
            kwargs["size"] = self.size
        return name, path, args, kwargs

    def get_internal_type(self):
        return "ArrayField"

    def to_python(self, value):
        if value is None:
            return None
        if isinstance(value, str):
            import json

            try:
                value = json.loads(value)
            except ValueError:
                raise self._invalid(value, "not_a_list") from None
        if not isinstance(value, (list, tuple)):
            raise self._invalid(value, "not_a_list")
        items = []
        for nth, item in enumerate(value, 1):
            try:
                items.append(self.base_field.to_python(item))
            except exceptions.ValidationError as error:
                raise self._item_error(nth, error) from None
        return items

    def _item_error(self, nth, error):
        return exceptions.ValidationError(
            self.error_messages["item_invalid"], code="item_invalid",
            params={"nth": nth, "message": "; ".join(error.messages)})

    def get_prep_value(self, value):
        if value is None or hasattr(value, "resolve_expression"):
            return value
        if not isinstance(value, (list, tuple)):
            raise TypeError(
                f"ArrayField {self.name} takes a list, not {type(value).__name__} ({value!r}).")
        return [self.base_field.get_prep_value(item) for item in value]

    def get_db_prep_value(self, value, connection, prepared=False):
        self._require_mongodb(connection)
        if not prepared:
            value = self.get_prep_value(value)
        if value is None or hasattr(value, "resolve_expression"):
            return value
        return [self.base_field.get_db_prep_value(item, connection, prepared=False)
                for item in value]

    def get_db_prep_save(self, value, connection):
        self._require_mongodb(connection)
        if value is None or hasattr(value, "resolve_expression"):
            return value
        return [self.base_field.get_db_prep_save(item, connection)
                for item in self.get_prep_value(value)]

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        converters, col = _item_converters(self.base_field, connection)
        if not converters:
            return list(value)
        return [None if item is None else _convert(item, converters, col, connection)
                for item in value]

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        if value is None:
            return
        if self.size is not None and len(value) > self.size:
            raise exceptions.ValidationError(
                self.error_messages["max_length"], code="max_length",
                params={"count": len(value), "limit": self.size})
        for nth, item in enumerate(value, 1):
            try:
                self.base_field.validate(item, model_instance)
                self.base_field.run_validators(item)
            except exceptions.ValidationError as error:
                raise self._item_error(nth, error) from None

    def get_transform(self, name):
        transform = super().get_transform(name)
        if transform:
            return transform
        if name.isdigit():
            return _IndexFactory(int(name), self.base_field)
        start, sep, end = name.partition("_")
        if sep and start.isdigit() and end.isdigit():
            return _SliceFactory(int(start), int(end))
        return None

    def value_to_string(self, obj):
        return self.value_from_object(obj)


class _ArrayLookup(FieldGetDbPrepValueMixin, Lookup):
    def as_mql(self, compiler, connection):
        lhs = compiler.compile(self.lhs)
        is_expr, rhs = compiler.lookup_rhs_value(self)
        if rhs is None:
            from reinhardt.core.exceptions import EmptyResultSet

            raise EmptyResultSet
        if not is_expr:
            rhs = {"$literal": rhs}
        return {"$and": [{"$isArray": lhs}, {"$isArray": rhs}, self.test(lhs, rhs)]}


@ArrayField.register_lookup
class ArrayContains(_ArrayLookup):
    lookup_name = "contains"

    def test(self, lhs, rhs):
        return {"$setIsSubset": [rhs, lhs]}


@ArrayField.register_lookup
class ArrayContainedBy(_ArrayLookup):
    lookup_name = "contained_by"

    def test(self, lhs, rhs):
        return {"$setIsSubset": [lhs, rhs]}


@ArrayField.register_lookup
class ArrayOverlap(_ArrayLookup):
    lookup_name = "overlap"

    def test(self, lhs, rhs):
        return {"$gt": [{"$size": {"$setIntersection": [lhs, rhs]}}, 0]}


@ArrayField.register_lookup
class ArrayLength(Transform):
    lookup_name = "len"
    output_field = IntegerField()

    def as_mql(self, compiler, connection):
        lhs = compiler.compile(self.lhs)
        return {"$cond": [{"$isArray": lhs}, {"$size": lhs}, None]}


class ArrayIndex(Transform):
    def __init__(self, index, base_field, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.index = index
        self.base_field = base_field

    @property
    def output_field(self):
        return self.base_field

    def as_mql(self, compiler, connection):
        lhs = compiler.compile(self.lhs)
        return {"$cond": [{"$isArray": lhs},
                          {"$ifNull": [{"$arrayElemAt": [lhs, self.index]}, None]}, None]}


class ArraySlice(Transform):
    def __init__(self, start, end, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.start, self.end = start, end

    def as_mql(self, compiler, connection):
        lhs = compiler.compile(self.lhs)
        count = max(self.end - self.start, 0)
        sliced = {"$slice": [lhs, self.start, count]} if count else []
        return {"$cond": [{"$isArray": lhs}, sliced, None]}


class _IndexFactory:
    def __init__(self, index, base_field):
        self.index, self.base_field = index, base_field

    def __call__(self, *args, **kwargs):
        return ArrayIndex(self.index, self.base_field, *args, **kwargs)


class _SliceFactory:
    def __init__(self, start, end):
        self.start, self.end = start, end

    def __call__(self, *args, **kwargs):
        return ArraySlice(self.start, self.end, *args, **kwargs)


# ----- embedded models -------------------------------------------------------------------------------


class EmbeddedOptions:
    """The little of ``Model._meta`` an embedded model has: its fields, by declaration."""

    abstract = False

    def __init__(self, model, fields):
        self.model = model
        self.object_name = model.__name__
        self.model_name = model.__name__.lower()
        self.label = f"{model.__module__}.{model.__name__}"
        self.fields = fields
        self.concrete_fields = fields
        self._by_name = {f.name: f for f in fields}

    def get_field(self, name):
        try:
            return self._by_name[name]
        except KeyError:
            from reinhardt.core.exceptions import FieldDoesNotExist

            raise FieldDoesNotExist(
                f"{self.object_name} (an embedded model) has no field named '{name}'."
            ) from None


class EmbeddedModelBase(type):
    def __new__(mcs, name, bases, attrs):
        declared = [(key, value) for key, value in attrs.items() if isinstance(value, Field)]
        for key, _ in declared:
            del attrs[key]
        cls = super().__new__(mcs, name, bases, attrs)
        inherited = []
        for base in reversed(cls.__mro__[1:]):
            for field in getattr(getattr(base, "_meta", None), "fields", ()):
                if field.name not in {f.name for f in inherited}:
                    inherited.append(field)
        own = []
        for key, field in sorted(declared, key=lambda item: item[1].creation_counter):
            if field.is_relation:
                raise TypeError(
                    f"{name}.{key}: an embedded model cannot hold a relation ({type(field).__name__}); "
                    "store the related key in an ordinary field.")
            if field.primary_key:
                raise TypeError(f"{name}.{key}: an embedded model has no primary key.")
            field.set_attributes_from_name(key)
            field.model = cls
            own.append(field)
        names = {f.name for f in own}
        fields = [f for f in inherited if f.name not in names] + own
        cls._meta = EmbeddedOptions(cls, fields)
        return cls


class EmbeddedModel(metaclass=EmbeddedModelBase):
    """A model with no collection of its own, stored inside a document by
    ``EmbeddedModelField``. Declare fields as on a model; no primary key, no relations.
    ``full_clean()`` validates it (an ``EmbeddedModelField`` calls it when its model is)."""

    def __init__(self, **kwargs):
        for field in self._meta.fields:
            if field.name in kwargs:
                value = kwargs.pop(field.name)
            elif field.attname in kwargs:
                value = kwargs.pop(field.attname)
            else:
                value = field.get_default()
            setattr(self, field.attname, value)
        if kwargs:
            raise TypeError(
                f"{type(self).__name__}() got unexpected keyword argument(s): "
                f"{', '.join(sorted(kwargs))}.")

    def _values(self):
        return tuple(getattr(self, f.attname) for f in self._meta.fields)

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    __hash__ = None

    def __repr__(self):
        args = ", ".join(f"{f.name}={getattr(self, f.attname)!r}" for f in self._meta.fields)
        return f"{type(self).__name__}({args})"

    def full_clean(self):
        errors = {}
        for field in self._meta.fields:
            try:
                setattr(self, field.attname, field.clean(getattr(self, field.attname), self))
            except exceptions.ValidationError as exc:
                errors[field.name] = exc.messages
        if errors:
            raise exceptions.ValidationError(errors)


class EmbeddedModelField(DocumentFieldMixin, Field):
    """An ``EmbeddedModel`` instance stored as a subdocument (its fields' columns as keys).

    Filters reach into it: ``address__city="Oslo"``, ``address__city__startswith="O"``,
    ``address__geo__lat__gt=50`` for an embedded model inside another.
    """

    empty_strings_allowed = False
    description = "Embedded model"

    def __init__(self, embedded_model, **kwargs):
        if isinstance(embedded_model, str):
            from reinhardt.utils.module_loading import import_string

            embedded_model = import_string(embedded_model)
        if not (isinstance(embedded_model, type) and issubclass(embedded_model, EmbeddedModel)):
            raise TypeError(
                "EmbeddedModelField(embedded_model) needs an EmbeddedModel subclass "
                "(from reinhardt.backends.mongodb.fields import EmbeddedModel), got "
                f"{embedded_model!r}.")
        self.embedded_model = embedded_model
        super().__init__(**kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["embedded_model"] = self.embedded_model
        return name, path, args, kwargs

    def get_internal_type(self):
        return "EmbeddedModelField"

    def _instance(self, value):
        if value is None or isinstance(value, self.embedded_model):
            return value
        if isinstance(value, dict):
            # A dict of the fields' values (what value_to_string() gives for serializers).
            meta = self.embedded_model._meta
            return self.embedded_model(**{
                name: meta.get_field(name).to_python(item) if name in meta._by_name else item
                for name, item in value.items()})
        raise TypeError(
            f"EmbeddedModelField {self.name} takes a {self.embedded_model.__name__} instance "
            f"(or a dict of its fields), not {type(value).__name__} ({value!r}).")

    def to_python(self, value):
        try:
            return self._instance(value)
        except TypeError as error:
            raise exceptions.ValidationError(str(error), code="invalid",
                                             params={"value": value}) from None

    def get_prep_value(self, value):
        if hasattr(value, "resolve_expression"):
            return value
        return self._instance(value)

    def _to_document(self, instance, connection):
        return {field.column: field.get_db_prep_save(getattr(instance, field.attname),
                                                     connection)
                for field in self.embedded_model._meta.fields}

    def get_db_prep_value(self, value, connection, prepared=False):
        self._require_mongodb(connection)
        value = value if prepared else self.get_prep_value(value)
        if value is None or hasattr(value, "resolve_expression"):
            return value
        return self._to_document(self._instance(value), connection)

    def get_db_prep_save(self, value, connection):
        return self.get_db_prep_value(value, connection)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        model = self.embedded_model
        kwargs = {}
        for field in model._meta.fields:
            raw = value.get(field.column)
            if raw is not None:
                converters, col = _item_converters(field, connection)
                raw = _convert(raw, converters, col, connection)
            kwargs[field.attname] = raw
        return model(**kwargs)

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        if value is None:
            return
        try:
            value.full_clean()
        except exceptions.ValidationError as error:
            messages = [f"{name}: {message}" for name, items in error.message_dict.items()
                        for message in items]
            raise exceptions.ValidationError(messages, code="invalid") from None

    def get_transform(self, name):
        transform = super().get_transform(name)
        if transform:
            return transform
        try:
            field = self.embedded_model._meta.get_field(name)
        except Exception:
            return None
        return _EmbeddedKeyFactory(field)

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        if value is None:
            return None
        return {f.name: f.value_to_string(value) for f in value._meta.fields}


class EmbeddedKeyTransform(Transform):
    """``address__city``: a field of the embedded model (its output field)."""

    def __init__(self, embedded_field, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.embedded_field = embedded_field

    @property
    def output_field(self):
        return self.embedded_field

    def as_mql(self, compiler, connection):
        from .json import json_step

        return json_step(compiler.compile(self.lhs), self.embedded_field.column)


class _EmbeddedKeyFactory:
    def __init__(self, field):
        self.field = field

    def __call__(self, *args, **kwargs):
        return EmbeddedKeyTransform(self.field, *args, **kwargs)


# ----- DictField -----------------------------------------------------------------------------------


class DictField(DocumentFieldMixin, JSONField):
    """A free-form dict stored as a subdocument; queried like a JSONField
    (``attrs__color="red"``, ``attrs__size__gt=3``, ``has_key``, ``contains``). Keys are
    strings; values anything JSON holds (or the ``encoder`` makes JSON)."""

    description = "A dict stored as a subdocument"
    _default_hint = ("dict", "{}")

    def _check_dict(self, value):
        if value is not None and not isinstance(value, dict) and not hasattr(
                value, "resolve_expression"):
            raise exceptions.ValidationError(
                f"DictField {self.name} takes a dict, not {type(value).__name__} ({value!r}).",
                code="invalid", params={"value": value})

    def validate(self, value, model_instance):
        self._check_dict(value)
        super().validate(value, model_instance)

    def get_db_prep_value(self, value, connection, prepared=False):
        self._require_mongodb(connection)
        return super().get_db_prep_value(value, connection, prepared)

    def get_db_prep_save(self, value, connection):
        self._require_mongodb(connection)
        self._check_dict(value)
        return super().get_db_prep_save(value, connection)
