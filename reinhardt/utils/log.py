"""Logging configuration from the LOGGING setting."""

import logging
import logging.config

from reinhardt.utils.module_loading import import_string

DEFAULT_LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"level": "INFO", "class": "logging.StreamHandler"}},
    "loggers": {
        "reinhardt": {"handlers": ["console"], "level": "INFO"},
        "reinhardt.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}


def configure_logging(logging_config, logging_settings) -> None:
    if not logging_config:
        return
    configure = import_string(logging_config)
    configure(DEFAULT_LOGGING)
    if logging_settings:
        configure(logging_settings)


logger = logging.getLogger("reinhardt")

request_logger = logging.getLogger("reinhardt.request")


def log_response(message: str, *args, response=None, request=None, logger=request_logger,
                 level: str | None = None, exception=None) -> None:
    """Log a 4xx (warning) or 5xx (error) response once, with the traceback for 5xx."""
    if response is None or getattr(response, "_has_been_logged", False):
        return
    if level is None:
        if response.status_code >= 500:
            level = "error"
        elif response.status_code >= 400:
            level = "warning"
        else:
            level = "info"
    exc_info = None
    if exception is not None and response.status_code >= 500:
        exc_info = (type(exception), exception, exception.__traceback__)
    getattr(logger, level)(message, *args, extra={"status_code": response.status_code,
                                                  "request": request}, exc_info=exc_info)
    response._has_been_logged = True
