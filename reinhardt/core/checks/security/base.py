"""Deployment checks (``check --deploy``) for settings that are unsafe in production."""

from __future__ import annotations

from reinhardt.core.checks.messages import Warning
from reinhardt.core.checks.registry import Tags, register

SECRET_KEY_INSECURE_PREFIX = "reinhardt-insecure-"
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5


def _secret_key_is_weak(secret_key) -> bool:
    return (
        not secret_key
        or len(set(secret_key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
        or len(secret_key) < SECRET_KEY_MIN_LENGTH
        or str(secret_key).startswith(SECRET_KEY_INSECURE_PREFIX)
    )


@register(Tags.security, deploy=True)
def check_secret_key(app_configs=None, **kwargs):
    from reinhardt.conf import settings

    try:
        secret_key = settings.SECRET_KEY
    except Exception:
        secret_key = None
    if _secret_key_is_weak(secret_key):
        return [
            Warning(
                f"Your SECRET_KEY has fewer than {SECRET_KEY_MIN_LENGTH} characters, fewer "
                f"than {SECRET_KEY_MIN_UNIQUE_CHARACTERS} unique characters, or is prefixed "
                f"with '{SECRET_KEY_INSECURE_PREFIX}', so it is easy to guess.",
                hint="Generate a long random SECRET_KEY for production and keep it out of "
                     "version control.",
                id="security.W009",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_debug(app_configs=None, **kwargs):
    from reinhardt.conf import settings

    if settings.DEBUG:
        return [
            Warning(
                "DEBUG is True: error pages would show settings and source code to anyone.",
                hint="Set DEBUG = False in the settings used in deployment.",
                id="security.W018",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_allowed_hosts(app_configs=None, **kwargs):
    from reinhardt.conf import settings

    if not settings.ALLOWED_HOSTS:
        return [
            Warning(
                "ALLOWED_HOSTS is empty: no request would be answered in deployment.",
                hint="List the host names the site is served under in ALLOWED_HOSTS.",
                id="security.W020",
            )
        ]
    return []
