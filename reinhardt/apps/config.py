"""AppConfig: one installed application, its label, path and models."""

from __future__ import annotations

import inspect
import os
from importlib import import_module

from reinhardt.core.exceptions import ImproperlyConfigured
from reinhardt.utils.functional import cached_property
from reinhardt.utils.module_loading import import_string, module_has_submodule

MODELS_MODULE_NAME = "models"


class AppConfig:
    """Configuration and introspection for one application in INSTALLED_APPS."""

    name: str
    label: str
    verbose_name: str
    default: bool = True

    def __init__(self, app_name: str, app_module):
        self.name = app_name
        self.module = app_module
        self.apps = None  # the registry, set when it loads this config
        self.models_module = None
        self.models = None
        # label, verbose_name and path may be class attributes of a subclass.
        if not hasattr(self, "label"):
            self.label = app_name.rpartition(".")[2]
        if not self.label.isidentifier():
            raise ImproperlyConfigured(
                f"The app label '{self.label}' is not a valid Python identifier."
            )
        if not hasattr(self, "verbose_name"):
            self.verbose_name = self.label.title()
        if not hasattr(self, "path"):
            self.path = self._path_from_module(app_module)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.label}>"

    @cached_property
    def default_auto_field(self) -> str:
        """The primary key field class path for this app's models (DEFAULT_AUTO_FIELD)."""
        from reinhardt.conf import settings

        return settings.DEFAULT_AUTO_FIELD

    @property
    def _is_default_auto_field_overridden(self) -> bool:
        return type(self).default_auto_field is not AppConfig.default_auto_field

    def _path_from_module(self, module) -> str:
        """The app's one directory; a namespace package spread over several (or none) must
        say which in a ``path`` attribute."""
        locations = set(getattr(module, "__path__", ()))
        filename = getattr(module, "__file__", None)
        if len(locations) != 1 and filename is not None:
            locations = {os.path.dirname(filename)}
        if len(locations) == 1:
            return locations.pop()
        if locations:
            raise ImproperlyConfigured(
                f"The app module {module!r} has multiple filesystem locations "
                f"({sorted(locations)!r}); you must configure this app with an AppConfig "
                "subclass with a 'path' attribute."
            )
        raise ImproperlyConfigured(
            f"The app module {module!r} has no filesystem location, you must configure "
            "this app with an AppConfig subclass with a 'path' class attribute."
        )

    @classmethod
    def _default_in_apps_module(cls, package: str):
        """The AppConfig subclass ``<package>.apps`` offers by default, or None: its only
        subclass (unless that says ``default = False``), or the one marked default."""
        apps_path = f"{package}.apps"
        apps_module = import_module(apps_path)
        offered = [
            candidate for _name, candidate in inspect.getmembers(apps_module, inspect.isclass)
            if issubclass(candidate, cls) and candidate is not cls
            and candidate.__module__ == apps_path and getattr(candidate, "default", True)
        ]
        if len(offered) == 1:
            return offered[0]
        marked = [c for c in offered if c.__dict__.get("default")]
        if len(marked) > 1:
            raise RuntimeError(
                f"{apps_path!r} declares more than one default AppConfig: "
                + ", ".join(repr(c.__name__) for c in marked)
            )
        return marked[0] if marked else None

    @classmethod
    def _config_class_at(cls, entry: str):
        """The AppConfig class an entry like "pkg.apps.PkgConfig" names; otherwise raise
        the ImportError that explains what is wrong with the entry."""
        try:
            return import_string(entry)
        except Exception:
            pass
        module_path, _dot, class_name = entry.rpartition(".")
        if module_path and class_name[:1].isupper():
            module = import_module(module_path)
            choices = [
                repr(name) for name, candidate in inspect.getmembers(module, inspect.isclass)
                if issubclass(candidate, cls) and candidate is not cls
            ]
            message = f"Module '{module_path}' does not contain a '{class_name}' class."
            if choices:
                message += f" Choices are: {', '.join(choices)}."
            raise ImportError(message)
        import_module(entry)  # raises the real import error
        raise ImportError(f"Cannot import {entry!r}.")

    @classmethod
    def create(cls, entry: str) -> AppConfig:
        """Build the AppConfig for an INSTALLED_APPS entry (a module or an AppConfig path)."""
        try:
            package = import_module(entry)
        except Exception:
            config_class = cls._config_class_at(entry)
        else:
            found = None
            if module_has_submodule(package, "apps"):
                found = cls._default_in_apps_module(entry)
            config_class = found or cls
        if not (isinstance(config_class, type) and issubclass(config_class, AppConfig)):
            raise ImproperlyConfigured(f"'{entry}' isn't a subclass of AppConfig.")
        app_name = getattr(config_class, "name", None)
        if app_name is None:
            if config_class is not cls:
                raise ImproperlyConfigured(f"'{entry}' must supply a name attribute.")
            app_name = entry
        try:
            app_module = import_module(app_name)
        except ImportError:
            raise ImproperlyConfigured(
                f"Cannot import '{app_name}'. Check that '{config_class.__module__}."
                f"{config_class.__qualname__}.name' is correct."
            )
        return config_class(app_name, app_module)

    def get_model(self, model_name: str, require_ready: bool = True):
        if require_ready:
            self.apps.check_models_ready()
        else:
            self.apps.check_apps_ready()
        try:
            return self.models[model_name.lower()]
        except KeyError:
            raise LookupError(f"App '{self.label}' doesn't have a '{model_name}' model.")

    def get_models(self, include_auto_created: bool = False, include_swapped: bool = False):
        self.apps.check_models_ready()
        for model in self.models.values():
            if model._meta.auto_created and not include_auto_created:
                continue
            yield model

    def import_models(self) -> None:
        self.models = self.apps.all_models[self.label]
        if module_has_submodule(self.module, MODELS_MODULE_NAME):
            self.models_module = import_module(f"{self.name}.{MODELS_MODULE_NAME}")

    def ready(self) -> None:
        """Override to run code once the registry is fully populated."""
