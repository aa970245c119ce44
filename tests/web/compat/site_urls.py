import datetime
import io

from reinhardt.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from reinhardt.web.http import (
    FileResponse,
    Http404,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from reinhardt.web.middleware.csrf import get_token
from reinhardt.web.shortcuts import redirect
from reinhardt.web.urls import include, path, re_path, reverse
from reinhardt.web.views.decorators.cache import cache_control, never_cache
from reinhardt.web.views.decorators.clickjacking import (
    xframe_options_exempt,
    xframe_options_sameorigin,
)
from reinhardt.web.views.decorators.common import no_append_slash
from reinhardt.web.views.decorators.csrf import csrf_exempt, ensure_csrf_cookie
from reinhardt.web.views.decorators.http import (
    etag,
    last_modified,
    require_http_methods,
    require_POST,
    require_safe,
)
from reinhardt.web.views.decorators.vary import vary_on_cookie, vary_on_headers
from reinhardt.web.views.generic import RedirectView, View


def home(request):
    return HttpResponse("home")

def show_request(request):
    data = {
        "method": request.method, "path": request.path, "path_info": request.path_info,
        "full_path": request.get_full_path(), "GET": dict(request.GET.lists()),
        "host": request.get_host(), "secure": request.is_secure(),
        "abs": request.build_absolute_uri(), "abs2": request.build_absolute_uri("/x/?y=1"),
        "abs3": request.build_absolute_uri("rel"), "cookies": request.COOKIES,
        "ua": request.headers.get("User-Agent"), "ct": request.content_type,
        "accepts_html": request.accepts("text/html"),
    }
    return JsonResponse(data)

def echo_post(request):
    files = {k: [(f.name, f.size, f.content_type, f.read().decode("latin-1")) for f in v] for k, v in request.FILES.lists()}
    return JsonResponse({"POST": dict(request.POST.lists()), "FILES": files})

def echo_body(request):
    return HttpResponse(request.body, content_type="application/octet-stream")

@csrf_exempt
def exempt_post(request):
    return HttpResponse("exempt {}".format(request.POST.get("a")))

def token_view(request):
    t = get_token(request)
    return HttpResponse("token-len %d" % len(t))

@ensure_csrf_cookie
def ensure_view(request):
    return HttpResponse("ensured")

def set_cookies(request):
    r = HttpResponse("cookies")
    r.set_cookie("plain", "v1")
    r.set_cookie("full", "v2", max_age=3600, path="/p/", domain="example.com", secure=True, httponly=True, samesite="Strict")
    r.set_cookie("spaces", "a b;c")
    r.delete_cookie("gone")
    r.delete_cookie("__Secure-x")
    r.set_signed_cookie("signed", "hello", salt="s")
    return r

def read_signed(request):
    return HttpResponse(repr(request.get_signed_cookie("signed", default="BAD", salt="s")))

def json_list(request):
    return JsonResponse([1, 2, {"d": datetime.date(2020, 1, 2)}], safe=False)

def stream(request):
    return StreamingHttpResponse(("chunk%d," % i for i in range(3)), content_type="text/plain")

def file_view(request):
    return FileResponse(io.BytesIO(b"filedata" * 10), as_attachment=True, filename="report.csv")

def raise404(request):
    raise Http404("nothing here")

def raise403(request):
    raise PermissionDenied

def raise400(request):
    raise BadRequest("bad")

def raise_sus(request):
    raise SuspiciousOperation("sus")

def boom(request):
    raise ValueError("boom")

@require_POST
def only_post(request):
    return HttpResponse("posted")

@require_safe
def only_safe(request):
    return HttpResponse("safe")

@require_http_methods(["GET", "PUT"])
def get_put(request):
    return HttpResponse(f"gp {request.method}")

@cache_control(max_age=60, public=True)
def cached(request):
    return HttpResponse("cached")

@never_cache
def uncached(request):
    return HttpResponse("uncached")

@vary_on_headers("User-Agent", "Accept-Language")
@vary_on_cookie
def varied(request):
    return HttpResponse("varied")

@etag(lambda request: "abc")
def etagged(request):
    return HttpResponse("etagged")

@last_modified(lambda request: datetime.datetime(2020, 1, 1, 12, 0, 0, tzinfo=datetime.UTC))
def modified(request):
    return HttpResponse("modified")

@xframe_options_exempt
def frame_ok(request):
    return HttpResponse("frame ok")

@xframe_options_sameorigin
def frame_same(request):
    return HttpResponse("frame same")

def big(request):
    return HttpResponse("x" * 5000)

def redirect_name(request):
    return redirect("blog:detail", pk=7)

def redirect_url(request):
    return redirect("/plain/", permanent=True)

def redirect_chain(request, n):
    if n <= 0:
        return HttpResponse("end of chain")
    return redirect("chain", n=n - 1)

def reverse_view(request):
    return HttpResponse(" ".join([
        reverse("home"), reverse("blog:detail", args=[3]), reverse("b2:detail", kwargs={"pk": 4}),
        reverse("blog:archive", kwargs={"year": 2020, "slug": "x-y"}),
        reverse("blog:old-archive", kwargs={"year": "1999"}),
        reverse("b2:index", current_app="b2"), reverse("blog:index", current_app="b2"),
        reverse("nested:inner:index"), reverse("weird", args=["a b/c"]),
    ]))

@no_append_slash
def noslash(request):
    return HttpResponse("noslash")

class Thing(View):
    def get(self, request):
        return HttpResponse("thing get")
    def post(self, request):
        return HttpResponse("thing post")

def etag_view(request):
    r = HttpResponse("conditional body " * 20)
    return r

urlpatterns = [
    path("", home, name="home"),
    path("req/", show_request),
    path("echo/", echo_post),
    path("body/", echo_body),
    path("exempt/", exempt_post),
    path("token/", token_view),
    path("ensure/", ensure_view),
    path("cookies/", set_cookies),
    path("signed/", read_signed),
    path("jsonlist/", json_list),
    path("stream/", stream),
    path("file/", file_view),
    path("r404/", raise404),
    path("r403/", raise403),
    path("r400/", raise400),
    path("rsus/", raise_sus),
    path("boom/", boom),
    path("onlypost/", only_post),
    path("onlysafe/", only_safe),
    path("getput/", get_put),
    path("cached/", cached),
    path("uncached/", uncached),
    path("varied/", varied),
    path("etagged/", etagged),
    path("modified/", modified),
    path("frameok/", frame_ok),
    path("framesame/", frame_same),
    path("big/", big),
    path("rname/", redirect_name),
    path("rurl/", redirect_url),
    path("chain/<int:n>/", redirect_chain, name="chain"),
    path("rev/", reverse_view),
    path("noslash/", noslash),
    path("thing/", Thing.as_view()),
    path("cond/", etag_view),
    path("plain/", RedirectView.as_view(url="/target/%(x)s", query_string=True), {"x": "fixed"}),
    path("gone/", RedirectView.as_view()),
    path("blog/", include("tests.web.compat.app_urls")),
    path("b2/", include("tests.web.compat.app_urls", namespace="b2")),
    path("nest/", include(([path("in/", include(("tests.web.compat.app_urls", "inner"), namespace="inner"))], "nested"), namespace="nested")),
    re_path(r"^weird/(.+)/$", home, name="weird"),
    path("db/", include("tests.web.compat.db_urls")),
]
