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


class Engine:
    default_builtins = [
        "reinhardt.web.templates.defaulttags",
        "reinhardt.web.templates.defaultfilters",
        "reinhardt.web.templates.loader_tags",
    ]

    def __init__(self, dirs=None, app_dirs=False, context_processors=None, debug=False,
                 loaders=None, string_if_invalid="", file_charset="utf-8", libraries=None,
                 builtins=None, autoescape=True):
        if dirs is None:
            dirs = []
        if context_processors is None:
            context_processors = []
        if loaders is None:
            loaders = [f"{_LOADERS}.filesystem.Loader"]
            if app_dirs:
                loaders += [f"{_LOADERS}.app_directories.Loader"]
            loaders = [(f"{_LOADERS}.cached.Loader", loaders)]
        elif app_dirs:
            raise ImproperlyConfigured("app_dirs must not be set when loaders is defined.")
        if libraries is None:
            libraries = {}
        if builtins is None:
            builtins = []
        self.dirs = dirs
        self.app_dirs = app_dirs
        self.autoescape = autoescape
        self.context_processors = context_processors
        self.debug = debug
        self.loaders = loaders
        self.string_if_invalid = string_if_invalid
        self.file_charset = file_charset
        self.libraries = libraries
        self.template_libraries = self.get_template_libraries(libraries)
        self.builtins = self.default_builtins + builtins
        self.template_builtins = self.get_template_builtins(self.builtins)

    def __repr__(self) -> str:
        return (
            f"<{self.__class__.__qualname__}: app_dirs={self.app_dirs} debug={self.debug} "
            f"loaders={self.loaders!r} string_if_invalid={self.string_if_invalid!r} "
            f"file_charset={self.file_charset!r}"
            + (f" dirs={self.dirs!r}" if self.dirs else "")
            + (f" context_processors={self.context_processors!r}" if self.context_processors else "")
            + (f" libraries={self.libraries!r}" if self.libraries else "")
            + (f" builtins={self.builtins!r}" if self.builtins else "")
            + f" autoescape={self.autoescape!r}>"
        )

    @staticmethod
    @functools.lru_cache
    def get_default() -> Engine:
        """The Engine of the first ReinhardtTemplates backend in TEMPLATES."""
        from reinhardt.web.templates import engines
        from reinhardt.web.templates.backends.reinhardt import ReinhardtTemplates

        for engine in engines.all():
            if isinstance(engine, ReinhardtTemplates):
                return engine.engine
        raise ImproperlyConfigured("No ReinhardtTemplates backend is configured.")

    @cached_property
    def template_context_processors(self) -> tuple:
        context_processors = ("reinhardt.web.templates.context_processors.csrf",)
        context_processors += tuple(self.context_processors)
        return tuple(import_string(path) for path in context_processors)

    def get_template_builtins(self, builtins) -> list:
        return [import_library(x) for x in builtins]

    def get_template_libraries(self, libraries) -> dict:
        return {name: import_library(path) for name, path in libraries.items()}

    @cached_property
    def template_loaders(self) -> list:
        return self.get_template_loaders(self.loaders)

    def get_template_loaders(self, template_loaders) -> list:
        loaders = []
        for template_loader in template_loaders:
            loader = self.find_template_loader(template_loader)
            if loader is not None:
                loaders.append(loader)
        return loaders

    def find_template_loader(self, loader):
        if isinstance(loader, (tuple, list)):
            loader, *args = loader
        else:
            args = []
        if isinstance(loader, str):
            loader_class = import_string(loader)
            return loader_class(self, *args)
        raise ImproperlyConfigured(f"Invalid value in template loaders configuration: {loader!r}")

    def find_template(self, name, dirs=None, skip=None):
        tried = []
        for loader in self.template_loaders:
            try:
                template = loader.get_template(name, skip=skip)
                return template, template.origin
            except TemplateDoesNotExist as e:
                tried.extend(e.tried)
        raise TemplateDoesNotExist(name, tried=tried)

    def from_string(self, template_code) -> Template:
        """A Template compiled from a string, with this engine's settings."""
        return Template(template_code, engine=self)

    def get_template(self, template_name) -> Template:
        template, origin = self.find_template(template_name)
        if not hasattr(template, "render"):
            # Some loaders return the source: compile it here.
            template = Template(template, origin, template_name, engine=self)
        return template

    def render_to_string(self, template_name, context=None) -> str:
        if isinstance(template_name, (list, tuple)):
            t = self.select_template(template_name)
        else:
            t = self.get_template(template_name)
        if isinstance(context, Context):
            return t.render(context)
        return t.render(Context(context, autoescape=self.autoescape))

    def select_template(self, template_name_list) -> Template:
        if not template_name_list:
            raise TemplateDoesNotExist("No template names provided")
        not_found = []
        for template_name in template_name_list:
            try:
                return self.get_template(template_name)
            except TemplateDoesNotExist as exc:
                if exc.args[0] not in not_found:
                    not_found.append(exc.args[0])
                continue
        raise TemplateDoesNotExist(", ".join(not_found))
