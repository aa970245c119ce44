"""The application registry: which apps are installed and which models they define."""

from __future__ import annotations

import functools
import threading
from collections import Counter, defaultdict

from reinhardt.core.exceptions import AppRegistryNotReady, ImproperlyConfigured

from .config import AppConfig


class Apps:
    """A registry of installed applications and their models.

    Models register themselves as their classes are built, so the registry must exist before
    any models module is imported; ``populate()`` then imports each app's models.
    """

    def __init__(self, installed_apps=()):
        # app label -> model name (lower case) -> model class
        self.all_models: dict[str, dict[str, type]] = defaultdict(dict)
        self.app_configs: dict[str, AppConfig] = {}
        self.stored_app_configs: list = []
        self.apps_ready = self.models_ready = self.ready = False
        self._lock = threading.RLock()
        self.loading = False
        # (app_label, model_name) -> callbacks waiting for that model
        self._pending_operations: dict[tuple[str, str], list] = defaultdict(list)
        if installed_apps is not None:
            self.populate(installed_apps)

    def populate(self, installed_apps=None) -> None:
        """Load app configs and their models, then run each app's ``ready()``; idempotent."""
        if self.ready:
            return
        with self._lock:
            if self.ready:
                return
            if self.loading:
                raise RuntimeError("populate() isn't reentrant")
            self.loading = True
            try:
                for entry in installed_apps:
                    app_config = entry if isinstance(entry, AppConfig) else AppConfig.create(entry)
                    if app_config.label in self.app_configs:
                        raise ImproperlyConfigured(
                            f"Application labels aren't unique, duplicates: {app_config.label}"
                        )
                    self.app_configs[app_config.label] = app_config
                    app_config.apps = self
                counts = Counter(ac.name for ac in self.app_configs.values())
                duplicates = [name for name, count in counts.most_common() if count > 1]
                if duplicates:
                    raise ImproperlyConfigured(
                        "Application names aren't unique, duplicates: " + ", ".join(duplicates)
                    )
                self.apps_ready = True

                for app_config in self.app_configs.values():
                    app_config.import_models()
                self.clear_cache()
                self.models_ready = True

                for app_config in self.get_app_configs():
                    app_config.ready()
                self.ready = True
            finally:
                self.loading = False

    def check_apps_ready(self) -> None:
        if not self.apps_ready:
            from reinhardt.conf import settings

            settings.INSTALLED_APPS  # Raises ImproperlyConfigured when settings are missing.
            raise AppRegistryNotReady("Apps aren't loaded yet.")

    def check_models_ready(self) -> None:
        if not self.models_ready:
            raise AppRegistryNotReady("Models aren't loaded yet.")

    def get_app_configs(self):
        self.check_apps_ready()
        return self.app_configs.values()

    def get_app_config(self, app_label: str) -> AppConfig:
        self.check_apps_ready()
        try:
            return self.app_configs[app_label]
        except KeyError:
            message = f"No installed app with label '{app_label}'."
            for app_config in self.get_app_configs():
                if app_config.name == app_label:
                    message += f" Did you mean '{app_config.label}'?"
                    break
            raise LookupError(message)

    @functools.cache
    def get_models(self, include_auto_created: bool = False, include_swapped: bool = False):
        self.check_models_ready()
        result = []
        for app_config in self.app_configs.values():
            result.extend(app_config.get_models(include_auto_created, include_swapped))
        return result

    def get_model(self, app_label: str, model_name: str | None = None, require_ready: bool = True):
        """Return the model for ``"app_label.ModelName"`` or ``(app_label, model_name)``."""
        if require_ready:
            self.check_models_ready()
        else:
            self.check_apps_ready()
        if model_name is None:
            try:
                app_label, model_name = app_label.split(".")
            except ValueError:
                raise ValueError(
                    f"Model label must be in the form 'app_label.ModelName', got {app_label!r}."
                )
        app_config = self.get_app_config(app_label)
        if not require_ready and app_config.models is None:
            app_config.import_models()
        return app_config.get_model(model_name, require_ready=require_ready)

    def register_model(self, app_label: str, model) -> None:
        model_name = model._meta.model_name
        app_models = self.all_models[app_label]
        if model_name in app_models:
            existing = app_models[model_name]
            if (
                model.__name__ == existing.__name__
                and model.__module__ == existing.__module__
            ):
                import warnings

                warnings.warn(
                    f"Model '{app_label}.{model_name}' was already registered. Reloading models "
                    "is not advised as it can lead to inconsistencies, most notably with "
                    "related models.",
                    RuntimeWarning,
                    stacklevel=2,
                )
            else:
                raise RuntimeError(
                    f"Conflicting '{model_name}' models in application '{app_label}': "
                    f"{existing} and {model}."
                )
        app_models[model_name] = model
        self.do_pending_operations(model)
        self.clear_cache()

    def is_installed(self, app_name: str) -> bool:
        self.check_apps_ready()
        return any(ac.name == app_name for ac in self.app_configs.values())

    def get_containing_app_config(self, object_name: str):
        """The app config whose package contains the module ``object_name``, or None."""
        self.check_apps_ready()
        candidates = []
        for app_config in self.app_configs.values():
            if object_name.startswith(app_config.name):
                subpath = object_name.removeprefix(app_config.name)
                if subpath == "" or subpath[0] == ".":
                    candidates.append(app_config)
        if candidates:
            return sorted(candidates, key=lambda ac: -len(ac.name))[0]
        return None

    def get_registered_model(self, app_label: str, model_name: str):
        model = self.all_models[app_label].get(model_name.lower())
        if model is None:
            raise LookupError(f"Model '{app_label}.{model_name}' not registered.")
        return model

    def set_installed_apps(self, installed) -> None:
        """Temporarily replace the installed apps (for tests); undo with unset_installed_apps."""
        if not self.ready:
            raise AppRegistryNotReady("App registry isn't ready yet.")
        self.stored_app_configs.append(self.app_configs)
        self.app_configs = {}
        self.apps_ready = self.models_ready = self.loading = self.ready = False
        self.clear_cache()
        self.populate(installed)

    def unset_installed_apps(self) -> None:
        self.app_configs = self.stored_app_configs.pop()
        self.apps_ready = self.models_ready = self.ready = True
        self.clear_cache()

    def clear_cache(self) -> None:
        """Forget cached model lists and each model's cached field lists."""
        self.get_models.cache_clear()
        if self.ready:
            for app_config in self.app_configs.values():
                for model in app_config.get_models(include_auto_created=True):
                    model._meta._expire_cache()

    def lazy_model_operation(self, function, *model_keys) -> None:
        """Call ``function(*models)`` once every model named by ``model_keys`` is registered."""
        if not model_keys:
            function()
            return
        next_model, *more_models = model_keys

        def apply_next_model(model):
            next_function = functools.partial(function, model)
            self.lazy_model_operation(next_function, *more_models)

        apply_next_model.func = function
        try:
            model_class = self.get_registered_model(*next_model)
        except LookupError:
            self._pending_operations[next_model].append(apply_next_model)
        else:
            apply_next_model(model_class)

    def do_pending_operations(self, model) -> None:
        key = model._meta.app_label, model._meta.model_name
        for function in self._pending_operations.pop(key, []):
            function(model)


apps = Apps(installed_apps=None)
