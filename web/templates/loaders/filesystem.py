"""Loads templates from the engine's DIRS (or the directories given)."""

from __future__ import annotations

import os

from reinhardt.core.exceptions import SuspiciousFileOperation
from reinhardt.web.templates.base import Origin
from reinhardt.web.templates.exceptions import TemplateDoesNotExist
from reinhardt.web.templates.loaders.base import Loader as BaseLoader


def safe_join(base, *paths) -> str:
    """Join paths under ``base``; refuse a result outside it."""
    final_path = os.path.abspath(os.path.join(base, *paths))
    base_path = os.path.abspath(base)
    if (not os.path.normcase(final_path).startswith(os.path.normcase(base_path + os.sep))
            and os.path.normcase(final_path) != os.path.normcase(base_path)
            and os.path.dirname(os.path.normcase(base_path)) != os.path.normcase(base_path)):
        raise SuspiciousFileOperation(
            f"The joined path ({final_path}) is located outside of the base path component "
            f"({base_path})"
        )
    return final_path


class Loader(BaseLoader):
    def __init__(self, engine, dirs=None):
        super().__init__(engine)
        self.dirs = dirs

    def get_dirs(self):
        return self.dirs if self.dirs is not None else self.engine.dirs

    def get_contents(self, origin) -> str:
        try:
            with open(origin.name, encoding=self.engine.file_charset) as fp:
                return fp.read()
        except FileNotFoundError:
            raise TemplateDoesNotExist(origin)

    def get_template_sources(self, template_name):
        for template_dir in self.get_dirs():
            try:
                name = safe_join(template_dir, template_name)
            except SuspiciousFileOperation:
                # Outside the directory: this loader cannot serve it.
                continue
            yield Origin(name=name, template_name=template_name, loader=self)
