"""Text helpers with Django's names and output."""

from __future__ import annotations

import re
import unicodedata

from reinhardt.utils.functional import keep_lazy_text, lazy


@keep_lazy_text
def capfirst(x):
    """Capitalise the first letter of a string."""
    if not x:
        return x
    if not isinstance(x, str):
        x = str(x)
    return x[0].upper() + x[1:]


@keep_lazy_text
def slugify(value, allow_unicode: bool = False) -> str:
    """Lowercase, drop non-word characters, turn spaces and repeated dashes into one dash."""
    value = str(value)
    if allow_unicode:
        value = unicodedata.normalize("NFKC", value)
    else:
        value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value.lower())
    return re.sub(r"[-\s]+", "-", value).strip("-_")


_camel_re = re.compile(r"(((?<=[a-z])[A-Z])|([A-Z](?![A-Z]|$)))")


def camel_case_to_spaces(value: str) -> str:
    """'CamelCaseName' -> 'camel case name', as Django derives verbose names."""
    return _camel_re.sub(r" \1", value).strip().lower()


def _format_lazy(format_string, *args, **kwargs):
    return format_string.format(*args, **kwargs)


format_lazy = lazy(_format_lazy, str)


@keep_lazy_text
def get_text_list(list_, last_word="or") -> str:
    """['a', 'b', 'c'] -> 'a, b or c'."""
    if not list_:
        return ""
    if len(list_) == 1:
        return str(list_[0])
    return "%s %s %s" % (", ".join(str(i) for i in list_[:-1]), str(last_word), str(list_[-1]))


smart_split_re = re.compile(
    r"""
    ((?:
        [^\s'"]*
        (?:
            (?:"(?:[^"\\]|\\.)*" | '(?:[^'\\]|\\.)*')
            [^\s'"]*
        )+
    ) | \S+)
""",
    re.VERBOSE,
)


def smart_split(text: str):
    """Split on spaces, keeping quoted phrases (with their quotes) together."""
    for bit in smart_split_re.finditer(str(text)):
        yield bit[0]


@keep_lazy_text
def unescape_string_literal(s: str) -> str:
    """Strip the quotes of a string literal and unescape its quotes and backslashes."""
    if not s or s[0] not in "\"'" or s[-1] != s[0]:
        raise ValueError(f"Not a string literal: {s!r}")
    quote = s[0]
    return s[1:-1].replace(r"\%s" % quote, quote).replace(r"\\", "\\")


@keep_lazy_text
def get_valid_filename(name) -> str:
    from reinhardt.core.exceptions import SuspiciousFileOperation

    s = str(name).strip().replace(" ", "_")
    s = re.sub(r"(?u)[^-\w.]", "", s)
    if s in {"", ".", ".."}:
        raise SuspiciousFileOperation(f"Could not derive file name from '{name}'")
    return s


# ---- truncation, wrapping, phone numbers (used by the template filters) -------------------
import textwrap  # noqa: E402
from collections import deque  # noqa: E402
from html.parser import HTMLParser  # noqa: E402

from reinhardt.utils.functional import SimpleLazyObject  # noqa: E402


def add_truncation_text(text: str, truncate=None) -> str:
    """Append the truncation marker ('…' by default); ``%(truncated_text)s`` places it."""
    if truncate is None:
        from reinhardt.utils.translation import pgettext

        truncate = pgettext("String to return when truncating text", "%(truncated_text)s…")
    if "%(truncated_text)s" in truncate:
        return truncate % {"truncated_text": text}
    if text.endswith(truncate):
        return text
    return f"{text}{truncate}"


def calculate_truncate_chars_length(length: int, replacement) -> int:
    """How many characters of text fit in ``length`` once the marker is added."""
    truncate_len = length
    for char in add_truncation_text("", replacement):
        if not unicodedata.combining(char):
            truncate_len -= 1
            if truncate_len == 0:
                break
    return truncate_len


_VOID_ELEMENTS = frozenset([
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr", "frame", "spacer",
])


class _TruncationDone(Exception):
    pass


class TruncateHTMLParser(HTMLParser):
    """Copies HTML until the text budget runs out, then closes the open tags."""

    def __init__(self, *, length, replacement, convert_charrefs=True):
        super().__init__(convert_charrefs=convert_charrefs)
        self.tags = deque()
        self.output = ""
        self.remaining = length
        self.replacement = replacement

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID_ELEMENTS:
            self.handle_endtag(tag)

    def handle_starttag(self, tag, attrs):
        self.output += self.get_starttag_text()
        if tag not in _VOID_ELEMENTS:
            self.tags.appendleft(tag)

    def handle_endtag(self, tag):
        if tag not in _VOID_ELEMENTS:
            self.output += f"</{tag}>"
            if self.tags and self.tags[0] == tag:
                self.tags.popleft()

    def handle_data(self, data):
        data, output = self.process(data)
        if self.remaining < len(data):
            self.remaining = 0
            self.output += add_truncation_text(output, self.replacement)
            raise _TruncationDone
        self.remaining -= len(data)
        self.output += output

    def process(self, data):
        raise NotImplementedError

    def feed(self, data):
        try:
            super().feed(data)
        except _TruncationDone:
            self.output += "".join(f"</{tag}>" for tag in self.tags)
            self.tags.clear()
        self.reset()


