"""gzip_page: compress one view's responses (GZipMiddleware as a decorator)."""

from reinhardt.utils.decorators import decorator_from_middleware
from reinhardt.web.middleware.gzip import GZipMiddleware

gzip_page = decorator_from_middleware(GZipMiddleware)
gzip_page.__doc__ = "Compress the view's responses with gzip when the client accepts it."
