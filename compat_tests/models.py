"""The schema the compatibility suite generates data for: every common value type, a
nullable foreign key (forward and reverse) and a many-to-many relation."""

from reinhardt.orm import models


class Author(models.Model):
    ref = models.IntegerField(unique=True)  # the suite's stable identity for a row
    name = models.CharField(max_length=30)
    age = models.IntegerField(null=True)

    class Meta:
        app_label = "compat_tests"


class Tag(models.Model):
    ref = models.IntegerField(unique=True)
    name = models.CharField(max_length=30)

    class Meta:
        app_label = "compat_tests"


class Book(models.Model):
    ref = models.IntegerField(unique=True)
    title = models.CharField(max_length=30)
    subtitle = models.CharField(max_length=30, null=True)
    pages = models.IntegerField(null=True)
    big = models.BigIntegerField(null=True)
    rating = models.FloatField(null=True)
    price = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    pub_date = models.DateField(null=True)
    published_at = models.DateTimeField(null=True)
    in_print = models.BooleanField(null=True)
    author = models.ForeignKey(Author, models.SET_NULL, null=True, related_name="books")
    tags = models.ManyToManyField(Tag, related_name="books")

    class Meta:
        app_label = "compat_tests"
