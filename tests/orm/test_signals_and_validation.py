"""Model signals, full_clean() and the constraints of Meta."""

import decimal

import pytest

from reinhardt.core.exceptions import NON_FIELD_ERRORS, ValidationError
from reinhardt.dispatch import receiver
from reinhardt.orm import IntegrityError, transaction
from reinhardt.orm.models import signals
from tests.orm.capabilities import needs
from tests.orm.models import Author, Product, Publisher


def test_save_and_init_signals():
    seen = []

    @receiver(signals.pre_save, sender=Publisher)
    def pre(sender, instance, raw, using, update_fields, **kwargs):
        seen.append(("pre_save", instance.name, update_fields))

    @receiver(signals.post_save, sender=Publisher)
    def post(sender, instance, created, **kwargs):
        seen.append(("post_save", instance.name, created))

    @receiver(signals.post_init, sender=Publisher)
    def init(sender, instance, **kwargs):
        seen.append(("post_init", instance.name))

    try:
        pub = Publisher.objects.create(name="A")
        pub.name = "B"
        pub.save(update_fields=["name"])
        Publisher.objects.get(pk=pub.pk)
    finally:
        signals.pre_save.disconnect(pre, sender=Publisher)
        signals.post_save.disconnect(post, sender=Publisher)
        signals.post_init.disconnect(init, sender=Publisher)
    assert seen == [
        ("post_init", "A"),
        ("pre_save", "A", None), ("post_save", "A", True),
        ("pre_save", "B", frozenset({"name"})), ("post_save", "B", False),
        ("post_init", "B"),
    ]


def test_signals_filter_by_sender():
    seen = []

    def any_sender(sender, **kwargs):
        seen.append(sender.__name__)

    signals.post_save.connect(any_sender)
    try:
        Publisher.objects.create(name="x")
        Author.objects.create(name="y")
    finally:
        signals.post_save.disconnect(any_sender)
    assert seen == ["Publisher", "Author"]


def test_full_clean_reports_every_field():
    product = Product(sku="", name="x" * 60, price=decimal.Decimal("1.234"))
    with pytest.raises(ValidationError) as excinfo:
        product.full_clean()
    errors = excinfo.value.message_dict
    assert errors["sku"] == ["This field cannot be blank."]
    assert errors["name"] == ["Ensure this value has at most 50 characters (it has 60)."]
    assert errors["price"] == ["Ensure that there are no more than 2 decimal places."]


def test_validate_unique_and_unique_together():
    Product.objects.create(sku="S1", name="n", category="c", price=1)
    duplicate = Product(sku="S1", name="n", category="c", price=1)
    with pytest.raises(ValidationError) as excinfo:
        duplicate.validate_unique()
    assert excinfo.value.message_dict == {
        "sku": ["Product with this Sku already exists."],
        NON_FIELD_ERRORS: ["Product with this Name and Category already exists."],
    }
    existing = Product.objects.get(sku="S1")
    existing.validate_unique()  # an object doesn't clash with itself


@needs("supports_table_check_constraints")
def test_check_constraint_is_enforced_by_the_database():
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Product.objects.create(sku="neg", name="n", price=-1)


def test_check_constraint_is_validated_in_python():
    product = Product(sku="neg", name="n", price=-5)
    with pytest.raises(ValidationError) as excinfo:
        product.validate_constraints()
    assert excinfo.value.messages == ["Constraint “price_not_negative” is violated."]


@pytest.mark.transactional  # goes on after the failed block: no savepoint needed
@needs("supports_partial_indexes")
def test_conditional_unique_constraint():
    Product.objects.create(sku="a", name="dup", category="special", price=1)
    Product.objects.create(sku="b", name="dup", category="normal", price=1)
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Product.objects.create(sku="c", name="dup", category="special", price=1)
    with pytest.raises(ValidationError, match="unique_special_name"):
        Product(sku="c", name="dup", category="special", price=1).validate_constraints()
