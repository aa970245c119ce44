"""Loads templates from the ``templates`` folder of each installed app."""

from reinhardt.web.templates.loaders.filesystem import Loader as FilesystemLoader
from reinhardt.web.templates.utils import get_app_template_dirs


class Loader(FilesystemLoader):
    def get_dirs(self):
        return get_app_template_dirs("templates")
