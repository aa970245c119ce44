"""Template and Origin, plus the names Django's ``django.template.base`` exports.

A Template parses its source once (lexer -> parser -> nodes); its node list compiles to a
Python function the first time it renders with a given autoescape setting.
"""

from __future__ import annotations

import weakref

from reinhardt.test.signals import template_rendered
from reinhardt.utils.safestring import SafeString
from reinhardt.web.templates import compiler
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
from reinhardt.web.templates.lexer import (
    BLOCK_TAG_END,
    BLOCK_TAG_START,
    COMMENT_TAG_END,
    COMMENT_TAG_START,
    FILTER_ARGUMENT_SEPARATOR,
    FILTER_SEPARATOR,
    SINGLE_BRACE_END,
    SINGLE_BRACE_START,
    VARIABLE_ATTRIBUTE_SEPARATOR,
    VARIABLE_TAG_END,
    VARIABLE_TAG_START,
    DebugLexer,
    Lexer,
    Token,
    TokenType,
    tag_re,
)
from reinhardt.web.templates.nodes import Node, NodeList, TextNode, VariableNode
from reinhardt.web.templates.parser import Parser
from reinhardt.web.templates.runtime import render_value_in_context

UNKNOWN_SOURCE = "<unknown source>"


class Origin:
    """Where a template came from: a path (or name) and the loader that found it."""

    def __init__(self, name: str, template_name: str | None = None, loader=None):
        self.name = name
        self.template_name = template_name
        self.loader = loader

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<{self.__class__.__qualname__} name={self.name!r}>"

    def __eq__(self, other) -> bool:
        return (isinstance(other, Origin) and self.name == other.name
                and self.loader == other.loader)

    def __hash__(self) -> int:
        return hash((self.name, self.loader))

    @property
    def loader_name(self) -> str | None:
        if self.loader:
            return f"{self.loader.__module__}.{self.loader.__class__.__name__}"
        return None


class Template:
    """A compiled template; ``render(context)`` takes a Context."""

    def __init__(self, template_string, origin=None, name=None, engine=None):
        if engine is None:
            from reinhardt.web.templates.engine import Engine

            engine = Engine.get_default()
        if origin is None:
            origin = Origin(UNKNOWN_SOURCE)
        self.name = name
        self.origin = origin
        self.engine = engine
        self.source = str(template_string)
        self.nodelist = self.compile_nodelist()

    def __repr__(self) -> str:
        return f'<{self.__class__.__qualname__} template_string="{self.source[:20]}...">'

    def __iter__(self):
        yield from self.nodelist

    def compile_nodelist(self) -> NodeList:
        """Parse the source into nodes; syntax errors name the template, line and text."""
        tokens = Lexer(self.source).tokenize()
        parser = Parser(tokens, self.engine.template_libraries, self.engine.template_builtins,
                        self.origin)
        parser.template_ref = weakref.ref(self)
        try:
            nodelist = parser.parse()
            self.extra_data = parser.extra_data
            return nodelist
        except Exception as e:
            token = getattr(e, "token", None)
            if token is not None:
                self._locate(e, token)
                if self.engine.debug:
                    e.template_debug = self.get_exception_info(e, token)
            raise

    def _display_name(self) -> str:
        return self.origin.template_name or self.name or self.origin.name

    def _locate(self, e, token, origin_name=None) -> None:
        if isinstance(e, (TemplateSyntaxError, TemplateDoesNotExist)):
            e.set_location(origin_name or self._display_name(), token.lineno,
                           self._token_text(token))
        elif not getattr(e, "_template_note", False) and hasattr(e, "add_note"):
            e._template_note = True
            e.add_note(f"While rendering template '{origin_name or self._display_name()}', "
                       f"line {token.lineno}: {self._token_text(token)}")

    def _token_text(self, token) -> str:
        if token.position is not None:
            start, end = token.position
            text = self.source[start:end]
            if text:
                return text
        return token.source_text()

    def render(self, context) -> SafeString:
        """Render with a Context (not a dict: the backend's template takes dicts)."""
        with context.render_context.push_state(self):
            if context.template is None:
                with context.bind_template(self):
                    context.template_name = self.name
                    return self._render(context)
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
        """What the debug page shows: the template lines around the error."""
        start, end = token.position if token.position is not None else (0, 0)
        context_lines = 10
        line = 0
        upto = 0
        source_lines = []
        before = during = after = ""
        for num, next_ in enumerate(_linebreak_iter(self.source)):
            if start >= upto and end <= next_:
                line = num
                before = self.source[upto:start]
                during = self.source[start:end]
                after = self.source[end:next_]
            source_lines.append((num, self.source[upto:next_]))
            upto = next_
        total = len(source_lines)
        top = max(1, line - context_lines)
        bottom = min(total, line + 1 + context_lines)
        try:
            message = str(exception.args[0])
        except (IndexError, UnicodeDecodeError):
            message = "(Could not get exception message)"
        return {
            "message": message,
            "source_lines": source_lines[top:bottom],
            "before": before,
            "during": during,
            "after": after,
            "top": top,
            "bottom": bottom,
            "total": total,
            "line": line,
            "name": self.origin.name,
            "start": start,
            "end": end,
        }


def _linebreak_iter(template_source):
    yield 0
    p = template_source.find("\n")
    while p >= 0:
        yield p + 1
        p = template_source.find("\n", p + 1)
    yield len(template_source) + 1


__all__ = [
    "Template", "Origin", "Context", "Node", "NodeList", "TextNode", "VariableNode", "Variable",
    "FilterExpression", "Parser", "Lexer", "DebugLexer", "Token", "TokenType",
    "TemplateSyntaxError", "VariableDoesNotExist", "render_value_in_context", "token_kwargs",
    "kwarg_re", "filter_re", "tag_re", "UNKNOWN_SOURCE", "BLOCK_TAG_START", "BLOCK_TAG_END",
    "VARIABLE_TAG_START", "VARIABLE_TAG_END", "COMMENT_TAG_START", "COMMENT_TAG_END",
    "SINGLE_BRACE_START", "SINGLE_BRACE_END", "FILTER_SEPARATOR", "FILTER_ARGUMENT_SEPARATOR",
    "VARIABLE_ATTRIBUTE_SEPARATOR",
]
