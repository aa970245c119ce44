"""Loads templates from a dict of name -> source (handy in tests)."""

from reinhardt.web.templates.base import Origin
from reinhardt.web.templates.exceptions import TemplateDoesNotExist
from reinhardt.web.templates.loaders.base import Loader as BaseLoader


class Loader(BaseLoader):
    def __init__(self, engine, templates_dict):
        self.templates_dict = templates_dict
        super().__init__(engine)

    def get_contents(self, origin) -> str:
        try:
            return self.templates_dict[origin.name]
        except KeyError:
            raise TemplateDoesNotExist(origin)

    def get_template_sources(self, template_name):
        yield Origin(name=template_name, template_name=template_name, loader=self)
