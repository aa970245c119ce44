"""reinhardt: Django's API on SQL databases and document stores."""

VERSION = (0, 1, 0, "alpha", 0)
__version__ = "0.1.0"


def setup(set_prefix: bool = True) -> None:
    """Configure settings, logging and the app registry, as ``django.setup()`` does."""
    from reinhardt.apps import apps
    from reinhardt.conf import settings
    from reinhardt.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    if set_prefix:
        from reinhardt.utils.script_prefix import set_script_prefix

        set_script_prefix("/" if settings.FORCE_SCRIPT_NAME is None else settings.FORCE_SCRIPT_NAME)
    apps.populate(settings.INSTALLED_APPS)
