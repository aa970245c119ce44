"""Context processors: functions of the request whose dicts every RequestContext gets.

``auth`` and ``messages`` come with their contrib apps (reinhardt.contrib.auth,
reinhardt.contrib.messages), as in Django.
"""

from __future__ import annotations

import itertools

from reinhardt.conf import settings
from reinhardt.utils.functional import SimpleLazyObject, lazy


def csrf(request) -> dict:
    """A lazy ``csrf_token``: the token is only made if a template uses it."""

    def _get_val():
        from reinhardt.web.middleware.csrf import get_token

        token = get_token(request)
        if token is None:
            # Signals that no token was provided (e.g. the view is csrf_exempt).
            return "NOTPROVIDED"
        return token

    return {"csrf_token": SimpleLazyObject(_get_val)}


def debug(request) -> dict:
    """``debug`` and ``sql_queries`` for requests from INTERNAL_IPS when DEBUG is on."""
    context_extras = {}
    if settings.DEBUG and request.META.get("REMOTE_ADDR") in settings.INTERNAL_IPS:
        context_extras["debug"] = True
        try:
            from reinhardt.orm import connections
        except ImportError:  # the ORM is optional for templates
            connections = None

        def _queries():
            if connections is None:
                return []
            return list(itertools.chain.from_iterable(
                (dict(query, alias=connection.alias) for query in connection.queries)
                for connection in connections.all(initialized_only=True)
            ))

        context_extras["sql_queries"] = lazy(_queries, list)()
    return context_extras


def i18n(request) -> dict:
    from reinhardt.utils import translation

    return {
        "LANGUAGES": settings.LANGUAGES,
        "LANGUAGE_CODE": translation.get_language(),
        "LANGUAGE_BIDI": translation.get_language_bidi(),
    }


def tz(request) -> dict:
    from reinhardt.utils import timezone

    return {"TIME_ZONE": timezone.get_current_timezone_name()}


def static(request) -> dict:
    return {"STATIC_URL": settings.STATIC_URL}


def media(request) -> dict:
    return {"MEDIA_URL": settings.MEDIA_URL}


def request(request) -> dict:
    return {"request": request}
