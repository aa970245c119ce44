"""``startproject``: create a project directory with manage.py and a settings package."""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any

from reinhardt.core.management.templates import TemplateCommand
from reinhardt.core.management.utils import get_random_secret_key
from reinhardt.utils.module_loading import import_string

# Django's default apps, middleware and context processors, under reinhardt's names. Only
# the ones this installation provides are written into a new project's settings.
DEFAULT_APPS = [
    "reinhardt.contrib.admin",
    "reinhardt.contrib.auth",
    "reinhardt.contrib.contenttypes",
    "reinhardt.contrib.sessions",
    "reinhardt.contrib.messages",
    "reinhardt.contrib.staticfiles",
]
DEFAULT_MIDDLEWARE = [
    "reinhardt.web.middleware.security.SecurityMiddleware",
    "reinhardt.contrib.sessions.middleware.SessionMiddleware",
    "reinhardt.web.middleware.common.CommonMiddleware",
    "reinhardt.web.middleware.csrf.CsrfViewMiddleware",
    "reinhardt.contrib.auth.middleware.AuthenticationMiddleware",
    "reinhardt.contrib.messages.middleware.MessageMiddleware",
    "reinhardt.web.middleware.clickjacking.XFrameOptionsMiddleware",
]
DEFAULT_CONTEXT_PROCESSORS = [
    "reinhardt.web.templates.context_processors.request",
    "reinhardt.contrib.auth.context_processors.auth",
    "reinhardt.contrib.messages.context_processors.messages",
]
DEFAULT_PASSWORD_VALIDATORS = [
    "reinhardt.contrib.auth.password_validation.UserAttributeSimilarityValidator",
    "reinhardt.contrib.auth.password_validation.MinimumLengthValidator",
    "reinhardt.contrib.auth.password_validation.CommonPasswordValidator",
    "reinhardt.contrib.auth.password_validation.NumericPasswordValidator",
]


def module_exists(dotted_path: str) -> bool:
    try:
        return find_spec(dotted_path) is not None
    except (ImportError, ValueError):
        return False


def object_exists(dotted_path: str) -> bool:
    try:
        import_string(dotted_path)
    except ImportError:
        return False
    return True


def available(paths: list[str], *, objects: bool) -> list[str]:
    """The entries of ``paths`` this installation provides: importable modules, or (with
    ``objects``) importable classes and functions."""
    return [p for p in paths if (object_exists(p) if objects else module_exists(p))]


def as_lines(items: list[str], indent: int) -> str:
    return "".join(f'{" " * indent}"{item}",\n' for item in items)


class Command(TemplateCommand):
    help = (
        "Create a new project (manage.py and the settings package) in a new directory named "
        "after it, or in a given directory."
    )
    missing_args_message = "You must provide a project name."

    def handle(self, **options: Any) -> None:
        project_name = options.pop("name")
        target = options.pop("directory")
        super().handle("project", project_name, target, **options)

    def extra_context(self, name: str) -> dict[str, Any]:
        validators = available(DEFAULT_PASSWORD_VALIDATORS, objects=True)
        return {
            "secret_key": get_random_secret_key(),
            "installed_apps": as_lines(available(DEFAULT_APPS, objects=False), 4),
            "middleware": as_lines(available(DEFAULT_MIDDLEWARE, objects=True), 4),
            "context_processors": as_lines(
                available(DEFAULT_CONTEXT_PROCESSORS, objects=True), 16
            ),
            "password_validators": "".join(
                f'    {{\n        "NAME": "{v}",\n    }},\n' for v in validators
            ),
        }
