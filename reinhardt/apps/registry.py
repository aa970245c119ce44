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
        """Load app configs and their models, then run each app's ``ready()``; idempotent.

        Three phases, each flagged when done: the app configs (``apps_ready``), the models
        modules (``models_ready``), then ``AppConfig.ready()`` (``ready``). Thread-safe; a
        ``ready()`` that calls populate() again is an error rather than a deadlock.
        """
        if self.ready:
            return
        with self._lock:
            if self.ready:
                return
            if self.loading:
                raise RuntimeError("populate() isn't reentrant")
            self.loading = True
            try:
                self._load_app_configs(installed_apps)
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

    def _load_app_configs(self, installed_apps) -> None:
        for entry in installed_apps:
            config = entry if isinstance(entry, AppConfig) else AppConfig.create(entry)
            if config.label in self.app_configs:
                raise ImproperlyConfigured(
                    f"Application labels aren't unique, duplicates: {config.label}"
                )
            self.app_configs[config.label] = config
            config.apps = self
        names = Counter(config.name for config in self.app_configs.values())
        repeated = [name for name, times in names.most_common() if times > 1]
        if repeated:
            raise ImproperlyConfigured(
                "Application names aren't unique, duplicates: " + ", ".join(repeated)
            )

    def check_apps_ready(self) -> None:
        if self.apps_ready:
            return
        from reinhardt.conf import settings

        # Missing settings are the likelier cause: this raises ImproperlyConfigured then.
        settings.INSTALLED_APPS  # noqa: B018
        raise AppRegistryNotReady("Apps aren't loaded yet.")

    def check_models_ready(self) -> None:
        if not self.models_ready:
            raise AppRegistryNotReady("Models aren't loaded yet.")

    def get_app_configs(self):
        self.check_apps_ready()
        return self.app_configs.values()

    def get_app_config(self, app_label: str) -> AppConfig:
        self.check_apps_ready()
        found = self.app_configs.get(app_label)
        if found is not None:
            return found
        message = f"No installed app with label '{app_label}'."
        # A common slip: the dotted app name instead of its label.
        by_name = [c.label for c in self.app_configs.values() if c.name == app_label]
        if by_name:
            message += f" Did you mean '{by_name[0]}'?"
        raise LookupError(message)

    @functools.cache
    def get_models(self, include_auto_created: bool = False, include_swapped: bool = False):
        """Every installed model (cached until a model registers or the apps change)."""
        self.check_models_ready()
        return [
            model
            for config in self.app_configs.values()
            for model in config.get_models(include_auto_created, include_swapped)
        ]

    def get_model(self, app_label: str, model_name: str | None = None, require_ready: bool = True):
        """Return the model for ``"app_label.ModelName"`` or ``(app_label, model_name)``."""
        (self.check_models_ready if require_ready else self.check_apps_ready)()
        if model_name is None:
            app_label, dot, model_name = app_label.partition(".")
            if not dot or "." in model_name:
                raise ValueError(
                    "Model label must be in the form 'app_label.ModelName', got "
                    f"{app_label + dot + model_name!r}."
                )
        config = self.get_app_config(app_label)
        if not require_ready and config.models is None:
            config.import_models()
        return config.get_model(model_name, require_ready=require_ready)

    def register_model(self, app_label: str, model) -> None:
        """Called as each model class is built: record it and run what waited for it."""
        name = model._meta.model_name
        known = self.all_models[app_label]
        previous = known.get(name)
        if previous is not None:
            self._check_reregistration(app_label, name, previous, model)
        known[name] = model
        self.do_pending_operations(model)
        self.clear_cache()

    @staticmethod
    def _check_reregistration(app_label, name, previous, model) -> None:
        same_class = (model.__module__, model.__name__) == (previous.__module__,
                                                          previous.__name__)
        if not same_class:
            raise RuntimeError(
                f"Conflicting '{name}' models in application '{app_label}': "
                f"{previous} and {model}."
            )
        import warnings

        # The same class defined again: a module imported twice, or reloaded.
        warnings.warn(
            f"Model '{app_label}.{name}' was already registered. Reloading models is not "
            "advised as it can lead to inconsistencies, most notably with related models.",
            RuntimeWarning,
            stacklevel=3,
        )

    def is_installed(self, app_name: str) -> bool:
        self.check_apps_ready()
        return any(config.name == app_name for config in self.app_configs.values())

    def get_containing_app_config(self, object_name: str):
        """The app config whose package contains the module ``object_name`` (the most
        specific one when packages nest), or None."""
        self.check_apps_ready()
        containing = [
            config for config in self.app_configs.values()
            if object_name == config.name or object_name.startswith(config.name + ".")
        ]
        return max(containing, key=lambda config: len(config.name), default=None)

    def get_registered_model(self, app_label: str, model_name: str):
        """A registered model, whether or not the registry is ready (used while loading)."""
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
        self.apps_ready = self.models_ready = self.ready = self.loading = False
        self.clear_cache()
        self.populate(installed)

    def unset_installed_apps(self) -> None:
        self.app_configs = self.stored_app_configs.pop()
        self.apps_ready = self.models_ready = self.ready = True
        self.clear_cache()

    def clear_cache(self) -> None:
        """Forget cached model lists and each model's cached field lists."""
        self.get_models.cache_clear()
        if not self.ready:
            return
        for config in self.app_configs.values():
            for model in config.get_models(include_auto_created=True):
                model._meta._expire_cache()

    def get_swappable_settings_name(self, to_string: str) -> str | None:
        """The setting naming a swappable model (e.g. ``AUTH_USER_MODEL``) whose value is
        the model ``to_string`` ("app_label.ModelName", any case), or None.

        Candidates are the settings models declare with ``Meta.swappable`` plus
        ``AUTH_USER_MODEL``, which the framework itself defines. A model declaring
        ``swappable`` also matches under its own label, even when swapped out.
        """
        from reinhardt.conf import settings

        wanted = to_string.lower()
        declared = {"AUTH_USER_MODEL"}
        for label_lower, setting in self._swappable_declarations():
            if label_lower == wanted:
                return setting
            declared.add(setting)
        for setting in sorted(declared):
            value = getattr(settings, setting, None)
            if isinstance(value, str) and value.lower() == wanted:
                return setting
        return None

    def _swappable_declarations(self):
        """(label_lower, setting) of the registered models declaring Meta.swappable;
        recomputed when a model registers (the count of models changes)."""
        count = sum(len(models) for models in self.all_models.values())
        cached = self.__dict__.get("_swappable_memo")
        if cached is None or cached[0] != count:
            found = [
                (model._meta.label_lower, model._meta.swappable)
                for models in list(self.all_models.values())
                for model in list(models.values())
                if getattr(model._meta, "swappable", None)
            ]
            cached = self._swappable_memo = (count, found)
        return cached[1]

    def lazy_model_operation(self, function, *model_keys) -> None:
        """Call ``function(*models)`` once every model named by ``model_keys``
        (``(app_label, model_name)`` pairs) is registered: now if they all are."""
        if not model_keys:
            function()
            return
        first, rest = model_keys[0], model_keys[1:]

        def with_first(model):
            self.lazy_model_operation(functools.partial(function, model), *rest)

        with_first.func = function  # lets checks report operations that never ran
        try:
            model = self.get_registered_model(*first)
        except LookupError:
            self._pending_operations[first].append(with_first)
        else:
            with_first(model)

    def do_pending_operations(self, model) -> None:
        """Run the operations that were waiting for ``model``."""
        key = (model._meta.app_label, model._meta.model_name)
        for operation in self._pending_operations.pop(key, ()):
            operation(model)


apps = Apps(installed_apps=None)
