"""Models for the ORM tests: every backend runs the same tests against these."""

import uuid

from reinhardt.orm import models
from tests.orm.custom_fields import CentsField, HandField


class Publisher(models.Model):
    name = models.CharField(max_length=100)
    city = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Author(models.Model):
    name = models.CharField(max_length=100)
    age = models.IntegerField(null=True, blank=True)
    email = models.EmailField(blank=True)
    friends = models.ManyToManyField("self", blank=True)

    def __str__(self):
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    def __str__(self):
        return self.name


class Book(models.Model):
    GENRES = [("fic", "Fiction"), ("sci", "Science"), ("his", "History")]

    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, models.CASCADE, related_name="books")
    publisher = models.ForeignKey(
        Publisher, models.SET_NULL, null=True, blank=True, related_name="books"
    )
    pages = models.IntegerField(default=0)
    rating = models.FloatField(null=True, blank=True)
    price = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    genre = models.CharField(max_length=3, choices=GENRES, blank=True)
    published = models.DateField(null=True, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="books")

    class Meta:
        ordering = ["title"]
        get_latest_by = "published"

    def __str__(self):
        return self.title


class Review(models.Model):
    book = models.ForeignKey(Book, models.CASCADE, related_name="reviews")
    stars = models.PositiveSmallIntegerField()
    text = models.TextField(blank=True)
    created = models.DateTimeField(null=True)


class Event(models.Model):
    """Dates and times, including time zones."""

    name = models.CharField(max_length=50)
    when = models.DateTimeField(null=True)
    day = models.DateField(null=True)
    at = models.TimeField(null=True)
    duration = models.DurationField(null=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)


class AllTypes(models.Model):
    char = models.CharField(max_length=20, blank=True, default="")
    text = models.TextField(blank=True, default="")
    slug = models.SlugField(blank=True)
    email = models.EmailField(blank=True)
    url = models.URLField(blank=True)
    integer = models.IntegerField(null=True)
    small = models.SmallIntegerField(null=True)
    big = models.BigIntegerField(null=True)
    pos = models.PositiveIntegerField(null=True)
    pos_small = models.PositiveSmallIntegerField(null=True)
    pos_big = models.PositiveBigIntegerField(null=True)
    flt = models.FloatField(null=True)
    dec = models.DecimalField(max_digits=12, decimal_places=4, null=True)
    boolean = models.BooleanField(default=False)
    null_bool = models.BooleanField(null=True)
    uuid = models.UUIDField(null=True)
    json = models.JSONField(null=True)
    binary = models.BinaryField(null=True)
    ip = models.GenericIPAddressField(null=True)
    duration = models.DurationField(null=True)


class UUIDModel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    name = models.CharField(max_length=20)


class NamedPK(models.Model):
    code = models.CharField(max_length=10, primary_key=True)
    label = models.CharField(max_length=20)


# --- on_delete -----------------------------------------------------------------------------


class Parent(models.Model):
    name = models.CharField(max_length=20)


def default_parent():
    return Parent.objects.get_or_create(name="default")[0].pk


class Child(models.Model):
    """One ForeignKey per on_delete rule."""

    name = models.CharField(max_length=20)
    cascade = models.ForeignKey(Parent, models.CASCADE, null=True, related_name="cascade_children")
    protect = models.ForeignKey(Parent, models.PROTECT, null=True, related_name="protect_children")
    restrict = models.ForeignKey(
        Parent, models.RESTRICT, null=True, related_name="restrict_children"
    )
    set_null = models.ForeignKey(
        Parent, models.SET_NULL, null=True, related_name="set_null_children"
    )
    set_default = models.ForeignKey(
        Parent, models.SET_DEFAULT, null=True, default=default_parent,
        related_name="set_default_children",
    )
    set_value = models.ForeignKey(
        Parent, models.SET(default_parent), null=True, related_name="set_value_children"
    )
    do_nothing = models.ForeignKey(
        Parent, models.DO_NOTHING, null=True, db_constraint=False,
        related_name="do_nothing_children",
    )


class GrandChild(models.Model):
    child = models.ForeignKey(Child, models.CASCADE, related_name="grandchildren")


# --- relations ---------------------------------------------------------------------------


class Place(models.Model):
    name = models.CharField(max_length=50)
    address = models.CharField(max_length=80, blank=True)


class Restaurant(Place):
    """Multi-table inheritance: a Place with more columns."""

    serves_pizza = models.BooleanField(default=False)


class Italian(Restaurant):
    has_wine = models.BooleanField(default=True)


class Owner(models.Model):
    name = models.CharField(max_length=50)
    place = models.OneToOneField(Place, models.CASCADE, null=True, related_name="owner")


class TimeStamped(models.Model):
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Note(TimeStamped):
    body = models.CharField(max_length=100)


class AuthorProxy(Author):
    class Meta:
        proxy = True
        ordering = ["-name"]

    def shout(self):
        return self.name.upper()


class Group(models.Model):
    name = models.CharField(max_length=50)
    members = models.ManyToManyField(Author, through="Membership", related_name="member_groups")


class Membership(models.Model):
    group = models.ForeignKey(Group, models.CASCADE)
    author = models.ForeignKey(Author, models.CASCADE)
    role = models.CharField(max_length=20, default="member")


# --- constraints and validation ----------------------------------------------------------


class Product(models.Model):
    sku = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=50)
    category = models.CharField(max_length=20, blank=True)
    price = models.DecimalField(max_digits=8, decimal_places=2)
    discounted = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)

    class Meta:
        unique_together = [("name", "category")]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="price_not_negative"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(category="special"),
                name="unique_special_name",
            ),
        ]
        indexes = [models.Index(fields=["category", "-price"], name="product_cat_price")]


class Ordered(models.Model):
    """Ordering with NULLs and several fields."""

    a = models.IntegerField(null=True)
    b = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["a", "-b"]


# --- query API: JSON documents -----------------------------------------------------------


class JSONDoc(models.Model):
    name = models.CharField(max_length=20)
    data = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Deal(models.Model):
    """Custom fields (tests/orm/custom_fields.py)."""

    hand = HandField(null=True)
    amount = CentsField(null=True)
