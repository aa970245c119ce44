"""Resets the template caches when a test changes TEMPLATES or INSTALLED_APPS."""

from reinhardt.test.signals import setting_changed


def _reset_templates(*, setting, **kwargs) -> None:
    from reinhardt.web.templates import engines
    from reinhardt.web.templates.engine import Engine
    from reinhardt.web.templates.utils import get_app_template_dirs

    if setting in {"TEMPLATES", "DEBUG", "INSTALLED_APPS"}:
        engines._templates = None
        engines._engines = {}
        engines.__dict__.pop("templates", None)
        Engine.get_default.cache_clear()
    if setting == "INSTALLED_APPS":
        get_app_template_dirs.cache_clear()


setting_changed.connect(_reset_templates, dispatch_uid="reinhardt.web.templates.reset")
