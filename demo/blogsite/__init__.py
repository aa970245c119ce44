"""The demo project: settings, root URLconf, WSGI and ASGI entry points."""
