"""The requests of the Django compatibility check, and how their responses are recorded.

Framework-neutral: run() takes the test Client and SimpleUploadedFile classes, so the same
cases run on reinhardt (tests/web/test_django_compat.py) and on Django (record_django.py,
which wrote django_expected.json with Django 5.2).
"""

import datetime
import gzip
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))


def settings_for(prefix: str) -> dict:
    """The site's settings; ``prefix`` is where the middleware lives in the framework."""
    return {
        "TEMPLATES": [{
            "BACKEND": "reinhardt.web.templates.backends.reinhardt.ReinhardtTemplates",
            "DIRS": [os.path.join(HERE, "templates")],
            "APP_DIRS": True,
            "OPTIONS": {"context_processors": [
                "reinhardt.web.templates.context_processors.request",
            ]},
        }],
        "SECRET_KEY": "cmp-secret",
        "DEBUG": False,
        "ALLOWED_HOSTS": ["testserver", "example.com", ".good.org"],
        "ROOT_URLCONF": "tests.web.compat.site_urls",
        "USE_TZ": True,
        "MIDDLEWARE": [
            f"{prefix}.security.SecurityMiddleware",
            f"{prefix}.common.CommonMiddleware",
            f"{prefix}.gzip.GZipMiddleware",
            f"{prefix}.http.ConditionalGetMiddleware",
            f"{prefix}.csrf.CsrfViewMiddleware",
            f"{prefix}.clickjacking.XFrameOptionsMiddleware",
            "tests.web.compat.db_urls.TweakTemplateResponses",
        ],
        "DATA_UPLOAD_MAX_MEMORY_SIZE": 10000,
        "DATA_UPLOAD_MAX_NUMBER_FIELDS": 20,
        "DATA_UPLOAD_MAX_NUMBER_FILES": 3,
    }


BOUND = "multipart/form-data; boundary=XyZ"
def mp(*parts, end=True):
    body = b""
    for p in parts:
        body += b"--XyZ\r\n" + p + b"\r\n"
    if end:
        body += b"--XyZ--\r\n"
    return body

