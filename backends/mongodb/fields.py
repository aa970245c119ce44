"""MongoDB's own key type as model fields.

``ObjectIdAutoField`` is a primary key the backend fills with a new ObjectId on insert (and
that a ``DEFAULT_AUTO_FIELD``-less model can declare explicitly); ``ObjectIdField`` holds an
ObjectId, and accepts its 24-hex-digit text wherever a value is given.
"""

from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId

from reinhardt.core import exceptions
from reinhardt.orm.models.fields import AutoFieldMixin, Field


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
