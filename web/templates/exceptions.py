"""Template errors, under Django's names.

Both error classes keep Django's message as ``args[0]`` (so code matching on it keeps
working) and, once the engine knows where the error happened, ``str(error)`` also names the
template, the line and the offending source text.
"""

from __future__ import annotations


class _Located:
    """Mixin: a location (template name, line, source text) appended to ``str(error)``."""

    template_name: str | None = None
    lineno: int | None = None
    source_text: str | None = None

    def set_location(self, template_name, lineno, source_text) -> None:
        if self.lineno is None:
            self.template_name = template_name
            self.lineno = lineno
            self.source_text = source_text

    def location(self) -> str:
        if self.lineno is None:
            return ""
        name = self.template_name or "<unknown source>"
        return f" (in template '{name}', line {self.lineno}: {self.source_text})"

    def __str__(self) -> str:
        return super().__str__() + self.location()


class TemplateDoesNotExist(_Located, Exception):
    """No loader could find the template.

    ``tried`` lists ``(origin, reason)`` pairs for the debug page; ``backend`` is the engine
    that raised; ``chain`` holds the errors of the other engines that were tried.
    """

    def __init__(self, msg, tried=None, backend=None, chain=None):
        self.backend = backend
        if tried is None:
            tried = []
        self.tried = tried
        if chain is None:
            chain = []
        self.chain = chain
        super().__init__(msg)


class TemplateSyntaxError(_Located, Exception):
    """The template source is not valid template language."""


class VariableDoesNotExist(Exception):
    """A variable lookup failed; rendering turns this into ``string_if_invalid``."""

    def __init__(self, msg, params=()):
        self.msg = msg
        self.params = params

    def __str__(self) -> str:
        return self.msg % self.params


class ContextPopException(Exception):
    """pop() was called more times than push()."""


class InvalidTemplateLibrary(Exception):
    """A ``templatetags`` module could not be imported or has no ``register``."""


__all__ = [
    "TemplateDoesNotExist", "TemplateSyntaxError", "VariableDoesNotExist",
    "ContextPopException", "InvalidTemplateLibrary",
]
