"""Authors write posts; readers' comments hang off posts."""

from reinhardt.orm import models
from reinhardt.web.urls import reverse


class Author(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)
    bio = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("blog:author", kwargs={"slug": self.slug})


class Post(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField()
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="posts")
    body = models.TextField()
    pub_date = models.DateTimeField()

    class Meta:
        ordering = ["-pub_date"]
        get_latest_by = "pub_date"

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        from reinhardt.utils import timezone

        local = timezone.localtime(self.pub_date)
        return reverse("blog:post", kwargs={
            "year": local.year, "month": local.month, "day": local.day, "slug": self.slug,
        })


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    name = models.CharField(max_length=100)
    body = models.TextField()
    created = models.DateTimeField()

    class Meta:
        ordering = ["created"]

    def __str__(self):
        return f"{self.name} on {self.post}"
