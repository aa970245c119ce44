from reinhardt.web.http import HttpResponse
from reinhardt.web.urls import path, re_path
from reinhardt.web.views.generic import RedirectView, View

app_name = "blog"

def index(request):
    return HttpResponse(f"blog index; ns={request.resolver_match.namespace}")

def detail(request, pk):
    return HttpResponse(f"detail {pk!r} {request.resolver_match.view_name}")

def archive(request, year, slug=None):
    return HttpResponse(f"archive {year!r} {slug!r}")

class ItemView(View):
    def get(self, request, *args, **kwargs):
        return HttpResponse(f"item get {sorted(kwargs.items())}")
    def post(self, request, *args, **kwargs):
        return HttpResponse("item post {}".format(request.POST.get("x")))

urlpatterns = [
    path("", index, name="index"),
    path("<int:pk>/", detail, name="detail"),
    path("archive/<int:year>/<slug:slug>/", archive, name="archive"),
    re_path(r"^old/(?P<year>[0-9]{4})/$", archive, name="old-archive"),
    path("item/<uuid:uid>/", ItemView.as_view(), name="item"),
    path("go/", RedirectView.as_view(pattern_name="blog:index"), name="go"),
]
