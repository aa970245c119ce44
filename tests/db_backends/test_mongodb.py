"""MongoDB only: what the documents look like, the pipelines queries compile to, unique
indexes that allow many NULLs, integer key counters, and the SQL-only parts refused."""

import decimal
import types

import pytest

from reinhardt.orm import IntegrityError, NotSupportedError, connection, connections
from reinhardt.orm.models import Count, F, Sum, Window
from reinhardt.orm.models.functions import RowNumber
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


@pytest.mark.transactional
def test_collections_validate_their_columns_with_a_json_schema():
    import pymongo.errors

    required, types = column_rules(Book._meta.db_table)
    assert "title" in required and types["title"] == ["string"]
    assert "rating" not in required and types["rating"] == ["double", "null"]
    assert types["price"] == ["decimal"] and types["published"] == ["string", "null"]
    assert "_id" not in types  # the key is always there
    # Writes from outside the ORM are held to the same rules.
    collection = connection.collection(Author._meta.db_table)
    for bad in ({"_id": 901, "name": None, "email": ""}, {"_id": 902, "email": ""},
                {"_id": 903, "name": 7, "email": ""}):
        with pytest.raises(pymongo.errors.WriteError) as excinfo:
            collection.insert_one(bad, **connection.session_kwargs())
        assert excinfo.value.code == 121
    assert Author.objects.count() == 0


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


def test_windows_compile_to_set_window_fields_before_the_projection():
    qs = Book.objects.annotate(
        pos=Window(RowNumber(), partition_by="genre", order_by=F("pages").desc()),
        total=Window(Sum("pages"), partition_by="genre"),
    ).filter(pos=1, pages__gt=10).order_by()
    _, pipeline = qs.query.get_compiler(using="default").build_pipeline()
    ops = [next(iter(stage)) for stage in pipeline]
    # WHERE first, then the windows, then the filter on them (QUALIFY), then the projection.
    assert ops[0] == "$match" and ops[-1] == "$project"
    assert ops[-2] == "$match" and "$setWindowFields" in ops[1:-2]
    numbering = next(s["$setWindowFields"] for s in pipeline if "$setWindowFields" in s)
    assert numbering["partitionBy"] == "$__w0_p"
    assert list(numbering["sortBy"].values()) == [-1]
    assert numbering["output"] == {"__w0_rn": {"$documentNumber": {}}}


def test_window_flag_follows_the_server_wire_version(monkeypatch):
    wrapper = connections["default"]
    features = wrapper.features
    assert features.supports_window_functions  # SecantusDB and MongoDB >= 5.0
    wrapper.ensure_connection()
    hello = {"setName": "rs0", "maxWireVersion": 12}  # MongoDB 4.4: no $setWindowFields
    admin = types.SimpleNamespace(command=lambda name: hello)
    fake = types.SimpleNamespace(client=types.SimpleNamespace(admin=admin))
    monkeypatch.setattr(features, "supports_window_functions", True)
    monkeypatch.setattr(features, "supports_transactions", features.supports_transactions)
    monkeypatch.setattr(wrapper, "connection", fake)
    wrapper.init_connection_state()
    assert features.supports_window_functions is False
    with pytest.raises(NotSupportedError, match="supports_window_functions"):
        Book.objects.annotate(n=Window(RowNumber())).query.get_compiler(
            using="default").build_pipeline()


# ----- migrations rewriting stored values (update pipelines) ------------------------------


@pytest.fixture
def herd():
    from tests.migrations.test_data_rewrites import Herd

    herd = Herd()
    yield herd
    with connection.schema_editor() as editor:
        editor.delete_model(herd.model)


def column_rules(table):
    """The $jsonSchema the collection's validator holds: (required columns, {column: types})."""
    info = next(iter(connection.mongo.db.list_collections(filter={"name": table})))
    schema = info["options"]["validator"]["$and"][0]["$jsonSchema"]
    return (set(schema.get("required", [])),
            {column: rule.get("bsonType", rule) for column, rule in schema["properties"].items()})


def stored(herd, field):
    docs = connection.collection("ops_mule").find({}, **connection.session_kwargs())
    return [doc.get(field, "<missing>") for doc in sorted(docs, key=lambda d: d["_id"])]


