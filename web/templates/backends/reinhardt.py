"""The TEMPLATES backend for reinhardt's compiled Django template language.

``{"BACKEND": "reinhardt.web.templates.backends.reinhardt.ReinhardtTemplates", ...}`` takes
Django's OPTIONS (context_processors, debug, loaders, string_if_invalid, file_charset,
libraries, builtins, autoescape).
"""

from __future__ import annotations

import pkgutil
from importlib import import_module

from reinhardt.apps import apps
from reinhardt.conf import settings
from reinhardt.web.templates.backends.base import BaseEngine
from reinhardt.web.templates.context import make_context
from reinhardt.web.templates.engine import Engine
from reinhardt.web.templates.exceptions import InvalidTemplateLibrary, TemplateDoesNotExist
from reinhardt.web.templates.loaders.cached import copy_exception


class ReinhardtTemplates(BaseEngine):
    app_dirname = "templates"

    def __init__(self, params):
        params = params.copy()
        options = params.pop("OPTIONS").copy()
        options.setdefault("autoescape", True)
        options.setdefault("debug", settings.DEBUG)
        options.setdefault("file_charset", "utf-8")
        libraries = options.get("libraries", {})
        options["libraries"] = self.get_templatetag_libraries(libraries)
        super().__init__(params)
        self.engine = Engine(self.dirs, self.app_dirs, **options)

    def check(self, **kwargs) -> list:
        return []

    def from_string(self, template_code):
        return Template(self.engine.from_string(template_code), self)

    def get_template(self, template_name):
        try:
            return Template(self.engine.get_template(template_name), self)
        except TemplateDoesNotExist as exc:
            reraise(exc, self)

    def get_templatetag_libraries(self, custom_libraries) -> dict:
        """The installed apps' ``templatetags`` libraries, then the configured ones."""
        libraries = get_installed_libraries()
        libraries.update(custom_libraries)
        return libraries


# Django's backend class name, so settings ported with a sed still read naturally.
DjangoTemplates = ReinhardtTemplates


class Template:
    """A backend template: ``render(context: dict | None, request=None)``."""

    def __init__(self, template, backend):
        self.template = template
        self.backend = backend

    @property
    def origin(self):
        return self.template.origin

    def render(self, context=None, request=None):
        context = make_context(context, request, autoescape=self.backend.engine.autoescape)
        try:
            return self.template.render(context)
        except TemplateDoesNotExist as exc:
            reraise(exc, self.backend)


def reraise(exc, backend):
    """Re-raise a TemplateDoesNotExist naming this backend."""
    new = copy_exception(exc, backend)
    for attr in ("template_name", "lineno", "source_text"):
        if attr in exc.__dict__:
            setattr(new, attr, exc.__dict__[attr])
    raise new from exc


def get_template_tag_modules():
    """Yield (name, module path) for every ``templatetags`` module of the installed apps."""
    candidates = ["reinhardt.web.templatetags"]
    candidates.extend(f"{app_config.name}.templatetags" for app_config in apps.get_app_configs())
    for candidate in candidates:
        try:
            pkg = import_module(candidate)
        except ImportError:
            continue
        if hasattr(pkg, "__path__"):
            for name in get_package_libraries(pkg):
                yield name.removeprefix(candidate).lstrip("."), name


def get_installed_libraries() -> dict:
    """{name: module path} for the libraries ``{% load %}`` finds without configuration."""
    return dict(get_template_tag_modules())


def get_package_libraries(pkg):
    for entry in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        try:
            module = import_module(entry[1])
        except ImportError as e:
            raise InvalidTemplateLibrary(
                f"Invalid template library specified. ImportError raised when trying to load "
                f"'{entry[1]}': {e}"
            ) from e
        if hasattr(module, "register"):
            yield entry[1]
