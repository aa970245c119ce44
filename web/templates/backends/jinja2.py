"""The Jinja2 TEMPLATES backend, for projects that prefer Jinja2's language.

``{"BACKEND": "reinhardt.web.templates.backends.jinja2.Jinja2", "APP_DIRS": True,
"OPTIONS": {"environment": "myproject.jinja2.environment"}}``; app templates live in each
app's ``jinja2`` folder. Templates get ``request``, ``csrf_input`` and ``csrf_token`` when
rendered with a request, plus OPTIONS["context_processors"].
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from reinhardt.conf import settings
from reinhardt.utils.functional import cached_property
from reinhardt.utils.module_loading import import_string
from reinhardt.web.templates.backends.base import BaseEngine
from reinhardt.web.templates.exceptions import TemplateDoesNotExist, TemplateSyntaxError


class Jinja2(BaseEngine):
    app_dirname = "jinja2"

    def __init__(self, params):
        params = params.copy()
        options = params.pop("OPTIONS").copy()
        super().__init__(params)
        self.context_processors = options.pop("context_processors", [])
        environment = options.pop("environment", "jinja2.Environment")
        environment_cls = import_string(environment)
        if "loader" not in options:
            options["loader"] = jinja2.FileSystemLoader(self.template_dirs)
        options.setdefault("autoescape", True)
        options.setdefault("auto_reload", settings.DEBUG)
        options.setdefault("undefined", jinja2.DebugUndefined if settings.DEBUG
                           else jinja2.Undefined)
        self.env = environment_cls(**options)

    def from_string(self, template_code):
        return Template(self.env.from_string(template_code), self)

    def get_template(self, template_name):
        try:
            return Template(self.env.get_template(template_name), self)
        except jinja2.TemplateNotFound as exc:
            raise TemplateDoesNotExist(exc.name, backend=self) from exc
        except jinja2.TemplateSyntaxError as exc:
            new = TemplateSyntaxError(exc.args)
            new.template_debug = get_exception_info(exc)
            new.set_location(exc.filename or exc.name, exc.lineno, exc.source.splitlines()[
                exc.lineno - 1].strip() if exc.source and exc.lineno else "")
            raise new from exc

    @cached_property
    def template_context_processors(self) -> list:
        return [import_string(path) for path in self.context_processors]


class Template:
    """A Jinja2 template with Django's ``render(context=None, request=None)``."""

    def __init__(self, template, backend):
        self.template = template
        self.backend = backend
        self.origin = Origin(name=template.filename, template_name=template.name)

    def render(self, context=None, request=None) -> str:
        from reinhardt.test.signals import template_rendered

        if context is None:
            context = {}
        if request is not None:
            from reinhardt.utils.functional import SimpleLazyObject, lazy
            from reinhardt.utils.html import format_html
            from reinhardt.utils.safestring import SafeString

            def _csrf_token():
                from reinhardt.web.middleware.csrf import get_token

                return get_token(request)

            csrf_token = SimpleLazyObject(_csrf_token)
            context["request"] = request
            context["csrf_input"] = lazy(
                lambda: format_html('<input type="hidden" name="csrfmiddlewaretoken" '
                                    'value="{}">', csrf_token), SafeString, str)()
            context["csrf_token"] = csrf_token
            for context_processor in self.backend.template_context_processors:
                context.update(context_processor(request))
        if template_rendered.receivers:
            template_rendered.send(sender=self, template=self, context=context)
        try:
            return self.template.render(context)
        except jinja2.TemplateSyntaxError as exc:
            new = TemplateSyntaxError(exc.args)
            new.template_debug = get_exception_info(exc)
            raise new from exc


class Origin:
    """Like the DTL's Origin: the template's name and (when known) its file."""

    def __init__(self, name, template_name):
        self.name = name
        self.template_name = template_name


def get_exception_info(exception) -> dict:
    """The debug page's excerpt for a Jinja2 syntax error."""
    context_lines = 10
    lineno = exception.lineno
    source = exception.source
    if source is None:
        exception_file = Path(exception.filename)
        if exception_file.exists():
            source = exception_file.read_text()
    if source is not None:
        lines = list(enumerate(source.strip().split("\n"), start=1))
        during = lines[lineno - 1][1]
        total = len(lines)
        top = max(0, lineno - context_lines - 1)
        bottom = min(total, lineno + context_lines)
    else:
        during = ""
        lines = []
        total = top = bottom = 0
    return {
        "name": exception.filename,
        "message": exception.message,
        "source_lines": lines[top:bottom],
        "line": lineno,
        "before": "",
        "during": during,
        "after": "",
        "total": total,
        "top": top,
        "bottom": bottom,
    }
