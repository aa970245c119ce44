"""The schema editor and introspection."""

import pytest

from reinhardt.orm import connection, models
from tests.orm.capabilities import needs
from tests.orm.models import Book, Product


@needs("supports_introspection")
def test_tables_exist_with_their_columns():
    tables = connection.introspection.table_names()
    assert {"orm_book", "orm_author", "orm_book_tags", "orm_product"} <= set(tables)
    with connection.cursor() as cursor:
        columns = {c.name for c in connection.introspection.get_table_description(
            cursor, "orm_book")}
    assert {f.column for f in Book._meta.concrete_fields} == columns


@needs("supports_introspection")
def test_constraints_and_indexes_are_created():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "orm_product")
    unique_columns = [c["columns"] for c in constraints.values() if c["unique"]]
    assert ["sku"] in unique_columns
    assert ["name", "category"] in unique_columns
    assert "product_cat_price" in constraints
    assert constraints["product_cat_price"]["columns"] == ["category", "price"]
    assert constraints["product_cat_price"]["orders"] == ["ASC", "DESC"]


@pytest.mark.transactional
def test_create_and_delete_a_model():
    class Temporary(models.Model):
        name = models.CharField(max_length=10)
        tags = models.ManyToManyField("orm.Tag")

        class Meta:
            app_label = "orm"

    try:
        with connection.schema_editor() as editor:
            editor.create_model(Temporary)
        assert {"orm_temporary", "orm_temporary_tags"} <= set(
            connection.introspection.table_names())
        Temporary.objects.create(name="x")
        assert Temporary.objects.count() == 1
        with connection.schema_editor() as editor:
            editor.delete_model(Temporary)
        assert "orm_temporary" not in connection.introspection.table_names()
    finally:
        from reinhardt.apps import apps

        del apps.all_models["orm"]["temporary"]
        del apps.all_models["orm"]["temporary_tags"]
        apps.clear_cache()


def test_index_names_follow_djangos_scheme():
    assert Product._meta.indexes[0].name == "product_cat_price"
    index = models.Index(fields=["title", "-pages"])
    index.set_name_with_model(Book)
    assert index.name.startswith("orm_book_title_") and index.name.endswith("_idx")
    assert len(index.name) <= 30


# ----- UniqueConstraint(deferrable=...) where the database cannot defer ---------------------


@pytest.fixture
def deferred_slot():
    from reinhardt.apps import apps

    class DeferredSlot(models.Model):
        position = models.IntegerField()

        class Meta:
            app_label = "orm"
            constraints = [
                models.UniqueConstraint(fields=["position"], name="deferred_slot_position",
                                        deferrable=models.Deferrable.DEFERRED),
            ]

    yield DeferredSlot
    del apps.all_models["orm"]["deferredslot"]
    apps.clear_cache()


DEFERS_UNIQUE = {"sqlite": False, "mysql": False, "postgresql": True, "mongodb": False,
                 "datastore": False}


def test_deferrable_unique_constraint_warns_where_it_is_not_created(deferred_slot):
    warnings = [e for e in deferred_slot.check(databases=["default"]) if e.id == "models.W038"]
    if DEFERS_UNIQUE[connection.vendor]:
        assert warnings == []
    else:
        [warning] = warnings
        assert warning.obj is deferred_slot
        assert connection.display_name in warning.msg
        assert "orm.DeferredSlot" in warning.msg
        assert "deferred_slot_position" in warning.msg
    # Without a database to look at (plain `check`), nothing is reported.
    assert [e for e in deferred_slot.check() if e.id == "models.W038"] == []


@pytest.mark.transactional
@needs("supports_introspection")
def test_deferrable_unique_constraint_is_only_created_where_supported(deferred_slot):
    with connection.schema_editor() as editor:
        editor.create_model(deferred_slot)
    try:
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, "orm_deferredslot")
        assert ("deferred_slot_position" in constraints) == DEFERS_UNIQUE[connection.vendor]
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(deferred_slot)


def test_required_db_features_silences_the_deferrable_warning(deferred_slot):
    deferred_slot._meta.required_db_features = ["supports_deferrable_unique_constraints"]
    assert [e for e in deferred_slot.check(databases=["default"])
            if e.id == "models.W038"] == []
