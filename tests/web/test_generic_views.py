"""Generic display views, shortcuts and ATOMIC_REQUESTS, on the blog of tests/web/dbapp.

Responses for whole pages are compared with Django's in test_django_compat.py (the db-*
cases); these tests cover configuration errors, the hooks subclasses override, and what a
page cannot show (queries run, transactions).
"""

import datetime

from reinhardt.core.exceptions import ImproperlyConfigured
from reinhardt.orm import connections, transaction
from reinhardt.test import RequestFactory, TestCase, TransactionTestCase, override_settings
from reinhardt.utils import timezone
from reinhardt.web.http import Http404, HttpResponse
from reinhardt.web.shortcuts import (
    aget_list_or_404,
    aget_object_or_404,
    get_list_or_404,
    get_object_or_404,
)
from reinhardt.web.urls import path
from reinhardt.web.views.generic import (
    ArchiveIndexView,
    DayArchiveView,
    DetailView,
    ListView,
    MonthArchiveView,
    TodayArchiveView,
    WeekArchiveView,
    YearArchiveView,
)
from reinhardt.web.views.generic.dates import BaseDateListView
from tests.web.dbapp.models import Article, Author, Book

rf = RequestFactory()


def at(*args):
    return timezone.make_aware(datetime.datetime(*args))


