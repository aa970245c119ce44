"""The document-native fields of reinhardt.backends.mongodb.fields: ArrayField,
EmbeddedModelField (with EmbeddedModel) and DictField, queried on MongoDB and refused
clearly everywhere else."""

import datetime
import decimal

import pytest

from reinhardt.apps import apps
from reinhardt.backends.mongodb.fields import (
    ArrayField,
    DictField,
    EmbeddedModel,
    EmbeddedModelField,
)
from reinhardt.core.exceptions import FieldError, ValidationError
from reinhardt.orm import NotSupportedError, connection, models

# The tests create and drop a collection, which MongoDB refuses inside a transaction.
pytestmark = pytest.mark.transactional

on_mongodb = pytest.mark.skipif(
    connection.vendor != "mongodb",
    reason="MongoDB-specific (run with REINHARDT_TEST_BACKEND=mongodb)")
elsewhere = pytest.mark.skipif(
    connection.vendor == "mongodb", reason="checks the refusal on the other backends")


class Geo(EmbeddedModel):
    lat = models.FloatField()
    lon = models.FloatField()


class Address(EmbeddedModel):
    street = models.CharField(max_length=50, blank=True, default="")
    city = models.CharField(max_length=30)
    since = models.DateField(null=True, blank=True)
    geo = EmbeddedModelField(Geo, null=True, blank=True)


def define_models():
    class Shelf(models.Model):
        name = models.CharField(max_length=20)
        tags = ArrayField(models.CharField(max_length=10), size=4, default=list)
        scores = ArrayField(models.DecimalField(max_digits=5, decimal_places=2), null=True)
        days = ArrayField(models.DateField(), null=True)
        address = EmbeddedModelField(Address, null=True)
        attrs = DictField(null=True)
        stops = ArrayField(EmbeddedModelField(Geo), default=list)

        class Meta:
            app_label = "orm"
            db_table = "mongo_shelf"
            ordering = ["name"]

    return Shelf


def forget(model):
    apps.all_models["orm"].pop(model._meta.model_name, None)
    apps.clear_cache()


@pytest.fixture
def Shelf():
    model = define_models()
    with connection.schema_editor() as editor:
        editor.create_model(model)
    try:
        yield model
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(model)
        forget(model)


@pytest.fixture
def shelves(Shelf):
    Shelf.objects.create(
        name="a", tags=["red", "blue"], scores=[decimal.Decimal("1.50")],
        days=[datetime.date(2024, 1, 2)],
        address=Address(city="Oslo", street="Main 1", since=datetime.date(2020, 5, 1),
                        geo=Geo(lat=59.9, lon=10.7)),
        attrs={"color": "red", "size": 3, "dims": {"w": 2, "h": 5}})
    Shelf.objects.create(
        name="b", tags=["blue"], address=Address(city="Bergen"),
        attrs={"color": "blue", "size": 7})
    Shelf.objects.create(name="c", tags=[], address=None, attrs=None,
                         stops=[Geo(lat=1.0, lon=2.0), Geo(lat=3.0, lon=4.0)])
    Shelf.objects.create(name="d", tags=["green", "red", "blue", "red"],
                         address=Address(city="Oxford", geo=Geo(lat=51.7, lon=-1.2)),
                         attrs={})
    return Shelf


def names(qs):
    return list(qs.values_list("name", flat=True))


# ----- ArrayField ----------------------------------------------------------------------------------

@on_mongodb
def test_array_round_trip_and_storage(shelves):
    a = shelves.objects.get(name="a")
    assert a.tags == ["red", "blue"]
    assert a.scores == [decimal.Decimal("1.50")]
    assert a.days == [datetime.date(2024, 1, 2)]
    doc = connection.collection("mongo_shelf").find_one({"_id": a.pk},
                                                        **connection.session_kwargs())
    assert doc["tags"] == ["red", "blue"] and isinstance(doc["tags"], list)
    assert shelves.objects.get(name="c").tags == []


