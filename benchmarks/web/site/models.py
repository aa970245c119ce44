"""The database page's data: 20 entries by a few authors."""

from reinhardt.orm import models


class Author(models.Model):
    name = models.CharField(max_length=100)

    class Meta:
        app_label = "benchsite"


class Entry(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
    pub_date = models.DateTimeField()
    score = models.FloatField()
    body = models.TextField()

    class Meta:
        app_label = "benchsite"
