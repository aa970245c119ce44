"""Which lookups and transforms each field type answers to (Django's registrations)."""

from reinhardt.orm.models import lookups as L
from reinhardt.orm.models.fields import (
    BigIntegerField,
    DateField,
    DateTimeField,
    Field,
    IntegerField,
    SmallIntegerField,
    TimeField,
    UUIDField,
)

for _lookup in L.DEFAULT_LOOKUPS:
    Field.register_lookup(_lookup)

for _cls in (IntegerField,):
    _cls.register_lookup(L.IntegerFieldExact)
    _cls.register_lookup(L.IntegerGreaterThan)
    _cls.register_lookup(L.IntegerGreaterThanOrEqual)
    _cls.register_lookup(L.IntegerLessThan)
    _cls.register_lookup(L.IntegerLessThanOrEqual)

for _lookup in (L.UUIDIExact, L.UUIDContains, L.UUIDIContains, L.UUIDStartsWith,
                L.UUIDIStartsWith, L.UUIDEndsWith, L.UUIDIEndsWith):
    UUIDField.register_lookup(_lookup, _lookup.__mro__[2].lookup_name)

del _lookup, _cls, BigIntegerField, SmallIntegerField, DateField, DateTimeField, TimeField
