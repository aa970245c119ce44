"""HTML escaping and formatting, producing exactly Django's output.

Everything here either escapes text for HTML (or for JavaScript inside HTML) or builds HTML
from parts while escaping the parts; the results are marked safe only after escaping.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from reinhardt.core.exceptions import SuspiciousOperation
from reinhardt.utils.functional import Promise, keep_lazy, keep_lazy_text
from reinhardt.utils.safestring import SafeData, SafeString, mark_safe


@keep_lazy(SafeString)
def escape(text) -> SafeString:
    """Escape &, <, >, " and ' for HTML, even when ``text`` is already safe."""
    return SafeString(html.escape(str(text)))


def _unicode_escape_table(chars: str) -> dict:
    """str.translate table writing each of ``chars`` as a JavaScript \\uXXXX escape."""
    return {ord(char): f"\\u{ord(char):04X}" for char in chars}


# Quotes, backslash, markup characters, '=', '-', ';', '`', the two JavaScript line
# separators and every ASCII control character.
_js_escapes = _unicode_escape_table(
    "\\'\"<>&=-;`\u2028\u2029" + "".join(map(chr, range(32))))
# Inside <script type="application/json"> only markup characters can break out.
_json_script_escapes = _unicode_escape_table("<>&")


@keep_lazy(SafeString)
def escapejs(value) -> SafeString:
    """Escape characters for use inside a JavaScript string literal."""
    return mark_safe(str(value).translate(_js_escapes))


def json_script(value, element_id=None, encoder=None) -> SafeString:
    """Serialise ``value`` as JSON inside a <script type="application/json"> tag."""
    from reinhardt.core.serializers.json import DjangoJSONEncoder

    encoded = json.dumps(value, cls=encoder or DjangoJSONEncoder)
    payload = mark_safe(encoded.translate(_json_script_escapes))
    if not element_id:
        return format_html('<script type="application/json">{}</script>', payload)
    return format_html('<script id="{}" type="application/json">{}</script>', element_id,
                       payload)


def conditional_escape(text):
    """Escape ``text`` unless it is already safe (has ``__html__``)."""
    if isinstance(text, Promise):
        text = str(text)
    as_html = getattr(text, "__html__", None)
    return escape(text) if as_html is None else as_html()


def format_html(format_string, *args, **kwargs) -> SafeString:
    """``str.format`` with every argument conditionally escaped; the result is safe.

    Unlike Django 5.2 (which only deprecates it), calling it without arguments is an error:
    it would mark ``format_string`` safe unescaped.
    """
    if not args and not kwargs:
        raise TypeError("args or kwargs must be provided.")
    positional = [conditional_escape(arg) for arg in args]
    named = {name: conditional_escape(arg) for name, arg in kwargs.items()}
    return mark_safe(format_string.format(*positional, **named))


def format_html_join(sep, format_string, args_generator) -> SafeString:
    """format_html() once per item (a sequence or a mapping), joined by escaped ``sep``."""
    def render(item):
        if isinstance(item, Mapping):
            return format_html(format_string, **item)
        return format_html(format_string, *item)

    return mark_safe(conditional_escape(sep).join(map(render, args_generator)))


_PARAGRAPH_BREAK = re.compile("\n{2,}")


@keep_lazy_text
def linebreaks(value, autoescape: bool = False) -> str:
    """Wrap paragraphs (split by blank lines) in <p> and single newlines as <br>."""
    prepare = escape if autoescape else str
    blocks = _PARAGRAPH_BREAK.split(normalize_newlines(value))
    return "\n\n".join(
        "<p>" + prepare(block).replace("\n", "<br>") + "</p>" for block in blocks)


class MLStripper(HTMLParser):
    """Keeps the text outside tags; entity and character references stay as written."""

    def get_data(self) -> str:
        return "".join(self.fed)

    def handle_data(self, data):
        self.fed.append(data)

    def handle_charref(self, name):
        self.fed.append(f"&#{name};")

    def handle_entityref(self, name):
        self.fed.append(f"&{name};")

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.fed = []


