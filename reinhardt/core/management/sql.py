"""SQL and signals shared by the flush and migrate commands."""

from __future__ import annotations

import sys

from reinhardt.apps import apps


def sql_flush(style, connection, reset_sequences: bool = True,
              allow_cascade: bool = False) -> list[str]:
    """The statements that empty every table of the installed models on ``connection``."""
    tables = connection.introspection.reinhardt_table_names(only_existing=True,
                                                            include_views=False)
    return connection.ops.sql_flush(style, tables, reset_sequences=reset_sequences,
                                    allow_cascade=allow_cascade)


def _emit(signal_name: str, verbosity: int, interactive: bool, db: str, **kwargs) -> None:
    try:
        from reinhardt.orm.models import signals
    except ImportError:
        return
    signal = getattr(signals, signal_name, None)
    if signal is None:
        return
    stdout = kwargs.get("stdout") or sys.stdout
    for app_config in apps.get_app_configs():
        if app_config.models_module is None:
            continue
        if verbosity >= 2:
            stdout.write(f"Running {signal_name} handlers for application {app_config.label}\n")
        signal.send(sender=app_config, app_config=app_config, verbosity=verbosity,
                    interactive=interactive, using=db, **kwargs)


def emit_pre_migrate_signal(verbosity: int, interactive: bool, db: str, **kwargs) -> None:
    """Tell every app a migrate run on ``db`` is about to start (``apps``, ``plan``)."""
    _emit("pre_migrate", verbosity, interactive, db, **kwargs)


def emit_post_migrate_signal(verbosity: int, interactive: bool, db: str, **kwargs) -> None:
    """Tell every app a migrate (or flush) run on ``db`` has finished."""
    _emit("post_migrate", verbosity, interactive, db, **kwargs)
