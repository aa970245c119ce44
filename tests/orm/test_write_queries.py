"""The write Query classes used directly (DeleteQuery.delete_batch, UpdateQuery.update_batch,
add_update_values), as Django code calling them expects."""

import pytest

from reinhardt.core.exceptions import FieldError
from reinhardt.orm.query import DeleteQuery, UpdateQuery
from tests.orm.models import Author, Italian, Publisher


def test_delete_batch_deletes_the_given_keys_and_counts_them():
    kept, *doomed = [Publisher.objects.create(name=f"p{i}") for i in range(4)]
    deleted = DeleteQuery(Publisher).delete_batch([p.pk for p in doomed], "default")
    assert deleted == 3
    assert list(Publisher.objects.values_list("pk", flat=True)) == [kept.pk]


def test_update_batch_sets_values_on_the_given_keys_only():
    first, second, third = [Author.objects.create(name=f"a{i}", age=1) for i in range(3)]
    UpdateQuery(Author).update_batch([first.pk, third.pk], {"age": 40}, "default")
    ages = dict(Author.objects.values_list("name", "age"))
    assert ages == {"a0": 40, "a1": 1, "a2": 40}


def test_update_values_of_a_parent_table_become_related_updates():
    Italian.objects.create(name="Roma", serves_pizza=True)
    query = UpdateQuery(Italian)
    query.add_update_values({"name": "Napoli", "has_wine": False})
    assert [field.name for field, _model, _value in query.values] == ["has_wine"]
    parents = {model.__name__: [f.name for f, _m, _v in values]
               for model, values in query.related_updates.items()}
    assert parents == {"Place": ["name"]}


def test_update_of_a_many_to_many_field_is_refused():
    with pytest.raises(FieldError, match="only non-relations and foreign keys permitted"):
        Author.objects.update(friends=None)
