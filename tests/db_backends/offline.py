"""Wrappers of the server backends that compile SQL without a server: what a dialect
generates is checked on every run, including for server versions not installed here."""

from __future__ import annotations

from reinhardt.orm.connections import _ALIAS_DEFAULTS, _TEST_DEFAULTS, load_backend


def settings_for(engine: str, **extra) -> dict:
    settings = {key: (value.copy() if isinstance(value, dict) else value)
                for key, value in _ALIAS_DEFAULTS.items()}
    settings.update({"ENGINE": engine, "NAME": "offline"}, **extra)
    settings["TEST"] = dict.fromkeys(_TEST_DEFAULTS)
    return settings


def postgresql(alias="offline_pg", **options):
    backend = load_backend("reinhardt.backends.postgresql")
    return backend.DatabaseWrapper(settings_for("reinhardt.backends.postgresql",
                                                OPTIONS=options), alias)


def mysql(server_info: str, alias: str):
    """A MySQL wrapper that believes it talks to ``server_info`` (e.g. '8.0.36')."""
    backend = load_backend("reinhardt.backends.mysql")
    wrapper = backend.DatabaseWrapper(settings_for("reinhardt.backends.mysql"), alias)
    wrapper.__dict__["mysql_server_info"] = server_info
    return wrapper


def sql(queryset, connection) -> tuple[str, tuple]:
    """The SQL and parameters ``queryset`` compiles to on ``connection``."""
    return queryset.query.get_compiler(connection=connection).as_sql()