class BlogData(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.ann = Author.objects.create(name="Ann", slug="ann")
        cls.bob = Author.objects.create(name="Bob", slug="bob")
        cls.first = Article.objects.create(title="First", slug="first", author=cls.ann,
                                           pub_date=at(2020, 1, 3, 12))
        cls.second = Article.objects.create(title="Second", slug="second", author=cls.bob,
                                            pub_date=at(2020, 2, 1, 9))


class DisplayViewTests(BlogData):
    def test_missing_queryset_is_named(self):
        for view_class in (ListView, DetailView):
            with self.assertRaisesMessage(
                ImproperlyConfigured,
                f"{view_class.__name__} is missing a QuerySet. Define {view_class.__name__}"
                f".model, {view_class.__name__}.queryset, or override "
                f"{view_class.__name__}.get_queryset().",
            ):
                view_class.as_view()(rf.get("/"), pk=1)

    def test_detail_view_needs_pk_or_slug(self):
        with self.assertRaisesMessage(AttributeError, "Generic detail view DetailView must be "
                                      "called with either an object pk or a slug in the URLconf."):
            DetailView.as_view(model=Author)(rf.get("/"))

    def test_detail_view_by_pk_slug_and_custom_field(self):
        view = DetailView.as_view(model=Author, template_name="unused.html")
        response = view(rf.get("/"), slug="bob")
        self.assertEqual(response.context_data["author"], self.bob)
        self.assertEqual(response.context_data["object"], self.bob)
        response = DetailView.as_view(model=Article, slug_field="title",
                                      template_name="x.html")(rf.get("/"), slug="First")
        self.assertEqual(response.context_data["article"], self.first)
        # pk wins over slug, unless both must match.
        response = DetailView.as_view(model=Author, template_name="x.html")(
            rf.get("/"), pk=self.ann.pk, slug="bob")
        self.assertEqual(response.context_data["object"], self.ann)
        with self.assertRaises(Http404):
            DetailView.as_view(model=Author, query_pk_and_slug=True)(
                rf.get("/"), pk=self.ann.pk, slug="bob")

    def test_default_template_names(self):
        response = DetailView.as_view(model=Article, template_name_field="template")(
            rf.get("/"), pk=self.first.pk)
        self.assertEqual(response.template_name, ["dbapp/article_detail.html"])
        self.first.template = "custom.html"
        self.first.save()
        response = DetailView.as_view(model=Article, template_name_field="template")(
            rf.get("/"), pk=self.first.pk)
        self.assertEqual(response.template_name, ["custom.html", "dbapp/article_detail.html"])
        response = ListView.as_view(model=Author)(rf.get("/"))
        self.assertEqual(response.template_name, ["dbapp/author_list.html"])
        response = ArchiveIndexView.as_view(model=Article, date_field="pub_date")(rf.get("/"))
        self.assertEqual(response.template_name, ["dbapp/article_archive.html"])

    def test_list_of_plain_objects_needs_a_template_name(self):
        with self.assertRaisesMessage(ImproperlyConfigured, "ListView requires either a "
                                      "'template_name' attribute or a get_queryset() method that "
                                      "returns a QuerySet."):
            ListView.as_view(queryset=[1, 2])(rf.get("/"))
        response = ListView.as_view(queryset=[1, 2], template_name="x.html")(rf.get("/"))
        self.assertEqual(response.context_data["object_list"], [1, 2])
        self.assertNotIn("int_list", response.context_data)

    def test_queryset_attribute_is_evaluated_on_each_request(self):
        class Authors(ListView):
            queryset = Author.objects.all()
            template_name = "x.html"

        first = Authors.as_view()(rf.get("/")).context_data["author_list"]
        self.assertEqual(len(first), 2)
        Author.objects.create(name="Cy", slug="cy")
        second = Authors.as_view()(rf.get("/")).context_data["author_list"]
        self.assertEqual(len(second), 3)

    def test_pagination_hooks(self):
        class Paged(ListView):
            model = Author
            template_name = "x.html"

            def get_paginate_by(self, queryset):
                return int(self.request.GET.get("per", 1))

        response = Paged.as_view()(rf.get("/", {"per": 1, "page": 2}))
        context = response.context_data
        self.assertEqual([a.slug for a in context["object_list"]], ["bob"])
        self.assertTrue(context["is_paginated"])
        self.assertEqual(context["page_obj"].number, 2)
        with self.assertRaisesMessage(Http404, "Invalid page (3): That page contains no results"):
            Paged.as_view()(rf.get("/", {"per": 1, "page": 3}))

    def test_last_page_bad_page_ordering_and_context_overrides(self):
        class Paged(ListView):
            model = Author
            template_name = "x.html"
            paginate_by = 1
            ordering = "-slug"

        context = Paged.as_view()(rf.get("/", {"page": "last"})).context_data
        self.assertEqual(context["page_obj"].number, 2)
        self.assertEqual([a.slug for a in context["author_list"]], ["ann"])
        self.assertIs(context["author_list"], context["object_list"])
        context = Paged.as_view()(rf.get("/"), page="1").context_data
        self.assertEqual([a.slug for a in context["object_list"]], ["bob"])
        with self.assertRaisesMessage(Http404, "Page is not “last”, nor can it be converted"):
            Paged.as_view()(rf.get("/", {"page": "first"}))
        unpaged = ListView.as_view(model=Author, template_name="x.html",
                                   ordering=("name",))(rf.get("/")).context_data
        self.assertEqual((unpaged["paginator"], unpaged["page_obj"], unpaged["is_paginated"]),
                         (None, None, False))
        self.assertEqual([a.slug for a in unpaged["object_list"]], ["ann", "bob"])

        class Extra(ListView):
            model = Author
            template_name = "x.html"

            def get_context_data(self, **kwargs):
                return super().get_context_data(object_list=[], is_paginated="x", **kwargs)

        context = Extra.as_view()(rf.get("/")).context_data
        self.assertEqual((context["object_list"], context["is_paginated"]), ([], "x"))
        self.assertNotIn("author_list", context)
        with self.assertRaisesMessage(Http404, "Empty list and “ListView.allow_empty” is False."):
            ListView.as_view(queryset=[], allow_empty=False, template_name="x.html")(rf.get("/"))

    def test_empty_paginated_list_asks_the_database_whether_rows_exist(self):
        view = ListView.as_view(queryset=Book.objects.all(), allow_empty=False, paginate_by=5,
                                template_name="x.html")
        with self.assertNumQueries(1):
            with self.assertRaises(Http404):
                view(rf.get("/"))

    def test_list_view_through_the_async_client(self):
        with override_settings(ROOT_URLCONF="tests.web.compat.site_urls",
                               TEMPLATES=_compat_templates()):
            from asgiref.sync import async_to_sync

            response = async_to_sync(self.async_client.get)("/db/authors/")
        self.assertContains(response, "Ann (ann), Bob (bob)")


def _compat_templates():
    from tests.web.compat import cases

    return cases.settings_for("reinhardt.web.middleware")["TEMPLATES"]


class DateViewTests(BlogData):
    def test_date_field_is_required(self):
        with self.assertRaisesMessage(ImproperlyConfigured,
                                      "ArchiveIndexView.date_field is required."):
            ArchiveIndexView.as_view(model=Article)(rf.get("/"))

    def test_get_dated_items_must_be_implemented(self):
        class Dated(BaseDateListView):
            model = Article
            date_field = "pub_date"

        with self.assertRaisesMessage(NotImplementedError, "get_dated_items"):
            Dated.as_view()(rf.get("/"))

    def test_date_parts_from_the_query_string_or_attributes(self):
        view = MonthArchiveView.as_view(model=Article, date_field="pub_date",
                                        template_name="x.html")
        response = view(rf.get("/", {"year": "2020", "month": "jan"}))
        self.assertEqual(list(response.context_data["object_list"]), [self.first])
        view = MonthArchiveView.as_view(model=Article, date_field="pub_date", year="2020",
                                        month="02", month_format="%m", template_name="x.html")
        self.assertEqual(list(view(rf.get("/")).context_data["object_list"]), [self.second])
        with self.assertRaisesMessage(Http404, "No month specified"):
            MonthArchiveView.as_view(model=Article, date_field="pub_date")(
                rf.get("/", {"year": "2020"}))

    def test_week_formats(self):
        view = WeekArchiveView.as_view(model=Article, date_field="pub_date",
                                       week_format="%X", template_name="x.html")
        with self.assertRaisesMessage(ValueError, "Unknown week format '%X'. Choices are: %U, "
                                      "%V, %W"):
            view(rf.get("/"), year=2020, week=1)
        view = WeekArchiveView.as_view(model=Article, date_field="pub_date",
                                       week_format="%V", template_name="x.html")
        with self.assertRaisesMessage(ValueError, "ISO week directive '%V' is incompatible with "
                                      "the year directive '%Y'. Use the ISO year '%G' instead."):
            view(rf.get("/"), year=2020, week=1)
        iso = WeekArchiveView.as_view(model=Article, date_field="pub_date", week_format="%V",
                                      year_format="%G", template_name="x.html")
        context = iso(rf.get("/"), year=2020, week=1).context_data
        self.assertEqual(context["week"], datetime.date(2019, 12, 30))
        self.assertEqual(list(context["object_list"]), [self.first])

    def test_year_archive_lists_months_not_objects(self):
        view = YearArchiveView.as_view(model=Article, date_field="pub_date",
                                       template_name="x.html")
        # Whether the year has objects (the rows: not paginated), its months, and the
        # next/previous years with objects: as Django.
        with self.assertNumQueries(4):
            context = view(rf.get("/"), year=2020).context_data
        self.assertEqual(list(context["object_list"]), [])
        self.assertEqual([d.month for d in context["date_list"]], [1, 2])

    def test_today_archive(self):
        today = datetime.date.today()
        Book.objects.create(title="Today", pubdate=today)
        Book.objects.create(title="Yesterday", pubdate=today - datetime.timedelta(days=1))
        context = TodayArchiveView.as_view(model=Book, date_field="pubdate",
                                           template_name="x.html")(rf.get("/")).context_data
        self.assertEqual([b.title for b in context["object_list"]], ["Today"])
        self.assertEqual(context["day"], today)

    def test_future_objects_only_when_allowed(self):
        future = datetime.date.today() + datetime.timedelta(days=40)
        Book.objects.create(title="Soon", pubdate=future)
        view = DayArchiveView.as_view(model=Book, date_field="pubdate", month_format="%m",
                                      template_name="x.html")
        with self.assertRaisesMessage(Http404, "No the books available"):
            view(rf.get("/"), year=future.year, month=future.month, day=future.day)
        allowed = DayArchiveView.as_view(model=Book, date_field="pubdate", month_format="%m",
                                         allow_future=True, template_name="x.html")
        response = allowed(rf.get("/"), year=future.year, month=future.month, day=future.day)
        self.assertEqual([b.title for b in response.context_data["object_list"]], ["Soon"])
        self.assertIsNone(response.context_data["next_day"])

    def test_last_representable_year_is_a_404_not_a_crash(self):
        view = YearArchiveView.as_view(model=Article, date_field="pub_date",
                                       template_name="x.html")
        with self.assertRaisesMessage(Http404, "Date out of range"):
            view(rf.get("/"), year=9999)

    def test_empty_neighbours_are_skipped_unless_allow_empty(self):
        # Articles exist in January and February 2020 only.
        view = MonthArchiveView.as_view(model=Article, date_field="pub_date",
                                        month_format="%m", template_name="x.html")
        context = view(rf.get("/"), year=2020, month=2).context_data
        self.assertEqual(context["previous_month"], datetime.date(2020, 1, 1))
        self.assertIsNone(context["next_month"])
        empty_ok = MonthArchiveView.as_view(model=Article, date_field="pub_date",
                                            month_format="%m", allow_empty=True,
                                            template_name="x.html")
        context = empty_ok(rf.get("/"), year=2019, month=12).context_data
        self.assertEqual(context["next_month"], datetime.date(2020, 1, 1))
        self.assertEqual(context["previous_month"], datetime.date(2019, 11, 1))

    def test_naive_datetimes_without_use_tz(self):
        with override_settings(USE_TZ=False):
            Article.objects.create(title="Naive", slug="naive", author=self.ann,
                                   pub_date=datetime.datetime(2021, 5, 5, 23, 59))
            view = DayArchiveView.as_view(model=Article, date_field="pub_date",
                                          month_format="%m", template_name="x.html")
            context = view(rf.get("/"), year=2021, month=5, day=5).context_data
            self.assertEqual([a.title for a in context["object_list"]], ["Naive"])


# Shortcuts ------------------------------------------------------------------------------------


class ShortcutTests(BlogData):
    def test_get_object_or_404_takes_a_model_a_manager_or_a_queryset(self):
        self.assertEqual(get_object_or_404(Author, slug="ann"), self.ann)
        self.assertEqual(get_object_or_404(Author.objects, pk=self.bob.pk), self.bob)
        self.assertEqual(get_object_or_404(Article.objects.filter(author=self.ann)), self.first)
        with self.assertRaisesMessage(Http404, "No Author matches the given query."):
            get_object_or_404(Author, slug="nobody")
        with self.assertRaisesMessage(Author.MultipleObjectsReturned, "returned 2"):
            get_object_or_404(Author)
        with self.assertRaisesMessage(ValueError, "First argument to get_object_or_404() must be "
                                      "a Model, Manager, or QuerySet, not 'str'."):
            get_object_or_404("Author", pk=1)

    def test_get_list_or_404(self):
        from reinhardt.orm.models import Q

        self.assertEqual(get_list_or_404(Article, Q(slug="first") | Q(slug="second"),
                                         author=self.ann), [self.first])
        with self.assertRaisesMessage(Http404, "No Article matches the given query."):
            get_list_or_404(Article.objects.all(), title="nothing")
        with self.assertRaisesMessage(ValueError, "First argument to get_list_or_404() must be "
                                      "a Model, Manager, or QuerySet, not 'list'."):
            get_list_or_404([1], pk=1)

    async def test_async_variants(self):
        self.assertEqual(await aget_object_or_404(Author, slug="ann"), self.ann)
        with self.assertRaises(Http404):
            await aget_object_or_404(Author, slug="nobody")
        self.assertEqual(await aget_list_or_404(Article, author__slug="bob"), [self.second])
        with self.assertRaises(Http404):
            await aget_list_or_404(Article, author__slug="nobody")


# ATOMIC_REQUESTS --------------------------------------------------------------------------------


def create_then(request, outcome):
    Book.objects.create(title=outcome, pubdate=datetime.date(2000, 1, 1))
    if outcome == "fail":
        raise ValueError("the view failed after writing")
    if outcome == "set-rollback":
        transaction.set_rollback(True)
    if outcome == "inner-atomic":
        try:
            with transaction.atomic():
                Book.objects.create(title="inner", pubdate=datetime.date(2000, 1, 2))
                raise ValueError("only the inner block rolls back")
        except ValueError:
            pass
    return HttpResponse(f"in transaction: {connections['default'].in_atomic_block}")


@transaction.non_atomic_requests
def non_atomic(request):
    Book.objects.create(title="non-atomic", pubdate=datetime.date(2000, 1, 1))
    raise ValueError("fails, but the row was committed already")


async def async_view(request):
    return HttpResponse("async")


urlpatterns = [
    path("create/<str:outcome>/", create_then),
    path("non-atomic/", non_atomic),
    path("async/", async_view),
]


@override_settings(ROOT_URLCONF=__name__)
class AtomicRequestsTests(TransactionTestCase):
    def setUp(self):
        settings_dict = connections["default"].settings_dict
        settings_dict["ATOMIC_REQUESTS"] = True
        self.addCleanup(settings_dict.__setitem__, "ATOMIC_REQUESTS", False)
        self.client.raise_request_exception = False

    def titles(self):
        return sorted(Book.objects.values_list("title", flat=True))

    def test_success_commits(self):
        response = self.client.get("/create/ok/")
        self.assertContains(response, "in transaction: True")
        self.assertEqual(self.titles(), ["ok"])

    def test_exception_rolls_back(self):
        self.assertEqual(self.client.get("/create/fail/").status_code, 500)
        self.assertEqual(self.titles(), [])

    def test_set_rollback_rolls_back_a_successful_response(self):
        self.assertEqual(self.client.get("/create/set-rollback/").status_code, 200)
        self.assertEqual(self.titles(), [])

    def test_inner_atomic_block_is_a_savepoint(self):
        self.client.get("/create/inner-atomic/")
        self.assertEqual(self.titles(), ["inner-atomic"])

    def test_non_atomic_requests_opts_out(self):
        self.assertEqual(self.client.get("/non-atomic/").status_code, 500)
        self.assertEqual(self.titles(), ["non-atomic"])

    def test_without_the_setting_each_query_commits(self):
        connections["default"].settings_dict["ATOMIC_REQUESTS"] = False
        self.client.get("/create/fail/")
        self.assertEqual(self.titles(), ["fail"])

    def test_async_views_cannot_be_atomic(self):
        from reinhardt.test import Client

        client = Client()
        with self.assertRaisesMessage(RuntimeError,
                                      "You cannot use ATOMIC_REQUESTS with async views."):
            client.get("/async/")
