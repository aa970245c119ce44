"""A small blog: authors, articles (datetime-dated) and books (date-dated)."""

from reinhardt.orm import models
from reinhardt.web.urls import reverse


class Author(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("db:author-detail", kwargs={"pk": self.pk})


class Article(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField()
    pub_date = models.DateTimeField()
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="articles")
    body = models.TextField(blank=True)
    template = models.CharField(max_length=100, blank=True)

    def __str__(self):
        return self.title


class Book(models.Model):
    title = models.CharField(max_length=200)
    pubdate = models.DateField()

    class Meta:
        ordering = ["-pubdate"]
        verbose_name_plural = "the books"

    def __str__(self):
        return self.title
