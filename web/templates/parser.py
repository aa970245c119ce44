"""The parser: turns tokens into nodes, calling each tag's compile function (Django's API).

Tag functions receive this parser and the tag's Token, exactly as in Django, so tags written
for Django (``parser.parse(("endx",))``, ``parser.next_token()``, ``parser.compile_filter()``,
...) work unchanged.
"""

from __future__ import annotations

from reinhardt.utils.text import get_text_list
from reinhardt.web.templates.exceptions import TemplateSyntaxError
from reinhardt.web.templates.expressions import FilterExpression
from reinhardt.web.templates.lexer import TokenType
from reinhardt.web.templates.nodes import NodeList, TextNode, VariableNode


class Parser:
    def __init__(self, tokens, libraries=None, builtins=None, origin=None):
        # Reversed, so that taking the next token is a cheap pop().
        self.tokens = list(reversed(tokens))
        self.tags: dict = {}
        self.filters: dict = {}
        self.command_stack: list = []
        self.libraries = libraries or {}
        for builtin in builtins or []:
            self.add_library(builtin)
        self.origin = origin
        self.extra_data: dict = {}
        # A weak reference to the Template being parsed (set by Template), for error pages.
        self.template_ref = None

    def __repr__(self) -> str:
        return f"<{self.__class__.__qualname__} tokens={self.tokens!r}>"

    def parse(self, parse_until=None) -> NodeList:
        """Parse until one of the ``parse_until`` tags (left unconsumed) or the end."""
        if parse_until is None:
            parse_until = []
        nodelist = NodeList()
        if self.template_ref is not None:
            nodelist.template_ref = self.template_ref
        while self.tokens:
            token = self.next_token()
            token_type = token.token_type
            if token_type is TokenType.TEXT:
                self.extend_nodelist(nodelist, TextNode(token.contents), token)
            elif token_type is TokenType.VAR:
                if not token.contents:
                    raise self.error(token, f"Empty variable tag on line {token.lineno}")
                try:
                    filter_expression = self.compile_filter(token.contents)
                except TemplateSyntaxError as e:
                    raise self.error(token, e)
                self.extend_nodelist(nodelist, VariableNode(filter_expression), token)
            elif token_type is TokenType.BLOCK:
                try:
                    command = token.contents.split()[0]
                except IndexError:
                    raise self.error(token, f"Empty block tag on line {token.lineno}")
                if command in parse_until:
                    # Leave the end tag for the caller to see where parsing stopped.
                    self.prepend_token(token)
                    return nodelist
                self.command_stack.append((command, token))
                try:
                    compile_func = self.tags[command]
                except KeyError:
                    self.invalid_block_tag(token, command, parse_until)
                try:
                    compiled_result = compile_func(self, token)
                except Exception as e:
                    raise self.error(token, e)
                self.extend_nodelist(nodelist, compiled_result, token)
                self.command_stack.pop()
        if parse_until:
            self.unclosed_block_tag(parse_until)
        return nodelist

    def skip_past(self, endtag: str) -> None:
        while self.tokens:
            token = self.next_token()
            if token.token_type is TokenType.BLOCK and token.contents == endtag:
                return
        self.unclosed_block_tag([endtag])

    def extend_nodelist(self, nodelist, node, token) -> None:
        if node.must_be_first and nodelist.contains_nontext:
            template_name = getattr(self.origin, "template_name", None)
            where = repr(template_name) if template_name else "the template"
            raise self.error(
                token, f"{{% {token.contents} %}} must be the first tag in {where}."
            )
        if not isinstance(node, TextNode):
            nodelist.contains_nontext = True
        # Set here because custom nodes' __init__ does not take them.
        node.token = token
        node.origin = self.origin
        nodelist.append(node)

    def error(self, token, e) -> Exception:
        """Attach ``token`` to the error (made a TemplateSyntaxError if it is a message)."""
        if not isinstance(e, Exception):
            e = TemplateSyntaxError(e)
        if not hasattr(e, "token"):
            e.token = token
        return e

    def invalid_block_tag(self, token, command, parse_until=None):
        if parse_until:
            expected = get_text_list([f"'{p}'" for p in parse_until], "or")
            raise self.error(
                token,
                f"Invalid block tag on line {token.lineno}: '{command}', expected {expected}. "
                "Did you forget to register or load this tag?",
            )
        raise self.error(
            token,
            f"Invalid block tag on line {token.lineno}: '{command}'. "
            "Did you forget to register or load this tag?",
        )

    def unclosed_block_tag(self, parse_until):
        command, token = self.command_stack.pop()
        msg = (f"Unclosed tag on line {token.lineno}: '{command}'. "
               f"Looking for one of: {', '.join(parse_until)}.")
        raise self.error(token, msg)

    def next_token(self):
        return self.tokens.pop()

    def prepend_token(self, token) -> None:
        self.tokens.append(token)

    def delete_first_token(self) -> None:
        del self.tokens[-1]

    def add_library(self, lib) -> None:
        self.tags.update(lib.tags)
        self.filters.update(lib.filters)

    def compile_filter(self, token: str) -> FilterExpression:
        return FilterExpression(token, self)

    def find_filter(self, filter_name: str):
        if filter_name in self.filters:
            return self.filters[filter_name]
        raise TemplateSyntaxError(f"Invalid filter: '{filter_name}'")


__all__ = ["Parser"]