@on_mongodb
def test_array_lookups(shelves):
    S = shelves.objects
    assert names(S.filter(tags=["blue"])) == ["b"]
    assert names(S.filter(tags__contains=["red", "blue"])) == ["a", "d"]
    assert names(S.filter(tags__contains=[])) == ["a", "b", "c", "d"]
    assert names(S.filter(tags__contained_by=["red", "blue"])) == ["a", "b", "c"]
    assert names(S.filter(tags__overlap=["green", "red"])) == ["a", "d"]
    assert names(S.filter(tags__overlap=[])) == []
    assert names(S.filter(tags__len=1)) == ["b"]
    assert names(S.filter(tags__len__gte=2)) == ["a", "d"]
    assert names(S.filter(tags__0="blue")) == ["b"]
    assert names(S.filter(tags__1="blue")) == ["a"]
    assert names(S.filter(tags__0__startswith="gr")) == ["d"]
    assert names(S.filter(tags__3="red")) == ["d"]
    assert names(S.filter(tags__2__isnull=True)) == ["a", "b", "c"]
    assert names(S.filter(tags__0_2=["green", "red"])) == ["d"]
    assert names(S.filter(tags__1_3__contains=["blue"])) == ["a", "d"]
    assert names(S.filter(scores__contains=[decimal.Decimal("1.5")])) == ["a"]
    assert names(S.filter(days__0=datetime.date(2024, 1, 2))) == ["a"]
    assert names(S.exclude(tags__contains=["blue"])) == ["c"]
    assert names(S.filter(scores__isnull=True)) == ["b", "c", "d"]


@on_mongodb
def test_array_values_and_update(shelves):
    rows = list(shelves.objects.values_list("tags__0", "tags__len").order_by("name"))
    assert rows == [("red", 2), ("blue", 1), (None, 0), ("green", 4)]
    assert list(shelves.objects.filter(name="a").values_list("days__0", flat=True)) == [
        datetime.date(2024, 1, 2)]
    shelves.objects.filter(name="c").update(tags=["new"])
    assert shelves.objects.get(name="c").tags == ["new"]


def test_array_validation_and_deconstruct():
    field = ArrayField(models.IntegerField(validators=[]), size=2)
    field.set_attributes_from_name("nums")
    assert field.clean(["1", 2], None) == [1, 2]
    with pytest.raises(ValidationError, match="no more than 2"):
        field.clean([1, 2, 3], None)
    with pytest.raises(ValidationError, match="Item 2 in the array did not validate"):
        field.clean([1, "x"], None)
    name, path, args, kwargs = field.deconstruct()
    assert path == "reinhardt.backends.mongodb.fields.ArrayField"
    assert kwargs["size"] == 2 and isinstance(kwargs["base_field"], models.IntegerField)
    rebuilt = ArrayField(*args, **kwargs)
    assert rebuilt.size == 2
    with pytest.raises(TypeError, match="needs a field instance"):
        ArrayField("int")


def test_migration_writer_serialises_the_fields():
    from reinhardt.orm.migrations.serializer import serializer_factory

    for field in (ArrayField(models.CharField(max_length=5), size=3),
                  EmbeddedModelField(Address, null=True), DictField(default=dict)):
        text, imports = serializer_factory(field).serialize()
        assert text.startswith("reinhardt.backends.mongodb.fields.")
        assert any("reinhardt.backends.mongodb.fields" in i for i in imports)
    text, imports = serializer_factory(EmbeddedModelField(Address)).serialize()
    assert "embedded_model=tests.db_backends.test_mongodb_fields.Address" in text


@on_mongodb
def test_array_of_embedded_models(shelves):
    assert shelves.objects.get(name="c").stops == [Geo(lat=1.0, lon=2.0), Geo(lat=3.0, lon=4.0)]
    assert names(shelves.objects.filter(stops__1__lat=3.0)) == ["c"]
    assert names(shelves.objects.filter(stops__len=0)) == ["a", "b", "d"]


# ----- EmbeddedModelField --------------------------------------------------------------------------

@on_mongodb
def test_embedded_round_trip_and_storage(shelves):
    a = shelves.objects.get(name="a")
    assert isinstance(a.address, Address) and isinstance(a.address.geo, Geo)
    assert a.address == Address(city="Oslo", street="Main 1", since=datetime.date(2020, 5, 1),
                                geo=Geo(lat=59.9, lon=10.7))
    doc = connection.collection("mongo_shelf").find_one({"_id": a.pk},
                                                        **connection.session_kwargs())
    assert doc["address"] == {"street": "Main 1", "city": "Oslo", "since": "2020-05-01",
                              "geo": {"lat": 59.9, "lon": 10.7}}
    assert shelves.objects.get(name="c").address is None
    assert shelves.objects.get(name="b").address.geo is None


@on_mongodb
def test_embedded_filters(shelves):
    S = shelves.objects
    assert names(S.filter(address__city="Oslo")) == ["a"]
    assert names(S.filter(address__city__startswith="O")) == ["a", "d"]
    assert names(S.filter(address__city__icontains="ERG")) == ["b"]
    assert names(S.filter(address__since__year=2020)) == ["a"]
    assert names(S.filter(address__since__isnull=True)) == ["b", "c", "d"]
    assert names(S.filter(address__geo__lat__gt=55)) == ["a"]
    assert names(S.filter(address__geo__lon__lt=0)) == ["d"]
    assert names(S.filter(address__isnull=True)) == ["c"]
    assert names(S.filter(address=Address(city="Bergen"))) == ["b"]
    assert names(S.exclude(address__city="Oslo")) == ["b", "c", "d"]
    assert names(S.order_by("-address__city")) == ["d", "a", "b", "c"]
    with pytest.raises(FieldError):
        list(S.filter(address__country="NO"))


