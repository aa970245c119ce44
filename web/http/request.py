"""HttpRequest and QueryDict.

Whatever comes from the raw request (GET, POST, COOKIES, FILES, headers, the accepted media
types) is parsed the first time it is read: a view that never looks at a part of the request
never pays for parsing it. The handlers (WSGI, ASGI) build the concrete request classes.
"""

from __future__ import annotations

import codecs
import copy
import re
from io import BytesIO
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
# A host name (letters, digits, dots, hyphens) or a bracketed IPv6 literal, then a port.
host_validation_re = re.compile(r"^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::([0-9]+))?$")
_LOCAL_HOSTS_IN_DEBUG = (".localhost", "127.0.0.1", "[::1]")


class UnreadablePostError(OSError):
    """The client went away (or the server broke) while the body was being read."""


class RawPostDataException(Exception):
    """The body was consumed as a stream (by POST parsing, say): it can't be read whole."""


# -- headers --------------------------------------------------------------------------------

class HttpHeaders(CaseInsensitiveMapping):
    """The request's headers by their HTTP names (``headers["User-Agent"]``), from META.

    META spells them the CGI way: ``HTTP_USER_AGENT``; CONTENT_TYPE and CONTENT_LENGTH come
    without the prefix.
    """

    HTTP_PREFIX = "HTTP_"
    UNPREFIXED_HEADERS = {"CONTENT_TYPE", "CONTENT_LENGTH"}

    def __init__(self, environ: dict[str, Any]):
        by_name = {}
        for meta_key, value in environ.items():
            http_name = self.parse_header_name(meta_key)
            if http_name:
                by_name[http_name] = value
        super().__init__(by_name)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.replace("_", "-"))

    @classmethod
    def parse_header_name(cls, header: str) -> str | None:
        """``HTTP_X_FORWARDED_FOR`` -> ``X-Forwarded-For``; None if not a header."""
        if header.startswith(cls.HTTP_PREFIX):
            bare = header[len(cls.HTTP_PREFIX):]
        elif header in cls.UNPREFIXED_HEADERS:
            bare = header
        else:
            return None
        return bare.replace("_", "-").title()

    @classmethod
    def to_wsgi_name(cls, header: str) -> str:
        cgi = cls.to_asgi_name(header)
        return cgi if cgi in cls.UNPREFIXED_HEADERS else cls.HTTP_PREFIX + cgi

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
    """One media range of an Accept header, such as ``text/html;q=0.9``."""

    def __init__(self, media_type_raw_line: str | None):
        full_type, self.params = parse_header_parameters(media_type_raw_line or "")
        self.main_type, _, self.sub_type = full_type.partition("/")

    def __str__(self) -> str:
        text = self.main_type + (f"/{self.sub_type}" if self.sub_type else "")
        return text + "".join(f"; {name}={value}" for name, value in self.params.items())

    def __repr__(self) -> str:
        return f"<{type(self).__qualname__}: {self}>"

    @cached_property
    def range_params(self) -> dict[str, str]:
        """The parameters other than the quality ``q``."""
        return {name: value for name, value in self.params.items() if name != "q"}

    @cached_property
    def quality(self) -> float:
        """``q`` rounded to three places; 1 when missing, malformed or out of [0, 1]."""
        try:
            q = float(self.params.get("q", 1))
        except ValueError:
            return 1
        return round(q, 3) if 0 <= q <= 1 else 1

    @property
    def specificity(self) -> int:
        """0 for */*, 1 for type/*, 2 for type/subtype, 3 with parameters."""
        if self.main_type == "*":
            return 0
        if self.sub_type == "*":
            return 1
        return 3 if self.range_params else 2

    @property
    def is_all_types(self) -> bool:
        return self.main_type == self.sub_type == "*"

    def match(self, other) -> bool:
        """Whether ``other`` is covered by this type (``*`` matching anything).

        Parameters (other than q) must agree when both sides have some; this side may name
        parameters that ``other`` leaves out, but not the reverse.
        """
        if not other:
            return False
        if not isinstance(other, MediaType):
            other = MediaType(other)
        pairs = ((self.main_type, other.main_type), (self.sub_type, other.sub_type))
        for mine, theirs in pairs:
            if not (mine and theirs):
                return False
            if mine != theirs and mine != "*" and theirs != "*":
                return False
        own, given = self.range_params, other.range_params
        if own and given:
            return own == given
        return bool(own) or not given


def parse_accept_header(header: str) -> list[MediaType]:
    return [MediaType(token) for token in header.split(",") if token.strip()]


