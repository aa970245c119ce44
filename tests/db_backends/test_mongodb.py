"""MongoDB only: what the documents look like, the pipelines queries compile to, unique
indexes that allow many NULLs, integer key counters, and the SQL-only parts refused."""

import decimal

import pytest

from reinhardt.orm import IntegrityError, NotSupportedError, connection
from reinhardt.orm.models import Count
from tests.orm.models import Author, Book, Tag

pytestmark = pytest.mark.skipif(
    connection.vendor != "mongodb",
    reason="MongoDB-specific (run with REINHARDT_TEST_BACKEND=mongodb)",
)


def raw_doc(model, pk):
    return connection.collection(model._meta.db_table).find_one(
        {"_id": pk}, **connection.session_kwargs())


def test_documents_store_the_primary_key_as_id_and_columns_by_name():
    author = Author.objects.create(name="Ann", age=30)
    doc = raw_doc(Author, author.pk)
    assert doc["_id"] == author.pk and doc["name"] == "Ann" and doc["age"] == 30
    assert "id" not in doc


def test_integer_keys_come_from_a_counter_that_follows_explicit_keys():
    first = Tag.objects.create(name="a")
    Tag.objects.create(pk=first.pk + 10, name="b")
    third = Tag.objects.create(name="c")
    assert third.pk == first.pk + 11


def test_filters_compile_to_a_pipeline_with_lookup_for_relations():
    qs = Book.objects.filter(author__name="Ann", pages__gt=10)
    table, pipeline = qs.query.get_compiler(using="default").build_pipeline()
    assert table == Book._meta.db_table
    assert pipeline[0]["$lookup"]["from"] == Author._meta.db_table
    assert pipeline[1]["$unwind"]["preserveNullAndEmptyArrays"] is False  # an INNER join
    assert "$match" in pipeline[2]


def test_aggregation_compiles_to_group():
    qs = Author.objects.values("age").annotate(n=Count("id"))
    _, pipeline = qs.query.get_compiler(using="default").build_pipeline()
    assert any("$group" in stage for stage in pipeline)


def test_unique_indexes_are_partial_on_non_null_values_like_sql():
    # SQL lets any number of rows hold NULL in a unique column; a plain MongoDB unique
    # index would not, so unique indexes only cover documents where the key is not null.
    indexes = connection.collection(Tag._meta.db_table).index_information()
    index = next(i for i in indexes.values() if [k for k, _ in i["key"]] == ["name"])
    assert index["unique"]
    assert "$type" in index["partialFilterExpression"]["name"]


def test_duplicate_unique_value_is_an_integrity_error():
    Tag.objects.create(name="dup")
    with pytest.raises(IntegrityError):
        Tag.objects.create(name="dup")


def test_decimals_are_exact_decimal128():
    from bson import Decimal128

    author = Author.objects.create(name="Bo")
    book = Book.objects.create(title="T", author=author, pages=1, price=decimal.Decimal("0.10"))
    assert isinstance(raw_doc(Book, book.pk)["price"], Decimal128)
    assert Book.objects.get(pk=book.pk).price == decimal.Decimal("0.10")


def test_sql_is_refused_naming_supports_raw_queries():
    with connection.cursor() as cursor:  # introspection takes one; statements are refused
        with pytest.raises(NotSupportedError) as excinfo:
            cursor.execute("SELECT 1")
    assert excinfo.value.flag == "supports_raw_queries"
    with pytest.raises(NotSupportedError) as excinfo:
        list(Author.objects.raw("SELECT 1"))
    assert excinfo.value.flag == "supports_raw_queries"


def test_transactions_follow_the_server():
    hello = connection.mongo.client.admin.command("hello")
    assert connection.features.supports_transactions == bool(hello.get("setName"))


@pytest.mark.transactional  # creates and drops a collection: not inside a transaction
def test_objectid_primary_keys():
    from bson import ObjectId

    from reinhardt.backends.mongodb.fields import ObjectIdAutoField, ObjectIdField
    from reinhardt.orm import models

    class MongoNote(models.Model):
        id = ObjectIdAutoField(primary_key=True)
        text = models.CharField(max_length=20)
        parent = ObjectIdField(null=True)

        class Meta:
            app_label = "orm"
            db_table = "mongo_note"

    with connection.schema_editor() as editor:
        editor.create_model(MongoNote)
    try:
        first = MongoNote.objects.create(text="a")
        assert isinstance(first.pk, ObjectId)
        second = MongoNote.objects.create(text="b", parent=str(first.pk))
        assert MongoNote.objects.get(pk=str(first.pk)).text == "a"
        assert MongoNote.objects.get(parent=first.pk).pk == second.pk
        made = MongoNote.objects.bulk_create([MongoNote(text="c"), MongoNote(text="d")])
        assert all(isinstance(n.pk, ObjectId) for n in made)
        assert MongoNote.objects.filter(pk__in=[n.pk for n in made]).count() == 2
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(MongoNote)
        from reinhardt.apps import apps

        apps.all_models["orm"].pop("mongonote", None)
        apps.clear_cache()
