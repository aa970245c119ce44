"""HttpResponse and its family.

Headers live in one dict keyed by lower-cased name, so setting, reading and serializing them
for the server costs a dict operation each; values are checked for header injection.
"""

from __future__ import annotations

import datetime
import io
import json
import mimetypes
import os
import sys
import time
from email.header import Header
from http import HTTPStatus
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from asgiref.sync import async_to_sync, sync_to_async

from reinhardt.conf import settings
from reinhardt.core import signals, signing
from reinhardt.core.exceptions import DisallowedRedirect
from reinhardt.core.serializers.json import DjangoJSONEncoder
from reinhardt.utils.datastructures import CaseInsensitiveMapping
from reinhardt.utils.encoding import iri_to_uri
from reinhardt.utils.http import content_disposition_header, http_date

_REASON_PHRASES = {status.value: status.phrase for status in HTTPStatus}
_NEWLINES = ("\n", "\r")


class BadHeaderError(ValueError):
    """A header name or value contains a newline (header injection)."""


class ResponseHeaders(CaseInsensitiveMapping):
    """A case-insensitive, mutable mapping of response headers that keeps their casing."""

    def __init__(self, data=None):
        self._store: dict[str, tuple[str, str]] = {}
        if data:
            for header, value in self._unpack_items(data):
                self[header] = value

    @staticmethod
    def _convert(value, charset: str, mime_encode: bool = False) -> str:
        if type(value) is str:
            if value.isascii():
                if "\n" in value or "\r" in value:
                    raise BadHeaderError(f"Header values can't contain newlines (got {value!r})")
                return value
        elif isinstance(value, bytes):
            value = value.decode(charset)
        else:
            value = str(value)
        try:
            value.encode(charset)
        except UnicodeError as e:
            if not mime_encode:
                e.reason += f", HTTP response headers must be in {charset} format"
                raise
            value = Header(value, "utf-8", maxlinelen=sys.maxsize).encode()
        if "\n" in value or "\r" in value:
            raise BadHeaderError(f"Header values can't contain newlines (got {value!r})")
        return value

    def __setitem__(self, key: str, value) -> None:
        if (type(key) is str and type(value) is str and key.isascii() and value.isascii()
                and "\n" not in value and "\r" not in value and "\n" not in key
                and "\r" not in key):
            self._store[key.lower()] = (key, value)
            return
        key = self._convert(key, "ascii")
        value = self._convert(value, "latin-1", mime_encode=True)
        self._store[key.lower()] = (key, value)

    def __delitem__(self, key: str) -> None:
        self._store.pop(key.lower(), None)

    def __contains__(self, key) -> bool:
        return isinstance(key, str) and key.lower() in self._store

    def setdefault(self, key: str, value) -> None:
        if key.lower() not in self._store:
            self[key] = value

    def get(self, key: str, default=None):
        item = self._store.get(key.lower())
        return default if item is None else item[1]

    def __getitem__(self, key: str) -> str:
        return self._store[key.lower()][1]

    def pop(self, key: str, default=None):
        item = self._store.pop(key.lower(), None)
        return default if item is None else item[1]


