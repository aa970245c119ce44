"""The root URLconf: the blog app under its namespace, and a page of its own."""

from reinhardt.web.urls import include, path
from reinhardt.web.views.generic import TemplateView

urlpatterns = [
    path("", include("blog.urls")),
    path("about/", TemplateView.as_view(template_name="about.html"), name="about"),
]
