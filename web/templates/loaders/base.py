"""Loader base: finds a template's source by name and compiles it."""

from __future__ import annotations

from reinhardt.web.templates.base import Template
from reinhardt.web.templates.exceptions import TemplateDoesNotExist


class Loader:
    def __init__(self, engine):
        self.engine = engine

    def get_template(self, template_name, skip=None) -> Template:
        """The first template named ``template_name`` whose origin is not in ``skip``."""
        tried = []
        for origin in self.get_template_sources(template_name):
            if skip is not None and origin in skip:
                tried.append((origin, "Skipped to avoid recursion"))
                continue
            try:
                contents = self.get_contents(origin)
            except TemplateDoesNotExist:
                tried.append((origin, "Source does not exist"))
                continue
            return Template(contents, origin, origin.template_name, self.engine)
        raise TemplateDoesNotExist(template_name, tried=tried)

    def get_template_sources(self, template_name):
        """Yield an Origin for each place the template may be."""
        raise NotImplementedError(
            "subclasses of Loader must provide a get_template_sources() method"
        )

    def get_contents(self, origin) -> str:
        raise NotImplementedError("subclasses of Loader must provide a get_contents() method")

    def reset(self) -> None:
        """Forget cached templates (loaders that cache override this)."""
