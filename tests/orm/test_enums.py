"""TextChoices / IntegerChoices / Choices: labels, lists, str(), membership, templates and
migration serialisation (compared with Django 5.2's behaviour)."""

import datetime
import enum

import pytest

from reinhardt.orm import models
from reinhardt.orm.migrations.serializer import serializer_factory


class Suit(models.IntegerChoices):
    HEART = 1, "Heart"
    SPADE_X = 2
    __empty__ = "(Unknown)"


class Colour(models.TextChoices):
    RED = "R", "Red"
    DARK_BLUE = enum.auto()
    GREEN = "G"


class Landing(datetime.date, models.Choices):
    MOON = 1969, 7, 20, "Moon"
    MILLENNIUM = 2000, 1, 1


def test_lists_include_the_blank_choice_first():
    assert Suit.choices == [(None, "(Unknown)"), (1, "Heart"), (2, "Spade X")]
    assert Suit.labels == ["(Unknown)", "Heart", "Spade X"]
    assert Suit.values == [None, 1, 2]
    assert Suit.names == ["__empty__", "HEART", "SPADE_X"]


def test_text_choices_auto_uses_the_name_and_labels_default_from_the_name():
    assert Colour.choices == [("R", "Red"), ("DARK_BLUE", "Dark Blue"), ("G", "Green")]
    assert Colour.RED == "R" and Colour("G") is Colour.GREEN


def test_tuple_values_for_other_mixins():
    assert Landing.MOON.value == datetime.date(1969, 7, 20)
    assert Landing.MOON.label == "Moon"
    assert Landing.MILLENNIUM.label == "Millennium"


def test_str_and_repr():
    assert [str(m) for m in Suit] == ["1", "2"]
    assert str(Colour.RED) == "R" and f"{Colour.RED}" == "R"
    # A plain Choices subclass keeps Enum's str(), as in Django.
    assert str(Landing.MOON) == "Landing.MOON"
    assert repr(Suit.HEART) == "Suit.HEART"


def test_membership_accepts_members_and_plain_values():
    assert 1 in Suit and Suit.HEART in Suit
    assert 3 not in Suit
    assert "R" in Colour and "X" not in Colour


def test_not_callable_in_templates_and_not_a_member():
    assert Suit.do_not_call_in_templates is True
    assert Suit.HEART.do_not_call_in_templates is True
    assert "do_not_call_in_templates" not in Suit.__members__


def test_duplicate_values_are_refused():
    with pytest.raises(ValueError, match="duplicate values"):

        class Bad(models.IntegerChoices):
            A = 1
            B = 1


def test_members_serialise_for_migrations_as_their_values():
    assert serializer_factory(Suit.HEART).serialize() == ("1", set())
    assert serializer_factory(Colour.RED).serialize() == ('"R"', set())
    source, imports = serializer_factory(Landing.MOON).serialize()
    assert source == "datetime.date(1969, 7, 20)" and imports == {"import datetime"}
