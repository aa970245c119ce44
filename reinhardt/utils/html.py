"""HTML escaping and formatting, producing exactly Django's output."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from reinhardt.utils.encoding import punycode
from reinhardt.utils.functional import Promise, keep_lazy, keep_lazy_text
from reinhardt.utils.safestring import SafeData, SafeString, mark_safe


@keep_lazy(SafeString)
def escape(text) -> SafeString:
    """Escape &, <, >, " and ' for HTML, even when ``text`` is already safe."""
    return SafeString(html.escape(str(text)))


_js_escapes = {
    ord("\\"): "\\u005C", ord("'"): "\\u0027", ord('"'): "\\u0022", ord(">"): "\\u003E",
    ord("<"): "\\u003C", ord("&"): "\\u0026", ord("="): "\\u003D", ord("-"): "\\u002D",
    ord(";"): "\\u003B", ord("`"): "\\u0060", ord("\u2028"): "\\u2028",
    ord("\u2029"): "\\u2029",
}
_js_escapes.update((ord("%c" % z), "\\u%04X" % z) for z in range(32))


@keep_lazy(SafeString)
def escapejs(value) -> SafeString:
    """Escape characters for use inside a JavaScript string literal."""
    return mark_safe(str(value).translate(_js_escapes))


_json_script_escapes = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_script(value, element_id=None, encoder=None) -> SafeString:
    """Serialise ``value`` as JSON inside a <script type="application/json"> tag."""
    from reinhardt.core.serializers.json import DjangoJSONEncoder

    json_str = json.dumps(value, cls=encoder or DjangoJSONEncoder).translate(_json_script_escapes)
    if element_id:
        return format_html('<script id="{}" type="application/json">{}</script>',
                           element_id, mark_safe(json_str))
    return format_html('<script type="application/json">{}</script>', mark_safe(json_str))


def conditional_escape(text):
    """Escape ``text`` unless it is already safe (has ``__html__``)."""
    if isinstance(text, Promise):
        text = str(text)
    if hasattr(text, "__html__"):
        return text.__html__()
    return escape(text)


def format_html(format_string, *args, **kwargs) -> SafeString:
    """``str.format`` with every argument conditionally escaped; the result is safe."""
    if not (args or kwargs):
        raise TypeError("args or kwargs must be provided.")
    args_safe = map(conditional_escape, args)
    kwargs_safe = {k: conditional_escape(v) for (k, v) in kwargs.items()}
    return mark_safe(format_string.format(*args_safe, **kwargs_safe))


def format_html_join(sep, format_string, args_generator) -> SafeString:
    return mark_safe(
        conditional_escape(sep).join(
            format_html(format_string, **args) if isinstance(args, dict)
            else format_html(format_string, *args)
            for args in args_generator
        )
    )


@keep_lazy_text
def linebreaks(value, autoescape: bool = False) -> str:
    """Wrap paragraphs (split by blank lines) in <p> and single newlines as <br>."""
    value = normalize_newlines(value)
    paras = re.split("\n{2,}", str(value))
    if autoescape:
        paras = ["<p>%s</p>" % escape(p).replace("\n", "<br>") for p in paras]
    else:
        paras = ["<p>%s</p>" % p.replace("\n", "<br>") for p in paras]
    return "\n\n".join(paras)