class TruncateCharsHTMLParser(TruncateHTMLParser):
    def __init__(self, *, length, replacement, convert_charrefs=True):
        self.length = length
        self.processed_chars = 0
        super().__init__(length=calculate_truncate_chars_length(length, replacement),
                         replacement=replacement, convert_charrefs=convert_charrefs)

    def process(self, data):
        from reinhardt.utils.html import escape

        self.processed_chars += len(data)
        if self.processed_chars == self.length and (
            len(self.output) + len(data) == len(self.rawdata)
        ):
            # Exactly at the limit with nothing after: no marker needed.
            self.output += data
            raise _TruncationDone
        return data, escape("".join(data[: self.remaining]))


class TruncateWordsHTMLParser(TruncateHTMLParser):
    def process(self, data):
        from reinhardt.utils.html import escape

        data = re.split(r"(?<=\S)\s+(?=\S)", data)
        return data, escape(" ".join(data[: self.remaining]))


class Truncator(SimpleLazyObject):
    """Truncates text by characters or words, optionally keeping HTML well-formed."""

    def __init__(self, text):
        super().__init__(lambda: str(text))

    def chars(self, num, truncate=None, html: bool = False) -> str:
        self._setup()
        length = int(num)
        if length <= 0:
            return ""
        text = unicodedata.normalize("NFC", self._wrapped)
        if html:
            parser = TruncateCharsHTMLParser(length=length, replacement=truncate)
            parser.feed(text)
            parser.close()
            return parser.output
        return self._text_chars(length, truncate, text)

    def _text_chars(self, length, truncate, text) -> str:
        truncate_len = calculate_truncate_chars_length(length, truncate)
        seen = 0
        end_index = None
        for i, char in enumerate(text):
            if unicodedata.combining(char):
                continue  # combining characters take no room
            seen += 1
            if end_index is None and seen > truncate_len:
                end_index = i
            if seen > length:
                return add_truncation_text(text[: end_index or 0], truncate)
        return text

    def words(self, num, truncate=None, html: bool = False) -> str:
        self._setup()
        length = int(num)
        if length <= 0:
            return ""
        if html:
            parser = TruncateWordsHTMLParser(length=length, replacement=truncate)
            parser.feed(self._wrapped)
            parser.close()
            return parser.output
        words = self._wrapped.split()
        if len(words) > length:
            return add_truncation_text(" ".join(words[:length]), truncate)
        return " ".join(words)


@keep_lazy_text
def wrap(text, width) -> str:
    """Wrap lines at ``width``, keeping existing line breaks and never splitting words."""
    wrapper = textwrap.TextWrapper(width=width, break_long_words=False, break_on_hyphens=False,
                                   replace_whitespace=False)
    result = []
    for line in text.splitlines():
        wrapped = wrapper.wrap(line)
        result.extend(wrapped if wrapped else [line])
    if text.endswith("\n"):
        result.append("")
    return "\n".join(result)


_PHONE_KEYS = {
    "a": "2", "b": "2", "c": "2", "d": "3", "e": "3", "f": "3", "g": "4", "h": "4", "i": "4",
    "j": "5", "k": "5", "l": "5", "m": "6", "n": "6", "o": "6", "p": "7", "q": "7", "r": "7",
    "s": "7", "t": "8", "u": "8", "v": "8", "w": "9", "x": "9", "y": "9", "z": "9",
}


@keep_lazy_text
def phone2numeric(phone) -> str:
    """'1-800-COLLECT' -> '1-800-2655328' (letters to phone keypad digits)."""
    return "".join(_PHONE_KEYS.get(c, c) for c in phone.lower())

def _gzip_header(max_random_bytes: int | None) -> bytes:
    """A gzip member header; with max_random_bytes, a random-length file name (BREACH)."""
    import secrets
    import string

    if not max_random_bytes:
        return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    length = secrets.randbelow(max_random_bytes) + 1
    name = "".join(secrets.choice(string.ascii_letters) for _ in range(length)).encode()
    return b"\x1f\x8b\x08\x08\x00\x00\x00\x00\x00\xff" + name + b"\x00"


def compress_string(s: bytes, *, max_random_bytes: int | None = None) -> bytes:
    """Gzip ``s`` (level 6, mtime 0)."""
    import zlib

    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = compressor.compress(s) + compressor.flush()
    trailer = zlib.crc32(s).to_bytes(4, "little") + (len(s) & 0xFFFFFFFF).to_bytes(4, "little")
    return _gzip_header(max_random_bytes) + body + trailer


def compress_sequence(sequence, *, max_random_bytes: int | None = None):
    """Gzip an iterable of bytes, flushing after each piece so streaming stays streaming."""
    import zlib

    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    crc = 0
    size = 0
    yield _gzip_header(max_random_bytes)
    for item in sequence:
        crc = zlib.crc32(item, crc)
        size += len(item)
        data = compressor.compress(item) + compressor.flush(zlib.Z_SYNC_FLUSH)
        if data:
            yield data
    yield compressor.flush() + crc.to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little")
