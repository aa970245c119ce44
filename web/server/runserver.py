"""run_server(): the development server with autoreload and static files (runserver)."""

from __future__ import annotations

import errno
import logging
import os
import re
import sys
from datetime import datetime

from reinhardt.conf import settings
from reinhardt.core.exceptions import ImproperlyConfigured
from reinhardt.utils.module_loading import import_string

DEFAULT_ADDR = "127.0.0.1"
DEFAULT_PORT = 8000
_ADDRPORT = re.compile(
    r"""^(?:
    (?P<addr>
        (?P<ipv4>\d{1,3}(?:\.\d{1,3}){3}) |
        (?P<ipv6>\[[a-fA-F0-9:]+\]) |
        (?P<fqdn>[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*)
    ):)?(?P<port>\d+)$""",
    re.X,
)
logger = logging.getLogger("reinhardt.server")


def parse_addrport(addrport: str | None, ipv6: bool = False) -> tuple[str, int, bool]:
    """'8000', '0.0.0.0:8000', '[::1]:8000' or 'localhost' → (address, port, ipv6)."""
    if not addrport:
        return ("::1" if ipv6 else DEFAULT_ADDR), DEFAULT_PORT, ipv6
    match = _ADDRPORT.match(addrport)
    if match is None:
        if re.fullmatch(r"[a-zA-Z0-9.-]+", addrport) and not addrport.isdigit():
            return addrport, DEFAULT_PORT, ipv6
        raise ValueError(f'"{addrport}" is not a valid port number or address:port pair.')
    addr, _ipv4, ipv6_addr, _fqdn, port = match.groups()
    if ipv6_addr:
        addr = ipv6_addr[1:-1]
        ipv6 = True
    if not addr:
        addr = "::1" if ipv6 else DEFAULT_ADDR
    return addr, int(port), ipv6


def get_handler(use_static_handler: bool = True, insecure_serving: bool = False):
    """The project's WSGI application (WSGI_APPLICATION), wrapped to serve static files."""
    from reinhardt.core.wsgi import get_wsgi_application

    app_path = settings.WSGI_APPLICATION
    if app_path is None:
        handler = get_wsgi_application()
    else:
        try:
            handler = import_string(app_path)
        except ImportError as e:
            raise ImproperlyConfigured(
                f"WSGI application '{app_path}' could not be loaded; Error importing module."
            ) from e
    if use_static_handler and (settings.DEBUG or insecure_serving):
        from reinhardt.web.server.static import StaticFilesHandler

        return StaticFilesHandler(handler)
    return handler


def _serve(addr: str, port: int, ipv6: bool, use_threading: bool, use_static_handler: bool,
           insecure_serving: bool) -> None:
    from reinhardt.web.server.basehttp import run

    handler = get_handler(use_static_handler, insecure_serving)
    shown_addr = f"[{addr}]" if ipv6 else addr

    def on_bind(bound_port: int) -> None:
        now = datetime.now().strftime("%B %d, %Y - %X")
        sys.stdout.write(
            f"{now}\nreinhardt development server at http://{shown_addr}:{bound_port}/ "
            f"(settings {settings.SETTINGS_MODULE or 'configured'})\n"
            "Quit the server with CONTROL-C.\n\n"
            "WARNING: This is a development server. Do not use it in production; serve the "
            "project with gunicorn (WSGI) or uvicorn (ASGI).\n"
        )
        sys.stdout.flush()

    try:
        run(addr, port, handler, ipv6=ipv6, threading=use_threading, on_bind=on_bind)
    except OSError as e:
        messages = {
            errno.EACCES: "You don't have permission to access that port.",
            errno.EADDRINUSE: "That port is already in use.",
            errno.EADDRNOTAVAIL: "That IP address can't be assigned to.",
        }
        sys.stderr.write(f"Error: {messages.get(e.errno, str(e))}\n")
        os._exit(1)
    except KeyboardInterrupt:
        sys.exit(0)


def run_server(addrport: str | None = None, *, use_reloader: bool = True,
               use_threading: bool = True, use_static_handler: bool = True,
               insecure_serving: bool = False, ipv6: bool = False) -> None:
    """Run the development server (the ``runserver`` command calls this).

    ``addrport`` is ``"8000"``, ``"0.0.0.0:8000"`` or ``"[::1]:8000"``. Refuses to start with
    DEBUG off and no ALLOWED_HOSTS, as requests could not be answered.
    """
    if not settings.DEBUG and not settings.ALLOWED_HOSTS:
        raise ImproperlyConfigured("You must set settings.ALLOWED_HOSTS if DEBUG is False.")
    addr, port, ipv6 = parse_addrport(addrport, ipv6)
    args = (addr, port, ipv6, use_threading, use_static_handler, insecure_serving)
    if use_reloader:
        from reinhardt.web.server.autoreload import run_with_reloader

        run_with_reloader(_serve, *args)
    else:
        _serve(*args)


if __name__ == "__main__":  # python -m reinhardt.web.server.runserver [addrport]
    import reinhardt

    reinhardt.setup()
    run_server(sys.argv[1] if len(sys.argv) > 1 else None)
