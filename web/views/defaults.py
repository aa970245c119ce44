"""The default error views: 400, 403, 404 and 500 pages that reveal nothing.

Each renders the project's ``<code>.html`` template when one exists; otherwise a minimal
page. Only the 404 page's template gets the path (escaped), as in Django.
"""

from __future__ import annotations

from reinhardt.web.http import (
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from reinhardt.web.views.decorators.csrf import requires_csrf_token

ERROR_404_TEMPLATE_NAME = "404.html"
ERROR_403_TEMPLATE_NAME = "403.html"
ERROR_400_TEMPLATE_NAME = "400.html"
ERROR_500_TEMPLATE_NAME = "500.html"

_ERROR_PAGE = (
    '\n<!doctype html>\n<html lang="en">\n<head>\n  <title>{title}</title>\n</head>\n<body>\n'
    "  <h1>{title}</h1><p>{details}</p>\n</body>\n</html>\n"
)


def _render_project_template(template_name: str, context: dict, request) -> str | None:
    """The project's error template rendered, or None if it has none (or no engine)."""
    try:
        from reinhardt.web.templates import loader
        from reinhardt.web.templates.exceptions import TemplateDoesNotExist
    except ImportError:
        return None
    try:
        template = loader.get_template(template_name)
    except TemplateDoesNotExist:
        return None
    except Exception:
        # No TEMPLATES configured: the plain page is the right answer.
        return None
    return template.render(context, request)


def _error_page(title: str, details: str = "") -> str:
    return _ERROR_PAGE.format(title=title, details=details)


@requires_csrf_token
def page_not_found(request, exception, template_name: str = ERROR_404_TEMPLATE_NAME):
    exception_repr = exception.__class__.__name__
    try:
        message = exception.args[0]
    except (AttributeError, IndexError):
        pass
    else:
        if isinstance(message, str):
            exception_repr = message
    context = {"request_path": request.path, "exception": exception_repr}
    body = _render_project_template(template_name, context, request)
    if body is None:
        if template_name != ERROR_404_TEMPLATE_NAME:
            from reinhardt.web.templates.exceptions import TemplateDoesNotExist

            raise TemplateDoesNotExist(template_name)
        body = _error_page("Not Found", "The requested resource was not found on this server.")
    return HttpResponseNotFound(body)


@requires_csrf_token
def server_error(request, template_name: str = ERROR_500_TEMPLATE_NAME):
    body = _render_project_template(template_name, {}, request)
    if body is None:
        body = _error_page("Server Error (500)")
    return HttpResponseServerError(body)


@requires_csrf_token
def bad_request(request, exception, template_name: str = ERROR_400_TEMPLATE_NAME):
    body = _render_project_template(template_name, {}, request)
    if body is None:
        body = _error_page("Bad Request (400)")
    return HttpResponseBadRequest(body)


@requires_csrf_token
def permission_denied(request, exception, template_name: str = ERROR_403_TEMPLATE_NAME):
    body = _render_project_template(template_name, {"exception": str(exception)}, request)
    if body is None:
        body = _error_page("403 Forbidden")
    return HttpResponseForbidden(body)
