"""Engine: one configured template language instance (dirs, loaders, libraries, options)."""

from __future__ import annotations

import functools

from reinhardt.core.exceptions import ImproperlyConfigured
from reinhardt.utils.functional import cached_property
from reinhardt.utils.module_loading import import_string
from reinhardt.web.templates.base import Template
from reinhardt.web.templates.context import Context
from reinhardt.web.templates.exceptions import TemplateDoesNotExist
from reinhardt.web.templates.library import import_library

_LOADERS = "reinhardt.web.templates.loaders"
# Always first among the context processors, so {% csrf_token %} works everywhere.
_CSRF_PROCESSOR = "reinhardt.web.templates.context_processors.csrf"


def _default_loaders(app_dirs: bool) -> list:
    """Filesystem (plus app directories when asked), wrapped in the caching loader."""
    inner = [f"{_LOADERS}.filesystem.Loader"]
    if app_dirs:
        inner.append(f"{_LOADERS}.app_directories.Loader")
    return [(f"{_LOADERS}.cached.Loader", inner)]


class Engine:
    """The settings of one template language instance, and template lookup through them."""

    default_builtins = [
        "reinhardt.web.templates.defaulttags",
        "reinhardt.web.templates.defaultfilters",
        "reinhardt.web.templates.loader_tags",
    ]

    def __init__(self, dirs=None, app_dirs=False, context_processors=None, debug=False,
                 loaders=None, string_if_invalid="", file_charset="utf-8", libraries=None,
                 builtins=None, autoescape=True):
        if loaders is not None and app_dirs:
            raise ImproperlyConfigured("app_dirs must not be set when loaders is defined.")
        self.dirs = [] if dirs is None else dirs
        self.app_dirs, self.debug, self.autoescape = app_dirs, debug, autoescape
        self.context_processors = [] if context_processors is None else context_processors
        self.loaders = _default_loaders(app_dirs) if loaders is None else loaders
        self.string_if_invalid, self.file_charset = string_if_invalid, file_charset
        self.libraries = {} if libraries is None else libraries
        self.builtins = [*self.default_builtins, *(builtins or ())]
        self.template_libraries = self.get_template_libraries(self.libraries)
        self.template_builtins = self.get_template_builtins(self.builtins)

    def __repr__(self) -> str:
        def optional(label):
            value = getattr(self, label)
            return [f"{label}={value!r}"] if value else []

        parts = [*optional("dirs"), f"app_dirs={self.app_dirs}",
                 *optional("context_processors"), f"debug={self.debug}",
                 f"loaders={self.loaders!r}", f"string_if_invalid={self.string_if_invalid!r}",
                 f"file_charset={self.file_charset!r}", *optional("libraries"),
                 *optional("builtins"), f"autoescape={self.autoescape!r}"]
        return f"<{type(self).__qualname__}: {' '.join(parts)}>"

    @staticmethod
    @functools.lru_cache
    def get_default() -> Engine:
        """The Engine of the first ReinhardtTemplates backend in TEMPLATES."""
        from reinhardt.web.templates import engines
        from reinhardt.web.templates.backends.reinhardt import ReinhardtTemplates

        found = next((backend.engine for backend in engines.all()
                      if isinstance(backend, ReinhardtTemplates)), None)
        if found is None:
            raise ImproperlyConfigured("No ReinhardtTemplates backend is configured.")
        return found

    @cached_property
    def template_context_processors(self) -> tuple:
        dotted = (_CSRF_PROCESSOR, *self.context_processors)
        return tuple(map(import_string, dotted))

    def get_template_builtins(self, builtins) -> list:
        return list(map(import_library, builtins))

    def get_template_libraries(self, libraries) -> dict:
        return {label: import_library(dotted) for label, dotted in libraries.items()}

    @cached_property
    def template_loaders(self) -> list:
        return self.get_template_loaders(self.loaders)

    def get_template_loaders(self, template_loaders) -> list:
        built = (self.find_template_loader(entry) for entry in template_loaders)
        return [instance for instance in built if instance is not None]

    def find_template_loader(self, loader):
        """Instantiate one loader entry: a dotted path, or (dotted path, *arguments)."""
        dotted, arguments = loader, ()
        if isinstance(loader, (tuple, list)):
            dotted, arguments = loader[0], tuple(loader[1:])
        if not isinstance(dotted, str):
            raise ImproperlyConfigured(
                f"Invalid value in template loaders configuration: {dotted!r}")
        return import_string(dotted)(self, *arguments)

    def find_template(self, name, dirs=None, skip=None):
        """(template, origin) from the first loader that has ``name``; ``dirs`` is unused."""
        attempts = []
        for candidate_loader in self.template_loaders:
            try:
                found = candidate_loader.get_template(name, skip=skip)
            except TemplateDoesNotExist as missing:
                attempts += missing.tried
            else:
                return found, found.origin
        raise TemplateDoesNotExist(name, tried=attempts)

    def from_string(self, template_code) -> Template:
        """A Template compiled from a string, with this engine's settings."""
        return Template(template_code, engine=self)

    def get_template(self, template_name) -> Template:
        found, origin = self.find_template(template_name)
        if hasattr(found, "render"):
            return found
        # Some loaders return the source: compile it here.
        return Template(found, origin, template_name, engine=self)

    def render_to_string(self, template_name, context=None) -> str:
        pick = self.select_template if isinstance(template_name, (list, tuple)) \
            else self.get_template
        compiled = pick(template_name)
        if not isinstance(context, Context):
            context = Context(context, autoescape=self.autoescape)
        return compiled.render(context)

    def select_template(self, template_name_list) -> Template:
        """The first of the names that exists; the error lists every name tried."""
        if not template_name_list:
            raise TemplateDoesNotExist("No template names provided")
        missing_names = {}
        for candidate in template_name_list:
            try:
                return self.get_template(candidate)
            except TemplateDoesNotExist as missing:
                missing_names.setdefault(missing.args[0], None)
        raise TemplateDoesNotExist(", ".join(missing_names))