@on_mongodb
def test_embedded_values_and_update(shelves):
    rows = list(shelves.objects.filter(address__isnull=False).values_list(
        "address__city", "address__since"))
    assert rows == [("Oslo", datetime.date(2020, 5, 1)), ("Bergen", None), ("Oxford", None)]
    shelves.objects.filter(name="c").update(address=Address(city="Trondheim"))
    assert shelves.objects.get(name="c").address.city == "Trondheim"


def test_embedded_validation():
    field = EmbeddedModelField(Address)
    field.set_attributes_from_name("address")
    with pytest.raises(ValidationError, match="city"):
        field.clean(Address(city=""), None)
    assert field.clean({"city": "Oslo"}, None) == Address(city="Oslo")
    # A serialised value (value_to_string: a dict of texts) loads back with the fields' types.
    address = Address(city="Oslo", since=datetime.date(2020, 5, 1), geo=Geo(lat=1.5, lon=2.0))
    holder = type("Holder", (), {"address": address})()
    assert field.to_python(field.value_to_string(holder)) == address
    with pytest.raises(ValidationError, match="takes a Address instance"):
        field.clean(42, None)
    with pytest.raises(TypeError, match="EmbeddedModel subclass"):
        EmbeddedModelField(dict)
    with pytest.raises(TypeError, match="unexpected keyword"):
        Address(town="x")
    with pytest.raises(TypeError, match="cannot hold a relation"):
        class Bad(EmbeddedModel):
            owner = models.ForeignKey("orm.Author", on_delete=models.CASCADE)


# ----- DictField -----------------------------------------------------------------------------------

@on_mongodb
def test_dict_field(shelves):
    S = shelves.objects
    assert S.get(name="a").attrs == {"color": "red", "size": 3, "dims": {"w": 2, "h": 5}}
    assert names(S.filter(attrs__color="red")) == ["a"]
    assert names(S.filter(attrs__dims__h=5)) == ["a"]
    assert names(S.filter(attrs__size__gt=4)) == ["b"]
    assert names(S.filter(attrs__has_key="dims")) == ["a"]
    assert names(S.filter(attrs__contains={"color": "blue"})) == ["b"]
    assert names(S.filter(attrs={})) == ["d"]
    assert names(S.filter(attrs__isnull=True)) == ["c"]
    with pytest.raises(ValidationError, match="takes a dict"):
        S.create(name="e", attrs=[1, 2])


# ----- other backends ------------------------------------------------------------------------------

@elsewhere
def test_other_backends_refuse_at_check_and_schema_time():
    from reinhardt.orm import connections

    model = define_models()
    try:
        errors = model.check(databases=["default"])
        ids = [e.id for e in errors]
        assert ids.count("mongodb.E001") == 6  # tags, scores, days, address, attrs, stops
        assert connection.features.display_name in errors[0].msg
        with pytest.raises(NotSupportedError, match="MongoDB document field") as excinfo:
            with connections["default"].schema_editor() as editor:
                editor.create_model(model)
        assert excinfo.value.backend == connection.features.display_name
        # A value bound for the database is refused too (no silent JSON-text or driver error).
        with pytest.raises(NotSupportedError, match="ArrayField Shelf.tags"):
            model._meta.get_field("tags").get_db_prep_save(["x"], connection)
    finally:
        forget(model)


@on_mongodb
def test_no_check_error_on_mongodb():
    model = define_models()
    try:
        assert not [e for e in model.check(databases=["default"]) if e.id == "mongodb.E001"]
    finally:
        forget(model)


@on_mongodb
def test_adding_a_field_writes_its_default_into_existing_documents(shelves):
    field = ArrayField(models.IntegerField(), default=list)
    field.set_attributes_from_name("extra")
    field.model = shelves
    embedded = EmbeddedModelField(Geo, default=lambda: Geo(lat=0.0, lon=0.0))
    embedded.set_attributes_from_name("origin")
    embedded.model = shelves
    with connection.schema_editor() as editor:
        editor.add_field(shelves, field)
        editor.add_field(shelves, embedded)
    docs = list(connection.collection("mongo_shelf").find({}, **connection.session_kwargs()))
    assert [d["extra"] for d in docs] == [[], [], [], []]
    assert all(d["origin"] == {"lat": 0.0, "lon": 0.0} for d in docs)
