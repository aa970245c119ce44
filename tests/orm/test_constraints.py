"""CheckConstraint and UniqueConstraint: validate(), error messages and codes, deconstruct."""

import pytest

from reinhardt.core.exceptions import ValidationError
from reinhardt.orm import IntegrityError, models, transaction
from reinhardt.orm.models import F, Q
from reinhardt.orm.models.functions import Lower
from tests.orm.capabilities import needs
from tests.orm.models import Product, Publisher


def make(**values):
    values = {"sku": "s1", "name": "n", "category": "c", "price": 1, **values}
    return Product.objects.create(**values)


def test_unique_fields_validate_uses_unique_message_and_code():
    make()
    constraint = models.UniqueConstraint(fields=["name", "category"], name="name_cat")
    with pytest.raises(ValidationError) as excinfo:
        constraint.validate(Product, Product(sku="s2", name="n", category="c", price=1))
    assert excinfo.value.code == "unique_together"
    assert excinfo.value.messages == ["Product with this Name and Category already exists."]
    coded = models.UniqueConstraint(
        fields=["name"], name="name_only", violation_error_code="taken")
    with pytest.raises(ValidationError) as excinfo:
        coded.validate(Product, Product(sku="s2", name="n", category="x", price=1))
    assert excinfo.value.code == "taken"


def test_unique_fields_validate_skips_excluded_nulls_and_self():
    existing = make(discounted=None)
    constraint = models.UniqueConstraint(fields=["name", "category"], name="name_cat")
    constraint.validate(Product, Product(name="n", category="c"), exclude={"category"})
    constraint.validate(Product, existing)  # an object doesn't clash with itself
    with_null = models.UniqueConstraint(fields=["name", "discounted"], name="name_disc")
    with_null.validate(Product, Product(name="n", discounted=None))
    nulls_equal = models.UniqueConstraint(
        fields=["name", "discounted"], name="name_disc", nulls_distinct=False)
    with pytest.raises(ValidationError):
        nulls_equal.validate(Product, Product(name="n", discounted=None))


# Validating an expression constraint filters on Lower(name): a database function.
@needs("supports_functions")
def test_unique_expression_validate_message():
    make(name="Dup")
    constraint = models.UniqueConstraint(
        Lower("name"), name="lower_name",
        violation_error_message="Name taken (%(name)s)", violation_error_code="dup")
    with pytest.raises(ValidationError) as excinfo:
        constraint.validate(Product, Product(name="dUP", category="x"))
    assert excinfo.value.messages == ["Name taken (lower_name)"]
    assert excinfo.value.code == "dup"
    constraint.validate(Product, Product(name="other"))
    constraint.validate(Product, Product(name="dUP"), exclude={"name"})


def test_unique_expression_nulls_not_distinct():
    make(discounted=None)
    distinct = models.UniqueConstraint(F("discounted"), name="disc")
    distinct.validate(Product, Product(name="x", discounted=None))
    not_distinct = models.UniqueConstraint(F("discounted"), name="disc", nulls_distinct=False)
    with pytest.raises(ValidationError, match="Constraint “disc” is violated."):
        not_distinct.validate(Product, Product(name="x", discounted=None))


def test_conditional_unique_validate_only_inside_condition():
    make(name="n", category="special")
    constraint = models.UniqueConstraint(
        fields=["name"], condition=Q(category="special"), name="special_name")
    with pytest.raises(ValidationError, match="special_name"):
        constraint.validate(Product, Product(name="n", category="special"))
    constraint.validate(Product, Product(name="n", category="normal"))


def test_check_constraint_validate():
    constraint = models.CheckConstraint(
        condition=Q(price__gte=0), name="price_ok", violation_error_code="neg",
        violation_error_message="%(name)s: price must not be negative")
    with pytest.raises(ValidationError) as excinfo:
        constraint.validate(Product, Product(price=-1))
    assert excinfo.value.messages == ["price_ok: price must not be negative"]
    assert excinfo.value.code == "neg"
    constraint.validate(Product, Product(price=3))
    constraint.validate(Product, Product(price=-1), exclude={"price"})


def test_check_constraint_requires_a_condition():
    with pytest.raises(TypeError, match="must be a Q instance or boolean expression"):
        models.CheckConstraint(condition=F("price"), name="x")


@pytest.mark.parametrize("kwargs, message", [
    ({"fields": ["a"]}, "A unique constraint must be named."),
    ({"name": "u"}, "At least one field or expression is required"),
    ({"name": "u", "fields": ["a"], "condition": Q(a=1),
      "deferrable": models.Deferrable.DEFERRED}, "with conditions cannot be deferred"),
    ({"name": "u", "fields": ["a"], "opclasses": ["x", "y"]}, "must have the same number"),
    ({"name": "u", "fields": ["a"], "condition": "a"}, "condition must be a Q instance"),
])
def test_unique_constraint_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        models.UniqueConstraint(**kwargs)


def test_unique_constraint_type_errors():
    with pytest.raises(TypeError, match="deferrable must be a Deferrable"):
        models.UniqueConstraint(fields=["a"], name="u", deferrable="deferred")
    with pytest.raises(TypeError, match="include must be a list or tuple"):
        models.UniqueConstraint(fields=["a"], name="u", include="b")


def test_deconstruct_clone_eq_and_repr():
    unique = models.UniqueConstraint(
        fields=["name"], name="u", condition=Q(category="x"),
        deferrable=None, include=["sku"], nulls_distinct=False,
        violation_error_code="c", violation_error_message="m")
    path, args, kwargs = unique.deconstruct()
    assert path == "reinhardt.orm.models.UniqueConstraint"
    assert args == ()
    assert kwargs == {
        "name": "u", "fields": ("name",), "condition": Q(category="x"), "include": ("sku",),
        "nulls_distinct": False, "violation_error_code": "c", "violation_error_message": "m"}
    assert unique.clone() == unique
    assert unique != models.UniqueConstraint(fields=["name"], name="u")
    assert repr(unique) == (
        "<UniqueConstraint: fields=('name',) name='u' condition=(AND: ('category', 'x')) "
        "include=('sku',) nulls_distinct=False violation_error_code='c' "
        "violation_error_message='m'>")
    check = models.CheckConstraint(condition=Q(price__gte=0), name="p")
    assert check.deconstruct() == (
        "reinhardt.orm.models.CheckConstraint", (),
        {"name": "p", "condition": Q(price__gte=0)})
    assert repr(check) == "<CheckConstraint: condition=(AND: ('price__gte', 0)) name='p'>"
    assert check == check.clone()
    assert check != unique
    expr = models.UniqueConstraint(Lower("name"), name="lower")
    assert expr.deconstruct()[1] == (Lower("name"),)
    assert expr.contains_expressions and not unique.contains_expressions
    assert repr(models.Deferrable.DEFERRED) == "Deferrable.DEFERRED"


@pytest.mark.transactional
def test_null_in_a_not_null_column_is_refused_by_the_database():
    # On MongoDB the collection's $jsonSchema validator does what NOT NULL does in SQL.
    with pytest.raises(IntegrityError), transaction.atomic():
        Publisher.objects.create(name=None)
    assert Publisher.objects.count() == 0
    publisher = Publisher.objects.create(name="Kept")
    with pytest.raises(IntegrityError), transaction.atomic():
        Publisher.objects.filter(pk=publisher.pk).update(name=None)
    assert Publisher.objects.get().name == "Kept"
