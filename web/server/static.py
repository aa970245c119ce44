"""Serve static files under STATIC_URL while DEBUG is on (development only)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from reinhardt.apps import apps
from reinhardt.conf import settings
from reinhardt.web.handlers.exception import response_for_exception
from reinhardt.web.handlers.wsgi import WSGIHandler, get_path_info
from reinhardt.web.http import Http404


def find_static(path: str) -> str | None:
    """The file for ``path`` in STATICFILES_DIRS, then the apps' static/ folders, then
    STATIC_ROOT."""
    candidates = []
    for entry in settings.STATICFILES_DIRS:
        if isinstance(entry, (list, tuple)):
            prefix, root = entry
            if not path.startswith(prefix.rstrip("/") + "/"):
                continue
            candidates.append((Path(root), path[len(prefix.rstrip("/")) + 1:]))
        else:
            candidates.append((Path(entry), path))
    for app_config in apps.get_app_configs():
        candidates.append((Path(app_config.path) / "static", path))
    if settings.STATIC_ROOT:
        candidates.append((Path(settings.STATIC_ROOT), path))
    for root, relative in candidates:
        full = (root / relative).resolve()
        try:
            full.relative_to(root.resolve())
        except ValueError:
            continue
        if full.is_file():
            return str(full)
    return None


class StaticFilesHandler(WSGIHandler):
    """Serve STATIC_URL requests from the static folders; pass the rest to ``application``."""

    def __init__(self, application):
        self.application = application
        self.base_url = urlsplit(settings.STATIC_URL or "/static/")
        super().__init__()

    def _should_handle(self, path: str) -> bool:
        return path.startswith(self.base_url.path) and not self.base_url.netloc

    def file_path(self, url: str) -> str:
        return url2pathname(url[len(self.base_url.path):])

    def get_response(self, request):
        from reinhardt.web.views.static import serve

        relative = self.file_path(request.path)
        found = find_static(relative.replace("\\", "/"))
        try:
            if found is None:
                raise Http404(f"'{relative}' could not be found")
            return serve(request, Path(found).name, document_root=str(Path(found).parent))
        except Http404 as e:
            return response_for_exception(request, e)

    def __call__(self, environ, start_response):
        if not self._should_handle(get_path_info(environ)):
            return self.application(environ, start_response)
        return super().__call__(environ, start_response)
