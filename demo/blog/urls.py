"""The blog's URLs, under the ``blog`` namespace: ``{% url 'blog:post' ... %}``."""

from blog import views
from reinhardt.web.urls import path

app_name = "blog"

urlpatterns = [
    path("", views.PostList.as_view(), name="index"),
    path("archive/", views.PostArchive.as_view(), name="archive"),
    path("<int:year>/", views.PostYear.as_view(), name="year"),
    path("<int:year>/<int:month>/", views.PostMonth.as_view(), name="month"),
    path("<int:year>/<int:month>/<int:day>/<slug:slug>/", views.PostDetail.as_view(),
         name="post"),
    path("authors/<slug:slug>/", views.AuthorDetail.as_view(), name="author"),
    path("api/posts/", views.posts_json, name="posts-json"),
]
