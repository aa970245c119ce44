"""The ``engines`` registry (one template engine per entry of ``settings.TEMPLATES``) and
the lookup of the installed apps' template folders."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from reinhardt.apps import apps
from reinhardt.conf import settings
from reinhardt.core.exceptions import ImproperlyConfigured
from reinhardt.utils.functional import cached_property
from reinhardt.utils.module_loading import import_string


class InvalidTemplateEngineError(ImproperlyConfigured):
    """An alias was asked of ``engines`` that no TEMPLATES entry defines."""


_ENTRY_DEFAULTS = {"DIRS": [], "APP_DIRS": False, "OPTIONS": {}}


def _alias_from_backend(entry):
    """The alias an entry gets without a NAME: the backend's module name, e.g. 'reinhardt'
    for ``reinhardt.web.templates.backends.reinhardt.ReinhardtTemplates``."""
    try:
        module_path = entry["BACKEND"].rpartition(".")[0]
        if not module_path:
            raise ValueError
        return module_path.rpartition(".")[2]
    except Exception:
        shown = entry.get("BACKEND", "<not defined>")
        raise ImproperlyConfigured(
            f"Invalid BACKEND for a template engine: {shown}. Check your TEMPLATES setting."
        ) from None


def _normalised_entries(entries):
    """{alias: entry with defaults filled in}, refusing aliases used more than once."""
    by_alias = {}
    seen_twice = []
    for raw in entries:
        entry = {"NAME": _alias_from_backend(raw), **_ENTRY_DEFAULTS, **raw}
        alias = entry["NAME"]
        if alias in by_alias and alias not in seen_twice:
            seen_twice.append(alias)
        by_alias[alias] = entry
    if seen_twice:
        raise ImproperlyConfigured(
            "Template engine aliases aren't unique, duplicates: "
            f"{', '.join(seen_twice)}. Set a unique NAME for each engine in "
            "settings.TEMPLATES."
        )
    return by_alias


class EngineHandler:
    """The configured template engines, by alias: ``engines["reinhardt"]``.

    Engines are built on first use and kept; ``templates`` (the normalised settings) is
    cached until the TEMPLATES setting changes (see ``web.templates.signals``).
    """

    def __init__(self, templates=None):
        self._engines: dict = {}
        self._templates = templates

    @cached_property
    def templates(self) -> dict:
        if self._templates is None:
            self._templates = settings.TEMPLATES
        return _normalised_entries(self._templates)

    def _build(self, alias):
        config = self.templates.get(alias)
        if config is None:
            raise InvalidTemplateEngineError(
                f"Could not find config for '{alias}' in settings.TEMPLATES"
            )
        options = {key: value for key, value in config.items() if key != "BACKEND"}
        return import_string(config["BACKEND"])(options)

    def __getitem__(self, alias):
        engine = self._engines.get(alias)
        if engine is None:
            engine = self._engines[alias] = self._build(alias)
        return engine

    def __iter__(self):
        return iter(self.templates)

    def all(self) -> list:
        return list(map(self.__getitem__, self.templates))


@lru_cache
def get_app_template_dirs(dirname) -> tuple:
    """The ``dirname`` folders (as Paths) of the installed apps that have one, in app order."""
    found = []
    for config in apps.get_app_configs():
        if not config.path:
            continue
        candidate = Path(config.path, dirname)
        if candidate.is_dir():
            found.append(candidate)
    return tuple(found)
