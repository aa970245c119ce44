"""transaction.atomic, savepoints, on_commit and error handling."""

import pytest

from reinhardt.orm import DatabaseError, IntegrityError, connection, transaction
from reinhardt.orm.errors import TransactionManagementError
from tests.orm.capabilities import needs
from tests.orm.models import Tag

pytestmark = pytest.mark.transactional


def tag_names():
    return sorted(Tag.objects.values_list("name", flat=True))


@needs("supports_transactions")
def test_atomic_commits_on_success_and_rolls_back_on_error():
    with transaction.atomic():
        Tag.objects.create(name="kept")
    with pytest.raises(ZeroDivisionError):
        with transaction.atomic():
            Tag.objects.create(name="lost")
            1 / 0
    assert tag_names() == ["kept"]


@needs("supports_transactions")
def test_atomic_as_decorator():
    @transaction.atomic
    def make():
        Tag.objects.create(name="x")
        raise ValueError

    with pytest.raises(ValueError):
        make()
    assert tag_names() == []


@needs("supports_transactions", "supports_savepoints")
def test_nested_atomic_blocks_are_savepoints():
    with transaction.atomic():
        Tag.objects.create(name="outer")
        try:
            with transaction.atomic():
                Tag.objects.create(name="inner")
                raise ValueError
        except ValueError:
            pass
        Tag.objects.create(name="after")
    assert tag_names() == ["after", "outer"]


@needs("supports_transactions", "supports_savepoints")
def test_integrity_error_inside_atomic_marks_it_for_rollback():
    with transaction.atomic():
        Tag.objects.create(name="a")
        with pytest.raises(IntegrityError):
            with transaction.atomic():
                Tag.objects.create(name="a")
        # The outer block is still usable because the inner one was a savepoint.
        Tag.objects.create(name="b")
    assert tag_names() == ["a", "b"]


@needs("supports_transactions")
def test_query_after_unhandled_error_in_atomic_is_refused():
    with pytest.raises(TransactionManagementError, match="until the end of the 'atomic' block"):
        with transaction.atomic():
            Tag.objects.create(name="a")
            try:
                Tag.objects.create(name="a")
            except IntegrityError:
                pass
            Tag.objects.count()
    assert tag_names() == []


@needs("supports_transactions")
def test_set_rollback():
    with transaction.atomic():
        Tag.objects.create(name="x")
        transaction.set_rollback(True)
    assert tag_names() == []


@needs("supports_transactions")
def test_on_commit_runs_after_commit_only():
    calls = []
    with transaction.atomic():
        transaction.on_commit(lambda: calls.append("committed"))
        assert calls == []
    assert calls == ["committed"]
    with pytest.raises(ValueError):
        with transaction.atomic():
            transaction.on_commit(lambda: calls.append("never"))
            raise ValueError
    assert calls == ["committed"]
    transaction.on_commit(lambda: calls.append("autocommit"))
    assert calls == ["committed", "autocommit"]


@needs("supports_transactions", "supports_savepoints")
def test_on_commit_hooks_of_a_rolled_back_savepoint_are_discarded():
    calls = []
    with transaction.atomic():
        transaction.on_commit(lambda: calls.append("outer"))
        try:
            with transaction.atomic():
                transaction.on_commit(lambda: calls.append("inner"))
                raise ValueError
        except ValueError:
            pass
    assert calls == ["outer"]


@needs("supports_transactions")
def test_durable_blocks_cannot_be_nested():
    with pytest.raises(RuntimeError, match="A durable atomic block cannot be nested"):
        with transaction.atomic():
            with transaction.atomic(durable=True):
                pass


@needs("supports_transactions")
def test_commit_inside_atomic_is_forbidden():
    with pytest.raises(TransactionManagementError, match="forbidden when an 'atomic' block"):
        with transaction.atomic():
            transaction.commit()


def test_autocommit_outside_atomic():
    assert transaction.get_autocommit() is True
    Tag.objects.create(name="auto")
    assert tag_names() == ["auto"]
    assert not connection.in_atomic_block


def test_database_errors_are_translated():
    with pytest.raises(DatabaseError):
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table_anywhere")


@needs("supports_select_for_update", "has_select_for_no_key_update")
def test_select_for_no_key_update():
    Tag.objects.create(name="locked")
    with transaction.atomic():
        rows = list(Tag.objects.select_for_update(no_key=True).filter(name="locked"))
    assert [tag.name for tag in rows] == ["locked"]
