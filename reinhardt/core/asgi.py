"""get_asgi_application(): the ASGI callable that a project's asgi.py exposes."""

from __future__ import annotations


def get_asgi_application():
    """Set up reinhardt and return the ASGI handler (what uvicorn serves)."""
    import reinhardt
    from reinhardt.web.handlers.asgi import ASGIHandler

    reinhardt.setup(set_prefix=False)
    return ASGIHandler()
