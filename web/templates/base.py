"""Template and Origin, plus the names Django's ``django.template.base`` exports.

A Template parses its source once (lexer -> parser -> nodes); its node list compiles to a
Python function the first time it renders with a given autoescape setting.
"""

from __future__ import annotations

import bisect
import weakref

from reinhardt.test.signals import template_rendered
from reinhardt.utils.safestring import SafeString
from reinhardt.web.templates import compiler
from reinhardt.web.templates import lexer as _lexer
from reinhardt.web.templates.context import Context
from reinhardt.web.templates.exceptions import (
    TemplateDoesNotExist,
    TemplateSyntaxError,
    VariableDoesNotExist,
)
from reinhardt.web.templates.expressions import (
    FilterExpression,
    Variable,
    filter_re,
    kwarg_re,
    token_kwargs,
)
from reinhardt.web.templates.lexer import DebugLexer, Lexer, Token, TokenType, tag_re
from reinhardt.web.templates.nodes import Node, NodeList, TextNode, VariableNode
from reinhardt.web.templates.parser import Parser
from reinhardt.web.templates.runtime import render_value_in_context

UNKNOWN_SOURCE = "<unknown source>"

# The syntax delimiters live in the lexer; Django exports them from template.base too.
BLOCK_TAG_START, BLOCK_TAG_END = _lexer.BLOCK_TAG_START, _lexer.BLOCK_TAG_END
VARIABLE_TAG_START, VARIABLE_TAG_END = _lexer.VARIABLE_TAG_START, _lexer.VARIABLE_TAG_END
COMMENT_TAG_START, COMMENT_TAG_END = _lexer.COMMENT_TAG_START, _lexer.COMMENT_TAG_END
SINGLE_BRACE_START, SINGLE_BRACE_END = _lexer.SINGLE_BRACE_START, _lexer.SINGLE_BRACE_END
FILTER_SEPARATOR = _lexer.FILTER_SEPARATOR
FILTER_ARGUMENT_SEPARATOR = _lexer.FILTER_ARGUMENT_SEPARATOR
VARIABLE_ATTRIBUTE_SEPARATOR = _lexer.VARIABLE_ATTRIBUTE_SEPARATOR


class Origin:
    """Where a template came from: a path (or name) and the loader that found it."""

    def __init__(self, name: str, template_name: str | None = None, loader=None):
        self.name, self.template_name, self.loader = name, template_name, loader

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<{type(self).__qualname__} name={self.name!r}>"

    def __eq__(self, other) -> bool:
        if not isinstance(other, Origin):
            return False
        return (self.name, self.loader) == (other.name, other.loader)

    def __hash__(self) -> int:
        return hash((self.name, self.loader))

    @property
    def loader_name(self) -> str | None:
        """Dotted path of the loader's class, or None when no loader is recorded."""
        found_by = self.loader
        if not found_by:
            return None
        return f"{found_by.__module__}.{type(found_by).__name__}"


