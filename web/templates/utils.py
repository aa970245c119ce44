"""EngineHandler (the ``engines`` registry over TEMPLATES) and template directory helpers."""

from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path

from reinhardt.apps import apps
from reinhardt.conf import settings
from reinhardt.core.exceptions import ImproperlyConfigured
from reinhardt.utils.functional import cached_property
from reinhardt.utils.module_loading import import_string


class InvalidTemplateEngineError(ImproperlyConfigured):
    pass


class EngineHandler:
    """The configured template engines, by alias: ``engines["reinhardt"]``."""

    def __init__(self, templates=None):
        self._templates = templates
        self._engines: dict = {}

    @cached_property
    def templates(self) -> dict:
        if self._templates is None:
            self._templates = settings.TEMPLATES
        templates = {}
        backend_names = []
        for tpl in self._templates:
            try:
                # The alias defaults to the backend's module name: 'reinhardt', 'jinja2'.
                default_name = tpl["BACKEND"].rsplit(".", 2)[-2]
            except Exception:
                invalid_backend = tpl.get("BACKEND", "<not defined>")
                raise ImproperlyConfigured(
                    f"Invalid BACKEND for a template engine: {invalid_backend}. Check your "
                    "TEMPLATES setting."
                )
            tpl = {"NAME": default_name, "DIRS": [], "APP_DIRS": False, "OPTIONS": {}, **tpl}
            templates[tpl["NAME"]] = tpl
            backend_names.append(tpl["NAME"])
        counts = Counter(backend_names)
        duplicates = [alias for alias, count in counts.most_common() if count > 1]
        if duplicates:
            raise ImproperlyConfigured(
                "Template engine aliases aren't unique, duplicates: {}. Set a unique NAME for "
                "each engine in settings.TEMPLATES.".format(", ".join(duplicates))
            )
        return templates

    def __getitem__(self, alias):
        try:
            return self._engines[alias]
        except KeyError:
            try:
                params = self.templates[alias]
            except KeyError:
                raise InvalidTemplateEngineError(
                    f"Could not find config for '{alias}' in settings.TEMPLATES"
                )
            params = params.copy()
            backend = params.pop("BACKEND")
            engine_cls = import_string(backend)
            engine = engine_cls(params)
            self._engines[alias] = engine
            return engine

    def __iter__(self):
        return iter(self.templates)

    def all(self) -> list:
        return [self[alias] for alias in self]


@functools.lru_cache
def get_app_template_dirs(dirname) -> tuple:
    """The ``dirname`` folders of the installed apps that have one."""
    return tuple(
        path
        for app_config in apps.get_app_configs()
        if app_config.path and (path := Path(app_config.path) / dirname).is_dir()
    )
