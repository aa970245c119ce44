"""BaseEngine: what every TEMPLATES backend shares (NAME, DIRS, APP_DIRS)."""

from __future__ import annotations

from reinhardt.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from reinhardt.utils.functional import cached_property
from reinhardt.web.templates.exceptions import TemplateDoesNotExist
from reinhardt.web.templates.utils import get_app_template_dirs


class BaseEngine:
    def __init__(self, params):
        params = params.copy()
        self.name = params.pop("NAME")
        self.dirs = list(params.pop("DIRS"))
        self.app_dirs = params.pop("APP_DIRS")
        if params:
            raise ImproperlyConfigured(
                "Unknown parameters: {}".format(", ".join(params))
            )

    def check(self, **kwargs) -> list:
        return []

    @property
    def app_dirname(self):
        """The folder of each app that holds this backend's templates (set by subclasses)."""
        raise ImproperlyConfigured(
            f"{self.__class__.__name__} doesn't support loading templates from installed "
            "applications."
        )

    def from_string(self, template_code):
        raise NotImplementedError("subclasses of BaseEngine should provide a from_string() method")

    def get_template(self, template_name):
        raise NotImplementedError("subclasses of BaseEngine must provide a get_template() method")

    @cached_property
    def template_dirs(self) -> tuple:
        """DIRS, then each app's template folder when APP_DIRS is on."""
        template_dirs = tuple(self.dirs)
        if self.app_dirs:
            template_dirs += get_app_template_dirs(self.app_dirname)
        return template_dirs

    def iter_template_filenames(self, template_name):
        from reinhardt.web.templates.loaders.filesystem import safe_join

        for template_dir in self.template_dirs:
            try:
                yield safe_join(template_dir, template_name)
            except SuspiciousFileOperation:
                pass


__all__ = ["BaseEngine", "TemplateDoesNotExist"]
