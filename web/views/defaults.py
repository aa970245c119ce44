"""The default error views: 400, 403, 404 and 500 pages that reveal nothing.

Each renders the project's ``<code>.html`` template when one exists; otherwise a minimal
page. As in Django, the 400, 403 and 404 templates are rendered with the request (context
processors run; the 404 page also gets ``request_path``), the 500 one without it.
"""

from __future__ import annotations

from urllib.parse import quote

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


def _render_project_template(template_name: str, default_name: str, context: dict,
                             request=None) -> str | None:
    """The project's error template rendered, or None if it has none.

    A template name other than the default that does not exist is an error, as is a
    broken template (the handler then answers 500).
    """
    from reinhardt.web.templates import loader
    from reinhardt.web.templates.exceptions import TemplateDoesNotExist

    try:
        template = loader.get_template(template_name)
    except TemplateDoesNotExist:
        if template_name != default_name:
            raise
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
    # Percent-encoded, as in Django: the path is shown as a URL, never as markup.
    context = {"request_path": quote(request.path), "exception": exception_repr}
    body = _render_project_template(template_name, ERROR_404_TEMPLATE_NAME, context, request)
    if body is None:
        body = _error_page("Not Found", "The requested resource was not found on this server.")
    return HttpResponseNotFound(body)


@requires_csrf_token
def server_error(request, template_name: str = ERROR_500_TEMPLATE_NAME):
    body = _render_project_template(template_name, ERROR_500_TEMPLATE_NAME, {})
    if body is None:
        body = _error_page("Server Error (500)")
    return HttpResponseServerError(body)


@requires_csrf_token
def bad_request(request, exception, template_name: str = ERROR_400_TEMPLATE_NAME):
    body = _render_project_template(template_name, ERROR_400_TEMPLATE_NAME, {}, request)
    if body is None:
        body = _error_page("Bad Request (400)")
    return HttpResponseBadRequest(body)


@requires_csrf_token
def permission_denied(request, exception, template_name: str = ERROR_403_TEMPLATE_NAME):
    body = _render_project_template(template_name, ERROR_403_TEMPLATE_NAME,
                                    {"exception": str(exception)}, request)
    if body is None:
        body = _error_page("403 Forbidden")
    return HttpResponseForbidden(body)
