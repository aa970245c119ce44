"""The database and template half of the compatibility site: generic views over a small
blog (tests/web/dbapp), function views with the shortcuts, TemplateResponse and the
middleware hook that edits it, ATOMIC_REQUESTS."""

import datetime

from reinhardt.orm import transaction
from reinhardt.web.http import HttpResponse
from reinhardt.web.shortcuts import get_list_or_404, get_object_or_404, redirect, render
from reinhardt.web.templates.response import TemplateResponse
from reinhardt.web.urls import path
from reinhardt.web.views.generic import (
    ArchiveIndexView,
    DateDetailView,
    DayArchiveView,
    DetailView,
    ListView,
    MonthArchiveView,
    TemplateView,
    TodayArchiveView,
    WeekArchiveView,
    YearArchiveView,
)
from tests.web.dbapp.models import Article, Author, Book

app_name = "db"


class TweakTemplateResponses:
    """Middleware: adds to the context of TemplateResponses, before they render."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_template_response(self, request, response):
        if response.context_data is not None and "tweak" in response.context_data:
            response.context_data["tweak"] = "tweaked by middleware"
        return response


class Home(TemplateView):
    template_name = "home.html"
    extra_context = {"title": "Home <&>"}


class ArticleList(ListView):
    model = Article
    ordering = ["pub_date", "id"]
    paginate_by = 2
    template_name = "articles.html"


class OrphanList(ArticleList):
    paginate_by = 3
    paginate_orphans = 2


class AuthorDetail(DetailView):
    model = Author
    context_object_name = "writer"
    template_name = "author.html"


class ArticleDetail(DetailView):
    queryset = Article.objects.select_related("author")
    template_name_field = "template"


class ArticleBySlug(DetailView):
    model = Article
    query_pk_and_slug = True


class EmptyBooks(ListView):
    queryset = Book.objects.filter(title="no such book")
    allow_empty = False


class ArticleArchive(ArchiveIndexView):
    model = Article
    date_field = "pub_date"


class BookArchive(ArchiveIndexView):
    queryset = Book.objects.exclude(title="Today's")
    date_field = "pubdate"
    allow_future = True
    date_list_period = "month"


class ArticleYear(YearArchiveView):
    model = Article
    date_field = "pub_date"


class ArticleYearList(ArticleYear):
    make_object_list = True


class ArticleMonth(MonthArchiveView):
    model = Article
    date_field = "pub_date"


class ArticleMonthNumeric(ArticleMonth):
    month_format = "%m"
    allow_empty = True


class BookMonth(MonthArchiveView):
    model = Book
    date_field = "pubdate"
    month_format = "%m"


class BookMonthEmptyOk(BookMonth):
    allow_empty = True
    allow_future = True


class ArticleWeek(WeekArchiveView):
    model = Article
    date_field = "pub_date"


class ArticleWeekMonday(ArticleWeek):
    week_format = "%W"


class ArticleDay(DayArchiveView):
    model = Article
    date_field = "pub_date"


class BookDay(DayArchiveView):
    model = Book
    date_field = "pubdate"
    month_format = "%m"


class BookToday(TodayArchiveView):
    model = Book
    date_field = "pubdate"
    template_name = "dbapp/book_today.html"
    allow_empty = True
    allow_future = True


class ArticleDateDetail(DateDetailView):
    model = Article
    date_field = "pub_date"


class BookDateDetail(DateDetailView):
    model = Book
    date_field = "pubdate"
    month_format = "%m"


def shortcut_render(request):
    return render(request, "plain.html", {"items": ["a", "<b>"]}, content_type="text/plain",
                  status=201)


def object_or_404(request, pk):
    article = get_object_or_404(Article.objects.select_related("author"), pk=pk)
    return HttpResponse(f"{article.title} by {article.author.name}")


def list_or_404(request, slug):
    articles = get_list_or_404(Article, author__slug=slug)
    return HttpResponse(", ".join(sorted(a.title for a in articles)))


def to_author(request, pk):
    return redirect(get_object_or_404(Author, pk=pk))


def template_response(request):
    return TemplateResponse(request, ["missing.html", "tr.html"],
                            {"tweak": "original", "name": "TR"})


def count_books(request):
    return HttpResponse(f"books: {Book.objects.count()}")


def create_book_then_fail(request):
    Book.objects.create(title="doomed", pubdate=datetime.date(2001, 1, 1))
    raise ValueError("after the insert")


def create_book(request):
    Book.objects.create(title="kept", pubdate=datetime.date(2001, 1, 2))
    return HttpResponse("created")


@transaction.non_atomic_requests
def create_book_non_atomic_then_fail(request):
    Book.objects.create(title="not atomic", pubdate=datetime.date(2001, 1, 3))
    raise ValueError("after the insert")


urlpatterns = [
    path("", Home.as_view(), name="home"),
    path("articles/", ArticleList.as_view(), name="articles"),
    path("articles/page<int:page>/", ArticleList.as_view(), name="articles-page"),
    path("orphans/", OrphanList.as_view()),
    path("articles/<int:pk>/", ArticleDetail.as_view(), name="article"),
    path("articles/<int:pk>/<slug:slug>/", ArticleBySlug.as_view(), name="article-slug"),
    path("authors/<slug:slug>/", AuthorDetail.as_view(), name="author"),
    path("authors/", ListView.as_view(model=Author), name="authors"),
    path("author/<int:pk>/", AuthorDetail.as_view(), name="author-detail"),
    path("emptybooks/", EmptyBooks.as_view()),
    path("archive/", ArticleArchive.as_view(), name="archive"),
    path("archive/<int:year>/", ArticleYear.as_view(), name="year"),
    path("archive/<int:year>/list/", ArticleYearList.as_view()),
    path("archive/<int:year>/<str:month>/", ArticleMonth.as_view(), name="month"),
    path("archive-num/<int:year>/<int:month>/", ArticleMonthNumeric.as_view()),
    path("archive/<int:year>/week/<int:week>/", ArticleWeek.as_view()),
    path("archive/<int:year>/mweek/<int:week>/", ArticleWeekMonday.as_view()),
    path("archive/<int:year>/<str:month>/<int:day>/", ArticleDay.as_view(), name="day"),
    path("archive/<int:year>/<str:month>/<int:day>/<int:pk>/", ArticleDateDetail.as_view()),
    path("books/archive/", BookArchive.as_view()),
    path("books/<int:year>/<int:month>/", BookMonth.as_view()),
    path("books-any/<int:year>/<int:month>/", BookMonthEmptyOk.as_view()),
    path("books/<int:year>/<int:month>/<int:day>/", BookDay.as_view()),
    path("books/<int:year>/<int:month>/<int:day>/<int:pk>/", BookDateDetail.as_view()),
    path("books/today/", BookToday.as_view()),
    path("render/", shortcut_render),
    path("o404/<int:pk>/", object_or_404),
    path("l404/<slug:slug>/", list_or_404),
    path("to-author/<int:pk>/", to_author),
    path("tr/", template_response),
    path("count/", count_books),
    path("create-fail/", create_book_then_fail),
    path("create/", create_book),
    path("create-non-atomic-fail/", create_book_non_atomic_then_fail),
]