class Template:
    """A compiled template; ``render(context)`` takes a Context."""

    def __init__(self, template_string, origin=None, name=None, engine=None):
        self.source = str(template_string)
        self.name = name
        self.origin = Origin(UNKNOWN_SOURCE) if origin is None else origin
        self.engine = _default_engine() if engine is None else engine
        self.nodelist = self.compile_nodelist()

    def __repr__(self) -> str:
        return f'<{type(self).__qualname__} template_string="{self.source[:20]}...">'

    def __iter__(self):
        return iter(self.nodelist)

    def compile_nodelist(self) -> NodeList:
        """Parse the source into nodes; syntax errors name the template, line and text."""
        engine = self.engine
        parser = Parser(Lexer(self.source).tokenize(), engine.template_libraries,
                        engine.template_builtins, self.origin)
        parser.template_ref = weakref.ref(self)
        try:
            parsed = parser.parse()
        except Exception as error:
            bad_token = getattr(error, "token", None)
            if bad_token is not None:
                self._locate(error, bad_token)
                if engine.debug:
                    error.template_debug = self.get_exception_info(error, bad_token)
            raise
        self.extra_data = parser.extra_data
        return parsed

    def _display_name(self) -> str:
        return self.origin.template_name or self.name or self.origin.name

    def _locate(self, e, token, origin_name=None) -> None:
        where = origin_name or self._display_name()
        if isinstance(e, (TemplateSyntaxError, TemplateDoesNotExist)):
            e.set_location(where, token.lineno, self._token_text(token))
        elif hasattr(e, "add_note") and not getattr(e, "_template_note", False):
            e._template_note = True
            e.add_note(f"While rendering template '{where}', "
                       f"line {token.lineno}: {self._token_text(token)}")

    def _token_text(self, token) -> str:
        span = token.position
        text = self.source[span[0]:span[1]] if span is not None else ""
        return text or token.source_text()

    def render(self, context) -> SafeString:
        """Render with a Context (not a dict: the backend's template takes dicts)."""
        # Rendering directly (not through {% include %}/{% extends %}) binds the context to
        # this template, which is when a RequestContext runs its context processors.
        outermost = context.template is None
        with context.render_context.push_state(self):
            if not outermost:
                return self._render(context)
            context.template_name = self.name
            with context.bind_template(self):
                return self._render(context)

    def _render(self, context) -> SafeString:
        if template_rendered.receivers:
            template_rendered.send(sender=self, template=self, context=context)
        try:
            return SafeString(self.nodelist.compiled(self.engine, context.autoescape)(context))
        except Exception as e:
            self._annotate(e)
            raise

    def _annotate(self, e) -> None:
        """Record which template line raised ``e`` (once, at the innermost template)."""
        if getattr(e, "_template_located", False):
            return
        found = compiler.locate(e)
        if found is None:
            return
        e._template_located = True
        info, token = found
        template = info.template() or self
        template._locate(e, token, info.origin_name)
        if self.engine.debug and not hasattr(e, "template_debug"):
            e.template_debug = template.get_exception_info(e, token)

    def get_exception_info(self, exception, token) -> dict:
        """What the debug page shows: the template lines around the error.

        Lines are numbered from 1 and keep their newline; ``source_lines`` holds up to ten
        lines either side of the failing one, and before/during/after split that line
        around the token's text.
        """
        source = self.source
        start, end = (0, 0) if token.position is None else token.position
        starts = _line_starts(source)
        stops = starts[1:] + [len(source) + 1]
        numbered = [(n, source[a:b]) for n, (a, b) in enumerate(zip(starts, stops), 1)]
        # The line holding the token: the last one starting at or before it, provided the
        # token also ends on it (a token spread over lines belongs to none: line 0).
        line = bisect.bisect_right(starts, start)
        pieces = ("", "", "")
        if line and end <= stops[line - 1]:
            head, tail = starts[line - 1], stops[line - 1]
            pieces = (source[head:start], source[start:end], source[end:tail])
        else:
            line = 0
        shown_from = max(1, line - _DEBUG_CONTEXT_LINES)
        shown_to = min(len(numbered) + 1, line + 1 + _DEBUG_CONTEXT_LINES)
        try:
            headline = str(exception.args[0])
        except (IndexError, UnicodeDecodeError):
            headline = "(Could not get exception message)"
        info = dict(zip(("before", "during", "after"), pieces))
        info.update(message=headline, source_lines=numbered[shown_from - 1:shown_to - 1],
                    top=shown_from, bottom=shown_to, total=len(numbered) + 1, line=line,
                    name=self.origin.name, start=start, end=end)
        return info


_DEBUG_CONTEXT_LINES = 10


def _default_engine():
    from reinhardt.web.templates.engine import Engine

    return Engine.get_default()


def _line_starts(text: str) -> list[int]:
    """Offsets where each line of ``text`` begins (the first is always 0)."""
    offsets = [0]
    at = text.find("\n")
    while at != -1:
        offsets.append(at + 1)
        at = text.find("\n", at + 1)
    return offsets


__all__ = [
    "Template", "Origin", "Context", "Node", "NodeList", "TextNode", "VariableNode", "Variable",
    "FilterExpression", "Parser", "Lexer", "DebugLexer", "Token", "TokenType",
    "TemplateSyntaxError", "VariableDoesNotExist", "render_value_in_context", "token_kwargs",
    "kwarg_re", "filter_re", "tag_re", "UNKNOWN_SOURCE", "BLOCK_TAG_START", "BLOCK_TAG_END",
    "VARIABLE_TAG_START", "VARIABLE_TAG_END", "COMMENT_TAG_START", "COMMENT_TAG_END",
    "SINGLE_BRACE_START", "SINGLE_BRACE_END", "FILTER_SEPARATOR", "FILTER_ARGUMENT_SEPARATOR",
    "VARIABLE_ATTRIBUTE_SEPARATOR",
]
