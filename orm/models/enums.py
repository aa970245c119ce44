"""Enumerations usable as field ``choices``: ``Choices``, ``IntegerChoices``, ``TextChoices``.

A member may be written ``NAME = value, "Label"`` (the last item of a tuple is the label when
it is a string or a lazy translation); without one the label is made from the name
(``IN_PROGRESS`` -> ``"In Progress"``). The class then offers ``choices``, ``labels``,
``values`` and ``names`` lists, ready for a model field.
"""

import enum

from reinhardt.utils.functional import Promise

__all__ = ["Choices", "IntegerChoices", "TextChoices"]


def _split_label(name, declared):
    """(value, label) for a member declared as *declared* under *name*."""
    if isinstance(declared, (tuple, list)) and len(declared) >= 2:
        *value, label = declared
        if isinstance(label, (str, Promise)):
            return tuple(value), label
    return declared, name.replace("_", " ").title()


class ChoicesType(enum.EnumType):
    """Metaclass of ``Choices``: strips labels off the declarations before the enum is built,
    then attaches them to the members."""

    def __new__(mcs, name, bases, namespace, **options):
        pending = {}
        for member_name in list(namespace._member_names):
            value, label = _split_label(member_name, namespace[member_name])
            pending[member_name] = label
            # The enum namespace forbids assigning a member twice; bypass its __setitem__.
            dict.__setitem__(namespace, member_name, value)
        enum_class = super().__new__(mcs, name, bases, namespace, **options)
        members = enum_class.__members__
        for member_name, label in pending.items():
            members[member_name]._label_ = label
        # Two names for one value would make the choices ambiguous.
        return enum.unique(enum_class)

    def __contains__(cls, item):
        # Python 3.11's EnumType raises TypeError for a non-member; choices also accept a
        # plain value (``1 in Suit``), as Python 3.12 does.
        if isinstance(item, enum.Enum):
            return enum.EnumType.__contains__(cls, item)
        return any(member.value == item for member in cls)

    def _blank_pairs(cls):
        return [(None, cls.__empty__)] if hasattr(cls, "__empty__") else []

    @property
    def choices(cls):
        """(value, label) pairs, the blank choice (``__empty__``) first when declared."""
        pairs = cls._blank_pairs()
        pairs.extend((member.value, member.label) for member in cls)
        return pairs

    @property
    def names(cls):
        found = ["__empty__"] if hasattr(cls, "__empty__") else []
        found.extend(member.name for member in cls)
        return found

    @property
    def labels(cls):
        return [pair[1] for pair in cls.choices]

    @property
    def values(cls):
        return [pair[0] for pair in cls.choices]


class Choices(enum.Enum, metaclass=ChoicesType):
    """Base class of enumerated choices."""

    # Enum classes are callable; templates must read them, never call them. (nonmember:
    # a plain attribute, not an enum member.)
    do_not_call_in_templates = enum.nonmember(True)

    @enum.property
    def label(self):
        return self._label_

    def __repr__(self):
        # Shown as it is written in code, e.g. Suit.HEARTS.
        return f"{type(self).__qualname__}.{self._name_}"



# IntEnum and StrEnum render str() and format() as the value, so a member stored on a model
# instance shows its stored value in templates.
class IntegerChoices(Choices, enum.IntEnum):
    """Choices whose values are integers."""


class TextChoices(Choices, enum.StrEnum):
    """Choices whose values are strings; ``enum.auto()`` gives the member's name."""

    @staticmethod
    def _generate_next_value_(name, start, count, last_values):
        return name
