"""update() evaluates every assigned value against the row as it was (SQL's semantics), also
on MySQL/MariaDB, whose UPDATE runs SET assignments left to right."""

from reinhardt.orm.models import F
from tests.orm.capabilities import needs
from tests.orm.models import AllTypes


def test_a_value_reads_the_column_before_it_is_assigned():
    row = AllTypes.objects.create(integer=7, big=1)
    AllTypes.objects.filter(pk=row.pk).update(integer=None, big=F("integer"))
    row.refresh_from_db()
    assert (row.integer, row.big) == (None, 7)


def test_chained_assignments_all_read_the_old_row():
    row = AllTypes.objects.create(integer=1, small=2, big=3)
    AllTypes.objects.filter(pk=row.pk).update(integer=F("small"), small=F("big"), big=5)
    row.refresh_from_db()
    assert (row.integer, row.small, row.big) == (2, 3, 5)


@needs("supports_swapping_update_assignments")
def test_swapping_two_columns():
    row = AllTypes.objects.create(integer=1, big=2)
    AllTypes.objects.filter(pk=row.pk).update(integer=F("big"), big=F("integer"))
    row.refresh_from_db()
    assert (row.integer, row.big) == (2, 1)
