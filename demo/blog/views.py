"""Class-based views for the pages, a function view for the JSON feed."""

from blog.models import Author, Post
from reinhardt.web.http import JsonResponse
from reinhardt.web.views.generic import (
    ArchiveIndexView,
    DateDetailView,
    DetailView,
    ListView,
    MonthArchiveView,
    YearArchiveView,
)


class PostList(ListView):
    """The front page: newest posts first, five a page (``?page=2``)."""

    queryset = Post.objects.select_related("author")
    paginate_by = 5
    context_object_name = "posts"


class PostDateMixin:
    queryset = Post.objects.select_related("author")
    date_field = "pub_date"
    month_format = "%m"


class PostArchive(PostDateMixin, ArchiveIndexView):
    """Every year that has posts, and the latest posts."""


class PostYear(PostDateMixin, YearArchiveView):
    make_object_list = True


class PostMonth(PostDateMixin, MonthArchiveView):
    pass


class PostDetail(PostDateMixin, DateDetailView):
    """One post, found by its date and slug; its comments come with it."""

    def get_queryset(self):
        return super().get_queryset().prefetch_related("comments")


class AuthorDetail(DetailView):
    model = Author


def posts_json(request):
    """The ten newest posts as JSON, for scripts."""
    posts = Post.objects.select_related("author")[:10]
    return JsonResponse({"posts": [
        {"title": p.title, "author": p.author.name, "url": request.build_absolute_uri(
            p.get_absolute_url()), "published": p.pub_date.isoformat()}
        for p in posts
    ]})
