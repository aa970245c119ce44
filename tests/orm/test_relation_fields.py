"""Relation fields themselves: construction errors, deconstruct() for migrations, checks,
reverse names and the automatic through model."""

import pytest

from reinhardt.apps.registry import Apps
from reinhardt.core.exceptions import ValidationError
from reinhardt.orm import models
from tests.orm.models import Author, Book, Publisher

PATH = "reinhardt.orm.models"


def kwargs_of(field):
    return field.deconstruct()[3]


def test_bad_targets_and_on_delete_are_reported():
    with pytest.raises(TypeError, match="First parameter to ForeignKey must be either a model"):
        models.ForeignKey(42, models.CASCADE)
    with pytest.raises(TypeError, match="on_delete must be callable"):
        models.ForeignKey("app.Model", None)
    with pytest.raises(TypeError, match="First parameter to ManyToManyField"):
        models.ManyToManyField(3.5)
    with pytest.raises(ValueError, match="db_table if an intermediary model"):
        models.ManyToManyField("app.Tag", through="app.Link", db_table="t")
    with pytest.raises(ValueError, match="through_fields"):
        models.ManyToManyField("app.Tag", through_fields=("a", "b"))
    with pytest.raises(ValueError, match="db_constraint"):
        models.ManyToManyField("app.Tag", through="app.Link", db_constraint=False)


def test_foreign_key_deconstructs_only_what_differs_from_the_defaults():
    plain = models.ForeignKey("App.Target", models.CASCADE)
    assert plain.deconstruct()[1] == f"{PATH}.ForeignKey"
    assert kwargs_of(plain) == {"to": "App.target", "on_delete": models.CASCADE}
    tuned = models.ForeignKey(
        "app.Target", models.SET_NULL, null=True, to_field="code", db_index=False,
        db_constraint=False, related_name="+", related_query_name="tq",
        limit_choices_to={"live": True}, parent_link=True,
    )
    assert kwargs_of(tuned) == {
        "to": "app.target", "on_delete": models.SET_NULL, "null": True, "to_field": "code",
        "db_index": False, "db_constraint": False, "related_name": "+",
        "related_query_name": "tq", "limit_choices_to": {"live": True}, "parent_link": True,
    }


def test_bound_relations_deconstruct_with_lowercased_labels():
    label = Author._meta.app_label
    assert kwargs_of(Book._meta.get_field("author")) == {
        "to": f"{label}.author", "on_delete": models.CASCADE, "related_name": "books",
    }
    tags = kwargs_of(Book._meta.get_field("tags"))
    assert tags == {"to": f"{label}.tag", "blank": True, "related_name": "books"}
    friends = kwargs_of(Author._meta.get_field("friends"))
    assert friends == {"to": f"{label}.author", "blank": True}
    members = kwargs_of(Author.member_groups.rel.field)
    assert members["through"] == f"{label}.Membership"


def test_one_to_one_and_many_to_many_options():
    one = models.OneToOneField("app.Place", models.CASCADE)
    assert one.unique and "unique" not in kwargs_of(one)
    assert kwargs_of(models.ManyToManyField("self")) == {"to": "self"}
    assert kwargs_of(models.ManyToManyField("app.Tag", symmetrical=True))["symmetrical"] is True
    assert kwargs_of(models.ManyToManyField("self", symmetrical=False))["symmetrical"] is False
    linked = models.ManyToManyField("app.Tag", through="app.Link",
                                    through_fields=("owner", "tag"), db_table=None)
    assert kwargs_of(linked) == {"to": "app.tag", "through": "app.Link",
                                 "through_fields": ("owner", "tag")}
    assert kwargs_of(models.ManyToManyField("app.Tag", db_constraint=False,
                                            db_table="links")) == {
        "to": "app.tag", "db_constraint": False, "db_table": "links"}


def test_on_delete_checks_and_reverse_name_placeholders():
    registry = Apps(["tests.orm"])

    class Maker(models.Model):
        class Meta:
            app_label = "orm"
            apps = registry

    class Gadget(models.Model):
        maker = models.ForeignKey(Maker, models.SET_NULL,
                                  related_name="%(app_label)s_%(class)s_items")
        backup = models.ForeignKey(Maker, models.SET_DEFAULT, null=True,
                                   related_name="backups", related_query_name="%(class)s_b")
        parts = models.ManyToManyField("self")

        class Meta:
            app_label = "orm"
            apps = registry

    ids = {field.name: [e.id for e in field.check()] for field in Gadget._meta.local_fields}
    assert ids["maker"] == ["fields.E320"]
    assert ids["backup"] == ["fields.E321"]
    assert hasattr(Maker, "orm_gadget_items") and hasattr(Maker, "backups")
    assert Maker._meta.get_field("gadget_b").field is Gadget._meta.get_field("backup")
    # A symmetrical self-relation has no reverse accessor, and an automatic through model
    # with from_/to_ keys and a unique pair.
    parts = Gadget._meta.get_field("parts")
    through = parts.remote_field.through
    assert parts.remote_field.get_accessor_name() is None
    assert [f.name for f in through._meta.fields] == ["id", "from_gadget", "to_gadget"]
    assert through._meta.unique_together == (("from_gadget", "to_gadget"),)
    assert through._meta.db_table == "orm_gadget_parts"
    assert (parts.m2m_field_name(), parts.m2m_reverse_field_name()) == ("from_gadget",
                                                                        "to_gadget")
    assert (parts.m2m_column_name(), parts.m2m_reverse_name()) == ("from_gadget_id",
                                                                    "to_gadget_id")


