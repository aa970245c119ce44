"""{% static %}, {% get_static_prefix %} and {% get_media_prefix %} (``{% load static %}``)."""

from __future__ import annotations

from urllib.parse import quote, urljoin

from reinhardt.apps import apps
from reinhardt.utils.encoding import iri_to_uri
from reinhardt.utils.html import conditional_escape
from reinhardt.web.templates import Library, Node, TemplateSyntaxError
from reinhardt.web.templates.nodes import CompiledNode

register = Library()


class PrefixNode(Node):
    def __init__(self, varname=None, name=None):
        if name is None:
            raise TemplateSyntaxError("Prefix nodes must be given a name to return.")
        self.varname = varname
        self.name = name

    @classmethod
    def handle_token(cls, parser, token, name):
        tokens = token.contents.split()
        if len(tokens) > 1 and tokens[1] != "as":
            raise TemplateSyntaxError(f"First argument in '{tokens[0]}' must be 'as'")
        varname = tokens[2] if len(tokens) > 1 else None
        return cls(varname, name)

    @classmethod
    def handle_simple(cls, name) -> str:
        from reinhardt.conf import settings

        return iri_to_uri(getattr(settings, name, ""))

    def render(self, context):
        prefix = self.handle_simple(self.name)
        if self.varname is None:
            return prefix
        context[self.varname] = prefix
        return ""


@register.tag
def get_static_prefix(parser, token):
    return PrefixNode.handle_token(parser, token, "STATIC_URL")


@register.tag
def get_media_prefix(parser, token):
    return PrefixNode.handle_token(parser, token, "MEDIA_URL")


class StaticNode(CompiledNode):
    child_nodelists = ()

    def __init__(self, varname=None, path=None):
        if path is None:
            raise TemplateSyntaxError("Static template nodes must be given a path to return.")
        self.path = path
        self.varname = varname

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(varname={self.varname!r}, path={self.path!r})"

    def uses_context(self) -> bool:
        return self.varname is not None

    def url(self, context) -> str:
        return self.handle_simple(self.path.resolve(context))

    def compile(self, gen) -> None:
        url = gen.assign(f"{gen.const(self.handle_simple)}({gen.filter_expression(self.path)})")
        if gen.autoescape:
            url = gen.assign(f"_cescape({url})")
        if self.varname is None:
            gen.emit(url)
        else:
            gen.stmt(f"context[{self.varname!r}] = {url}")

    def render(self, context):
        url = self.url(context)
        if context.autoescape:
            url = conditional_escape(url)
        if self.varname is None:
            return url
        context[self.varname] = url
        return ""

    @classmethod
    def handle_simple(cls, path) -> str:
        """The URL of a static file: from staticfiles' storage when that app is installed."""
        if apps.is_installed("reinhardt.contrib.staticfiles"):
            from reinhardt.contrib.staticfiles.storage import staticfiles_storage

            return staticfiles_storage.url(path)
        return urljoin(PrefixNode.handle_simple("STATIC_URL"), quote(path))

    @classmethod
    def handle_token(cls, parser, token):
        bits = token.split_contents()
        if len(bits) < 2:
            raise TemplateSyntaxError(
                f"'{bits[0]}' takes at least one argument (path to file)"
            )
        path = parser.compile_filter(bits[1])
        varname = bits[3] if len(bits) >= 2 and bits[-2] == "as" else None
        return cls(varname, path)


@register.tag("static")
def do_static(parser, token):
    """``{% static "css/site.css" %}``: the URL of a static file."""
    return StaticNode.handle_token(parser, token)


def static(path) -> str:
    """The URL of the static file ``path`` (for Python code)."""
    return StaticNode.handle_simple(path)
