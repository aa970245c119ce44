"""A URLconf for tests/web/test_urls.py."""

from reinhardt.web.http import HttpResponse
from reinhardt.web.urls import include, path, re_path, register_converter


class FourDigitYear:
    regex = "[0-9]{4}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        if not 1000 <= int(value) <= 9999:
            raise ValueError("not a four-digit year")
        return f"{value:04d}"


register_converter(FourDigitYear, "yyyy")


def view(request, *args, **kwargs):
    return HttpResponse("ok")


class CallableView:
    def __call__(self, request):
        return HttpResponse("callable")


app_patterns = ([
    path("", view, name="index"),
    path("<int:pk>/", view, name="detail"),
], "shop")

urlpatterns = [
    path("articles/<yyyy:year>/", view, name="year"),
    path("articles/<int:year>/<slug:slug>/", view, name="article"),
    path("uuid/<uuid:uid>/", view, name="uuid"),
    path("files/<path:rest>", view, name="files"),
    path("extra/", view, {"flag": True}, name="extra"),
    path("callable/", CallableView(), name="callable"),
    re_path(r"^re/(\d+)/(\d+)/$", view, name="positional"),
    re_path(r"^opt/(?:(?P<page>\d+)/)?$", view, name="optional"),
    path("shop/", include(app_patterns)),
    path("shop2/", include(app_patterns, namespace="shop2")),
    path("lang/<str:lang>/", include([path("page/", view, name="page")])),
    path("dup/", view, name="dup"),
    path("dup-two/", view, name="dup"),
    path("percent%20/", view, name="percent"),
]