class HttpResponseBase:
    """What every response has: status, headers, cookies, and the file-like protocol."""

    status_code = 200
    streaming = False

    def __init__(self, content_type: str | None = None, status: int | None = None,
                 reason: str | None = None, charset: str | None = None, headers=None):
        self.headers = ResponseHeaders(headers)
        self._charset = charset
        if "content-type" not in self.headers._store:
            if content_type is None:
                default_charset = charset or settings.DEFAULT_CHARSET
                content_type = f"text/html; charset={default_charset}"
                self._charset_cache = (content_type, default_charset)
            else:
                content_type = ResponseHeaders._convert(content_type, "latin-1", True)
            self.headers._store["content-type"] = ("Content-Type", content_type)
        elif content_type:
            raise ValueError(
                "'headers' must not contain 'Content-Type' when the "
                "'content_type' parameter is provided."
            )
        self._resource_closers: list = []
        self._handler_class = None
        self.cookies = SimpleCookie()
        self.closed = False
        if status is not None:
            try:
                self.status_code = int(status)
            except (ValueError, TypeError):
                raise TypeError("HTTP status code must be an integer.")
            if not 100 <= self.status_code <= 599:
                raise ValueError("HTTP status code must be an integer from 100 to 599.")
        self._reason_phrase = reason

    @property
    def reason_phrase(self) -> str:
        if self._reason_phrase is not None:
            return self._reason_phrase
        return _REASON_PHRASES.get(self.status_code, "Unknown Status Code")

    @reason_phrase.setter
    def reason_phrase(self, value: str) -> None:
        self._reason_phrase = value

    @property
    def charset(self) -> str:
        if self._charset is not None:
            return self._charset
        item = self.headers._store.get("content-type")
        content_type = "" if item is None else item[1]
        cached = self.__dict__.get("_charset_cache")
        if cached is not None and cached[0] is content_type:
            return cached[1]
        charset = self._charset_from(content_type)
        self._charset_cache = (content_type, charset)
        return charset

    @staticmethod
    def _charset_from(content_type: str) -> str:
        _, sep, params = content_type.partition(";")
        if sep:
            for param in params.split(";"):
                name, _, value = param.strip().partition("=")
                if name.lower() == "charset" and value:
                    return value.strip('"')
        return settings.DEFAULT_CHARSET

    @charset.setter
    def charset(self, value: str) -> None:
        self._charset = value

    def serialize_headers(self) -> bytes:
        return b"\r\n".join(
            f"{key}: {value}".encode("latin-1") for key, value in self.headers.items()
        )

    __bytes__ = serialize_headers

    @property
    def _content_type_for_repr(self) -> str:
        ct = self.headers.get("Content-Type")
        return f', "{ct}"' if ct else ""

    def __setitem__(self, header: str, value) -> None:
        self.headers[header] = value

    def __delitem__(self, header: str) -> None:
        del self.headers[header]

    def __getitem__(self, header: str) -> str:
        return self.headers[header]

    def has_header(self, header: str) -> bool:
        return header in self.headers

    __contains__ = has_header

    def items(self):
        return self.headers.items()

    def get(self, header: str, alternate=None):
        return self.headers.get(header, alternate)

    def set_cookie(self, key: str, value: str = "", max_age=None, expires=None, path="/",
                   domain=None, secure=False, httponly=False, samesite=None) -> None:
        """Set a cookie; ``expires`` may be a datetime or an HTTP date string."""
        self.cookies[key] = value
        if expires is not None:
            if isinstance(expires, datetime.datetime):
                if expires.tzinfo is not None and expires.utcoffset() is not None:
                    expires = expires.astimezone(datetime.UTC).replace(tzinfo=None)
                delta = expires - datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
                # A second is lost converting to a delta; add it back so the dates agree.
                delta += datetime.timedelta(seconds=1)
                expires = None
                if max_age is not None:
                    raise ValueError("'expires' and 'max_age' can't be used together.")
                max_age = max(0, delta.days * 86400 + delta.seconds)
            else:
                self.cookies[key]["expires"] = expires
        else:
            self.cookies[key]["expires"] = ""
        if max_age is not None:
            if isinstance(max_age, datetime.timedelta):
                max_age = max_age.total_seconds()
            self.cookies[key]["max-age"] = int(max_age)
            if not expires:
                self.cookies[key]["expires"] = http_date(time.time() + max_age)
        if path is not None:
            self.cookies[key]["path"] = path
        if domain is not None:
            self.cookies[key]["domain"] = domain
        if secure:
            self.cookies[key]["secure"] = True
        if httponly:
            self.cookies[key]["httponly"] = True
        if samesite:
            if samesite.lower() not in ("lax", "none", "strict"):
                raise ValueError('samesite must be "lax", "none", or "strict".')
            self.cookies[key]["samesite"] = samesite

    def setdefault(self, key: str, value) -> None:
        self.headers.setdefault(key, value)

    def set_signed_cookie(self, key: str, value: str, salt: str = "", **kwargs) -> None:
        value = signing.get_cookie_signer(salt=key + salt).sign(value)
        return self.set_cookie(key, value, **kwargs)

    def delete_cookie(self, key: str, path: str = "/", domain=None, samesite=None) -> None:
        # Browsers drop __Secure-/__Host- and SameSite=None cookies unless Secure is set.
        secure = key.startswith(("__Secure-", "__Host-")) or bool(
            samesite and samesite.lower() == "none"
        )
        self.set_cookie(key, max_age=0, path=path, domain=domain, secure=secure,
                        expires="Thu, 01 Jan 1970 00:00:00 GMT", samesite=samesite)

    def make_bytes(self, value) -> bytes:
        """Turn a str/bytes/other value into bytes in the response's charset."""
        if isinstance(value, (bytes, memoryview)):
            return bytes(value)
        if isinstance(value, str):
            return value.encode(self.charset)
        return str(value).encode(self.charset)

    def close(self) -> None:
        """Called by the server when the response is done: release resources, send signal."""
        for closer in self._resource_closers:
            try:
                closer()
            except Exception:
                pass
        self._resource_closers.clear()
        self.closed = True
        signals.request_finished.send(sender=self._handler_class)

    def write(self, content) -> None:
        raise OSError(f"This {type(self).__name__} instance is not writable")

    def flush(self) -> None:
        pass

    def tell(self) -> int:
        raise OSError(f"This {type(self).__name__} instance cannot tell its position")

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    def writable(self) -> bool:
        return False

    def writelines(self, lines) -> None:
        raise OSError(f"This {type(self).__name__} instance is not writable")


