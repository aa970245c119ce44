"""Wraps other loaders and keeps every compiled template (and every miss) in memory.

It is the default loader, as in Django. When the engine is in debug mode, a template read
from a file is recompiled if the file changed (checked with one stat per lookup), so edits
show up without a restart.
"""

from __future__ import annotations

import hashlib
import os

from reinhardt.web.templates.exceptions import TemplateDoesNotExist
from reinhardt.web.templates.loaders.base import Loader as BaseLoader


class Loader(BaseLoader):
    def __init__(self, engine, loaders):
        self.get_template_cache: dict = {}
        self.loaders = engine.get_template_loaders(loaders)
        super().__init__(engine)

    def get_dirs(self):
        for loader in self.loaders:
            if hasattr(loader, "get_dirs"):
                yield from loader.get_dirs()

    def get_contents(self, origin) -> str:
        return origin.loader.get_contents(origin)

    def get_template(self, template_name, skip=None):
        key = self.cache_key(template_name, skip)
        cached = self.get_template_cache.get(key)
        if cached:
            if isinstance(cached, type) and issubclass(cached, TemplateDoesNotExist):
                raise cached(template_name)
            if isinstance(cached, TemplateDoesNotExist):
                raise copy_exception(cached)
            template, mtime = cached
            if mtime is None or _mtime(template.origin) == mtime:
                return template
        try:
            template = super().get_template(template_name, skip)
        except TemplateDoesNotExist as e:
            self.get_template_cache[key] = copy_exception(e) if self.engine.debug else TemplateDoesNotExist
            raise
        mtime = _mtime(template.origin) if self.engine.debug else None
        self.get_template_cache[key] = (template, mtime)
        return template

    def get_template_sources(self, template_name):
        for loader in self.loaders:
            yield from loader.get_template_sources(template_name)

    def cache_key(self, template_name, skip=None) -> str:
        """``template_name``, plus a hash of the skipped origins of the same name."""
        skip_prefix = ""
        if skip:
            matching = [origin.name for origin in skip if origin.template_name == template_name]
            if matching:
                skip_prefix = self.generate_hash(matching)
        return "-".join(s for s in (str(template_name), skip_prefix) if s)

    def generate_hash(self, values) -> str:
        return hashlib.sha1("|".join(values).encode()).hexdigest()

    def reset(self) -> None:
        self.get_template_cache.clear()
        for loader in self.loaders:
            loader.reset()


def _mtime(origin):
    """The file's modification time, or None for templates not read from a file."""
    from reinhardt.web.templates.loaders.filesystem import Loader as FilesystemLoader

    if not isinstance(origin.loader, FilesystemLoader):
        return None
    try:
        return os.stat(origin.name).st_mtime_ns
    except OSError:
        return -1


def copy_exception(exc, backend=None):
    """A fresh copy of a TemplateDoesNotExist (so tracebacks don't pile up in the cache)."""
    backend = backend or exc.backend
    new = exc.__class__(*exc.args, tried=exc.tried, backend=backend, chain=exc.chain)
    if hasattr(exc, "template_debug"):
        new.template_debug = exc.template_debug
    return new
