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
        self.apps = None
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
        self.models_module = None
        self.models = None

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
        paths = list(getattr(module, "__path__", []))
        if len(paths) != 1:
            filename = getattr(module, "__file__", None)
            if filename is not None:
                paths = [os.path.dirname(filename)]
            else:
                paths = list(set(paths))
        if len(paths) > 1:
            raise ImproperlyConfigured(
                f"The app module {module!r} has multiple filesystem locations ({paths!r}); "
                "you must configure this app with an AppConfig subclass with a 'path' attribute."
            )
        if not paths:
            raise ImproperlyConfigured(
                f"The app module {module!r} has no filesystem location, you must configure "
                "this app with an AppConfig subclass with a 'path' class attribute."
            )
        return paths[0]

    @classmethod
    def create(cls, entry: str) -> AppConfig:
        """Build the AppConfig for an INSTALLED_APPS entry (a module or an AppConfig path)."""
        app_config_class = None
        app_module = None
        try:
            app_module = import_module(entry)
        except Exception:
            pass
        else:
            if module_has_submodule(app_module, "apps"):
                mod_path = f"{entry}.apps"
                mod = import_module(mod_path)
                candidates = [
                    obj
                    for name, obj in inspect.getmembers(mod, inspect.isclass)
                    if issubclass(obj, cls) and obj is not cls and getattr(obj, "default", True)
                    and obj.__module__ == mod_path
                ]
                if len(candidates) == 1:
                    app_config_class = candidates[0]
                else:
                    defaults = [c for c in candidates if "default" in c.__dict__ and c.default]
                    if len(defaults) > 1:
                        raise RuntimeError(
                            f"{mod_path!r} declares more than one default AppConfig: "
                            + ", ".join(repr(c.__name__) for c in defaults)
                        )
                    if len(defaults) == 1:
                        app_config_class = defaults[0]
            if app_config_class is None:
                app_config_class = cls
                app_name = entry

        if app_config_class is None:
            try:
                app_config_class = import_string(entry)
            except Exception:
                pass
        if app_module is None and app_config_class is None:
            mod_path, _, cls_name = entry.rpartition(".")
            if mod_path and cls_name[0].isupper():
                mod = import_module(mod_path)
                candidates = [
                    repr(name)
                    for name, candidate in inspect.getmembers(mod, inspect.isclass)
                    if issubclass(candidate, cls) and candidate is not cls
                ]
                msg = f"Module '{mod_path}' does not contain a '{cls_name}' class."
                if candidates:
                    msg += " Choices are: %s." % ", ".join(candidates)
                raise ImportError(msg)
            import_module(entry)  # Raises the real import error.

        if not issubclass(app_config_class, AppConfig):
            raise ImproperlyConfigured(f"'{entry}' isn't a subclass of AppConfig.")
        try:
            app_name = app_config_class.name
        except AttributeError:
            if app_config_class is cls:
                app_name = entry
            else:
                raise ImproperlyConfigured(f"'{entry}' must supply a name attribute.")
        try:
            app_module = import_module(app_name)
        except ImportError:
            raise ImproperlyConfigured(
                f"Cannot import '{app_name}'. Check that '{app_config_class.__module__}."
                f"{app_config_class.__qualname__}.name' is correct."
            )
        return app_config_class(app_name, app_module)

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