def _strip_once(value: str) -> str:
    stripper = MLStripper()
    stripper.feed(value)
    stripper.close()
    return stripper.get_data()


MAX_STRIP_TAGS_DEPTH = 50
# An opening tag that never closes and hides many '<': HTMLParser is slow on these, so
# such input is refused up front (as Django does since its 2025 security release).
_LONG_UNCLOSED_TAG = re.compile(r"<[a-zA-Z][^>]{1000,}")


def _too_deep() -> SuspiciousOperation:
    return SuspiciousOperation(
        f"strip_tags(): markup nested more than {MAX_STRIP_TAGS_DEPTH} levels deep.")


@keep_lazy_text
def strip_tags(value) -> str:
    """Return ``value`` with its HTML tags removed (repeatedly, until stable).

    Each pass can reveal new tags (``<<b>script>``), so passes repeat until one removes
    nothing; input needing more than MAX_STRIP_TAGS_DEPTH passes is SuspiciousOperation.
    """
    text = str(value)
    for candidate in _LONG_UNCLOSED_TAG.finditer(text):
        if candidate.group().count("<") >= MAX_STRIP_TAGS_DEPTH:
            raise _too_deep()
    passes = 0
    while "<" in text and ">" in text:
        if passes == MAX_STRIP_TAGS_DEPTH:
            raise _too_deep()
        passes += 1
        stripped = _strip_once(text)
        if stripped.count("<") == text.count("<"):
            return text
        text = stripped
    return text


_SPACE_BETWEEN_TAGS = re.compile(r">\s+<")


@keep_lazy_text
def strip_spaces_between_tags(value) -> str:
    """Remove whitespace between a closing ``>`` and the next ``<``."""
    return _SPACE_BETWEEN_TAGS.sub("><", str(value))


# RFC 3986 reserved characters (general and sub-delimiters) plus the unreserved '~'.
_URL_KEEP = ":/?#[]@" + "!$&'()*+,;=" + "~"


def _requote(part: str) -> str:
    return quote(unquote(part), safe=_URL_KEEP)


