"""ConditionalGetMiddleware: ETags for GET responses and 304 answers to conditional GETs."""

from __future__ import annotations

from reinhardt.utils.cache import cc_delim_re, get_conditional_response, set_response_etag
from reinhardt.utils.http import parse_http_date_safe
from reinhardt.web.middleware.base import NonBlockingMiddleware


class ConditionalGetMiddleware(NonBlockingMiddleware):
    def process_response(self, request, response):
        if request.method != "GET":
            return response
        if self.needs_etag(response) and not response.has_header("ETag"):
            set_response_etag(response)
        etag = response.get("ETag")
        last_modified = response.get("Last-Modified")
        last_modified = last_modified and parse_http_date_safe(last_modified)
        if etag or last_modified:
            return get_conditional_response(request, etag=etag, last_modified=last_modified,
                                            response=response)
        return response

    def needs_etag(self, response) -> bool:
        """No ETag for responses a cache may not store anyway (Cache-Control: no-store)."""
        cache_control_headers = cc_delim_re.split(response.get("Cache-Control", ""))
        return all(header.lower() != "no-store" for header in cache_control_headers)
