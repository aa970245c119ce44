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