# -- the request ----------------------------------------------------------------------------

class HttpRequest:
    """An HTTP request; the WSGI and ASGI handlers build its concrete subclasses."""

    _encoding: str | None = None
    _upload_handlers: list = []
    _read_started = False
    non_picklable_attrs = frozenset(["resolver_match", "_stream"])

    def __init__(self) -> None:
        # A bare request, as tests build by hand: empty data, no path, no method.
        self.GET = QueryDict(mutable=True)
        self.POST = QueryDict(mutable=True)
        self.COOKIES: dict[str, str] = {}
        self.META: dict[str, Any] = {}
        self.FILES = MultiValueDict()
        self.path = self.path_info = ""
        self.method: str | None = None
        self.resolver_match = None
        self.content_type: str | None = None
        self.content_params: dict[str, str] | None = None

    def __repr__(self) -> str:
        name = type(self).__name__
        if self.method is None:
            return f"<{name}>"
        shown = self.get_full_path()
        return f"<{name}: {self.method} {shown!r}>" if shown else f"<{name}>"

    def __getstate__(self):
        drop = self.non_picklable_attrs
        return {key: value for key, value in self.__dict__.items() if key not in drop}

    def __deepcopy__(self, memo):
        # Shallow on purpose: the parts that can't be copied are shared, not duplicated.
        duplicate = copy.copy(self)
        for name in self.non_picklable_attrs:
            if hasattr(self, name):
                setattr(duplicate, name, getattr(self, name))
        memo[id(self)] = duplicate
        return duplicate

    # -- headers and content negotiation -----------------------------------------------------

    @cached_property
    def headers(self) -> HttpHeaders:
        return HttpHeaders(self.META)

    @cached_property
    def accepted_types(self) -> list[MediaType]:
        """The Accept header's media ranges the client will take (q > 0), preferred first."""
        ranges = [media for media in parse_accept_header(self.headers.get("Accept", "*/*"))
                  if media.quality != 0]
        ranges.sort(key=lambda media: (media.quality, media.specificity), reverse=True)
        return ranges

    @cached_property
    def accepted_types_by_precedence(self) -> list[MediaType]:
        """The accepted ranges, the most specific first (then by quality)."""
        return sorted(self.accepted_types,
                      key=lambda media: (media.specificity, media.quality), reverse=True)

    def accepted_type(self, media_type) -> MediaType | None:
        """The accepted range that decides about ``media_type``: the most specific match."""
        wanted = MediaType(media_type)
        for media in self.accepted_types_by_precedence:
            if wanted.match(media):
                return media
        return None

    def accepts(self, media_type: str) -> bool:
        return self.accepted_type(media_type) is not None

    def get_preferred_type(self, media_types) -> str | None:
        """Of ``media_types``, the one the client prefers; None if it accepts none of them."""
        if not media_types or not self.accepted_types:
            return None
        rank = {id(media): position for position, media in enumerate(self.accepted_types)}
        best, best_rank = None, None
        for candidate in media_types:
            deciding = self.accepted_type(candidate)
            if deciding is not None and (best_rank is None or rank[id(deciding)] < best_rank):
                best, best_rank = candidate, rank[id(deciding)]
        return best

    def _set_content_type_params(self, meta: dict[str, Any]) -> None:
        """content_type and content_params from CONTENT_TYPE; a known charset sets encoding."""
        self.content_type, self.content_params = parse_header_parameters(
            meta.get("CONTENT_TYPE", ""))
        charset = self.content_params.get("charset")
        if charset is not None:
            try:
                codecs.lookup(charset)
            except LookupError:
                return
            self.encoding = charset

    # -- host, scheme and URLs ---------------------------------------------------------------

    def _get_raw_host(self) -> str:
        """X-Forwarded-Host (when trusted), else Host, else SERVER_NAME with its port."""
        meta = self.META
        if settings.USE_X_FORWARDED_HOST and "HTTP_X_FORWARDED_HOST" in meta:
            return meta["HTTP_X_FORWARDED_HOST"]
        if "HTTP_HOST" in meta:
            return meta["HTTP_HOST"]
        name, port = meta["SERVER_NAME"], self.get_port()
        default_port = "443" if self.is_secure() else "80"
        return name if port == default_port else f"{name}:{port}"

    def get_host(self) -> str:
        """The host the client asked for, if ALLOWED_HOSTS lets it; else DisallowedHost."""
        host = self._get_raw_host()
        patterns = settings.ALLOWED_HOSTS
        if not patterns and settings.DEBUG:
            patterns = _LOCAL_HOSTS_IN_DEBUG
        domain, _port = split_domain_port(host)
        if domain and validate_host(domain, patterns):
            return host
        if domain:
            hint = f" You may need to add {domain!r} to ALLOWED_HOSTS."
        else:
            hint = " The domain name provided is not valid according to RFC 1034/1035."
        raise DisallowedHost(f"Invalid HTTP_HOST header: {host!r}.{hint}")

    def get_port(self) -> str:
        meta = self.META
        if settings.USE_X_FORWARDED_PORT and "HTTP_X_FORWARDED_PORT" in meta:
            return str(meta["HTTP_X_FORWARDED_PORT"])
        return str(meta["SERVER_PORT"])

    def get_full_path(self, force_append_slash: bool = False) -> str:
        return self._get_full_path(self.path, force_append_slash)

    def get_full_path_info(self, force_append_slash: bool = False) -> str:
        return self._get_full_path(self.path_info, force_append_slash)

    def _get_full_path(self, path: str, force_append_slash: bool) -> str:
        text = escape_uri_path(path)
        if force_append_slash and not path.endswith("/"):
            text += "/"
        query = self.META.get("QUERY_STRING", "")
        return f"{text}?{iri_to_uri(query)}" if query else text

    def build_absolute_uri(self, location: str | None = None) -> str:
        """An absolute URI for ``location`` (by default, this request's full path)."""
        location = f"//{self.get_full_path()}" if location is None else str(location)
        parts = urlsplit(location)
        if parts.scheme and parts.netloc:
            return iri_to_uri(location)
        plain_path = (parts.path.startswith("/") and not parts.scheme and not parts.netloc
                      and "/./" not in parts.path and "/../" not in parts.path)
        if plain_path:
            # The usual case, a path from the root: prefix it, no urljoin() needed.
            location = self._current_scheme_host + location.removeprefix("//")
        else:
            location = urljoin(self._current_scheme_host + self.path, location)
        return iri_to_uri(location)

    @cached_property
    def _current_scheme_host(self) -> str:
        return f"{self.scheme}://{self.get_host()}"

    def _get_scheme(self) -> str:
        """The scheme when no proxy header decides it; subclasses know better."""
        return "http"

    @property
    def scheme(self) -> str:
        configured = settings.SECURE_PROXY_SSL_HEADER
        if configured:
            try:
                header, secure_value = configured
            except ValueError:
                raise ImproperlyConfigured(
                    "The SECURE_PROXY_SSL_HEADER setting must be a tuple containing two "
                    "values."
                ) from None
            sent = self.META.get(header)
            if sent is not None:
                first = sent.split(",", 1)[0].strip()
                return "https" if first == secure_value else "http"
        return self._get_scheme()

    def is_secure(self) -> bool:
        return self.scheme == "https"

    def get_signed_cookie(self, key: str, default: Any = RAISE_ERROR, salt: str = "",
                          max_age=None) -> str:
        """A cookie set with set_signed_cookie(); ``default`` if missing or tampered with."""
        try:
            signed = self.COOKIES[key]
            return signing.get_cookie_signer(salt=key + salt).unsign(signed,
                                                                     max_age=max_age)
        except (KeyError, signing.BadSignature):
            if default is RAISE_ERROR:
                raise
            return default

    # -- encoding and uploads ----------------------------------------------------------------

    @property
    def encoding(self) -> str | None:
        return self._encoding

    @encoding.setter
    def encoding(self, val: str | None) -> None:
        """A new encoding: GET and POST are decoded again when next read."""
        self._encoding = val
        if "GET" in self.__dict__ and isinstance(getattr(type(self), "GET", None),
                                                 cached_property):
            del self.__dict__["GET"]
        self.__dict__.pop("_post", None)

    def _initialize_handlers(self) -> None:
        from reinhardt.core.files import uploadhandler

        self._upload_handlers = [uploadhandler.load_handler(dotted, self)
                                 for dotted in settings.FILE_UPLOAD_HANDLERS]

    @property
    def upload_handlers(self) -> list:
        if not self._upload_handlers:
            self._initialize_handlers()
        return self._upload_handlers

    @upload_handlers.setter
    def upload_handlers(self, upload_handlers) -> None:
        if hasattr(self, "_files"):
            raise AttributeError(
                "You cannot set the upload handlers after the upload has been processed.")
        self._upload_handlers = upload_handlers

    def parse_file_upload(self, META, post_data):
        """A multipart body parsed into (POST, FILES); the handlers are frozen from now on."""
        self.upload_handlers = ImmutableList(
            self.upload_handlers,
            warning="You cannot alter upload handlers after the upload has been processed.",
        )
        return MultiPartParser(META, post_data, self.upload_handlers, self.encoding).parse()

    # -- the body ----------------------------------------------------------------------------

    @property
    def body(self) -> bytes:
        """The whole body, read once (refused past DATA_UPLOAD_MAX_MEMORY_SIZE)."""
        if hasattr(self, "_body"):
            return self._body
        if self._read_started:
            raise RawPostDataException(
                "You cannot access body after reading from request's data stream")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and _content_length(self.META) > limit:
            raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
        try:
            self._body = self.read()
        except OSError as broken:
            raise UnreadablePostError(*broken.args) from broken
        finally:
            self._stream.close()
        self._stream = BytesIO(self._body)
        return self._body

    def _mark_post_parse_error(self) -> None:
        self._post, self._files = QueryDict(), MultiValueDict()

    def _load_post_and_files(self) -> None:
        """Fill _post and _files from the body, as its content type says."""
        if self.method != "POST":
            self._post, self._files = QueryDict(encoding=self._encoding), MultiValueDict()
            return
        if self._read_started and not hasattr(self, "_body"):
            self._mark_post_parse_error()
            return
        kind = self.content_type
        if kind not in _FORM_TYPES:
            self._post, self._files = QueryDict(encoding=self._encoding), MultiValueDict()
            return
        if kind == "multipart/form-data":
            source = BytesIO(self._body) if hasattr(self, "_body") else self
            try:
                self._post, self._files = self.parse_file_upload(self.META, source)
            except (MultiPartParserError, SuspiciousMultipartForm, TooManyFilesSent):
                # Error pages that read POST must not start parsing all over again.
                self._mark_post_parse_error()
                raise
            return
        encoding = self._encoding
        if encoding is not None and encoding.lower().replace("_", "-") not in {"utf-8",
                                                                              "utf8"}:
            raise BadRequest("HTTP requests with the 'application/x-www-form-urlencoded' "
                             "content type must be UTF-8 encoded.")
        self._post, self._files = QueryDict(self.body, encoding="utf-8"), MultiValueDict()

    def close(self) -> None:
        files = self.__dict__.get("_files")
        if files:
            for uploads in files.lists():
                for upload in uploads[1]:
                    upload.close()

    # File-like access to the body, for parsers that stream it.

    def read(self, *args, **kwargs) -> bytes:
        self._read_started = True
        try:
            return self._stream.read(*args, **kwargs)
        except OSError as broken:
            raise UnreadablePostError(*broken.args) from broken

    def readline(self, *args, **kwargs) -> bytes:
        self._read_started = True
        try:
            return self._stream.readline(*args, **kwargs)
        except OSError as broken:
            raise UnreadablePostError(*broken.args) from broken

    def __iter__(self):
        return iter(self.readline, b"")

    def readlines(self) -> list[bytes]:
        return list(self)


