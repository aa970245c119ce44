"""HTTP helpers shared by requests, responses, middleware and views (``django.utils.http``)."""

from __future__ import annotations

import base64
import re
import unicodedata
from binascii import Error as BinasciiError
from datetime import UTC, datetime
from email.utils import formatdate
from urllib.parse import quote, unquote, urlsplit
from urllib.parse import urlencode as _stdlib_urlencode

from reinhardt.utils.datastructures import MultiValueDict

ETAG_MATCH = re.compile(r'\A((?:W/)?"[^"]*")\Z')
_ETAG_LIST_ITEM = re.compile(r'\s*((?:W/)?"[^"]*"|\*)\s*(?:,|\Z)')

MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
_D = r"(?P<day>[0-9]{2})"
_D2 = r"(?P<day>[ 0-9][0-9])"
_M = r"(?P<mon>\w{3})"
_Y = r"(?P<year>[0-9]{4})"
_Y2 = r"(?P<year>[0-9]{2})"
_T = r"(?P<hour>[0-9]{2}):(?P<min>[0-9]{2}):(?P<sec>[0-9]{2})"
RFC1123_DATE = re.compile(rf"^\w{{3}}, {_D} {_M} {_Y} {_T} GMT$")
RFC850_DATE = re.compile(rf"^\w{{6,9}}, {_D}-{_M}-{_Y2} {_T} GMT$")
ASCTIME_DATE = re.compile(rf"^\w{{3}} {_M} {_D2} {_T} {_Y}$")

RFC3986_GENDELIMS = ":/?#[]@"
RFC3986_SUBDELIMS = "!$&'()*+,;="
MAX_URL_LENGTH = 2048
MAX_HEADER_PARAMETERS = 100


def urlencode(query, doseq: bool = False) -> str:
    """Like the standard library's, but rejects None and encodes sequences only with doseq."""
    if isinstance(query, MultiValueDict):
        query = query.lists()
    elif hasattr(query, "items"):
        query = query.items()
    pairs = []
    for key, value in query:
        if value is None:
            raise TypeError(
                f"Cannot encode None for key '{key}' in a query string. Did you mean to pass "
                "an empty string or omit the value?"
            )
        if not doseq or isinstance(value, (str, bytes)):
            pairs.append((key, value))
            continue
        try:
            items = iter(value)
        except TypeError:
            pairs.append((key, value))
            continue
        values = []
        for item in items:
            if item is None:
                raise TypeError(
                    f"Cannot encode None for key '{key}' in a query string. Did you mean to "
                    "pass an empty string or omit the value?"
                )
            values.append(item if isinstance(item, bytes) else str(item))
        pairs.append((key, values))
    return _stdlib_urlencode(pairs, doseq)


def http_date(epoch_seconds: float | None = None) -> str:
    """Format a time as an RFC 9110 HTTP date, e.g. 'Wed, 21 Oct 2015 07:28:00 GMT'."""
    return formatdate(epoch_seconds, usegmt=True)


def parse_http_date(date: str) -> int:
    """Parse any of the three HTTP date formats into seconds since the epoch (UTC)."""
    for regex in (RFC1123_DATE, RFC850_DATE, ASCTIME_DATE):
        m = regex.match(date)
        if m is not None:
            break
    else:
        raise ValueError(f"{date!r} is not in a valid HTTP date format")
    try:
        year = int(m["year"])
        if year < 100:
            # RFC 9110: a two-digit year more than 50 years ahead is in the past century.
            current_year = datetime.now(UTC).year
            century = current_year - current_year % 100
            year += century
            if year - current_year > 50:
                year -= 100
        month = MONTHS.index(m["mon"].lower()) + 1
        result = datetime(year, month, int(m["day"]), int(m["hour"]), int(m["min"]),
                          int(m["sec"]), tzinfo=UTC)
        return int(result.timestamp())
    except Exception as exc:
        raise ValueError(f"{date!r} is not a valid date") from exc


def parse_http_date_safe(date: str) -> int | None:
    try:
        return parse_http_date(date)
    except Exception:
        return None


def base36_to_int(s: str) -> int:
    if len(s) > 13:
        raise ValueError("Base36 input too large")
    return int(s, 36)


def int_to_base36(i: int) -> str:
    chars = "0123456789abcdefghijklmnopqrstuvwxyz"
    if i < 0:
        raise ValueError("Negative base36 conversion input.")
    if i < 36:
        return chars[i]
    out = ""
    while i:
        i, n = divmod(i, 36)
        out = chars[n] + out
    return out


def urlsafe_base64_encode(s: bytes) -> str:
    return base64.urlsafe_b64encode(s).rstrip(b"\n=").decode("ascii")


