"""Custom model fields written as Django's "How to create custom model fields" shows them."""

import decimal

from reinhardt.orm import models
from reinhardt.orm.models.fields import Field


class Hand:
    """A hand of cards (Django's custom field documentation's example, reduced)."""

    def __init__(self, north, east):
        self.north, self.east = north, east

    def __eq__(self, other):
        return isinstance(other, Hand) and (self.north, self.east) == (other.north, other.east)


def parse_hand(value):
    north, east = value.split("|")
    return Hand(north, east)


class HandField(Field):
    description = "A hand of cards"

    def __init__(self, *args, **kwargs):
        kwargs["max_length"] = 104
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        del kwargs["max_length"]
        return name, path, args, kwargs

    def db_type(self, connection):
        return "varchar(104)" if connection.vendor != "sqlite" else "text"

    def get_internal_type(self):
        return "CharField"

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return parse_hand(value)

    def to_python(self, value):
        if isinstance(value, Hand) or value is None:
            return value
        return parse_hand(value)

    def get_prep_value(self, value):
        if value is None or isinstance(value, str):
            return value
        return "|".join([value.north, value.east])


class CentsField(models.IntegerField):
    """Stores a Decimal amount as integer cents."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else decimal.Decimal(value) / 100

    def get_prep_value(self, value):
        if value is None:
            return None
        return int(decimal.Decimal(value) * 100)

    def to_python(self, value):
        if value is None or isinstance(value, decimal.Decimal):
            return value
        return decimal.Decimal(value)