@pytest.mark.transactional
def test_alter_field_converts_stored_bson_types(herd):
    from reinhardt.orm import DataError, migrations, models

    assert stored(herd, "code") == ["12", None]
    herd.change(migrations.AlterField("mule", "code", models.IntegerField(null=True)))
    assert stored(herd, "code") == [12, None]
    assert column_rules("ops_mule")[1]["code"] == ["int", "long", "null"]
    herd.change(migrations.AlterField("mule", "code", models.FloatField(null=True)))
    assert stored(herd, "code") == [12.0, None] and isinstance(stored(herd, "code")[0], float)
    herd.model.objects.filter(name="Sparkle").update(code=2.5)
    herd.change(migrations.AlterField("mule", "code", models.IntegerField(null=True)))
    assert stored(herd, "code") == [3, None]  # rounded half away from zero, as PostgreSQL
    herd.change(migrations.AlterField("mule", "code", models.BooleanField(null=True)))
    assert stored(herd, "code") == [True, None]
    # Text becomes a boolean only when it spells one; the change is refused otherwise.
    with pytest.raises(DataError, match="'Sparkle'"):
        herd.change(migrations.AlterField("mule", "name", models.BooleanField(null=True)))
    assert stored(herd, "name") == ["Sparkle", "Bolt"]


@pytest.mark.transactional
def test_alter_field_refuses_text_that_is_not_a_boolean_before_writing(herd):
    from reinhardt.orm import DataError, migrations, models

    herd.model.objects.filter(name="Bolt").update(code="yes")
    with pytest.raises(DataError, match="'12'.*ops.Mule.code.*no document was changed"):
        herd.change(migrations.AlterField("mule", "code", models.BooleanField(null=True)))
    assert stored(herd, "code") == ["12", "yes"]
    assert column_rules("ops_mule")[1]["code"] == ["string", "null"]  # validator unchanged
    herd.model.objects.filter(name="Sparkle").update(code=" OFF ")
    herd.change(migrations.AlterField("mule", "code", models.BooleanField(null=True)))
    assert stored(herd, "code") == [False, True]


@pytest.mark.transactional
def test_dates_become_datetimes_and_back(herd):
    import datetime

    from reinhardt.orm import migrations, models

    model = herd.change(migrations.AddField("mule", "born", models.DateField(null=True)))
    model.objects.filter(name="Bolt").update(born=datetime.date(2020, 5, 17))
    model = herd.change(migrations.AlterField("mule", "born", models.DateTimeField(null=True)))
    assert stored(herd, "born") == [None, "2020-05-17 00:00:00"]
    assert model.objects.get(name="Bolt").born.replace(tzinfo=None) == datetime.datetime(
        2020, 5, 17)
    herd.change(migrations.AlterField("mule", "born", models.DateField(null=True)))
    assert stored(herd, "born") == [None, "2020-05-17"]


@pytest.mark.transactional
def test_add_rename_remove_are_set_rename_unset(herd):
    from reinhardt.orm import migrations, models

    herd.change(migrations.AddField("mule", "legs", models.IntegerField(db_default=4)))
    assert stored(herd, "legs") == [4, 4]
    required, types = column_rules("ops_mule")
    assert "legs" in required and types["legs"] == ["int", "long"]
    herd.change(migrations.RenameField("mule", "legs", "feet"))
    assert stored(herd, "feet") == [4, 4] and stored(herd, "legs") == ["<missing>"] * 2
    required, types = column_rules("ops_mule")
    assert "feet" in required and "legs" not in required and "legs" not in types
    herd.change(migrations.RemoveField("mule", "feet"))
    assert stored(herd, "feet") == ["<missing>"] * 2
    assert "feet" not in column_rules("ops_mule")[0]
    # An expression as db_default is computed per document by the update pipeline.
    from reinhardt.orm.models import Value
    from reinhardt.orm.models.functions import Concat, Lower

    herd.change(migrations.AddField("mule", "tag", models.CharField(
        max_length=30, db_default=Concat(Lower(Value("ID-")), Value("x")))))
    assert stored(herd, "tag") == ["id-x", "id-x"]


@pytest.mark.transactional
def test_type_changes_without_a_conversion_are_refused_by_name(herd):
    from reinhardt.orm import migrations, models

    with pytest.raises(NotSupportedError, match="ops.Mule.code from CharField to UUIDField"):
        herd.change(migrations.AlterField("mule", "code", models.UUIDField(null=True)))
    assert stored(herd, "code") == ["12", None]
