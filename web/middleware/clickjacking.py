"""XFrameOptionsMiddleware: forbid framing (X_FRAME_OPTIONS) unless a view is exempt."""

from __future__ import annotations

from reinhardt.conf import settings
from reinhardt.web.middleware.base import NonBlockingMiddleware


class XFrameOptionsMiddleware(NonBlockingMiddleware):
    def process_response(self, request, response):
        if response.get("X-Frame-Options") is not None:
            return response
        if getattr(response, "xframe_options_exempt", False):
            return response
        response.headers["X-Frame-Options"] = self.get_xframe_options_value(request, response)
        return response

    def get_xframe_options_value(self, request, response) -> str:
        return getattr(settings, "X_FRAME_OPTIONS", "DENY").upper()
