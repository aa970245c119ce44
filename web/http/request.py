"""HttpRequest and QueryDict.

Everything derived from the raw request (GET, POST, COOKIES, FILES, headers) is parsed on
first use, so a view that never looks at a part of the request never pays for parsing it.
"""

from __future__ import annotations

import copy
import re
from io import BytesIO
from itertools import chain
from typing import Any
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

from reinhardt.conf import settings
from reinhardt.core import signing
from reinhardt.core.exceptions import (
    BadRequest,
    DisallowedHost,
    ImproperlyConfigured,
    RequestDataTooBig,
    SuspiciousMultipartForm,
    TooManyFieldsSent,
)
from reinhardt.utils.datastructures import (
    CaseInsensitiveMapping,
    ImmutableList,
    MultiValueDict,
)
from reinhardt.utils.encoding import escape_uri_path, iri_to_uri
from reinhardt.utils.functional import cached_property
from reinhardt.utils.http import is_same_domain, parse_header_parameters
from reinhardt.web.http.multipartparser import (
    MultiPartParser,
    MultiPartParserError,
    TooManyFilesSent,
)

RAISE_ERROR = object()
host_validation_re = re.compile(
    r"^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::([0-9]+))?$"
)


class UnreadablePostError(OSError):
    """The client went away (or the server broke) while the body was being read."""


class RawPostDataException(Exception):
    """The body was read as a stream (e.g. by POST parsing) and can no longer be read whole."""


class HttpHeaders(CaseInsensitiveMapping):
    """The request's HTTP headers, from META, by their HTTP names: ``headers['User-Agent']``."""

    HTTP_PREFIX = "HTTP_"
    UNPREFIXED_HEADERS = {"CONTENT_TYPE", "CONTENT_LENGTH"}

    def __init__(self, environ: dict[str, Any]):
        headers = {}
        for key, value in environ.items():
            name = self.parse_header_name(key)
            if name:
                headers[name] = value
        super().__init__(headers)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.replace("_", "-"))

    @classmethod
    def parse_header_name(cls, header: str) -> str | None:
        if header.startswith(cls.HTTP_PREFIX):
            header = header[len(cls.HTTP_PREFIX):]
        elif header not in cls.UNPREFIXED_HEADERS:
            return None
        return header.replace("_", "-").title()

    @classmethod
    def to_wsgi_name(cls, header: str) -> str:
        header = header.replace("-", "_").upper()
        if header in cls.UNPREFIXED_HEADERS:
            return header
        return f"{cls.HTTP_PREFIX}{header}"

    @classmethod
    def to_asgi_name(cls, header: str) -> str:
        return header.replace("-", "_").upper()

    @classmethod
    def to_wsgi_names(cls, headers: dict[str, str]) -> dict[str, str]:
        return {cls.to_wsgi_name(name): value for name, value in headers.items()}

    @classmethod
    def to_asgi_names(cls, headers: dict[str, str]) -> dict[str, str]:
        return {cls.to_asgi_name(name): value for name, value in headers.items()}


class MediaType:
    """One media range of an Accept header, e.g. ``text/html;q=0.9``."""

    def __init__(self, media_type_raw_line: str | None):
        full_type, self.params = parse_header_parameters(media_type_raw_line or "")
        self.main_type, _, self.sub_type = full_type.partition("/")

    def __str__(self) -> str:
        params = "".join(f"; {k}={v}" for k, v in self.params.items())
        return f"{self.main_type}{'/' + self.sub_type if self.sub_type else ''}{params}"

    def __repr__(self) -> str:
        return f"<{type(self).__qualname__}: {self}>"

    @property
    def range_params(self) -> dict[str, str]:
        return {k: v for k, v in self.params.items() if k != "q"}

    @cached_property
    def quality(self) -> float:
        try:
            quality = float(self.params.get("q", 1))
        except ValueError:
            return 1
        if quality < 0 or quality > 1:
            return 1
        return round(quality, 3)

    @property
    def specificity(self) -> int:
        if self.main_type == "*":
            return 0
        if self.sub_type == "*":
            return 1
        if not self.range_params:
            return 2
        return 3

    @property
    def is_all_types(self) -> bool:
        return self.main_type == "*" and self.sub_type == "*"

    def match(self, other) -> bool:
        """Whether ``other`` (a concrete type) falls within this media range."""
        if not other:
            return False
        if not isinstance(other, MediaType):
            other = MediaType(other)
        main_types = [self.main_type, other.main_type]
        sub_types = [self.sub_type, other.sub_type]
        if not all((main_types[0] == main_types[1] or "*" in main_types,
                    sub_types[0] == sub_types[1] or "*" in sub_types)):
            return False
        if bool(self.range_params) == bool(other.range_params):
            return self.range_params == other.range_params
        return bool(self.range_params) is False or bool(other.range_params) is False


