"""``startapp``: create an app package with models.py, views.py, apps.py and migrations/."""

from __future__ import annotations

from typing import Any

from reinhardt.core.management.templates import TemplateCommand


class Command(TemplateCommand):
    help = (
        "Create the files of a new app (models.py, views.py, apps.py, migrations/...) in a "
        "new directory named after it, or in a given directory."
    )
    missing_args_message = "You must provide an application name."

    def handle(self, **options: Any) -> None:
        app_name = options.pop("name")
        target = options.pop("directory")
        super().handle("app", app_name, target, **options)