def smart_urlquote(url: str) -> str:
    """Percent-encode a URL, leaving existing escapes alone (safe to apply twice).

    The host is percent-encoded like the rest (international names are left to the
    browser), as in Django 5.2.
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. a broken IPv6 host
        return _requote(url)
    query = parts.query
    if query:
        # Names and values separately, so an encoded '&' or '=' inside a value survives.
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(unquote(name), unquote(val)) for name, val in pairs])
    return urlunsplit((parts.scheme, _requote(parts.netloc), _requote(parts.path), query,
                       _requote(parts.fragment)))


def avoid_wrapping(value: str) -> str:
    """Replace spaces with non-breaking spaces so the text does not wrap."""
    return "\xa0".join(value.split(" "))


def html_safe(klass):
    """Class decorator: ``__html__`` returns ``__str__``."""
    name, own = klass.__name__, vars(klass)
    if "__html__" in own:
        raise ValueError(f"can't apply @html_safe to {name} because it defines __html__().")
    if "__str__" not in own:
        raise ValueError(f"can't apply @html_safe to {name} because it doesn't define __str__().")
    original_str = klass.__str__

    def __str__(self):
        return mark_safe(original_str(self))

    def __html__(self):
        return str(self)

    klass.__str__, klass.__html__ = __str__, __html__
    return klass


_NEWLINE_VARIANTS = re.compile(r"\r\n|\r")


def normalize_newlines(text) -> str:
    """Turn Windows and old Mac line endings into \\n."""
    return _NEWLINE_VARIANTS.sub("\n", str(text))


__all__ = [
    "escape", "escapejs", "json_script", "conditional_escape", "format_html",
    "format_html_join", "linebreaks", "strip_tags", "strip_spaces_between_tags",
    "smart_urlquote", "avoid_wrapping", "html_safe", "SafeData", "mark_safe",
]


# ---- urlize: links for URLs and e-mail addresses in plain text ----------------------------
MAX_URL_LENGTH = 2048

_simple_url_re = re.compile(r"^https?://\[?\w", re.IGNORECASE)
_simple_url_2_re = re.compile(
    r"^www\.|^(?!http)\w[^@]+\.(com|edu|gov|int|mil|net|org)($|/.*)$", re.IGNORECASE
)
_word_split_re = re.compile(r"""([\s<>"']+)""")


def _is_email(value: str) -> bool:
    """An address EmailValidator accepts with an empty domain allowlist (as Django's urlize)."""
    from reinhardt.core.exceptions import ValidationError
    from reinhardt.core.validators import EmailValidator

    try:
        EmailValidator(allowlist=[])(value)
    except ValidationError:
        return False
    return True


def _trim_punctuation(word: str):
    """Split ``word`` into (leading wrappers, the candidate URL, trailing punctuation)."""
    middle = word.lstrip("([")
    lead = word[: len(word) - len(middle)]
    trail = ""
    # Bracket counts of the word as found; closing counts drop as brackets are trimmed.
    counts = {c: middle.count(c) for c in "()[]"}
    changed = True
    while changed and middle:
        changed = False
        for opening, closing in (("(", ")"), ("[", "]")):
            extra = counts[closing] - counts[opening]
            if extra > 0 and middle.endswith(closing):
                # Django 5.2 replaces (not extends) the trail here; kept for identical output.
                trail = middle[-extra:]
                middle = middle[:-extra]
                counts[closing] -= extra
                changed = True
        amp = middle.rfind("&")
        stripped = middle.rstrip(".,:;!" if amp == -1 else ".,:!")
        if stripped != middle:
            trail = middle[len(stripped):] + trail
            middle = stripped
            changed = True
        if middle.endswith(";"):
            # Keep a trailing ';' that ends an HTML entity.
            entity = middle[amp:]
            unescaped = html.unescape(entity)
            if unescaped == entity or unescaped.endswith(";"):
                stripped = middle.rstrip(".,:;!")
                start = len(stripped)
                semicolons = len(middle) - len(middle.rstrip(";"))
                if amp > -1 and semicolons > 1:
                    keep = middle[start:].index(";") + start + 1
                    trail = middle[keep:] + trail
                    middle = stripped + middle[start:keep]
                else:
                    trail = middle[start:] + trail
                    middle = stripped
                changed = True
    return lead, middle, trail


def _urlize_word(word, safe_input, trim_url_limit, nofollow, autoescape):
    if "." in word or "@" in word or ":" in word:
        lead, middle, trail = _trim_punctuation(word)
        url = None
        rel = ' rel="nofollow"' if nofollow else ""
        if len(middle) <= MAX_URL_LENGTH and _simple_url_re.match(middle):
            url = smart_urlquote(html.unescape(middle))
        elif len(middle) <= MAX_URL_LENGTH and _simple_url_2_re.match(middle):
            url = smart_urlquote("http://%s" % html.unescape(middle))
        elif ":" not in middle and _is_email(middle):
            local, domain = middle.rsplit("@", 1)
            url = f"mailto:{quote(local, safe='')}@{quote(domain, safe='')}"
            rel = ""
        if url:
            shown = middle
            if trim_url_limit is not None and len(shown) > trim_url_limit:
                shown = "%s…" % shown[: max(0, trim_url_limit - 1)]
            if autoescape and not safe_input:
                lead, trail, shown = escape(lead), escape(trail), escape(shown)
            return mark_safe(f'{lead}<a href="{escape(url)}"{rel}>{shown}</a>{trail}')
    if safe_input:
        return mark_safe(word)
    if autoescape:
        return escape(word)
    return word


@keep_lazy_text
def urlize(text, trim_url_limit=None, nofollow=False, autoescape=False) -> str:
    """Turn URLs and e-mail addresses in ``text`` into links (Django's urlize rules)."""
    safe_input = isinstance(text, SafeData)
    seen = {}
    out = []
    for word in _word_split_re.split(str(text)):
        linked = seen.get(word)
        if linked is None:
            linked = seen[word] = _urlize_word(word, safe_input, trim_url_limit, nofollow,
                                               autoescape)
        out.append(linked)
    return "".join(out)
