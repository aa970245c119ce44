"""Schema changes that rewrite the data already stored: the rows are written and read
through the ORM (models of the migration state), so every backend runs the same test —
SQL databases with ALTER TABLE, MongoDB with update pipelines ($set, $rename, $unset, and
$convert for a type change)."""

from decimal import Decimal

import pytest

from reinhardt.orm import DatabaseError, connection, migrations, models
from reinhardt.orm.migrations.state import ProjectState
from tests.migrations.test_operations import APP, apply

pytestmark = pytest.mark.transactional


class Herd:
    """The table ops_mule with two rows; ``state`` follows the test's changes, so the
    table is dropped with the fields it has at the end."""

    def __init__(self):
        create = migrations.CreateModel("Mule", [
            ("id", models.AutoField(primary_key=True)),
            ("name", models.CharField(max_length=20)),
            ("code", models.CharField(max_length=10, null=True)),
            ("weight", models.IntegerField(default=0)),
        ])
        self.state = apply(ProjectState(), create)
        self.model.objects.bulk_create([
            self.model(name="Sparkle", code="12", weight=120),
            self.model(name="Bolt", code=None, weight=95),
        ])

    @property
    def model(self):
        return self.state.apps.get_model(APP, "mule")

    def change(self, *operations):
        self.state = apply(self.state, *operations)
        return self.model

    def rows(self, *fields):
        return list(self.model.objects.order_by("id").values_list(*fields))


@pytest.fixture
def herd():
    herd = Herd()
    yield herd
    with connection.schema_editor() as editor:
        editor.delete_model(herd.model)


def test_added_field_gives_existing_rows_its_default(herd):
    model = herd.change(migrations.AddField("mule", "colour", models.CharField(
        max_length=10, default="grey")))
    assert herd.rows("name", "colour") == [("Sparkle", "grey"), ("Bolt", "grey")]
    model.objects.create(name="New")
    assert model.objects.get(name="New").colour == "grey"


def test_added_field_gives_existing_rows_its_database_default(herd):
    model = herd.change(migrations.AddField("mule", "legs", models.IntegerField(
        db_default=4)))
    assert herd.rows("name", "legs") == [("Sparkle", 4), ("Bolt", 4)]
    assert model.objects.filter(legs=4).count() == 2


def test_renamed_field_keeps_its_values(herd):
    herd.change(migrations.RenameField("mule", "weight", "mass"))
    assert herd.rows("name", "mass") == [("Sparkle", 120), ("Bolt", 95)]
    assert herd.model.objects.filter(mass__gt=100).count() == 1


def test_removed_field_leaves_the_other_values(herd):
    model = herd.change(migrations.RemoveField("mule", "code"))
    assert herd.rows("name", "weight") == [("Sparkle", 120), ("Bolt", 95)]
    assert "code" not in {f.name for f in model._meta.fields}


def test_text_to_integer_converts_the_stored_values(herd):
    herd.change(migrations.AlterField("mule", "code", models.IntegerField(null=True)))
    assert herd.rows("name", "code") == [("Sparkle", 12), ("Bolt", None)]
    # Compared and summed as numbers now, not as text.
    assert herd.model.objects.filter(code__gt=9).count() == 1
    assert herd.model.objects.aggregate(total=models.Sum("code"))["total"] == 12


def test_integer_to_text_decimal_and_float(herd):
    herd.change(migrations.AlterField("mule", "weight", models.CharField(max_length=10)))
    assert herd.rows("weight") == [("120",), ("95",)]
    assert herd.model.objects.filter(weight__startswith="9").count() == 1
    herd.change(migrations.AlterField("mule", "weight", models.IntegerField()))
    herd.change(migrations.AlterField("mule", "weight", models.DecimalField(
        max_digits=6, decimal_places=1)))
    assert herd.rows("weight") == [(Decimal("120"),), (Decimal("95"),)]
    herd.change(migrations.AlterField("mule", "weight", models.FloatField()))
    assert herd.rows("weight") == [(120.0,), (95.0,)]


def test_text_that_is_not_a_number_stops_the_change_and_keeps_the_rows(herd):
    herd.model.objects.filter(name="Bolt").update(code="x1")
    try:
        herd.change(migrations.AlterField("mule", "code", models.IntegerField(null=True)))
    except DatabaseError:
        pass  # PostgreSQL, MySQL and MongoDB refuse to convert 'x1' to an integer.
    # SQLite keeps what it cannot convert as text (its column affinity); nothing is lost,
    # and where the change was refused, no row was converted.
    assert [(name, str(code)) for name, code in herd.rows("name", "code")] == [
        ("Sparkle", "12"), ("Bolt", "x1")]
