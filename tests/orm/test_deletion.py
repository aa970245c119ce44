"""on_delete rules, the deletion collector and its counts."""

import pytest

from reinhardt.orm import IntegrityError
from reinhardt.orm.models import ProtectedError, RestrictedError, signals
from tests.orm.capabilities import needs
from tests.orm.models import Child, GrandChild, Parent


def test_cascade_deletes_dependents_recursively():
    parent = Parent.objects.create(name="p")
    child = Child.objects.create(name="c", cascade=parent)
    GrandChild.objects.create(child=child)
    count, per_model = parent.delete()
    assert (count, per_model) == (3, {"orm.GrandChild": 1, "orm.Child": 1, "orm.Parent": 1})
    assert not Child.objects.exists() and not GrandChild.objects.exists()


def test_protect_blocks_and_names_the_field():
    parent = Parent.objects.create(name="p")
    Child.objects.create(name="c", protect=parent)
    with pytest.raises(ProtectedError, match="protected foreign keys: 'Child.protect'") as exc:
        parent.delete()
    assert {c.name for c in exc.value.protected_objects} == {"c"}
    assert isinstance(exc.value, IntegrityError)
    assert Parent.objects.filter(pk=parent.pk).exists()


def test_restrict_blocks_unless_deleted_through_a_cascade():
    parent = Parent.objects.create(name="p")
    Child.objects.create(name="c", restrict=parent)
    with pytest.raises(RestrictedError, match="restricted foreign keys: 'Child.restrict'"):
        parent.delete()
    # When the restricted child is itself deleted by a cascade from the same parent,
    # the deletion goes through.
    both = Parent.objects.create(name="both")
    Child.objects.create(name="c2", restrict=both, cascade=both)
    both.delete()
    assert not Child.objects.filter(name="c2").exists()


def test_set_null_set_default_and_set():
    parent = Parent.objects.create(name="p")
    default = Parent.objects.create(name="default")
    child = Child.objects.create(name="c", set_null=parent, set_default=parent, set_value=parent)
    parent.delete()
    child.refresh_from_db()
    assert child.set_null_id is None
    assert child.set_default_id == default.pk
    assert child.set_value_id == default.pk


def test_do_nothing_leaves_the_reference():
    parent = Parent.objects.create(name="p")
    child = Child.objects.create(name="c", do_nothing=parent)
    old_pk = parent.pk
    parent.delete()
    child.refresh_from_db()
    assert child.do_nothing_id == old_pk


def test_queryset_delete_collects_and_sends_signals():
    parents = [Parent.objects.create(name=f"p{i}") for i in range(3)]
    for parent in parents:
        Child.objects.create(name="c", cascade=parent)
    seen = []

    def pre(sender, instance, origin, **kwargs):
        seen.append(("pre", sender.__name__, instance.name))

    def post(sender, instance, **kwargs):
        seen.append(("post", sender.__name__, instance.name))

    signals.pre_delete.connect(pre, sender=Child)
    signals.post_delete.connect(post, sender=Parent)
    try:
        count, per_model = Parent.objects.filter(name__in=["p0", "p1"]).delete()
    finally:
        signals.pre_delete.disconnect(pre, sender=Child)
        signals.post_delete.disconnect(post, sender=Parent)
    assert (count, per_model) == (4, {"orm.Child": 2, "orm.Parent": 2})
    assert sorted(e for e in seen if e[0] == "pre") == [("pre", "Child", "c")] * 2
    assert sorted(e[2] for e in seen if e[0] == "post") == ["p0", "p1"]


def test_fast_delete_without_dependents_is_one_query(django_queries):
    from tests.orm.models import Tag

    for i in range(5):
        Tag.objects.create(name=f"t{i}")
    start = django_queries()
    count, per_model = Tag.objects.filter(name__in=["t1", "t2"]).delete()
    assert (count, per_model) == (2, {"orm.Tag": 2})
    # DELETE of the rows plus the m2m through rows pointing at them. Where unique fields are
    # emulated by marker entities (Datastore), one batched key get reads the rows' unique
    # values so that their markers are deleted with them.
    from reinhardt.backends.base.features import EMULATED
    from reinhardt.orm import connection

    markers = 1 if connection.features.supports_unique_constraints is EMULATED else 0
    assert django_queries() - start <= 3 + markers


@needs("supports_reverse_joins")
def test_deleting_m2m_target_removes_links():
    from tests.orm.models import Author, Book, Tag

    author = Author.objects.create(name="a")
    book = Book.objects.create(title="b", author=author)
    tag = Tag.objects.create(name="t")
    book.tags.add(tag)
    count, per_model = tag.delete()
    assert per_model == {"orm.Book_tags": 1, "orm.Tag": 1}
    assert book.tags.count() == 0


def test_nullable_cascade_is_cleared_first_where_foreign_keys_are_checked_at_once(monkeypatch):
    # With immediate foreign key checks (MySQL/InnoDB) a parent row can't be deleted while a
    # collected child still points at it: the nullable link is cleared before the deletes.
    from reinhardt.orm import connection
    from reinhardt.orm.models.deletion import Collector

    monkeypatch.setattr(connection.features, "can_defer_constraint_checks", False)
    parent = Parent.objects.create(name="p")
    child = Child.objects.create(name="c", cascade=parent)
    GrandChild.objects.create(child=child)
    collector = Collector(using="default", origin=parent)
    collector.collect([parent])
    assert any(field.name == "cascade" and value is None
               for field, value in collector.field_updates)
    assert parent.delete()[0] == 3
    assert not Child.objects.exists()


def test_restricted_error_lists_the_blocking_objects_and_nothing_is_deleted():
    parent = Parent.objects.create(name="p")
    Child.objects.create(name="r", restrict=parent)
    Child.objects.create(name="gone", cascade=parent)
    with pytest.raises(RestrictedError) as exc:
        parent.delete()
    assert {c.name for c in exc.value.restricted_objects} == {"r"}
    assert Child.objects.filter(name="gone").exists()


def test_set_handler_deconstructs_and_accepts_a_constant():
    from reinhardt.orm.models import SET
    from tests.orm.models import default_parent

    handler = SET(default_parent)
    assert handler.deconstruct() == ("reinhardt.orm.models.SET", (default_parent,), {})
    keep = Parent.objects.create(name="keep")
    parent = Parent.objects.create(name="p")
    child = Child.objects.create(name="c", set_value=parent)
    from reinhardt.orm.models.deletion import Collector

    collector = Collector(using="default")
    SET(keep.pk)(collector, Child._meta.get_field("set_value"), [child], "default")
    assert [(f.name, v) for f, v in collector.field_updates] == [("set_value", keep.pk)]


# Reading a multi-table child (the collector looks for them) joins its parents.
@needs("supports_joins")
def test_multi_table_child_deletes_parent_rows_unless_keep_parents():
    from tests.orm.models import Italian, Place, Restaurant

    italian = Italian.objects.create(name="i")
    count, per_model = italian.delete()
    assert italian.pk is None
    assert (count, per_model) == (
        3, {"orm.Italian": 1, "orm.Restaurant": 1, "orm.Place": 1})
    kept = Restaurant.objects.create(name="r")
    assert kept.delete(keep_parents=True) == (1, {"orm.Restaurant": 1})
    assert Place.objects.filter(name="r").exists()