CASES = [
    ("home", "get", "/", {}),
    ("home-head", "head", "/", {}),
    ("req", "get", "/req/?a=1&a=2&b=%C3%A9&c", {"headers": {"User-Agent": "UA/1", "Accept": "text/html"}}),
    ("req-secure", "get", "/req/", {"secure": True}),
    ("req-bad-utf8-query", "get", "/req/?q=%FF%FE&r=\xff", {}),
    ("bad-utf8-path", "get", "/bl%FFog/", {}),
    ("bad-host", "get", "/req/", {"HTTP_HOST": "evil.com"}),
    ("bad-host-syntax", "get", "/req/", {"HTTP_HOST": "ex ample.com"}),
    ("good-subdomain", "get", "/req/", {"HTTP_HOST": "a.good.org:8000"}),
    ("bad-host-on-404", "get", "/nope/", {"HTTP_HOST": "evil.com"}),
    ("404", "get", "/nope/", {}),
    ("slash-redirect", "get", "/blog", {}),
    ("slash-redirect-query", "get", "/req?x=1", {}),
    ("noslash", "get", "/noslash", {}),
    ("blog-index", "get", "/blog/", {}),
    ("blog-detail", "get", "/blog/12/", {}),
    ("b2-detail", "get", "/b2/12/", {}),
    ("blog-archive", "get", "/blog/archive/2020/my-slug/", {}),
    ("blog-old", "get", "/blog/old/1999/", {}),
    ("blog-old-bad", "get", "/blog/old/99/", {}),
    ("item-uuid", "get", "/blog/item/12345678-1234-5678-1234-567812345678/", {}),
    ("item-uuid-bad", "get", "/blog/item/1234/", {}),
    ("item-post", "post", "/blog/item/12345678-1234-5678-1234-567812345678/", {"data": {"x": "y"}}),
    ("item-put", "put", "/blog/item/12345678-1234-5678-1234-567812345678/", {}),
    ("item-options", "options", "/blog/item/12345678-1234-5678-1234-567812345678/", {}),
    ("item-head", "head", "/blog/item/12345678-1234-5678-1234-567812345678/", {}),
    ("go", "get", "/blog/go/", {}),
    ("go-follow", "get", "/b2/go/", {"follow": True}),
    ("nested", "get", "/nest/in/", {}),
    ("rev", "get", "/rev/", {}),
    ("echo-urlencoded", "post", "/echo/", {"data": "a=1&a=2&b=%E2%9C%93&c", "content_type": "application/x-www-form-urlencoded"}),
    ("echo-multipart", "post", "/echo/", {"data": {"a": "1", "l": ["x", "y"], "f": "FILE"}}),
    ("echo-json", "post", "/echo/", {"data": {"a": 1}, "content_type": "application/json"}),
    ("mp-no-boundary", "post", "/echo/", {"data": "garbage", "content_type": "multipart/form-data"}),
    ("mp-garbage", "post", "/echo/", {"data": "garbage", "content_type": BOUND}),
    ("mp-truncated", "post", "/echo/", {"data": mp(b'Content-Disposition: form-data; name="a"\r\n\r\nvalue', end=False)[:-2], "content_type": BOUND}),
    ("mp-no-disposition", "post", "/echo/", {"data": mp(b"Content-Type: text/plain\r\n\r\nvalue", b'Content-Disposition: form-data; name="ok"\r\n\r\nyes'), "content_type": BOUND}),
    ("mp-file-empty-name", "post", "/echo/", {"data": mp(b'Content-Disposition: form-data; name="f"; filename=""\r\nContent-Type: text/plain\r\n\r\nabc'), "content_type": BOUND}),
    ("mp-file-path-name", "post", "/echo/", {"data": mp(b'Content-Disposition: form-data; name="f"; filename="../../etc/passwd"\r\nContent-Type: text/plain\r\n\r\nabc'), "content_type": BOUND}),
    ("mp-too-many-fields", "post", "/echo/", {"data": {"f%d" % i: "v" for i in range(30)}}),
    ("mp-too-many-files", "post", "/echo/", {"data": mp(*[b'Content-Disposition: form-data; name="f"; filename="a%d.txt"\r\n\r\nabc' % i for i in range(5)]), "content_type": BOUND}),
    ("mp-field-too-big", "post", "/echo/", {"data": {"a": "x" * 20000}}),
    ("urlencoded-too-big", "post", "/echo/", {"data": "a=" + "x" * 20000, "content_type": "application/x-www-form-urlencoded"}),
    ("urlencoded-too-many", "post", "/echo/", {"data": "&".join("f%d=1" % i for i in range(30)), "content_type": "application/x-www-form-urlencoded"}),
    ("urlencoded-bad-utf8", "post", "/echo/", {"data": b"a=%FF&b=\xff", "content_type": "application/x-www-form-urlencoded"}),
    ("body-too-big", "post", "/body/", {"data": b"x" * 20000, "content_type": "application/octet-stream"}),
    ("body-ok", "post", "/body/", {"data": b"x" * 200, "content_type": "application/octet-stream"}),
    ("get-too-many-params", "get", "/req/?" + "&".join("p%d=1" % i for i in range(30)), {}),
    ("csrf-missing-cookie", "post", "/echo/", {"data": {"a": "1"}, "csrf": True}),
    ("csrf-exempt", "post", "/exempt/", {"data": {"a": "1"}, "csrf": True}),
    ("csrf-bad-cookie", "post", "/echo/", {"data": {"a": "1"}, "csrf": True, "cookie": "short"}),
    ("csrf-missing-token", "post", "/echo/", {"data": {"a": "1"}, "csrf": True, "cookie": "A" * 32}),
    ("csrf-bad-token", "post", "/echo/", {"data": {"a": "1", "csrfmiddlewaretoken": "B" * 32}, "csrf": True, "cookie": "A" * 32}),
    ("csrf-bad-token-chars", "post", "/echo/", {"data": {"a": "1", "csrfmiddlewaretoken": "!" * 32}, "csrf": True, "cookie": "A" * 32}),
    ("csrf-good-unmasked", "post", "/echo/", {"data": {"a": "1", "csrfmiddlewaretoken": "A" * 32}, "csrf": True, "cookie": "A" * 32}),
    ("csrf-good-masked", "post", "/echo/", {"data": {"a": "1", "csrfmiddlewaretoken": "B" * 32 + "B" * 32}, "csrf": True, "cookie": "A" * 32}),
    ("csrf-header", "post", "/echo/", {"data": {"a": "1"}, "csrf": True, "cookie": "A" * 32, "HTTP_X_CSRFTOKEN": "A" * 32}),
    ("csrf-bad-header", "post", "/echo/", {"data": {"a": "1"}, "csrf": True, "cookie": "A" * 32, "HTTP_X_CSRFTOKEN": "C" * 32}),
    ("csrf-bad-origin", "post", "/echo/", {"data": {"a": "1", "csrfmiddlewaretoken": "A" * 32}, "csrf": True, "cookie": "A" * 32, "HTTP_ORIGIN": "http://evil.com"}),
    ("csrf-good-origin", "post", "/echo/", {"data": {"a": "1", "csrfmiddlewaretoken": "A" * 32}, "csrf": True, "cookie": "A" * 32, "HTTP_ORIGIN": "http://testserver"}),
    ("csrf-https-no-referer", "post", "/echo/", {"data": {"a": "1", "csrfmiddlewaretoken": "A" * 32}, "csrf": True, "cookie": "A" * 32, "secure": True}),
    ("csrf-https-bad-referer", "post", "/echo/", {"data": {"a": "1", "csrfmiddlewaretoken": "A" * 32}, "csrf": True, "cookie": "A" * 32, "secure": True, "HTTP_REFERER": "https://evil.com/x"}),
    ("csrf-https-good-referer", "post", "/echo/", {"data": {"a": "1", "csrfmiddlewaretoken": "A" * 32}, "csrf": True, "cookie": "A" * 32, "secure": True, "HTTP_REFERER": "https://testserver/x"}),
    ("token", "get", "/token/", {}),
    ("ensure", "get", "/ensure/", {}),
    ("token-with-cookie", "get", "/token/", {"cookie": "A" * 32}),
    ("cookies", "get", "/cookies/", {}),
    ("signed-roundtrip", "get", "/signed/", {"signed": True}),
    ("signed-missing", "get", "/signed/", {}),
    ("jsonlist", "get", "/jsonlist/", {}),
    ("stream", "get", "/stream/", {}),
    ("file", "get", "/file/", {}),
    ("r404", "get", "/r404/", {}),
    ("r403", "get", "/r403/", {}),
    ("r400", "get", "/r400/", {}),
    ("rsus", "get", "/rsus/", {}),
    ("boom", "get", "/boom/", {}),
    ("onlypost-get", "get", "/onlypost/", {}),
    ("onlypost-post", "post", "/onlypost/", {}),
    ("onlysafe-head", "head", "/onlysafe/", {}),
    ("onlysafe-post", "post", "/onlysafe/", {}),
    ("getput-delete", "delete", "/getput/", {}),
    ("getput-put", "put", "/getput/", {}),
    ("cached", "get", "/cached/", {}),
    ("uncached", "get", "/uncached/", {}),
    ("varied", "get", "/varied/", {}),
    ("etagged", "get", "/etagged/", {}),
    ("etagged-inm", "get", "/etagged/", {"HTTP_IF_NONE_MATCH": '"abc"'}),
    ("etagged-inm-weak", "get", "/etagged/", {"HTTP_IF_NONE_MATCH": 'W/"abc", "zzz"'}),
    ("etagged-if-match-fail", "put", "/etagged/", {"HTTP_IF_MATCH": '"nope"'}),
    ("modified", "get", "/modified/", {}),
    ("modified-ims", "get", "/modified/", {"HTTP_IF_MODIFIED_SINCE": "Wed, 01 Jan 2020 12:00:00 GMT"}),
    ("modified-ims-old", "get", "/modified/", {"HTTP_IF_MODIFIED_SINCE": "Tue, 31 Dec 2019 12:00:00 GMT"}),
    ("modified-ius", "post", "/modified/", {"HTTP_IF_UNMODIFIED_SINCE": "Tue, 31 Dec 2019 12:00:00 GMT"}),
    ("frameok", "get", "/frameok/", {}),
    ("framesame", "get", "/framesame/", {}),
    ("big-gzip", "get", "/big/", {"HTTP_ACCEPT_ENCODING": "gzip, deflate"}),
    ("big-nogzip", "get", "/big/", {}),
    ("cond-etag", "get", "/cond/", {}),
    ("cond-etag-inm", "get", "/cond/", {"HTTP_IF_NONE_MATCH": '"ETAG"'}),
    ("cond-gzip-etag", "get", "/cond/", {"HTTP_ACCEPT_ENCODING": "gzip"}),
    ("rname", "get", "/rname/", {}),
    ("rurl", "get", "/rurl/", {}),
    ("plain-redirect", "get", "/plain/?q=1", {}),
    ("gone", "get", "/gone/", {}),
    ("chain", "get", "/chain/3/", {"follow": True}),
    ("thing-get", "get", "/thing/", {}),
    ("thing-patch", "patch", "/thing/", {}),
    ("thing-options", "options", "/thing/", {}),
    ("weird", "get", "/weird/a%20b/c/", {}),
    # Templates, generic views and the ORM (tests/web/compat/db_urls.py).
    ("db-home", "get", "/db/", {}),
    ("db-home-head", "head", "/db/", {}),
    ("db-home-post", "post", "/db/", {"data": {"q": "1"}}),
    ("db-csrf-roundtrip", "post", "/echo/", {"data": {"a": "1"}, "csrf": True, "form_from": "/db/"}),
    ("db-articles", "get", "/db/articles/", {}),
    ("db-articles-p2", "get", "/db/articles/?page=2", {}),
    ("db-articles-last", "get", "/db/articles/?page=last", {}),
    ("db-articles-p99", "get", "/db/articles/?page=99", {}),
    ("db-articles-p0", "get", "/db/articles/?page=0", {}),
    ("db-articles-pabc", "get", "/db/articles/?page=abc", {}),
    ("db-articles-kwarg", "get", "/db/articles/page3/", {}),
    ("db-orphans", "get", "/db/orphans/", {}),
    ("db-orphans-p2", "get", "/db/orphans/?page=2", {}),
    ("db-article", "get", "/db/articles/1/", {}),
    ("db-article-field-template", "get", "/db/articles/4/", {}),
    ("db-article-missing", "get", "/db/articles/999/", {}),
    ("db-article-post", "post", "/db/articles/1/", {}),
    ("db-article-options", "options", "/db/articles/1/", {}),
    ("db-article-slug", "get", "/db/articles/1/first/", {}),
    ("db-article-slug-wrong", "get", "/db/articles/1/second/", {}),
    ("db-author", "get", "/db/authors/ann/", {}),
    ("db-author-missing", "get", "/db/authors/nobody/", {}),
    ("db-authors", "get", "/db/authors/", {}),
    ("db-emptybooks", "get", "/db/emptybooks/", {}),
    ("db-archive", "get", "/db/archive/", {}),
    ("db-year", "get", "/db/archive/2020/", {}),
    ("db-year-list", "get", "/db/archive/2020/list/", {}),
    ("db-year-empty", "get", "/db/archive/1990/", {}),
    ("db-year-future", "get", "/db/archive/2999/", {}),
    ("db-month", "get", "/db/archive/2020/jan/", {}),
    ("db-month-feb", "get", "/db/archive/2020/feb/", {}),
    ("db-month-dec", "get", "/db/archive/2020/dec/", {}),
    ("db-month-bad", "get", "/db/archive/2020/foo/", {}),
    ("db-month-empty", "get", "/db/archive/2020/jul/", {}),
    ("db-month-numeric-empty-ok", "get", "/db/archive-num/2020/7/", {}),
    ("db-month-numeric", "get", "/db/archive-num/2020/1/", {}),
    ("db-week", "get", "/db/archive/2020/week/0/", {}),
    ("db-week-1", "get", "/db/archive/2020/week/1/", {}),
    ("db-week-monday", "get", "/db/archive/2020/mweek/1/", {}),
    ("db-day", "get", "/db/archive/2020/jan/3/", {}),
    ("db-day-empty", "get", "/db/archive/2020/jan/4/", {}),
    ("db-date-detail", "get", "/db/archive/2020/jan/3/2/", {}),
    ("db-date-detail-wrong-day", "get", "/db/archive/2020/jan/4/2/", {}),
    ("db-date-detail-future", "get", "/db/archive/2999/jun/1/7/", {}),
    ("db-books-archive", "get", "/db/books/archive/", {}),
    ("db-books-month", "get", "/db/books/2000/1/", {}),
    ("db-books-month-empty", "get", "/db/books/2000/2/", {}),
    ("db-books-any-month-empty", "get", "/db/books-any/2000/2/", {}),
    ("db-books-future-month", "get", "/db/books/2999/1/", {}),
    ("db-books-day", "get", "/db/books/1999/12/31/", {}),
    ("db-books-date-detail", "get", "/db/books/2000/1/15/3/", {}),
    ("db-books-today", "get", "/db/books/today/", {}),
    ("db-render", "get", "/db/render/", {}),
    ("db-o404", "get", "/db/o404/3/", {}),
    ("db-o404-missing", "get", "/db/o404/999/", {}),
    ("db-l404", "get", "/db/l404/bob/", {}),
    ("db-l404-empty", "get", "/db/l404/cy/", {}),
    ("db-to-author", "get", "/db/to-author/2/", {"follow": True}),
    ("db-tr", "get", "/db/tr/", {}),
    ("db-404-template", "get", "/db/no/such/page/", {}),
    ("db-count", "get", "/db/count/", {}),
    ("db-atomic-fail", "get", "/db/create-fail/", {"atomic": True}),
    ("db-atomic-count-1", "get", "/db/count/", {}),
    ("db-atomic-ok", "get", "/db/create/", {"atomic": True}),
    ("db-atomic-count-2", "get", "/db/count/", {}),
    ("db-non-atomic-fail", "get", "/db/create-non-atomic-fail/", {"atomic": True}),
    ("db-atomic-count-3", "get", "/db/count/", {}),
    ("db-autocommit-fail", "get", "/db/create-fail/", {}),
    ("db-autocommit-count", "get", "/db/count/", {}),
]


