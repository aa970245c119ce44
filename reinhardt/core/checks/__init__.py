"""The system check framework: ``register`` checks, ``run_checks``, and the messages they
return (Debug, Info, Warning, Error, Critical), as ``django.core.checks``."""

# Importing these modules registers the built-in checks.
from reinhardt.core.checks import database, model_checks  # noqa: F401,I001
from reinhardt.core.checks.messages import (
    CRITICAL,
    DEBUG,
    ERROR,
    INFO,
    WARNING,
    CheckMessage,
    Critical,
    Debug,
    Error,
    Info,
    Warning,
)
from reinhardt.core.checks.registry import Tags, register, run_checks, tag_exists
from reinhardt.core.checks.security import base as security_base  # noqa: F401

__all__ = [
    "CheckMessage", "Debug", "Info", "Warning", "Error", "Critical", "DEBUG", "INFO",
    "WARNING", "ERROR", "CRITICAL", "register", "run_checks", "tag_exists", "Tags",
]
