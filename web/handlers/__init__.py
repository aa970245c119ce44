"""Request handlers: WSGI and ASGI entry points and the middleware chain they share."""
