"""CommonMiddleware: forbidden user agents, PREPEND_WWW, APPEND_SLASH and Content-Length."""

from __future__ import annotations

from reinhardt.conf import settings
from reinhardt.core.exceptions import PermissionDenied
from reinhardt.utils.http import escape_leading_slashes
from reinhardt.web.http import HttpResponsePermanentRedirect
from reinhardt.web.middleware.base import NonBlockingMiddleware
from reinhardt.web.urls import is_valid_path


class CommonMiddleware(NonBlockingMiddleware):
    """Redirect to the slash-ended (or www.) URL when that is the one that exists."""

    response_redirect_class = HttpResponsePermanentRedirect

    def process_request(self, request):
        user_agent = request.META.get("HTTP_USER_AGENT")
        if user_agent is not None:
            for user_agent_regex in settings.DISALLOWED_USER_AGENTS:
                if user_agent_regex.search(user_agent):
                    raise PermissionDenied("Forbidden user agent")
        host = request.get_host()
        if settings.PREPEND_WWW and host and not host.startswith("www."):
            if self.should_redirect_with_slash(request):
                path = self.get_full_path_with_slash(request)
            else:
                path = request.get_full_path()
            return self.response_redirect_class(f"{request.scheme}://www.{host}{path}")
        return None

    def should_redirect_with_slash(self, request) -> bool:
        """Whether the path lacks a slash and only the slash-ended one resolves."""
        if settings.APPEND_SLASH and not request.path_info.endswith("/"):
            urlconf = getattr(request, "urlconf", None)
            if not is_valid_path(request.path_info, urlconf):
                match = is_valid_path(f"{request.path_info}/", urlconf)
                if match:
                    view = match.func
                    return getattr(view, "should_append_slash", True)
        return False

    def get_full_path_with_slash(self, request) -> str:
        new_path = request.get_full_path(force_append_slash=True)
        new_path = escape_leading_slashes(new_path)
        if settings.DEBUG and request.method in ("POST", "PUT", "PATCH"):
            raise RuntimeError(
                f"You called this URL via {request.method}, but the URL doesn't end in a slash "
                f"and you have APPEND_SLASH set. reinhardt can't redirect to the slash URL "
                f"while maintaining {request.method} data. Change your form to point to "
                f"{request.get_host() + new_path} (note the trailing slash), or set "
                "APPEND_SLASH=False in your settings."
            )
        return new_path

    def process_response(self, request, response):
        if response.status_code == 404 and self.should_redirect_with_slash(request):
            return self.response_redirect_class(self.get_full_path_with_slash(request))
        if not response.streaming and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))
        return response


