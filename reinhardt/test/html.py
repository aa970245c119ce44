"""Parse HTML into comparable trees: whitespace and attribute order do not matter."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_WHITESPACE = re.compile(r"\s+")
# Elements that never have content, so they need no closing tag.
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
         "param", "source", "track", "wbr"}
_BOOLEAN_ATTRIBUTES = {"allowfullscreen", "async", "autofocus", "autoplay", "checked",
                       "controls", "default", "defer", "disabled", "formnovalidate", "hidden",
                       "ismap", "itemscope", "loop", "multiple", "muted", "nomodule",
                       "novalidate", "open", "playsinline", "readonly", "required",
                       "reversed", "selected"}


def normalize_whitespace(text: str) -> str:
    return _WHITESPACE.sub(" ", text)


def _normalize_attribute(name: str, value: str | None):
    if name == "class" and value:
        value = " ".join(sorted(value.split()))
    elif name in _BOOLEAN_ATTRIBUTES and (value is None or value == "" or value == name):
        value = None
    return name, value


class Element:
    def __init__(self, name: str | None, attributes):
        self.name = name
        self.attributes = sorted(_normalize_attribute(n, v) for n, v in attributes)
        self.children: list = []

    def append(self, element) -> None:
        if isinstance(element, str):
            element = normalize_whitespace(element)
            if self.children and isinstance(self.children[-1], str):
                self.children[-1] += element
                self.children[-1] = normalize_whitespace(self.children[-1])
                return
        elif self.children and isinstance(self.children[-1], str):
            # A space before a tag is insignificant only at the ends.
            if self.children[-1] == " ":
                self.children.pop()
        self.children.append(element)

    def finalize(self) -> None:
        def rstrip_last(children):
            if children and isinstance(children[-1], str):
                children[-1] = children[-1].rstrip()
                if not children[-1]:
                    children.pop()
                    rstrip_last(children)

        rstrip_last(self.children)
        for i, child in enumerate(self.children):
            if isinstance(child, str):
                self.children[i] = child.strip()
            elif hasattr(child, "finalize"):
                child.finalize()
        self.children = [c for c in self.children if c != ""]

    def __eq__(self, element) -> bool:
        if not hasattr(element, "name") or self.name != element.name:
            return False
        return (self.attributes == element.attributes
                and self.children == element.children)

    def __hash__(self):
        return hash((self.name, *self.attributes))

    def _count(self, element, count: bool = True) -> int:
        if not isinstance(element, str) and self == element:
            return 1
        if isinstance(element, RootElement) and self.children == element.children:
            return 1
        i = 0
        for child in self.children:
            if isinstance(child, str):
                if isinstance(element, str):
                    i += child.count(element) if count else int(element in child)
            else:
                i += child._count(element, count=count)
                if not count and i:
                    return i
        return i

    def count(self, element) -> int:
        return self._count(element, count=True)

    def __contains__(self, element) -> bool:
        return self._count(element, count=False) > 0

    def __getitem__(self, key):
        return self.children[key]

    def __str__(self) -> str:
        attrs = "".join(f' {n}="{v}"' if v is not None else f" {n}"
                        for n, v in self.attributes)
        inner = "".join(str(c) for c in self.children)
        if self.name in _VOID:
            return f"<{self.name}{attrs}>"
        return f"<{self.name}{attrs}>{inner}</{self.name}>"

    __repr__ = __str__


class RootElement(Element):
    def __init__(self):
        super().__init__(None, ())

    def __str__(self) -> str:
        return "".join(str(c) for c in self.children)


class HTMLParseError(Exception):
    pass


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = RootElement()
        self.open_tags: list[Element] = []
        self.element_positions: dict = {}

    @property
    def current(self) -> Element:
        return self.open_tags[-1] if self.open_tags else self.root

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs)
        self.current.append(element)
        if tag not in _VOID:
            self.open_tags.append(element)

    def handle_endtag(self, tag):
        if not self.open_tags:
            raise HTMLParseError(f"Unexpected end tag `{tag}`")
        element = self.open_tags.pop()
        while element.name != tag:
            if not self.open_tags:
                raise HTMLParseError(f"Unexpected end tag `{tag}`")
            element = self.open_tags.pop()

    def handle_data(self, data):
        self.current.append(data)


def parse_html(html: str) -> Element:
    """A tree for ``html``; a fragment with one root element returns that element."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    document = parser.root
    document.finalize()
    if len(document.children) == 1 and not isinstance(document.children[0], str):
        document = document.children[0]
    return document


def assert_and_parse_html(self, html: str, user_msg, msg):
    try:
        return parse_html(html)
    except HTMLParseError as e:
        standard_msg = f"{msg}\n{e}"
        self.fail(self._formatMessage(user_msg, standard_msg))