class HttpRequest:
    """An HTTP request. Handlers build the concrete WSGIRequest/ASGIRequest subclasses."""

    _encoding: str | None = None
    _upload_handlers: list = []
    non_picklable_attrs = frozenset(["resolver_match", "_stream"])

    def __init__(self) -> None:
        self.GET = QueryDict(mutable=True)
        self.POST = QueryDict(mutable=True)
        self.COOKIES: dict[str, str] = {}
        self.META: dict[str, Any] = {}
        self.FILES = MultiValueDict()
        self.path = ""
        self.path_info = ""
        self.method: str | None = None
        self.resolver_match = None
        self.content_type: str | None = None
        self.content_params: dict[str, str] | None = None

    def __repr__(self) -> str:
        if self.method is None or not self.get_full_path():
            return f"<{type(self).__name__}>"
        return f"<{type(self).__name__}: {self.method} {self.get_full_path()!r}>"

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k not in self.non_picklable_attrs}

    def __deepcopy__(self, memo):
        obj = copy.copy(self)
        for attr in self.non_picklable_attrs:
            if hasattr(self, attr):
                setattr(obj, attr, getattr(self, attr))
        memo[id(self)] = obj
        return obj

    @cached_property
    def headers(self) -> HttpHeaders:
        return HttpHeaders(self.META)

    @cached_property
    def accepted_types(self) -> list[MediaType]:
        """The Accept header's media ranges, most preferred first."""
        types = [MediaType(token) for token in self.headers.get("Accept", "*/*").split(",")
                 if token.strip()]
        return sorted(types, key=lambda t: (t.quality, t.specificity), reverse=True)

    def accepts(self, media_type: str) -> bool:
        return any(accepted.match(media_type) for accepted in self.accepted_types
                   if accepted.quality != 0)

    def get_preferred_type(self, media_types) -> str | None:
        """Of ``media_types``, the one the client prefers, or None if it accepts none."""
        if not media_types or not self.accepted_types:
            return None
        desired = [(accepted, MediaType(mt)) for mt in media_types
                   for accepted in self.accepted_types if accepted.match(mt)]
        # accepted_types is sorted by preference and the product keeps that order.
        desired = [(a, m) for a, m in desired if a.quality != 0]
        if not desired:
            return None
        return str(sorted(desired, key=lambda pair: -pair[0].quality)[0][1])

    def _set_content_type_params(self, meta: dict[str, Any]) -> None:
        self.content_type, self.content_params = parse_header_parameters(
            meta.get("CONTENT_TYPE", "")
        )
        if "charset" in self.content_params:
            try:
                import codecs

                codecs.lookup(self.content_params["charset"])
            except LookupError:
                pass
            else:
                self.encoding = self.content_params["charset"]

    def _get_raw_host(self) -> str:
        """The host from X-Forwarded-Host (if trusted), Host, or SERVER_NAME and port."""
        meta = self.META
        if settings.USE_X_FORWARDED_HOST and "HTTP_X_FORWARDED_HOST" in meta:
            return meta["HTTP_X_FORWARDED_HOST"]
        if "HTTP_HOST" in meta:
            return meta["HTTP_HOST"]
        host = meta["SERVER_NAME"]
        server_port = self.get_port()
        if server_port != ("443" if self.is_secure() else "80"):
            host = f"{host}:{server_port}"
        return host

    def get_host(self) -> str:
        """The validated host; raise DisallowedHost when it is not in ALLOWED_HOSTS."""
        host = self._get_raw_host()
        allowed_hosts = settings.ALLOWED_HOSTS
        if settings.DEBUG and not allowed_hosts:
            allowed_hosts = [".localhost", "127.0.0.1", "[::1]"]
        domain, port = split_domain_port(host)
        if domain and validate_host(domain, allowed_hosts):
            return host
        msg = f"Invalid HTTP_HOST header: {host!r}."
        if domain:
            msg += f" You may need to add {domain!r} to ALLOWED_HOSTS."
        else:
            msg += " The domain name provided is not valid according to RFC 1034/1035."
        raise DisallowedHost(msg)

    def get_port(self) -> str:
        if settings.USE_X_FORWARDED_PORT and "HTTP_X_FORWARDED_PORT" in self.META:
            port = self.META["HTTP_X_FORWARDED_PORT"]
        else:
            port = self.META["SERVER_PORT"]
        return str(port)

    def get_full_path(self, force_append_slash: bool = False) -> str:
        return self._get_full_path(self.path, force_append_slash)

    def get_full_path_info(self, force_append_slash: bool = False) -> str:
        return self._get_full_path(self.path_info, force_append_slash)

    def _get_full_path(self, path: str, force_append_slash: bool) -> str:
        slash = "/" if force_append_slash and not path.endswith("/") else ""
        query = self.META.get("QUERY_STRING", "")
        return f"{escape_uri_path(path)}{slash}{'?' + iri_to_uri(query) if query else ''}"

    def get_signed_cookie(self, key: str, default: Any = RAISE_ERROR, salt: str = "",
                          max_age=None) -> str:
        """A cookie set with set_signed_cookie(); ``default`` if missing or tampered with."""
        try:
            cookie_value = self.COOKIES[key]
        except KeyError:
            if default is not RAISE_ERROR:
                return default
            raise
        try:
            value = signing.get_cookie_signer(salt=key + salt).unsign(cookie_value,
                                                                      max_age=max_age)
        except signing.BadSignature:
            if default is not RAISE_ERROR:
                return default
            raise
        return value

    def build_absolute_uri(self, location: str | None = None) -> str:
        """An absolute URI for ``location`` (default: this request's full path)."""
        if location is None:
            location = f"//{self.get_full_path()}"
        else:
            location = str(location)
        bits = urlsplit(location)
        if not (bits.scheme and bits.netloc):
            # Most locations are path-only; join them without the cost of urljoin().
            if (bits.path.startswith("/") and not bits.scheme and not bits.netloc
                    and "/./" not in bits.path and "/../" not in bits.path):
                if location.startswith("//"):
                    location = location[2:]
                location = self._current_scheme_host + location
            else:
                location = urljoin(self._current_scheme_host + self.path, location)
        return iri_to_uri(location)

    @cached_property
    def _current_scheme_host(self) -> str:
        return f"{self.scheme}://{self.get_host()}"

    def _get_scheme(self) -> str:
        """The scheme when SECURE_PROXY_SSL_HEADER does not decide; subclasses know better."""
        return "http"

    @property
    def scheme(self) -> str:
        if settings.SECURE_PROXY_SSL_HEADER:
            try:
                header, secure_value = settings.SECURE_PROXY_SSL_HEADER
            except ValueError:
                raise ImproperlyConfigured(
                    "The SECURE_PROXY_SSL_HEADER setting must be a tuple containing two values."
                )
            header_value = self.META.get(header)
            if header_value is not None:
                header_value, *_ = header_value.split(",", 1)
                return "https" if header_value.strip() == secure_value else "http"
        return self._get_scheme()

    def is_secure(self) -> bool:
        return self.scheme == "https"

    @property
    def encoding(self) -> str | None:
        return self._encoding

    @encoding.setter
    def encoding(self, val: str | None) -> None:
        """Changing the encoding re-decodes GET and POST on next access."""
        self._encoding = val
        if "GET" in self.__dict__ and isinstance(getattr(type(self), "GET", None),
                                                 cached_property):
            del self.__dict__["GET"]
        if hasattr(self, "_post"):
            del self._post

    def _initialize_handlers(self) -> None:
        from reinhardt.core.files import uploadhandler

        self._upload_handlers = [
            uploadhandler.load_handler(handler, self) for handler in settings.FILE_UPLOAD_HANDLERS
        ]

    @property
    def upload_handlers(self) -> list:
        if not self._upload_handlers:
            self._initialize_handlers()
        return self._upload_handlers

    @upload_handlers.setter
    def upload_handlers(self, upload_handlers) -> None:
        if hasattr(self, "_files"):
            raise AttributeError(
                "You cannot set the upload handlers after the upload has been processed."
            )
        self._upload_handlers = upload_handlers

    def parse_file_upload(self, META, post_data):
        """Parse a multipart body into (POST, FILES)."""
        self.upload_handlers = ImmutableList(
            self.upload_handlers,
            warning="You cannot alter upload handlers after the upload has been processed.",
        )
        parser = MultiPartParser(META, post_data, self.upload_handlers, self.encoding)
        return parser.parse()

    @property
    def body(self) -> bytes:
        if not hasattr(self, "_body"):
            if self._read_started:
                raise RawPostDataException(
                    "You cannot access body after reading from request's data stream"
                )
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if limit is not None and _content_length(self.META) > limit:
                raise RequestDataTooBig(
                    "Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE."
                )
            try:
                self._body = self.read()
            except OSError as e:
                raise UnreadablePostError(*e.args) from e
            finally:
                self._stream.close()
            self._stream = BytesIO(self._body)
        return self._body

    def _mark_post_parse_error(self) -> None:
        self._post = QueryDict()
        self._files = MultiValueDict()

    def _load_post_and_files(self) -> None:
        """Parse the body into POST and FILES according to its content type."""
        if self.method != "POST":
            self._post, self._files = QueryDict(encoding=self._encoding), MultiValueDict()
            return
        if self._read_started and not hasattr(self, "_body"):
            self._mark_post_parse_error()
            return
        if self.content_type == "multipart/form-data":
            data = BytesIO(self._body) if hasattr(self, "_body") else self
            try:
                self._post, self._files = self.parse_file_upload(self.META, data)
            except (MultiPartParserError, SuspiciousMultipartForm, TooManyFilesSent):
                # Keep error pages that look at POST from parsing again.
                self._mark_post_parse_error()
                raise
        elif self.content_type == "application/x-www-form-urlencoded":
            if self._encoding is not None and self._encoding.lower().replace("_", "-") not in (
                "utf-8", "utf8"
            ):
                raise BadRequest(
                    "HTTP requests with the 'application/x-www-form-urlencoded' content type "
                    "must be UTF-8 encoded."
                )
            self._post = QueryDict(self.body, encoding="utf-8")
            self._files = MultiValueDict()
        else:
            self._post, self._files = QueryDict(encoding=self._encoding), MultiValueDict()

    def close(self) -> None:
        if hasattr(self, "_files"):
            for f in chain.from_iterable(list_[1] for list_ in self._files.lists()):
                f.close()

    # File-like access to the body, for parsers that stream it.
    _read_started = False

    def read(self, *args, **kwargs) -> bytes:
        self._read_started = True
        try:
            return self._stream.read(*args, **kwargs)
        except OSError as e:
            raise UnreadablePostError(*e.args) from e

    def readline(self, *args, **kwargs) -> bytes:
        self._read_started = True
        try:
            return self._stream.readline(*args, **kwargs)
        except OSError as e:
            raise UnreadablePostError(*e.args) from e

    def __iter__(self):
        return iter(self.readline, b"")

    def readlines(self) -> list[bytes]:
        return list(self)