class HttpResponse(HttpResponseBase):
    """A response whose content is held as bytes."""

    streaming = False
    non_picklable_attrs = frozenset(
        ["resolver_match", "client", "request", "templates", "wsgi_request"]
    )

    def __init__(self, content=b"", *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.content = content

    def __getstate__(self):
        obj_dict = self.__dict__.copy()
        for attr in self.non_picklable_attrs:
            obj_dict.pop(attr, None)
        return obj_dict

    def __repr__(self) -> str:
        return (f"<{type(self).__name__} status_code={self.status_code}"
                f"{self._content_type_for_repr}>")

    def serialize(self) -> bytes:
        return self.serialize_headers() + b"\r\n\r\n" + self.content

    __bytes__ = serialize

    @property
    def content(self) -> bytes:
        return b"".join(self._container)

    @content.setter
    def content(self, value) -> None:
        if type(value) is bytes:
            self._container = [value]
            return
        if type(value) is str:
            self._container = [value.encode(self.charset)]
            return
        if hasattr(value, "__iter__") and not isinstance(value, (bytes, memoryview, str)):
            content = b"".join(self.make_bytes(chunk) for chunk in value)
            if hasattr(value, "close"):
                try:
                    value.close()
                except Exception:
                    pass
        else:
            content = self.make_bytes(value)
        self._container = [content]

    @property
    def text(self) -> str:
        return self.content.decode(self.charset or "utf-8")

    def __iter__(self):
        return iter(self._container)

    def write(self, content) -> None:
        self._container.append(self.make_bytes(content))

    def tell(self) -> int:
        return len(self.content)

    def getvalue(self) -> bytes:
        return self.content

    def writable(self) -> bool:
        return True

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)