class FormDataOnDemand:
    """POST and FILES for the handlers' requests: parsed from the body when first read."""

    def _body_part(self, name: str):
        try:
            return self.__dict__[name]
        except KeyError:
            self._load_post_and_files()
            return self.__dict__[name]

    def _replace_post(self, post) -> None:
        self._post = post

    POST = property(lambda self: self._body_part("_post"), _replace_post)
    FILES = property(lambda self: self._body_part("_files"))


_FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})


def _content_length(meta: dict[str, Any]) -> int:
    """CONTENT_LENGTH as a number; 0 when missing or not a number."""
    try:
        return int(meta.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        return 0


# -- QueryDict ------------------------------------------------------------------------------

def _mutator(name: str):
    """A MultiValueDict method that first checks the QueryDict may be changed."""
    inherited = getattr(MultiValueDict, name)

    def checked(self, *args, **kwargs):
        if not self._mutable:
            raise AttributeError("This QueryDict instance is immutable")
        return inherited(self, *args, **kwargs)

    checked.__name__ = checked.__qualname__ = name
    checked.__doc__ = inherited.__doc__
    return checked


class QueryDict(MultiValueDict):
    """The fields of a query string or form body, each name holding a list of values.

    Immutable unless made with ``mutable=True``; ``copy()`` always gives a mutable one.
    Bytes given as keys or values are decoded with the QueryDict's encoding.
    """

    _mutable = True
    _encoding: str | None = None

    def __init__(self, query_string: str | bytes | None = None, mutable: bool = False,
                 encoding: str | None = None):
        super().__init__()
        self.encoding = encoding or settings.DEFAULT_CHARSET
        if query_string:
            for key, value in _parse_fields(query_string, self.encoding):
                MultiValueDict.appendlist(self, key, value)
        self._mutable = mutable

    @classmethod
    def fromkeys(cls, iterable, value: str = "", mutable: bool = False, encoding=None):
        made = cls("", mutable=True, encoding=encoding)
        for key in iterable:
            made.appendlist(key, value)
        made._mutable = mutable
        return made

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

    def _text(self, value):
        return bytes_to_text(value, self.encoding)

    def __setitem__(self, key, value):
        self._assert_mutable()
        super().__setitem__(self._text(key), self._text(value))

    def setlist(self, key, list_):
        self._assert_mutable()
        super().setlist(self._text(key), [self._text(item) for item in list_])

    def appendlist(self, key, value):
        self._assert_mutable()
        super().appendlist(self._text(key), self._text(value))

    def setdefault(self, key, default=None):
        self._assert_mutable()
        return super().setdefault(self._text(key), self._text(default))

    __delitem__ = _mutator("__delitem__")
    setlistdefault = _mutator("setlistdefault")
    pop = _mutator("pop")
    popitem = _mutator("popitem")
    clear = _mutator("clear")
    update = _mutator("update")

    def _fresh_copy(self, copy_item):
        duplicate = type(self)("", mutable=True, encoding=self.encoding)
        for key, values in self.lists():
            duplicate.setlist(copy_item(key), copy_item(values))
        return duplicate

    def __copy__(self):
        return self._fresh_copy(lambda item: item)

    def __deepcopy__(self, memo):
        duplicate = type(self)("", mutable=True, encoding=self.encoding)
        memo[id(self)] = duplicate
        for key, values in self.lists():
            duplicate.setlist(copy.deepcopy(key, memo), copy.deepcopy(values, memo))
        return duplicate

    def copy(self):
        """A mutable deep copy."""
        return self.__deepcopy__({})

    def urlencode(self, safe: str | None = None) -> str:
        """The fields as a query string (``a=1&a=2``); characters in ``safe`` stay as-is."""
        encoding = self.encoding
        if safe:
            safe_bytes = safe.encode(encoding)

            def pair(name: bytes, value: bytes) -> str:
                return f"{quote(name, safe_bytes)}={quote(value, safe_bytes)}"
        else:
            from urllib.parse import urlencode as _pairs_to_query

            def pair(name: bytes, value: bytes) -> str:
                return _pairs_to_query({name: value})

        return "&".join(pair(key.encode(encoding), str(value).encode(encoding))
                        for key, values in self.lists() for value in values)


def _parse_fields(query_string: str | bytes, encoding: str) -> list[tuple[str, str]]:
    """(name, value) pairs of a query string, blank values kept, within the field limit."""
    if isinstance(query_string, bytes):
        try:
            query_string = query_string.decode(encoding)
        except UnicodeDecodeError:
            # Some clients send Latin-1: keep every byte rather than fail.
            query_string = query_string.decode("iso-8859-1")
    try:
        return parse_qsl(query_string, keep_blank_values=True, encoding=encoding,
                         max_num_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)
    except ValueError as too_many:
        # parse_qsl raises ValueError here only when max_num_fields is exceeded.
        raise TooManyFieldsSent("The number of GET/POST parameters exceeded "
                                "settings.DATA_UPLOAD_MAX_NUMBER_FIELDS.") from too_many


def bytes_to_text(s, encoding: str):
    """Bytes decoded with ``encoding`` (bad sequences replaced); anything else unchanged."""
    return str(s, encoding, "replace") if isinstance(s, bytes) else s


# -- hosts ----------------------------------------------------------------------------------

def split_domain_port(host: str) -> tuple[str, str]:
    """(lower-cased domain without a trailing dot, port); ('', '') for an invalid host."""
    found = host_validation_re.fullmatch(host.lower())
    if found is None:
        return "", ""
    domain, port = found.groups(default="")
    return domain.removesuffix("."), port


def validate_host(host: str, allowed_hosts) -> bool:
    """Whether ``host`` matches an entry of ``allowed_hosts``: '*', exact or '.domain'."""
    return any(pattern == "*" or is_same_domain(host, pattern) for pattern in allowed_hosts)
