"""Model instances: create, save, get, update, delete, refresh, identity."""

import pytest

from reinhardt.core.exceptions import MultipleObjectsReturned, ObjectDoesNotExist
from reinhardt.orm import DatabaseError
from tests.orm.models import Author, Book, NamedPK, Publisher, UUIDModel


def test_create_assigns_pk_and_reads_back():
    author = Author.objects.create(name="Ann", age=31)
    assert author.pk is not None and author.id == author.pk
    fetched = Author.objects.get(pk=author.pk)
    assert (fetched.name, fetched.age) == ("Ann", 31)
    assert fetched == author and hash(fetched) == hash(author)
    assert fetched._state.adding is False and fetched._state.db == "default"


def test_save_inserts_then_updates():
    author = Author(name="Bo")
    assert author._state.adding
    author.save()
    first_pk = author.pk
    author.name = "Bob"
    author.save()
    assert author.pk == first_pk
    assert Author.objects.count() == 1
    assert Author.objects.get().name == "Bob"


def test_save_update_fields_only_writes_those_columns():
    author = Author.objects.create(name="Cy", age=20)
    Author.objects.filter(pk=author.pk).update(age=99)
    author.name = "Cyd"
    author.save(update_fields=["name"])
    fetched = Author.objects.get(pk=author.pk)
    assert (fetched.name, fetched.age) == ("Cyd", 99)


def test_save_update_fields_rejects_unknown_names():
    author = Author.objects.create(name="Di")
    with pytest.raises(ValueError, match="nope"):
        author.save(update_fields=["nope"])


def test_force_update_without_row_fails():
    author = Author(pk=12345, name="ghost")
    with pytest.raises(DatabaseError, match="Forced update did not affect any rows"):
        author.save(force_update=True)


def test_force_insert_with_existing_pk_raises_integrity_error():
    from reinhardt.orm import IntegrityError

    author = Author.objects.create(name="Ed")
    with pytest.raises(IntegrityError):
        Author(pk=author.pk, name="dup").save(force_insert=True)


def test_get_errors():
    with pytest.raises(Author.DoesNotExist, match="Author matching query does not exist"):
        Author.objects.get(name="nobody")
    assert issubclass(Author.DoesNotExist, ObjectDoesNotExist)
    Author.objects.create(name="Twin")
    Author.objects.create(name="Twin")
    with pytest.raises(Author.MultipleObjectsReturned,
                       match="get\\(\\) returned more than one Author -- it returned 2!"):
        Author.objects.get(name="Twin")
    assert issubclass(Author.MultipleObjectsReturned, MultipleObjectsReturned)


def test_unsaved_instances_are_equal_only_to_themselves():
    a, b = Author(name="x"), Author(name="x")
    assert a != b and a == a
    with pytest.raises(TypeError, match="unhashable"):
        hash(a)


def test_str_and_repr():
    publisher = Publisher.objects.create(name="Acme")
    assert str(publisher) == "Acme"
    assert repr(publisher) == "<Publisher: Acme>"
    from tests.orm.models import Parent

    assert str(Parent(name="p")) == "Parent object (None)"


def test_unexpected_keyword_argument_is_a_type_error():
    with pytest.raises(TypeError, match="Author\\(\\) got unexpected keyword arguments: 'nmae'"):
        Author(nmae="typo")


def test_positional_arguments_follow_field_order():
    author = Author(None, "Pos", 40)
    assert (author.name, author.age) == ("Pos", 40)


def test_delete_returns_counts_and_clears_pk():
    author = Author.objects.create(name="Del")
    Book.objects.create(title="B1", author=author)
    Book.objects.create(title="B2", author=author)
    count, per_model = author.delete()
    assert count == 3
    assert per_model == {"orm.Book": 2, "orm.Author": 1}
    assert author.pk is None
    assert Book.objects.count() == 0


def test_delete_unsaved_instance_is_an_error():
    with pytest.raises(ValueError, match="can't be deleted because its id attribute is set to None"):
        Author(name="x").delete()


def test_refresh_from_db_reloads_and_clears_related_cache():
    author = Author.objects.create(name="Ref", age=1)
    Author.objects.filter(pk=author.pk).update(age=2, name="Refreshed")
    author.refresh_from_db(fields=["age"])
    assert (author.name, author.age) == ("Ref", 2)
    author.refresh_from_db()
    assert author.name == "Refreshed"


def test_custom_primary_keys():
    obj = NamedPK.objects.create(code="A1", label="first")
    assert NamedPK.objects.get(pk="A1").label == "first"
    obj.label = "changed"
    obj.save()
    assert NamedPK.objects.count() == 1
    u = UUIDModel.objects.create(name="u")
    assert UUIDModel.objects.get(pk=u.pk).id == u.id
    assert UUIDModel.objects.get(pk=str(u.pk)).name == "u"


def test_get_or_create_and_update_or_create():
    obj, created = Publisher.objects.get_or_create(name="Orly", defaults={"city": "Paris"})
    assert created and obj.city == "Paris"
    again, created = Publisher.objects.get_or_create(name="Orly", defaults={"city": "Rome"})
    assert not created and again.pk == obj.pk and again.city == "Paris"
    updated, created = Publisher.objects.update_or_create(name="Orly", defaults={"city": "Rome"})
    assert not created and updated.city == "Rome"
    assert Publisher.objects.get(pk=obj.pk).city == "Rome"
    new, created = Publisher.objects.update_or_create(
        name="Fresh", defaults={"city": "Oslo"}, create_defaults={"city": "Bergen"}
    )
    assert created and new.city == "Bergen"


def test_get_or_create_rejects_unknown_fields():
    from reinhardt.core.exceptions import FieldError

    with pytest.raises(FieldError, match="Invalid field name\\(s\\) for model Publisher: 'nope'"):
        Publisher.objects.get_or_create(name="x", defaults={"nope": 1})


def test_choices_display():
    author = Author.objects.create(name="G")
    book = Book.objects.create(title="T", author=author, genre="sci")
    assert book.get_genre_display() == "Science"
    book.genre = "zzz"
    assert book.get_genre_display() == "zzz"


def test_defaults_and_callable_defaults():
    author = Author.objects.create(name="H")
    book = Book.objects.create(title="D", author=author)
    assert book.pages == 0 and str(book.price) == "0"


def test_manager_not_accessible_from_instances():
    with pytest.raises(AttributeError, match="Manager isn't accessible via Author instances"):
        Author(name="x").objects