class StreamingHttpResponse(HttpResponseBase):
    """A response whose content is an iterator (sync or async), sent as it is produced."""

    streaming = True

    def __init__(self, streaming_content=(), *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.streaming_content = streaming_content

    def __repr__(self) -> str:
        return (f"<{type(self).__qualname__} status_code={self.status_code}"
                f"{self._content_type_for_repr}>")

    @property
    def content(self):
        raise AttributeError(
            f"This {type(self).__name__} instance has no `content` attribute. "
            "Use `streaming_content` instead."
        )

    @property
    def text(self):
        raise AttributeError(
            f"This {type(self).__name__} instance has no `text` attribute."
        )

    @property
    def streaming_content(self):
        if self.is_async:
            # Bind the iterator now: wrapping streaming_content replaces self._iterator.
            iterator = self._iterator

            async def awrapper():
                async for part in iterator:
                    yield self.make_bytes(part)

            return awrapper()
        return map(self.make_bytes, self._iterator)

    @streaming_content.setter
    def streaming_content(self, value) -> None:
        self._set_streaming_content(value)

    def _set_streaming_content(self, value) -> None:
        try:
            self._iterator = iter(value)
            self.is_async = False
        except TypeError:
            self._iterator = aiter(value)
            self.is_async = True
        if hasattr(value, "close"):
            self._resource_closers.append(value.close)

    def __iter__(self):
        try:
            return iter(self.streaming_content)
        except TypeError:
            # An async iterator served by a WSGI server: consume it synchronously.
            import warnings

            warnings.warn(
                "StreamingHttpResponse must consume asynchronous iterators in order to serve "
                "them synchronously. Use a synchronous iterator instead.",
                Warning,
                stacklevel=2,
            )

            async def to_list(_iterator):
                return [chunk async for chunk in _iterator]

            return map(self.make_bytes, iter(async_to_sync(to_list)(self._iterator)))

    async def __aiter__(self):
        try:
            async for part in self.streaming_content:
                yield part
        except TypeError:
            import warnings

            warnings.warn(
                "StreamingHttpResponse must consume synchronous iterators in order to serve "
                "them asynchronously. Use an asynchronous iterator instead.",
                Warning,
                stacklevel=2,
            )
            for part in await sync_to_async(list)(self.streaming_content):
                yield part

    def getvalue(self) -> bytes:
        return b"".join(self.streaming_content)


class FileResponse(StreamingHttpResponse):
    """Stream a file, setting Content-Length, Content-Type and Content-Disposition from it."""

    block_size = 4096

    def __init__(self, *args, as_attachment: bool = False, filename: str = "", **kwargs):
        self.as_attachment = as_attachment
        self.filename = filename
        self._no_explicit_content_type = (
            "content_type" not in kwargs or kwargs["content_type"] is None
        )
        super().__init__(*args, **kwargs)

    def _set_streaming_content(self, value) -> None:
        if not hasattr(value, "read"):
            self.file_to_stream = None
            return super()._set_streaming_content(value)
        self.file_to_stream = filelike = value
        if hasattr(filelike, "close"):
            self._resource_closers.append(filelike.close)
        value = iter(lambda: filelike.read(self.block_size), b"")
        self.set_headers(filelike)
        super()._set_streaming_content(value)

    def set_headers(self, filelike) -> None:
        filename = getattr(filelike, "name", "")
        filename = filename if isinstance(filename, str) else ""
        seekable = hasattr(filelike, "seek") and (
            not hasattr(filelike, "seekable") or filelike.seekable()
        )
        if hasattr(filelike, "tell"):
            if seekable:
                initial_position = filelike.tell()
                filelike.seek(0, io.SEEK_END)
                self.headers["Content-Length"] = filelike.tell() - initial_position
                filelike.seek(initial_position)
            elif hasattr(filelike, "getbuffer"):
                self.headers["Content-Length"] = (
                    filelike.getbuffer().nbytes - filelike.tell()
                )
            elif os.path.exists(filename):
                self.headers["Content-Length"] = os.path.getsize(filename) - filelike.tell()
        elif seekable:
            self.headers["Content-Length"] = sum(
                iter(lambda: len(filelike.read(self.block_size)), 0)
            )
            filelike.seek(-int(self.headers["Content-Length"]), io.SEEK_END)

        filename = os.path.basename(self.filename or filename)
        if self._no_explicit_content_type:
            if filename:
                content_type, encoding = mimetypes.guess_type(filename)
                # A compressed file is served as the archive it is, not what it contains.
                content_type = {
                    "br": "application/x-brotli",
                    "bzip2": "application/x-bzip",
                    "compress": "application/x-compress",
                    "gzip": "application/gzip",
                    "xz": "application/x-xz",
                }.get(encoding, content_type)
                self.headers["Content-Type"] = content_type or "application/octet-stream"
            else:
                self.headers["Content-Type"] = "application/octet-stream"
        if content_disposition := content_disposition_header(self.as_attachment, filename):
            self.headers["Content-Disposition"] = content_disposition


class HttpResponseRedirectBase(HttpResponse):
    allowed_schemes = ["http", "https", "ftp"]

    def __init__(self, redirect_to, *args, preserve_request: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self["Location"] = iri_to_uri(redirect_to)
        parsed = urlsplit(str(redirect_to))
        if preserve_request:
            self.status_code = self.status_code_preserve_request
        if parsed.scheme and parsed.scheme not in self.allowed_schemes:
            raise DisallowedRedirect(
                f"Unsafe redirect to URL with protocol '{parsed.scheme}'"
            )

    url = property(lambda self: self["Location"])

    def __repr__(self) -> str:
        return (f'<{type(self).__name__} status_code={self.status_code}'
                f'{self._content_type_for_repr}, url="{self.url}">')


class HttpResponseRedirect(HttpResponseRedirectBase):
    status_code = 302
    status_code_preserve_request = 307


class HttpResponsePermanentRedirect(HttpResponseRedirectBase):
    status_code = 301
    status_code_preserve_request = 308


class HttpResponseNotModified(HttpResponse):
    status_code = 304

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self["content-type"]

    @HttpResponse.content.setter
    def content(self, value) -> None:
        if value:
            raise AttributeError(
                "You cannot set content to a 304 (Not Modified) response"
            )
        self._container = []


class HttpResponseBadRequest(HttpResponse):
    status_code = 400


class HttpResponseNotFound(HttpResponse):
    status_code = 404


class HttpResponseForbidden(HttpResponse):
    status_code = 403


class HttpResponseNotAllowed(HttpResponse):
    status_code = 405

    def __init__(self, permitted_methods, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self["Allow"] = ", ".join(permitted_methods)

    def __repr__(self) -> str:
        return (f"<{type(self).__name__} [{self['Allow']}] status_code={self.status_code}"
                f"{self._content_type_for_repr}>")


class HttpResponseGone(HttpResponse):
    status_code = 410


class HttpResponseServerError(HttpResponse):
    status_code = 500


class Http404(Exception):
    """Raise in a view to answer 404 Not Found."""


class JsonResponse(HttpResponse):
    """Serialize ``data`` to JSON; only dicts unless ``safe=False`` (old-browser JSON hijacking)."""

    def __init__(self, data: Any, encoder=DjangoJSONEncoder, safe: bool = True,
                 json_dumps_params: dict | None = None, **kwargs):
        if safe and not isinstance(data, dict):
            raise TypeError(
                "In order to allow non-dict objects to be serialized set the "
                "safe parameter to False."
            )
        if json_dumps_params is None:
            json_dumps_params = {}
        kwargs.setdefault("content_type", "application/json")
        data = json.dumps(data, cls=encoder, **json_dumps_params)
        super().__init__(content=data, **kwargs)