def create_tables_and_data() -> None:
    """Recreate the blog's tables with the same rows (and so the same ids) on each run."""
    from reinhardt.orm import connection
    from reinhardt.utils import timezone
    from tests.web.dbapp.models import Article, Author, Book

    existing = set(connection.introspection.table_names())
    with connection.schema_editor() as editor:
        for model in (Book, Article, Author):
            if model._meta.db_table in existing:
                editor.delete_model(model)
        for model in (Author, Article, Book):
            editor.create_model(model)

    def at(*args):
        return timezone.make_aware(datetime.datetime(*args))

    ann = Author.objects.create(name="Ann", slug="ann")
    bob = Author.objects.create(name="Bob", slug="bob")
    Author.objects.create(name="Cy", slug="cy")
    for title, slug, when, author, template in [
        ("First", "first", at(2020, 1, 3, 12, 0), ann, ""),
        ("Second", "second", at(2020, 1, 3, 23, 30), ann, ""),
        ("Third", "third", at(2020, 1, 10, 8, 0), bob, ""),
        ("Fourth", "fourth", at(2020, 2, 15, 9, 0), bob, "dbapp/special.html"),
        ("Fifth", "fifth", at(2020, 12, 31, 18, 0), ann, ""),
        ("Sixth", "sixth", at(2021, 3, 1, 0, 0), bob, ""),
        ("Future", "future", at(2999, 6, 1, 0, 0), ann, ""),
    ]:
        Article.objects.create(title=title, slug=slug, pub_date=when, author=author,
                               template=template)
    for title, day in [
        ("Old", datetime.date(1999, 12, 31)), ("Y2K", datetime.date(2000, 1, 1)),
        ("Mid", datetime.date(2000, 1, 15)), ("March", datetime.date(2000, 3, 5)),
        ("Today's", datetime.date.today()), ("Far future", datetime.date(2999, 1, 1)),
    ]:
        Book.objects.create(title=title, pubdate=day)


