"""Turn a URL regex into the format strings that reverse() fills in.

``normalize(r"^articles/(?P<year>[0-9]{4})/(?:page-(?P<page>\\d+)/)?$")`` gives
``[("articles/%(year)s/", ["year"]), ("articles/%(year)s/page-%(page)s/", ["year", "page"])]``.

Reversing needs one representative string per way the pattern can match, so the rules are:
the first branch of an alternation; optional parts (``?``, ``*``, ``{0,n}``) both absent and
present once (absent first); ``+`` and ``{n,m}`` repeated the minimum number of times;
a character class or escape outside a group stands for one arbitrary member; groups become
``%(name)s`` (unnamed ones ``%(_0)s``, ``%(_1)s``...); lookarounds and flags vanish.
Every candidate is checked against the real regex after substitution, so an arbitrary
representative that does not fit is simply rejected.
"""

from __future__ import annotations

import functools

_ESCAPES = {"d": "0", "D": "x", "s": " ", "S": "x", "w": "x", "W": "!",
            "A": "", "b": "", "B": "", "Z": "", "z": ""}
_MAX_VARIANTS = 64


class NonReversibleError(Exception):
    """The regex has a construct that cannot be reversed."""


@functools.lru_cache(maxsize=2048)
def normalize(pattern: str) -> list[tuple[str, list[str]]]:
    try:
        parser = _Parser(pattern)
        variants = parser.parse_sequence(top=True)
    except NonReversibleError:
        return [("", [])]
    return [(text, params) for text, params in variants] or [("", [])]


class _Parser:
    def __init__(self, pattern: str):
        self.s = pattern
        self.i = 0
        self.unnamed = 0

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def parse_sequence(self, top: bool = False) -> list[tuple[str, list[str]]]:
        """Parse until ')' (or the end); return [(format string, params)]."""
        variants: list[tuple[str, list[str]]] = [("", [])]
        while self.i < len(self.s):
            ch = self.s[self.i]
            if ch == ")":
                if top:
                    raise NonReversibleError("unbalanced parenthesis")
                break
            if ch == "|":
                # Only the first alternative is reversed; skip the rest of this group.
                self._skip_alternatives()
                break
            atom = self.parse_atom()
            atom = self.apply_quantifier(atom)
            if atom is None:
                continue
            variants = [(t1 + t2, p1 + p2) for t1, p1 in variants for t2, p2 in atom]
            variants = variants[:_MAX_VARIANTS]
        return variants

    def _skip_alternatives(self) -> None:
        depth = 0
        while self.i < len(self.s):
            ch = self.s[self.i]
            if ch == "\\":
                self.i += 2
                continue
            if ch == "[":
                self._skip_class()
                continue
            if ch == "(":
                depth += 1
            elif ch == ")":
                if depth == 0:
                    return
                depth -= 1
            self.i += 1

    def _skip_class(self) -> str:
        """Skip a [...] class; return one character it accepts."""
        start = self.i
        self.i += 1
        negated = self.peek() == "^"
        if negated:
            self.i += 1
        first = None
        if self.peek() == "]":
            first = "]"
            self.i += 1
        while self.i < len(self.s) and self.s[self.i] != "]":
            if self.s[self.i] == "\\":
                if first is None:
                    nxt = self.s[self.i + 1] if self.i + 1 < len(self.s) else ""
                    first = _ESCAPES.get(nxt, nxt) or "x"
                self.i += 2
                continue
            if first is None:
                first = self.s[self.i]
            self.i += 1
        self.i += 1  # the closing ]
        if negated or first is None:
            return "x" if "x" not in self.s[start:self.i] else "!"
        return first

    def parse_atom(self) -> list[tuple[str, list[str]]] | None:
        ch = self.s[self.i]
        if ch == "^" or ch == "$":
            self.i += 1
            return None
        if ch == ".":
            self.i += 1
            return [(".", [])]
        if ch == "[":
            return [(_escape_percent(self._skip_class()), [])]
        if ch == "\\":
            nxt = self.s[self.i + 1] if self.i + 1 < len(self.s) else ""
            self.i += 2
            if nxt in _ESCAPES:
                text = _ESCAPES[nxt]
                return [(text, [])] if text else None
            if nxt.isdigit():
                raise NonReversibleError("backreference by number")
            return [(_escape_percent(nxt), [])]
        if ch == "(":
            return self.parse_group()
        self.i += 1
        return [(_escape_percent(ch), [])]

    def parse_group(self) -> list[tuple[str, list[str]]] | None:
        s = self.s
        self.i += 1
        name = None
        capture = True
        if s.startswith("?", self.i):
            self.i += 1
            kind = self.peek()
            if kind == "P" and s.startswith("<", self.i + 1):
                end = s.index(">", self.i)
                name = s[self.i + 2 : end]
                self.i = end + 1
            elif kind == "P" and s.startswith("=", self.i + 1):
                end = s.index(")", self.i)
                ref = s[self.i + 2 : end]
                self.i = end + 1
                return [(f"%({ref})s", [])]
            elif kind == "<" and self.i + 1 < len(s) and s[self.i + 1] not in "=!":
                end = s.index(">", self.i)
                name = s[self.i + 1 : end]
                self.i = end + 1
            elif kind == ":":
                self.i += 1
                capture = False
            elif kind in "=!" or (kind == "<" and s[self.i + 1] in "=!"):
                self._skip_group_body()
                return None
            elif kind == "#":
                self._skip_group_body()
                return None
            else:
                # Inline flags: (?i) or (?i:...).
                while self.i < len(s) and s[self.i] not in ":)":
                    self.i += 1
                if self.peek() == ")":
                    self.i += 1
                    return None
                self.i += 1
                capture = False
        if capture:
            if name is None:
                name = f"_{self.unnamed}"
                self.unnamed += 1
            # The group's content is whatever the caller passes: skip it.
            self._skip_group_body()
            return [(f"%({name})s", [name])]
        inner = self.parse_sequence()
        if self.peek() == ")":
            self.i += 1
        return inner

    def _skip_group_body(self) -> None:
        depth = 0
        while self.i < len(self.s):
            ch = self.s[self.i]
            if ch == "\\":
                self.i += 2
                continue
            if ch == "[":
                self._skip_class()
                continue
            if ch == "(":
                depth += 1
            elif ch == ")":
                if depth == 0:
                    self.i += 1
                    return
                depth -= 1
            self.i += 1
        raise NonReversibleError("unbalanced parenthesis")

    def apply_quantifier(self, atom):
        ch = self.peek()
        if ch not in ("?", "*", "+", "{"):
            return atom
        low = 0
        if ch == "{":
            end = self.s.find("}", self.i)
            body = self.s[self.i + 1 : end] if end != -1 else ""
            lo, _, _hi = body.partition(",")
            if end == -1 or not lo.strip().isdigit():
                # A literal brace, not a quantifier.
                return atom
            low = int(lo)
            self.i = end + 1
        else:
            self.i += 1
            low = 1 if ch == "+" else 0
        if self.peek() in ("?", "+"):
            self.i += 1  # lazy or possessive modifier
        if atom is None:
            return None
        if low == 0:
            # Absent first, then present once.
            return [("", []), *atom]
        return [("".join(t for _ in range(low) for t in [text]),
                 [p for _ in range(low) for p in params]) for text, params in atom]


def _escape_percent(text: str) -> str:
    return text.replace("%", "%%")
