"""Splits template source into tokens: text, {{ variables }}, {% tags %} and {# comments #}.

A tag never spans lines, as in Django; every token records its line and its (start, end)
offsets in the source so errors can quote it.
"""

from __future__ import annotations

import re
from enum import Enum

from reinhardt.utils.text import smart_split

FILTER_SEPARATOR = "|"
FILTER_ARGUMENT_SEPARATOR = ":"
VARIABLE_ATTRIBUTE_SEPARATOR = "."
BLOCK_TAG_START = "{%"
BLOCK_TAG_END = "%}"
VARIABLE_TAG_START = "{{"
VARIABLE_TAG_END = "}}"
COMMENT_TAG_START = "{#"
COMMENT_TAG_END = "#}"
SINGLE_BRACE_START = "{"
SINGLE_BRACE_END = "}"

tag_re = re.compile(r"({%.*?%}|{{.*?}}|{#.*?#})")


class TokenType(Enum):
    TEXT = 0
    VAR = 1
    BLOCK = 2
    COMMENT = 3


class Token:
    """One piece of template source; ``contents`` is stripped of its delimiters."""

    __slots__ = ("token_type", "contents", "position", "lineno")

    def __init__(self, token_type: TokenType, contents: str, position=None, lineno=None):
        self.token_type = token_type
        self.contents = contents
        self.lineno = lineno
        self.position = position

    def __repr__(self) -> str:
        token_name = self.token_type.name.capitalize()
        contents = self.contents[:20].replace("\n", "")
        return f'<{token_name} token: "{contents}...">'

    def split_contents(self) -> list[str]:
        """Split on spaces like the shell, keeping quoted strings and _("...") together."""
        split = []
        bits = smart_split(self.contents)
        for bit in bits:
            if bit.startswith(('_("', "_('")):
                sentinel = bit[2] + ")"
                trans_bit = [bit]
                while not bit.endswith(sentinel):
                    bit = next(bits)
                    trans_bit.append(bit)
                bit = " ".join(trans_bit)
            split.append(bit)
        return split

    def source_text(self) -> str:
        """The token as it was written (delimiters included), for error messages."""
        if self.token_type is TokenType.BLOCK:
            return f"{BLOCK_TAG_START} {self.contents} {BLOCK_TAG_END}"
        if self.token_type is TokenType.VAR:
            return f"{VARIABLE_TAG_START} {self.contents} {VARIABLE_TAG_END}"
        if self.token_type is TokenType.COMMENT:
            return f"{COMMENT_TAG_START} {self.contents} {COMMENT_TAG_END}"
        return self.contents


class Lexer:
    """Turns a template string into a list of Tokens."""

    def __init__(self, template_string: str):
        self.template_string = template_string
        self.verbatim: str | bool = False

    def tokenize(self) -> list[Token]:
        source = self.template_string
        tokens = []
        lineno = 1
        upto = 0
        for match in tag_re.finditer(source):
            start, end = match.span()
            if start > upto:
                text = source[upto:start]
                tokens.append(Token(TokenType.TEXT, text, (upto, start), lineno))
                lineno += text.count("\n")
            tag = match.group()
            tokens.append(self.create_token(tag, (start, end), lineno, True))
            lineno += tag.count("\n")
            upto = end
        if upto < len(source):
            tokens.append(Token(TokenType.TEXT, source[upto:], (upto, len(source)), lineno))
        return tokens

    def create_token(self, token_string: str, position, lineno: int, in_tag: bool) -> Token:
        if in_tag:
            start = token_string[:2]
            if start == BLOCK_TAG_START:
                content = token_string[2:-2].strip()
                if self.verbatim:
                    if content != self.verbatim:
                        return Token(TokenType.TEXT, token_string, position, lineno)
                    self.verbatim = False
                elif content[:9] in ("verbatim", "verbatim "):
                    self.verbatim = f"end{content}"
                return Token(TokenType.BLOCK, content, position, lineno)
            if not self.verbatim:
                content = token_string[2:-2].strip()
                if start == VARIABLE_TAG_START:
                    return Token(TokenType.VAR, content, position, lineno)
                return Token(TokenType.COMMENT, content, position, lineno)
        return Token(TokenType.TEXT, token_string, position, lineno)


DebugLexer = Lexer  # Django's name for the lexer that records positions; this one always does.

__all__ = ["Token", "TokenType", "Lexer", "DebugLexer", "tag_re"]
