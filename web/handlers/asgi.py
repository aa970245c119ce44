"""The ASGI handler and ASGIRequest: async views and middleware under uvicorn and friends."""

from __future__ import annotations

import logging
import tempfile
from typing import Any

from asgiref.sync import sync_to_async

from reinhardt.conf import settings
from reinhardt.core import signals
from reinhardt.core.exceptions import RequestAborted, RequestDataTooBig
from reinhardt.utils.datastructures import MultiValueDict
from reinhardt.utils.functional import cached_property
from reinhardt.utils.script_prefix import set_script_prefix
from reinhardt.web.handlers import base
from reinhardt.web.http import HttpRequest, HttpResponse, QueryDict, parse_cookie
from reinhardt.web.http.response import HttpResponseBadRequest, HttpResponseServerError

logger = logging.getLogger("reinhardt.request")


class ASGIRequest(HttpRequest):
    """A request from an ASGI server; META is built from the scope as WSGI would have it."""

    body_receive_timeout = 60

    def __init__(self, scope: dict[str, Any], body_file):
        self.scope = scope
        self._post_parse_error = False
        self._read_started = False
        self.resolver_match = None
        self.script_name = get_script_prefix(scope)
        path = scope["path"]
        if self.script_name and path.startswith(self.script_name):
            self.path_info = path[len(self.script_name):]
        else:
            self.path_info = path
        if self.script_name:
            self.path = f"{self.script_name.rstrip('/')}/{self.path_info.replace('/', '', 1)}"
        else:
            self.path = path
        self.method = scope["method"].upper()
        query_string = scope.get("query_string", b"")
        if isinstance(query_string, bytes):
            query_string = query_string.decode("latin-1")
        meta = {
            "REQUEST_METHOD": self.method,
            "QUERY_STRING": query_string,
            "SCRIPT_NAME": self.script_name,
            "PATH_INFO": self.path_info,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
        }
        if scope.get("client"):
            meta["REMOTE_ADDR"] = scope["client"][0]
            meta["REMOTE_HOST"] = meta["REMOTE_ADDR"]
            meta["REMOTE_PORT"] = scope["client"][1]
        if scope.get("server"):
            meta["SERVER_NAME"] = scope["server"][0]
            meta["SERVER_PORT"] = str(scope["server"][1])
        else:
            meta["SERVER_NAME"] = "unknown"
            meta["SERVER_PORT"] = "0"
        for raw_name, raw_value in scope.get("headers", []):
            name = raw_name.decode("latin-1")
            if name == "content-length":
                corrected = "CONTENT_LENGTH"
            elif name == "content-type":
                corrected = "CONTENT_TYPE"
            else:
                corrected = "HTTP_" + name.upper().replace("-", "_")
            value = raw_value.decode("latin-1")
            if corrected in meta:
                separator = "; " if corrected == "HTTP_COOKIE" else ","
                value = meta[corrected] + separator + value
            meta[corrected] = value
        self.META = meta
        if meta.get("CONTENT_TYPE"):
            self._set_content_type_params(meta)
        else:
            self.content_type = ""
            self.content_params = {}
        self._stream = body_file

    def _get_scheme(self) -> str:
        return self.scope.get("scheme") or "http"

    @cached_property
    def GET(self) -> QueryDict:
        raw = self.META["QUERY_STRING"]
        if not raw:
            return QueryDict(encoding=self._encoding)
        return QueryDict(raw.encode("latin-1"), encoding=self._encoding)

    def _get_post(self):
        if not hasattr(self, "_post"):
            self._load_post_and_files()
        return self._post

    def _set_post(self, post) -> None:
        self._post = post

    def _get_files(self) -> MultiValueDict:
        if not hasattr(self, "_files"):
            self._load_post_and_files()
        return self._files

    POST = property(_get_post, _set_post)
    FILES = property(_get_files)

    @cached_property
    def COOKIES(self) -> dict[str, str]:
        raw = self.META.get("HTTP_COOKIE", "")
        if not raw:
            return {}
        try:
            raw = raw.encode("latin-1").decode("utf-8")
        except UnicodeError:
            pass
        return parse_cookie(raw)

    def close(self) -> None:
        super().close()
        self._stream.close()


class ASGIHandler(base.BaseHandler):
    """The ASGI application (see get_asgi_application())."""

    request_class = ASGIRequest
    chunk_size = 2**16

    def __init__(self):
        super().__init__()
        self.load_middleware(is_async=True)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            # Nothing to set up; answering keeps servers from warning about it.
            await _serve_lifespan(receive, send)
            return
        if scope["type"] != "http":
            raise ValueError(
                f"reinhardt can only handle ASGI/HTTP connections, not {scope['type']}."
            )
        await self.handle(scope, receive, send)

    async def handle(self, scope, receive, send) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        except RequestDataTooBig:
            await self.send_response(HttpResponse(status=413), send)
            return
        set_script_prefix(get_script_prefix(scope))
        await signals.request_started.asend(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            body_file.close()
            await self.send_response(error_response, send)
            await sync_to_async(error_response.close)()
            return
        response = await self.get_response_async(request)
        response._handler_class = self.__class__
        await self.send_response(response, send)

    async def read_body(self, receive):
        """Spool the request body to memory (or disk past FILE_UPLOAD_MAX_MEMORY_SIZE)."""
        body_file = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE,
                                                  mode="w+b")
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                body_file.close()
                raise RequestAborted()
            if "body" in message:
                on_disk = getattr(body_file, "_rolled", False)
                if on_disk:
                    await sync_to_async(body_file.write, thread_sensitive=False)(
                        message["body"])
                else:
                    body_file.write(message["body"])
            if not message.get("more_body", False):
                break
        body_file.seek(0)
        return body_file

    def create_request(self, scope, body_file):
        try:
            return self.request_class(scope, body_file), None
        except UnicodeDecodeError:
            logger.warning("Bad Request (UnicodeDecodeError)", exc_info=True,
                           extra={"status_code": 400})
            return None, HttpResponseBadRequest()
        except RequestDataTooBig:
            return None, HttpResponse("413 Payload too large", status=413)

    async def send_response(self, response, send) -> None:
        headers = [(name.encode("ascii"), value.encode("latin-1"))
                   for name, value in response.headers._store.values()]
        for cookie in response.cookies.values():
            headers.append((b"Set-Cookie", cookie.OutputString().encode("ascii")))
        await send({"type": "http.response.start", "status": response.status_code,
                    "headers": headers})
        try:
            if response.streaming:
                async for part in response:
                    for chunk, _ in self.chunk_bytes(part):
                        await send({"type": "http.response.body", "body": chunk,
                                    "more_body": True})
                await send({"type": "http.response.body"})
            else:
                for chunk, last in self.chunk_bytes(response.content):
                    await send({"type": "http.response.body", "body": chunk,
                                "more_body": not last})
        finally:
            await sync_to_async(response.close, thread_sensitive=True)()

    @classmethod
    def chunk_bytes(cls, data: bytes):
        """Yield (chunk, is_last) pieces of at most chunk_size bytes."""
        position = 0
        if not data:
            yield data, True
            return
        while position < len(data):
            yield (data[position: position + cls.chunk_size],
                   (position + cls.chunk_size) >= len(data))
            position += cls.chunk_size


async def _serve_lifespan(receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def get_script_prefix(scope: dict[str, Any]) -> str:
    if settings.FORCE_SCRIPT_NAME:
        return settings.FORCE_SCRIPT_NAME
    return scope.get("root_path", "") or ""


__all__ = ["ASGIHandler", "ASGIRequest", "HttpResponseServerError"]
