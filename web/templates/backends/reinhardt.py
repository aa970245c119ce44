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

# Attributes a TemplateDoesNotExist may carry that the re-raised copy keeps.
_KEPT_ON_RERAISE = ("template_name", "lineno", "source_text")


def _engine_options(configured):
    """The OPTIONS as given, with this backend's defaults filled in (not modifying them)."""
    defaults = {"autoescape": True, "debug": settings.DEBUG, "file_charset": "utf-8"}
    return {**defaults, **configured}


class ReinhardtTemplates(BaseEngine):
    """Template engine backend wrapping :class:`~reinhardt.web.templates.engine.Engine`."""

    app_dirname = "templates"

    def __init__(self, params):
        base_params = {key: value for key, value in params.items() if key != "OPTIONS"}
        options = _engine_options(params["OPTIONS"])
        options["libraries"] = self.get_templatetag_libraries(options.get("libraries", {}))
        BaseEngine.__init__(self, base_params)
        self.engine = Engine(self.dirs, self.app_dirs, **options)

    def check(self, **kwargs) -> list:
        return []

    def from_string(self, template_code):
        return Template(self.engine.from_string(template_code), self)

    def get_template(self, template_name):
        try:
            compiled = self.engine.get_template(template_name)
        except TemplateDoesNotExist as missing:
            reraise(missing, self)
        return Template(compiled, self)

    def get_templatetag_libraries(self, custom_libraries) -> dict:
        """The installed apps' ``templatetags`` libraries, overridden by the configured ones."""
        return {**get_installed_libraries(), **custom_libraries}


# Django's backend class name, so settings ported with a sed still read naturally.
DjangoTemplates = ReinhardtTemplates


class Template:
    """A backend template: ``render(context: dict | None, request=None)``."""

    def __init__(self, template, backend):
        self.backend = backend
        self.template = template

    @property
    def origin(self):
        return self.template.origin

    def render(self, context=None, request=None):
        autoescape = self.backend.engine.autoescape
        full_context = make_context(context, request, autoescape=autoescape)
        try:
            return self.template.render(full_context)
        except TemplateDoesNotExist as missing:
            reraise(missing, self.backend)


def reraise(exc, backend):
    """Raise a copy of the TemplateDoesNotExist *exc* that names *backend*."""
    copied = copy_exception(exc, backend)
    state = vars(exc)
    for name in _KEPT_ON_RERAISE:
        if name in state:
            setattr(copied, name, state[name])
    raise copied from exc


def _library_packages():
    """The importable ``templatetags`` packages: the built-in one, then each app's."""
    prefixes = ["reinhardt.web.templatetags"]
    prefixes += [config.name + ".templatetags" for config in apps.get_app_configs()]
    for prefix in prefixes:
        try:
            package = import_module(prefix)
        except ImportError:
            continue
        if hasattr(package, "__path__"):
            yield prefix, package


def get_template_tag_modules():
    """Yield (name, module path) for every ``templatetags`` module of the installed apps;
    the name is the path below the package, as used by ``{% load %}``."""
    for prefix, package in _library_packages():
        skip = len(prefix) + 1
        for dotted in get_package_libraries(package):
            yield dotted[skip:], dotted


def get_installed_libraries() -> dict:
    """{name: module path} for the libraries ``{% load %}`` finds without configuration."""
    return {name: dotted for name, dotted in get_template_tag_modules()}


def get_package_libraries(pkg):
    """Yield the dotted paths of *pkg*'s modules (recursively) that define ``register``."""
    for info in pkgutil.walk_packages(pkg.__path__, f"{pkg.__name__}."):
        dotted = info.name
        try:
            candidate = import_module(dotted)
        except ImportError as problem:
            raise InvalidTemplateLibrary(
                "Invalid template library specified. ImportError raised when trying to "
                f"load '{dotted}': {problem}"
            ) from problem
        if hasattr(candidate, "register"):
            yield dotted
