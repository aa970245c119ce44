"""get_wsgi_application(): the WSGI callable that a project's wsgi.py exposes."""

from __future__ import annotations


def get_wsgi_application():
    """Set up reinhardt and return the WSGI handler (what gunicorn serves)."""
    import reinhardt
    from reinhardt.web.handlers.wsgi import WSGIHandler

    reinhardt.setup(set_prefix=False)
    return WSGIHandler()