class MLStripper(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.reset()
        self.fed = []

    def handle_data(self, d):
        self.fed.append(d)

    def handle_entityref(self, name):
        self.fed.append("&%s;" % name)

    def handle_charref(self, name):
        self.fed.append("&#%s;" % name)

    def get_data(self):
        return "".join(self.fed)


def _strip_once(value: str) -> str:
    s = MLStripper()
    s.feed(value)
    s.close()
    return s.get_data()


MAX_STRIP_TAGS_DEPTH = 50


@keep_lazy_text
def strip_tags(value) -> str:
    """Return ``value`` with its HTML tags removed (repeatedly, until stable)."""
    value = str(value)
    strip_tags_depth = 0
    while "<" in value and ">" in value:
        if strip_tags_depth >= MAX_STRIP_TAGS_DEPTH:
            raise ValueError("Maximum HTML tag depth exceeded while stripping tags.")
        new_value = _strip_once(value)
        if value.count("<") == new_value.count("<"):
            break
        value = new_value
        strip_tags_depth += 1
    return value


@keep_lazy_text
def strip_spaces_between_tags(value) -> str:
    return re.sub(r">\s+<", "><", str(value))


def smart_urlquote(url: str) -> str:
    """Percent-encode a URL, leaving existing escapes alone (safe to apply twice)."""

    def unquote_quote(segment):
        segment = unquote(segment)
        return quote(segment, safe="!*'();:@&=+$,/?#[]~")

    try:
        scheme, netloc, path, query, fragment = urlsplit(url)
    except ValueError:
        return unquote_quote(url)
    try:
        netloc = punycode(netloc)
    except UnicodeError:
        return unquote_quote(url)
    if query:
        query_parts = [(unquote(q[0]), unquote(q[1]))
                       for q in parse_qsl(query, keep_blank_values=True)]
        query = urlencode(query_parts)
    path = unquote_quote(path)
    fragment = unquote_quote(fragment)
    return urlunsplit((scheme, netloc, path, query, fragment))


def avoid_wrapping(value: str) -> str:
    """Replace spaces with non-breaking spaces so the text does not wrap."""
    return value.replace(" ", "\xa0")


def html_safe(klass):
    """Class decorator: ``__html__`` returns ``__str__``."""
    if "__html__" in klass.__dict__:
        raise ValueError(f"can't apply @html_safe to {klass.__name__} because it defines __html__().")
    if "__str__" not in klass.__dict__:
        raise ValueError(f"can't apply @html_safe to {klass.__name__} because it doesn't define __str__().")
    klass_str = klass.__str__
    klass.__str__ = lambda self: mark_safe(klass_str(self))
    klass.__html__ = lambda self: str(self)
    return klass


def normalize_newlines(text) -> str:
    return re.sub(r"\r\n|\r", "\n", str(text))


__all__ = [
    "escape", "escapejs", "json_script", "conditional_escape", "format_html",
    "format_html_join", "linebreaks", "strip_tags", "strip_spaces_between_tags",
    "smart_urlquote", "avoid_wrapping", "html_safe", "SafeData", "mark_safe",
]


# ---- urlize: links for URLs and e-mail addresses in plain text ----------------------------
MAX_URL_LENGTH = 2048
_RFC3986_DELIMS = ":/?#[]@" + "!$&'()*+,;="

_simple_url_re = re.compile(r"^https?://\[?\w", re.IGNORECASE)
_simple_url_2_re = re.compile(
    r"^www\.|^(?!http)\w[^@]+\.(com|edu|gov|int|mil|net|org)($|/.*)$", re.IGNORECASE
)
_word_split_re = re.compile(r"""([\s<>"']+)""")
_email_user_re = re.compile(
    r"(^[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*\Z"
    r'|^"([\001-\010\013\014\016-\037!#-\[\]-\177]|\\[\001-\011\013\014\016-\177])*"\Z)',
    re.IGNORECASE,
)
_email_domain_re = re.compile(
    r"((?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+)(?:[A-Z0-9-]{2,63}(?<!-))\Z", re.IGNORECASE
)
_email_literal_re = re.compile(r"\[([A-F0-9:.]+)\]\Z", re.IGNORECASE)


def _urlize_quote(url: str) -> str:
    """Percent-encode a URL found in text, leaving what is already encoded."""

    def requote(segment):
        return quote(unquote(segment), safe=_RFC3986_DELIMS + "~")

    try:
        scheme, netloc, path, query, fragment = urlsplit(url)
    except ValueError:  # e.g. a broken IPv6 host
        return requote(url)
    netloc = requote(netloc)
    if query:
        query = urlencode([(unquote(k), unquote(v))
                           for k, v in parse_qsl(query, keep_blank_values=True)])
    return urlunsplit((scheme, netloc, requote(path), query, requote(fragment)))


def _is_email(value: str) -> bool:
    """An address Django's EmailValidator accepts (no domain allowlist)."""
    if not value or "@" not in value or len(value) > 320:
        return False
    user, domain = value.rsplit("@", 1)
    if not _email_user_re.match(user):
        return False
    if _email_domain_re.match(domain):
        return True
    literal = _email_literal_re.match(domain)
    if literal:
        import ipaddress

        try:
            ipaddress.ip_address(literal[1])
            return True
        except ValueError:
            return False
    try:
        domain = punycode(domain)
    except UnicodeError:
        return False
    return bool(_email_domain_re.match(domain))


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
            url = _urlize_quote(html.unescape(middle))
        elif len(middle) <= MAX_URL_LENGTH and _simple_url_2_re.match(middle):
            url = _urlize_quote("http://%s" % html.unescape(middle))
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
