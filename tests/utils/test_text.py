"""reinhardt.utils.text: slugs, lists, literals, file names, truncation, wrapping."""

import pytest

from reinhardt.core.exceptions import SuspiciousFileOperation
from reinhardt.utils.text import (
    Truncator,
    calculate_truncate_chars_length,
    camel_case_to_spaces,
    capfirst,
    format_lazy,
    get_text_list,
    get_valid_filename,
    phone2numeric,
    slugify,
    smart_split,
    unescape_string_literal,
    wrap,
)


def test_small_helpers():
    assert capfirst("hello") == "Hello" and capfirst("") == "" and capfirst(12) == "12"
    assert slugify(" Héllo,  World -- again_ ") == "hello-world-again"
    assert slugify("Straße 東京", allow_unicode=True) == "straße-東京"
    assert camel_case_to_spaces("MyHTTPServer2") == "my http server2"
    assert get_text_list(["a", "b", "c"], "and") == "a, b and c"
    assert get_text_list(["a"]) == "a" and get_text_list([]) == ""
    assert str(format_lazy("{}-{x}", 1, x=2)) == "1-2"
    assert phone2numeric("1-800-COLLECT") == "1-800-2655328"


def test_smart_split_keeps_quoted_phrases():
    assert list(smart_split('a "b c" d=\'e f\' "g \\"h\\""')) == [
        "a", '"b c"', "d='e f'", '"g \\"h\\""'
    ]


def test_unescape_string_literal():
    assert unescape_string_literal("'it\\'s'") == "it's"
    assert unescape_string_literal('"a\\\\b"') == "a\\b"
    for bad in ("", "x", "'a\"", "a'"):
        with pytest.raises(ValueError, match="Not a string literal"):
            unescape_string_literal(bad)


def test_get_valid_filename():
    assert get_valid_filename(" my file (1).txt ") == "my_file_1.txt"
    assert get_valid_filename("...") == "..."
    for bad in ("", "..", "$%"):
        with pytest.raises(SuspiciousFileOperation, match="Could not derive file name"):
            get_valid_filename(bad)


def test_truncate_chars_counts_the_marker_and_skips_combining_characters():
    assert Truncator("Hello world").chars(8) == "Hello w…"
    assert Truncator("Hello world").chars(8, "...") == "Hello..."
    assert Truncator("Hello").chars(5) == "Hello"
    # Text is NFC-normalised first; combining marks that remain take no room.
    assert Truncator("e\u0301" * 6).chars(3) == "\u00e9\u00e9…"
    assert Truncator("\u0301\u0302abcdef").chars(3) == "\u0301\u0302ab…"
    assert Truncator("abc").chars(0) == ""
    assert calculate_truncate_chars_length(8, "...") == 5
    assert calculate_truncate_chars_length(2, "...") == 0


def test_truncate_words_and_custom_markers():
    text = "The quick brown fox"
    assert Truncator(text).words(2) == "The quick…"
    assert Truncator(text).words(2, "%(truncated_text)s [more]") == "The quick [more]"
    assert Truncator("  a   b  ").words(5) == "a b"


def test_truncate_html_closes_tags_and_counts_only_text():
    html = "<p>Hello <b>brave new</b> world</p>"
    assert Truncator(html).words(2, html=True) == "<p>Hello <b>brave…</b></p>"
    assert Truncator(html).chars(9, html=True) == "<p>Hello <b>br…</b></p>"
    # Each text node counts; void elements get no end tag.
    markup = "<p>a<br/>b<img src='x'/>c</p>"
    assert Truncator(markup).words(3, html=True) == markup
    assert Truncator(markup).words(1, html=True) == "<p>a<br/>…</p>"
    # Only text that ends the document may use the marker's room.
    assert Truncator("<em>exact</em>").chars(5, html=True) == "<em>exac…</em>"
    assert Truncator("<p>exact").chars(5, html=True) == "<p>exact</p>"
    assert Truncator("<p>a &amp; b &lt;c</p>").chars(4, html=True) == "<p>a &amp;…</p>"


def test_wrap():
    assert wrap("a long line of words", 7) == "a long\nline of\nwords"
    assert wrap("unbreakablelongword x", 5) == "unbreakablelongword\nx"
    assert wrap("keep\n   \nblank\n", 10) == "keep\n   \nblank\n"
