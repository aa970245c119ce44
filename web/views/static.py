"""serve(): send files from a directory. For development only (DEBUG); use a web server
or a CDN for static files in production."""

from __future__ import annotations

import mimetypes
import posixpath
from pathlib import Path

from reinhardt.utils.html import escape
from reinhardt.utils.http import http_date, parse_http_date
from reinhardt.web.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified


def serve(request, path: str, document_root=None, show_indexes: bool = False):
    """Serve ``path`` from ``document_root``: ``path("media/<path:path>", serve, {...})``."""
    path = posixpath.normpath(path).lstrip("/")
    fullpath = Path(safe_join(document_root, path))
    if fullpath.is_dir():
        if show_indexes:
            return directory_index(path, fullpath)
        raise Http404("Directory indexes are not allowed here.")
    if not fullpath.exists():
        raise Http404(f"“{fullpath}” does not exist")
    statobj = fullpath.stat()
    if not was_modified_since(request.META.get("HTTP_IF_MODIFIED_SINCE"), statobj.st_mtime):
        return HttpResponseNotModified()
    content_type, encoding = mimetypes.guess_type(str(fullpath))
    content_type = content_type or "application/octet-stream"
    response = FileResponse(fullpath.open("rb"), content_type=content_type)
    response.headers["Last-Modified"] = http_date(statobj.st_mtime)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    return response


def safe_join(base, *paths) -> str:
    """Join paths under ``base``, refusing any result outside it."""
    base_path = Path(base).resolve()
    final = base_path.joinpath(*paths).resolve()
    if final != base_path and base_path not in final.parents:
        raise Http404("The joined path is located outside of the base path component.")
    return str(final)


def directory_index(path: str, fullpath: Path) -> HttpResponse:
    items = []
    for entry in sorted(fullpath.iterdir()):
        if entry.name.startswith("."):
            continue
        name = entry.name + ("/" if entry.is_dir() else "")
        items.append(f'<li><a href="{escape(name)}">{escape(name)}</a></li>')
    title = f"Index of {path or '/'}"
    parent = '<li><a href="../">../</a></li>' if path not in ("", "/") else ""
    return HttpResponse(
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title></head><body><h1>{escape(title)}</h1><ul>{parent}{''.join(items)}</ul>"
        "</body></html>"
    )


def was_modified_since(header: str | None = None, mtime: float = 0) -> bool:
    """Whether the file changed since the If-Modified-Since date (True without one)."""
    try:
        if header is None:
            raise ValueError
        header_mtime = parse_http_date(header)
        if int(mtime) > header_mtime:
            raise ValueError
    except (ValueError, OverflowError):
        return True
    return False