def test_related_query_name_falls_back_through_the_names():
    book_author = Book._meta.get_field("author")
    assert book_author.related_query_name() == "books"
    assert Author._meta.get_field("books").name == "books"
    assert Book._meta.get_field("tags").remote_field.accessor_name == "books"


def test_foreign_key_validate_checks_the_target_exists_and_limit_choices_to():
    ann = Author.objects.create(name="Ann", age=30)
    field = Book._meta.get_field("author")
    field.validate(ann.pk, Book(title="t"))
    with pytest.raises(ValidationError) as excinfo:
        field.validate(ann.pk + 1000, Book(title="t"))
    assert "is not a valid choice" in str(excinfo.value)
    limited = models.ForeignKey(Author, models.CASCADE, limit_choices_to={"age__gt": 40})
    limited.set_attributes_from_name("author")
    limited.remote_field.field_name = "id"
    with pytest.raises(ValidationError):
        limited.validate(ann.pk, Book(title="t"))


def test_get_choices_of_a_reverse_relation():
    Book.objects.create(title="B", author=Author.objects.create(name="A"))
    rel = Publisher._meta.get_field("books")
    choices = rel.get_choices()
    assert choices[0] == ("", "---------") and [label for _pk, label in choices[1:]] == ["B"]
    assert rel.get_choices(include_blank=False, limit_choices_to={"title": "x"}) == []


def test_checks_report_reverse_name_problems_and_clashes():
    registry = Apps(["tests.orm"])

    def model(name, **fields):
        meta = type("Meta", (), {"app_label": "orm", "apps": registry})
        return type(name, (models.Model,), {"__module__": __name__, "Meta": meta, **fields})

    Target = model("Target", owner_set=models.IntegerField(), clash=models.IntegerField())
    model("Owner", target=models.ForeignKey(Target, models.CASCADE))
    Bad = model(
        "Bad",
        a=models.ForeignKey(Target, models.CASCADE, related_name="not valid"),
        b=models.ForeignKey(Target, models.CASCADE, related_name="b_"),
        c=models.ForeignKey(Target, models.CASCADE, related_name="x", related_query_name="y__z"),
        d=models.ForeignKey(Target, models.CASCADE, related_name="clash"),
        e=models.ForeignKey(Target, models.CASCADE, related_name="same"),
        f=models.ForeignKey(Target, models.CASCADE, related_name="same"),
        hidden=models.ForeignKey(Target, models.CASCADE, related_name="+"),
        one=models.ForeignKey(Target, models.CASCADE, unique=True, related_name="ones"),
        many=models.ManyToManyField(Target, null=True, validators=[print],
                                    related_name="manies"),
    )
    ids = {f.name: [e.id for e in f.check()] for f in (*Bad._meta.local_fields,
                                                        *Bad._meta.local_many_to_many)}
    assert ids["a"] == ["fields.E306"]
    assert ids["b"] == ["fields.E308"]
    assert ids["c"] == ["fields.E309"]
    assert ids["d"] == ["fields.E302", "fields.E303"]
    assert ids["e"] == ["fields.E304", "fields.E305"]
    assert ids["hidden"] == [] and ids["id"] == []
    assert ids["one"] == ["fields.W342"]
    assert ids["many"] == ["fields.W340", "fields.W341"]
    # Target.owner_set is a field: Owner.target's default accessor collides with it.
    owner_field = registry.get_model("orm", "Owner")._meta.get_field("target")
    [error] = owner_field.check()
    assert error.id == "fields.E302"
    assert error.msg == ("Reverse accessor 'Target.owner_set' for 'orm.Owner.target' clashes "
                         "with field name 'orm.Target.owner_set'.")
    assert error.hint == ("Rename field 'orm.Target.owner_set', or add/change a related_name "
                          "argument to the definition for field 'orm.Owner.target'.")
    e_error = [e for e in Bad._meta.get_field("e").check() if e.id == "fields.E304"][0]
    assert e_error.msg == ("Reverse accessor 'Target.same' for 'orm.Bad.e' clashes with reverse "
                           "accessor for 'orm.Bad.f'.")


def test_checks_on_relations_to_abstract_models_and_through_options():
    registry = Apps(["tests.orm"])

    class Base(models.Model):
        class Meta:
            abstract = True
            app_label = "orm"
            apps = registry

    class Item(models.Model):
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "orm"
            apps = registry

    class Box(models.Model):
        base = models.ForeignKey(Base, models.CASCADE)
        items = models.ManyToManyField(Item, through="Slot", limit_choices_to={"name": "x"})

        class Meta:
            app_label = "orm"
            apps = registry

    class Slot(models.Model):
        box = models.ForeignKey(Box, models.CASCADE)
        item = models.ForeignKey(Item, models.CASCADE)

        class Meta:
            app_label = "orm"
            apps = registry

    [abstract] = Box._meta.get_field("base").check()
    assert abstract.id == "fields.E300"
    assert "'Base', which is either not installed, or is abstract" in abstract.msg
    assert [e.id for e in Box._meta.get_field("items").check()] == ["fields.W343"]


def test_the_test_models_pass_their_checks():
    from reinhardt.apps import apps

    problems = [
        problem for model in apps.get_models(include_auto_created=True)
        for problem in model.check()
    ]
    assert problems == []