def drop_tables() -> None:
    from reinhardt.orm import connection
    from tests.web.dbapp.models import Article, Author, Book

    with connection.schema_editor() as editor:
        for model in (Book, Article, Author):
            editor.delete_model(model)


TOKEN_RE = re.compile(r"\b[A-Za-z0-9]{64}\b")
CSRF_INPUT_RE = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')

def normalize_cookie(m):
    value = m.value
    if m.key == "csrftoken":
        value = "<csrf len=%d>" % len(value)
    elif m.key == "signed":
        value = "<signed:{}>".format(value.split(":")[0])
    attrs = {k: m[k] for k in m.keys() if m[k] != ""}
    if "expires" in attrs and m.key != "gone" and not attrs["expires"].startswith("Thu, 01 Jan 1970"):
        attrs["expires"] = "<date>"
    return [m.key, value, attrs]

def run(Client, SimpleUploadedFile, setup=True):
    """Every case's normalized response; ``setup=False`` when a server made the data."""
    if setup:
        create_tables_and_data()
    out = {}
    etag_seen = {}
    for name, method, path, kw in CASES:
        kw = dict(kw)
        csrf = kw.pop("csrf", False)
        cookie = kw.pop("cookie", None)
        signed = kw.pop("signed", False)
        if kw.get("data") == {"a": "1", "l": ["x", "y"], "f": "FILE"}:
            kw["data"] = {"a": "1", "l": ["x", "y"], "f": SimpleUploadedFile("hello.txt", b"hello world", "text/plain")}
        form_from = kw.pop("form_from", None)
        atomic = kw.pop("atomic", False)
        c = Client(enforce_csrf_checks=csrf, raise_request_exception=False)
        if cookie:
            c.cookies["csrftoken"] = cookie
        if form_from:
            page = c.get(form_from).content.decode()
            kw["data"] = dict(kw["data"], csrfmiddlewaretoken=CSRF_INPUT_RE.search(page)[1])
        if atomic:
            from reinhardt.orm import connections

            connections["default"].settings_dict["ATOMIC_REQUESTS"] = True
        if signed:
            c.get("/cookies/")
        if "HTTP_IF_NONE_MATCH" in kw and "ETAG" in kw["HTTP_IF_NONE_MATCH"]:
            kw["HTTP_IF_NONE_MATCH"] = etag_seen["cond"]
        try:
            r = getattr(c, method)(path, **kw)
        finally:
            if atomic:
                connections["default"].settings_dict["ATOMIC_REQUESTS"] = False
        if name == "cond-etag":
            etag_seen["cond"] = r.headers.get("ETag")
        headers = {k: v for k, v in r.headers.items()}
        for k in ("Expires", "Date"):
            if k in headers:
                headers[k] = "<date>"
        if r.streaming:
            body = b"".join(r.streaming_content)
        else:
            body = r.content
        if headers.get("Content-Encoding") == "gzip":
            body = b"GZ:" + gzip.decompress(body)
            headers["Content-Length"] = "<gz>"
        if "ETag" in headers and name.startswith("cond"):
            headers["ETag"] = headers["ETag"][:3] + "<md5>"
        elif "ETag" in headers and TOKEN_RE.search(body.decode("utf-8", "replace")):
            # The ETag of a page with a (random) CSRF token is random too.
            headers["ETag"] = "<random>"
        if r.status_code == 403 and b"CSRF" in body:
            body = b"<csrf failure page>"
        rec = {
            "status": r.status_code,
            "headers": headers,
            "cookies": sorted(normalize_cookie(m) for m in r.cookies.values()),
            "body": TOKEN_RE.sub("<token>", body.decode("utf-8", "replace")),
        }
        if hasattr(r, "redirect_chain"):
            rec["chain"] = r.redirect_chain
        out[name] = rec
    return out

