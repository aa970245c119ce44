"""A plain page, the database page, and a 500-route URLconf: 250 static routes and 250 with converters, some
behind include()s, the way a large project's URLconf looks."""

from benchsite import views

from reinhardt.web.urls import include, path

sections = []
for s in range(10):
    sections.append(path(f"section{s}/", include([
        path(f"page{i}/", views.routed, name=f"s{s}-page{i}") for i in range(20)
    ] + [
        path(f"item{i}/<int:pk>/", views.routed, name=f"s{s}-item{i}") for i in range(20)
    ])))

urlpatterns = [
    *[path(f"static{i}/", views.routed, name=f"static{i}") for i in range(50)],
    *[path(f"obj{i}/<slug:slug>/<int:pk>/", views.routed, name=f"obj{i}") for i in range(50)],
    *sections,
    path("plain/", views.plain, name="plain"),
    path("rows/", views.rows, name="rows"),
    path("entry/<int:pk>/", views.routed, name="entry"),
]
