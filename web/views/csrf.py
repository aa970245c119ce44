"""The page shown when CsrfViewMiddleware rejects a request (CSRF_FAILURE_VIEW)."""

from __future__ import annotations

from reinhardt.conf import settings
from reinhardt.utils.html import escape
from reinhardt.web.http import HttpResponseForbidden

CSRF_FAILURE_TEMPLATE_NAME = "403_csrf.html"

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="robots" content="NONE,NOARCHIVE">
  <title>403 Forbidden</title>
  <style>
    body {{ font: 16px/1.5 system-ui, sans-serif; margin: 2em auto; max-width: 42em; padding: 0 1em; }}
    h1 {{ font-weight: 600; }} .detail {{ color: #555; }} code {{ background: #f3f3f3; padding: 0 .2em; }}
  </style>
</head>
<body>
  <h1>Forbidden <span class="detail">(403)</span></h1>
  <p>CSRF verification failed. Request aborted.</p>
{details}</body>
</html>
"""

_DEBUG_DETAILS = """  <h2>Why</h2>
  <p><code>{reason}</code></p>
  <p>This site protects its forms against cross-site request forgery. A request that
  changes something must carry the token from the page that sent it. Check that:</p>
  <ul>
    <li>the browser accepts cookies (the <code>{cookie_name}</code> cookie holds the secret);</li>
    <li>the view renders its template with the request, so that <code>{{% csrf_token %}}</code>
    has a token to put in the form;</li>
    <li>every form that POSTs to this site includes <code>{{% csrf_token %}}</code>;</li>
    <li>an HTTPS site's pages are reached from trusted origins (CSRF_TRUSTED_ORIGINS).</li>
  </ul>
  <p>You see this explanation because DEBUG is True.</p>
"""

_REFERER_HINT = """  <p>This HTTPS site requires the browser to send a Referer header, and none was sent.
  If you have turned Referer off in your browser, please turn it back on for this site.</p>
"""

_COOKIE_HINT = """  <p>This site requires a CSRF cookie when submitting forms. If you have turned off
  cookies in your browser, please turn them back on for this site.</p>
"""


def csrf_failure(request, reason: str = "", template_name: str = CSRF_FAILURE_TEMPLATE_NAME):
    """A 403 page; with DEBUG it explains the reason, otherwise it says only what to fix."""
    from reinhardt.web.middleware.csrf import REASON_NO_CSRF_COOKIE, REASON_NO_REFERER

    context = {
        "title": "Forbidden", "main": "CSRF verification failed. Request aborted.",
        "reason": reason, "no_referer": reason == REASON_NO_REFERER,
        "no_cookie": reason == REASON_NO_CSRF_COOKIE, "DEBUG": settings.DEBUG,
    }
    body = None
    try:
        from reinhardt.web.templates import loader
        from reinhardt.web.templates.exceptions import TemplateDoesNotExist

        try:
            body = loader.get_template(template_name).render(context, request)
        except TemplateDoesNotExist:
            if template_name != CSRF_FAILURE_TEMPLATE_NAME:
                raise
    except ImportError:
        pass
    except Exception:
        if template_name != CSRF_FAILURE_TEMPLATE_NAME:
            raise
    if body is None:
        details = ""
        if context["no_referer"]:
            details += _REFERER_HINT
        if context["no_cookie"]:
            details += _COOKIE_HINT
        if settings.DEBUG:
            details += _DEBUG_DETAILS.format(reason=escape(reason),
                                             cookie_name=escape(settings.CSRF_COOKIE_NAME))
        body = _PAGE.format(details=details)
    return HttpResponseForbidden(body)
