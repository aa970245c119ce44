"""Settings: read lazily from the module named by REINHARDT_SETTINGS_MODULE, or configure().

As with Django, ``settings`` is a lazy proxy: nothing is read until the first attribute
access, and only UPPERCASE names are settings.
"""

from __future__ import annotations

import importlib
import os
import time
from typing import Any

from reinhardt.conf import global_settings
from reinhardt.core.exceptions import ImproperlyConfigured

ENVIRONMENT_VARIABLE = "REINHARDT_SETTINGS_MODULE"

_TUPLE_SETTINGS = ("ALLOWED_HOSTS", "INSTALLED_APPS", "TEMPLATE_DIRS", "LOCALE_PATHS",
                   "SECRET_KEY_FALLBACKS")


class Settings:
    """Settings read from a module, on top of the global defaults."""

    def __init__(self, settings_module: str):
        for name in dir(global_settings):
            if name.isupper():
                setattr(self, name, getattr(global_settings, name))
        self.SETTINGS_MODULE = settings_module
        module = importlib.import_module(settings_module)
        self._explicit_settings = set()
        for name in dir(module):
            if name.isupper():
                value = getattr(module, name)
                if name in _TUPLE_SETTINGS and not isinstance(value, (list, tuple)):
                    raise ImproperlyConfigured(f"The {name} setting must be a list or a tuple.")
                setattr(self, name, value)
                self._explicit_settings.add(name)
        if self.USE_TZ is False and not self.is_overridden("USE_TZ"):
            pass
        if hasattr(time, "tzset") and self.TIME_ZONE:
            os.environ["TZ"] = self.TIME_ZONE
            time.tzset()

    def is_overridden(self, name: str) -> bool:
        return name in self._explicit_settings

    def __repr__(self) -> str:
        return f'<{type(self).__name__} "{self.SETTINGS_MODULE}">'


class UserSettingsHolder:
    """Settings given to ``settings.configure()``; falls back to the given defaults."""

    SETTINGS_MODULE = None

    def __init__(self, default_settings):
        self.__dict__["_deleted"] = set()
        self.default_settings = default_settings

    def __getattr__(self, name):
        if not name.isupper() or name in self._deleted:
            raise AttributeError(name)
        return getattr(self.default_settings, name)

    def __setattr__(self, name, value):
        self._deleted.discard(name)
        super().__setattr__(name, value)

    def __delattr__(self, name):
        self._deleted.add(name)
        if hasattr(self, name):
            super().__delattr__(name)

    def __dir__(self):
        return sorted(
            s for s in [*self.__dict__, *dir(self.default_settings)] if s not in self._deleted
        )

    def is_overridden(self, name: str) -> bool:
        deleted = name in self._deleted
        set_locally = name in self.__dict__
        set_on_default = getattr(self.default_settings, "is_overridden", lambda s: False)(name)
        return deleted or set_locally or set_on_default

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


_empty = object()


class LazySettings:
    """A proxy to the project's settings, configured on first use."""

    def __init__(self):
        self.__dict__["_wrapped"] = _empty

    def _setup(self, name: str | None = None) -> None:
        settings_module = os.environ.get(ENVIRONMENT_VARIABLE)
        if not settings_module:
            desc = f"setting {name}" if name else "settings"
            raise ImproperlyConfigured(
                f"Requested {desc}, but settings are not configured. You must either define "
                f"the environment variable {ENVIRONMENT_VARIABLE} or call "
                "settings.configure() before accessing settings."
            )
        self.__dict__["_wrapped"] = Settings(settings_module)

    def __repr__(self) -> str:
        if self._wrapped is _empty:
            return "<LazySettings [Unevaluated]>"
        return f'<LazySettings "{self._wrapped.SETTINGS_MODULE}">'

    def __getattr__(self, name: str) -> Any:
        wrapped = self.__dict__["_wrapped"]
        if wrapped is _empty:
            self._setup(name)
            wrapped = self.__dict__["_wrapped"]
        value = getattr(wrapped, name)
        if name in {"MEDIA_URL", "STATIC_URL"} and value is not None:
            value = _add_script_prefix(value)
        elif name == "SECRET_KEY" and not value:
            raise ImproperlyConfigured("The SECRET_KEY setting must not be empty.")
        # Cache the value: later reads skip __getattr__ entirely.
        self.__dict__[name] = value
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "_wrapped":
            self.__dict__.clear()
            self.__dict__["_wrapped"] = value
            return
        self.__dict__.pop(name, None)
        if self._wrapped is _empty:
            self._setup()
        setattr(self._wrapped, name, value)

    def __delattr__(self, name: str) -> None:
        if self._wrapped is _empty:
            self._setup()
        delattr(self._wrapped, name)
        self.__dict__.pop(name, None)

    def __dir__(self):
        if self._wrapped is _empty:
            self._setup()
        return dir(self._wrapped)

    def configure(self, default_settings=global_settings, **options: Any) -> None:
        """Configure settings in code, instead of from REINHARDT_SETTINGS_MODULE."""
        if self._wrapped is not _empty:
            raise RuntimeError("Settings already configured.")
        holder = UserSettingsHolder(default_settings)
        for name, value in options.items():
            if not name.isupper():
                raise TypeError(f"Setting {name!r} must be uppercase.")
            setattr(holder, name, value)
        self._wrapped = holder

    @property
    def configured(self) -> bool:
        return self._wrapped is not _empty

    def is_overridden(self, name: str) -> bool:
        if self._wrapped is _empty:
            self._setup()
        return self._wrapped.is_overridden(name)


def _add_script_prefix(value: str) -> str:
    """Prefix a relative MEDIA_URL/STATIC_URL with the script prefix, as Django does."""
    if value.startswith(("http://", "https://", "/")):
        return value
    from reinhardt.utils.script_prefix import get_script_prefix

    return f"{get_script_prefix()}{value}"


class SettingsReference(str):
    """A string that also remembers which setting it came from.

    Migrations serialise it as ``settings.<setting_name>`` instead of its current value; a
    foreign key to the model named by ``AUTH_USER_MODEL`` deconstructs its target this way.
    """

    setting_name: str

    def __new__(cls, value, setting_name):
        reference = super().__new__(cls, value)
        reference.setting_name = setting_name
        return reference

    def __reduce__(self):
        return type(self), (str(self), self.setting_name)


settings = LazySettings()
