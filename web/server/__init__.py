"""The development server: ``run_server()`` (what ``manage.py runserver`` calls)."""

from reinhardt.web.server.basehttp import WSGIServer, run
from reinhardt.web.server.runserver import run_server

__all__ = ["WSGIServer", "run", "run_server"]