def _content_length(meta: dict[str, Any]) -> int:
    try:
        return int(meta.get("CONTENT_LENGTH") or 0)
    except (ValueError, TypeError):
        return 0


class QueryDict(MultiValueDict):
    """A MultiValueDict of a query string's or form body's fields.

    Immutable unless built with ``mutable=True``; ``copy()`` gives a mutable one.
    """

    _mutable = True
    _encoding: str | None = None

    def __init__(self, query_string: str | bytes | None = None, mutable: bool = False,
                 encoding: str | None = None):
        super().__init__()
        self.encoding = encoding or settings.DEFAULT_CHARSET
        if query_string:
            if isinstance(query_string, bytes):
                try:
                    query_string = query_string.decode(self.encoding)
                except UnicodeDecodeError:
                    # Some clients send Latin-1; keep the bytes rather than fail.
                    query_string = query_string.decode("iso-8859-1")
            try:
                pairs = parse_qsl(query_string, keep_blank_values=True, encoding=self.encoding,
                                  max_num_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)
            except ValueError as e:
                # parse_qsl raises ValueError only for exceeding max_num_fields here.
                raise TooManyFieldsSent(
                    "The number of GET/POST parameters exceeded "
                    "settings.DATA_UPLOAD_MAX_NUMBER_FIELDS."
                ) from e
            for key, value in pairs:
                self.appendlist(key, value)
        self._mutable = mutable

    @classmethod
    def fromkeys(cls, iterable, value: str = "", mutable: bool = False, encoding=None):
        q = cls("", mutable=True, encoding=encoding)
        for key in iterable:
            q.appendlist(key, value)
        if not mutable:
            q._mutable = False
        return q

    @property
    def encoding(self) -> str:
        if self._encoding is None:
            self._encoding = settings.DEFAULT_CHARSET
        return self._encoding

    @encoding.setter
    def encoding(self, value: str) -> None:
        self._encoding = value

    def _assert_mutable(self) -> None:
        if not self._mutable:
            raise AttributeError("This QueryDict instance is immutable")

    def __setitem__(self, key, value):
        self._assert_mutable()
        key = bytes_to_text(key, self.encoding)
        value = bytes_to_text(value, self.encoding)
        super().__setitem__(key, value)

    def __delitem__(self, key):
        self._assert_mutable()
        super().__delitem__(key)

    def __copy__(self):
        result = self.__class__("", mutable=True, encoding=self.encoding)
        for key, value in self.lists():
            result.setlist(key, value)
        return result

    def __deepcopy__(self, memo):
        result = self.__class__("", mutable=True, encoding=self.encoding)
        memo[id(self)] = result
        for key, value in self.lists():
            result.setlist(copy.deepcopy(key, memo), copy.deepcopy(value, memo))
        return result

    def setlist(self, key, list_):
        self._assert_mutable()
        key = bytes_to_text(key, self.encoding)
        list_ = [bytes_to_text(elt, self.encoding) for elt in list_]
        super().setlist(key, list_)

    def setlistdefault(self, key, default_list=None):
        self._assert_mutable()
        return super().setlistdefault(key, default_list)

    def appendlist(self, key, value):
        self._assert_mutable()
        key = bytes_to_text(key, self.encoding)
        value = bytes_to_text(value, self.encoding)
        super().appendlist(key, value)

    def pop(self, key, *args):
        self._assert_mutable()
        return super().pop(key, *args)

    def popitem(self):
        self._assert_mutable()
        return super().popitem()

    def clear(self):
        self._assert_mutable()
        super().clear()

    def setdefault(self, key, default=None):
        self._assert_mutable()
        key = bytes_to_text(key, self.encoding)
        default = bytes_to_text(default, self.encoding)
        return super().setdefault(key, default)

    def update(self, *args, **kwargs):
        self._assert_mutable()
        super().update(*args, **kwargs)

    def copy(self):
        """A mutable deep copy."""
        return self.__deepcopy__({})

    def urlencode(self, safe: str | None = None) -> str:
        """The query string, e.g. ``a=1&a=2``; characters in ``safe`` stay unescaped."""
        output = []
        if safe:
            safe = safe.encode(self.encoding)

            def encode(k, v):
                return f"{quote(k, safe)}={quote(v, safe)}"

        else:
            from urllib.parse import urlencode as _urlencode

            def encode(k, v):
                return _urlencode({k: v})

        for k, list_ in self.lists():
            output.extend(
                encode(k.encode(self.encoding), str(v).encode(self.encoding)) for v in list_
            )
        return "&".join(output)


def bytes_to_text(s, encoding: str):
    """Decode bytes with ``encoding`` (invalid sequences replaced); leave other values alone."""
    if isinstance(s, bytes):
        return str(s, encoding, "replace")
    return s


def split_domain_port(host: str) -> tuple[str, str]:
    """Split ``host`` into a lowercased domain (without a trailing dot) and a port.

    Returns ('', '') when the host is not valid.
    """
    match = host_validation_re.fullmatch(host.lower())
    if not match:
        return "", ""
    domain, port = match.groups(default="")
    return domain.removesuffix("."), port


def validate_host(host: str, allowed_hosts) -> bool:
    """Whether ``host`` matches one of ``allowed_hosts`` ('*', exact, or '.domain' patterns)."""
    return any(pattern == "*" or is_same_domain(host, pattern) for pattern in allowed_hosts)


def parse_accept_header(header: str) -> list[MediaType]:
    return [MediaType(token) for token in header.split(",") if token.strip()]
