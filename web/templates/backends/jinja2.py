"""The Jinja2 TEMPLATES backend, for projects that prefer Jinja2's language.

``{"BACKEND": "reinhardt.web.templates.backends.jinja2.Jinja2", "APP_DIRS": True,
"OPTIONS": {"environment": "myproject.jinja2.environment"}}``; app templates live in each
app's ``jinja2`` folder. Templates get ``request``, ``csrf_input`` and ``csrf_token`` when
rendered with a request, plus OPTIONS["context_processors"].

Every other OPTIONS key goes to the Environment. Unless given, the loader reads the
backend's template folders, output is autoescaped, templates reload when DEBUG is on, and
undefined names render visibly (DebugUndefined) under DEBUG and as "" otherwise.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from reinhardt.conf import settings
from reinhardt.utils.functional import cached_property
from reinhardt.utils.module_loading import import_string
from reinhardt.web.templates.backends.base import BaseEngine
from reinhardt.web.templates.exceptions import TemplateDoesNotExist, TemplateSyntaxError

# How many lines either side of the failing one the debug page shows.
_EXCERPT_RADIUS = 10


def _our_syntax_error(error: jinja2.TemplateSyntaxError) -> TemplateSyntaxError:
    """Jinja2's syntax error as ours, carrying the debug page's excerpt."""
    converted = TemplateSyntaxError(error.args)
    converted.template_debug = get_exception_info(error)
    return converted


def _failing_line(error: jinja2.TemplateSyntaxError) -> str:
    if not (error.source and error.lineno):
        return ""
    return error.source.splitlines()[error.lineno - 1].strip()


class Jinja2(BaseEngine):
    app_dirname = "jinja2"

    def __init__(self, params):
        settings_for_env = dict(params["OPTIONS"])
        super().__init__({key: value for key, value in params.items() if key != "OPTIONS"})
        self.context_processors = settings_for_env.pop("context_processors", [])
        make_environment = import_string(
            settings_for_env.pop("environment", "jinja2.Environment")
        )
        defaults = {
            "autoescape": True,
            "auto_reload": settings.DEBUG,
            "undefined": jinja2.DebugUndefined if settings.DEBUG else jinja2.Undefined,
        }
        if "loader" not in settings_for_env:
            defaults["loader"] = jinja2.FileSystemLoader(self.template_dirs)
        self.env = make_environment(**{**defaults, **settings_for_env})

    @cached_property
    def template_context_processors(self) -> list:
        """OPTIONS["context_processors"], imported on first use."""
        return list(map(import_string, self.context_processors))

    def from_string(self, template_code):
        return Template(self.env.from_string(template_code), self)

    def get_template(self, template_name):
        try:
            compiled = self.env.get_template(template_name)
        except jinja2.TemplateNotFound as missing:
            raise TemplateDoesNotExist(missing.name, backend=self) from missing
        except jinja2.TemplateSyntaxError as error:
            converted = _our_syntax_error(error)
            converted.set_location(error.filename or error.name, error.lineno,
                                   _failing_line(error))
            raise converted from error
        return Template(compiled, self)


def _request_context(request, processors) -> dict:
    """What a template rendered with a request gets on top of the caller's context."""
    from reinhardt.utils.functional import SimpleLazyObject, lazy
    from reinhardt.utils.html import format_html
    from reinhardt.utils.safestring import SafeString
    from reinhardt.web.middleware.csrf import get_token

    # Lazy: a page that never shows the token must not set the CSRF cookie.
    token = SimpleLazyObject(lambda: get_token(request))
    hidden_input = lazy(
        lambda: format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token),
        SafeString, str,
    )
    extra = {"request": request, "csrf_input": hidden_input(), "csrf_token": token}
    for processor in processors:
        extra.update(processor(request))
    return extra


class Template:
    """A Jinja2 template with Django's ``render(context=None, request=None)``."""

    def __init__(self, template, backend):
        self.template, self.backend = template, backend
        self.origin = Origin(name=template.filename, template_name=template.name)

    def render(self, context=None, request=None) -> str:
        from reinhardt.test.signals import template_rendered

        values = {} if context is None else context
        if request is not None:
            values.update(_request_context(request, self.backend.template_context_processors))
        if template_rendered.receivers:
            template_rendered.send(sender=self, template=self, context=values)
        try:
            return self.template.render(values)
        except jinja2.TemplateSyntaxError as error:
            raise _our_syntax_error(error) from error


class Origin:
    """Like the DTL's Origin: the template's name and (when known) its file."""

    def __init__(self, name, template_name):
        self.name, self.template_name = name, template_name


def _source_of(error) -> str | None:
    if error.source is not None:
        return error.source
    path = Path(error.filename)
    return path.read_text() if path.exists() else None


def get_exception_info(exception) -> dict:
    """The debug page's excerpt for a Jinja2 syntax error (the DTL's template_debug shape)."""
    line = exception.lineno
    source = _source_of(exception)
    numbered = []
    if source is not None:
        numbered = list(enumerate(source.strip().split("\n"), 1))
    count = len(numbered)
    first = max(line - _EXCERPT_RADIUS - 1, 0) if numbered else 0
    last = min(line + _EXCERPT_RADIUS, count)
    return dict(
        name=exception.filename,
        message=exception.message,
        line=line,
        source_lines=numbered[first:last],
        before="",
        during=numbered[line - 1][1] if numbered else "",
        after="",
        total=count,
        top=first,
        bottom=last,
    )