def urlsafe_base64_decode(s: str | bytes) -> bytes:
    s = s.encode() if isinstance(s, str) else s
    try:
        return base64.urlsafe_b64decode(s.ljust(len(s) + len(s) % 4, b"="))
    except (LookupError, BinasciiError) as e:
        raise ValueError(e)


def parse_etags(etag_str: str) -> list[str]:
    """The ETags of an If-None-Match/If-Match header; ['*'] for the wildcard."""
    if etag_str.strip() == "*":
        return ["*"]
    etags = []
    for match in _ETAG_LIST_ITEM.finditer(etag_str):
        if match.group(1) != "*":
            etags.append(match.group(1))
    return etags


def quote_etag(etag_str: str) -> str:
    """Quote an ETag unless it is already a quoted (possibly weak) ETag."""
    if ETAG_MATCH.match(etag_str):
        return etag_str
    return f'"{etag_str}"'


def is_same_domain(host: str, pattern: str) -> bool:
    """Whether ``host`` matches ``pattern``; a leading dot matches the domain and subdomains."""
    if not pattern:
        return False
    pattern = pattern.lower()
    return (
        pattern[0] == "." and (host.endswith(pattern) or host == pattern[1:])
        or pattern == host
    )


def url_has_allowed_host_and_scheme(url, allowed_hosts, require_https: bool = False) -> bool:
    """Whether ``url`` is safe to redirect to: relative, or to an allowed host and scheme."""
    if url is not None:
        url = url.strip()
    if not url:
        return False
    if allowed_hosts is None:
        allowed_hosts = set()
    elif isinstance(allowed_hosts, str):
        allowed_hosts = {allowed_hosts}
    return _url_is_safe(url, allowed_hosts, require_https) and _url_is_safe(
        url.replace("\\", "/"), allowed_hosts, require_https
    )


def _url_is_safe(url: str, allowed_hosts, require_https: bool) -> bool:
    if url.startswith("///"):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if not parts.netloc and parts.scheme:
        return False
    if unicodedata.category(url[0])[0] == "C":
        return False
    scheme = parts.scheme
    if not parts.scheme and parts.netloc:
        scheme = "http"
    valid_schemes = ["https"] if require_https else ["http", "https"]
    return (not parts.netloc or parts.netloc in allowed_hosts) and (
        not scheme or scheme in valid_schemes
    )


def escape_leading_slashes(url: str) -> str:
    """Stop a path beginning with '//' from being read as a scheme-relative URL."""
    if url.startswith("//"):
        url = "/%2F" + url.removeprefix("//")
    return url


def _parse_header_params(s: str):
    while s[:1] == ";":
        s = s[1:]
        end = s.find(";")
        while end > 0 and (s.count('"', 0, end) - s.count('\\"', 0, end)) % 2:
            end = s.find(";", end + 1)
        if end < 0:
            end = len(s)
        yield s[:end]
        s = s[end:]


def parse_header_parameters(line: str, max_length: int = 10000) -> tuple[str, dict[str, str]]:
    """Split a header such as Content-Type into its main value and its parameters."""
    if max_length is not None and line and len(line) > max_length:
        raise ValueError("Unable to parse header parameters (value too long).")
    parts = _parse_header_params(";" + line)
    key = next(parts).lower().strip()
    pdict: dict[str, str] = {}
    for count, p in enumerate(parts):
        if count >= MAX_HEADER_PARAMETERS:
            break
        i = p.find("=")
        if i < 0:
            continue
        name = p[:i].strip().lower()
        value = p[i + 1 :].strip()
        has_encoding = False
        if name.endswith("*"):
            # RFC 2231 extended parameter: charset'language'percent-encoded-value.
            name = name[:-1]
            if value.count("'") == 2:
                has_encoding = True
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace("\\\\", "\\").replace('\\"', '"')
        if has_encoding:
            encoding, _lang, value = value.split("'")
            value = unquote(value, encoding=encoding)
        pdict[name] = value
    return key, pdict


def content_disposition_header(as_attachment: bool, filename: str) -> str | None:
    """A Content-Disposition value, quoting or RFC 5987-encoding the file name as needed."""
    if filename:
        disposition = "attachment" if as_attachment else "inline"
        try:
            filename.encode("ascii")
            escaped = filename.replace("\\", "\\\\").replace('"', r"\"")
            file_expr = f'filename="{escaped}"'
        except UnicodeEncodeError:
            file_expr = f"filename*=utf-8''{quote(filename)}"
        return f"{disposition}; {file_expr}"
    if as_attachment:
        return "attachment"
    return None
