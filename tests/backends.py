"""Which database each test backend name means.

The tests run against whichever backend REINHARDT_TEST_BACKEND names. A backend whose server
cannot be reached fails the run with a message saying why: it is never skipped silently.

Server backends use databases named ``test_<NAME>`` (created and dropped by the run), never
the configured ones. REINHARDT_TEST_DB_SUFFIX, when set, is appended to NAME, so that test
runs sharing one server at the same time (several worktrees) don't drop each other's
databases. Host, port and user come from the environment when set:
REINHARDT_PG_HOST/PORT/USER/PASSWORD and REINHARDT_MYSQL_HOST/PORT/USER/PASSWORD.
"""

from __future__ import annotations

import os
import socket

BACKENDS = ("sqlite", "postgresql", "mysql", "mongodb", "datastore")

# How to start each server when it is down (scripts/test does it for you).
START_HINTS = {
    "postgresql": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "mysql": "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd",
}


def _server(prefix: str, port: int, user: str) -> dict:
    return {
        "HOST": os.environ.get(f"REINHARDT_{prefix}_HOST", "127.0.0.1"),
        "PORT": int(os.environ.get(f"REINHARDT_{prefix}_PORT", port)),
        "USER": os.environ.get(f"REINHARDT_{prefix}_USER", user),
        "PASSWORD": os.environ.get(f"REINHARDT_{prefix}_PASSWORD", ""),
    }


def require_reachable(name: str, host: str, port: int) -> None:
    """Fail the run at once, saying why, when the server is not listening."""
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError as e:
        raise SystemExit(
            f"REINHARDT_TEST_BACKEND={name}: cannot reach the server at {host}:{port} ({e}). "
            f"Start it (e.g. `{START_HINTS[name]}`) or run scripts/test {name}, which starts "
            "it."
        ) from None


def _db(name: str) -> str:
    return name + os.environ.get("REINHARDT_TEST_DB_SUFFIX", "")


def mongodb_uri() -> str:
    """MONGODB_URI when set (a real mongod or replica set); otherwise a SecantusDB server
    (the pinned MongoDB wire-protocol server of the ``mongodb`` extra) started on a free
    loopback port for this run and stopped when it ends."""
    uri = os.environ.get("MONGODB_URI")
    if uri:
        return uri
    from tests.mongodb_server import start_secantus

    return start_secantus()


def _aliases(engine: dict, key: str = "NAME", default_test: dict | None = None) -> dict:
    """The three test aliases on one server: "default" and "other" in databases of their
    own (named by ``key``, with REINHARDT_TEST_DB_SUFFIX), "replica" mirroring "default"."""
    default = {**engine, key: _db("reinhardt")}
    if default_test:
        default["TEST"] = default_test
    return {
        "default": default,
        "other": {**engine, key: _db("reinhardt_other")},
        "replica": {**engine, key: _db("reinhardt"), "TEST": {"MIRROR": "default"}},
    }


def database_settings(name: str) -> dict:
    if name == "sqlite":
        return {
            "default": {"ENGINE": "reinhardt.backends.sqlite3", "NAME": ":memory:"},
            "other": {"ENGINE": "reinhardt.backends.sqlite3", "NAME": ":memory:"},
            "replica": {"ENGINE": "reinhardt.backends.sqlite3", "NAME": ":memory:",
                        "TEST": {"MIRROR": "default"}},
        }
    if name == "postgresql":
        server = _server("PG", 5432, "postgres")
        require_reachable(name, server["HOST"], server["PORT"])
        engine = {"ENGINE": "reinhardt.backends.postgresql", **server}
        # pgcrypto: SHA1() needs it on PostgreSQL.
        return _aliases(engine, default_test={"EXTENSIONS": ["pgcrypto"]})
    if name == "mysql":
        server = _server("MYSQL", 3306, "root")
        require_reachable(name, server["HOST"], server["PORT"])
        engine = {"ENGINE": "reinhardt.backends.mysql", **server}
        return _aliases(engine)
    if name == "mongodb":
        engine = {"ENGINE": "reinhardt.backends.mongodb", "HOST": mongodb_uri()}
        return _aliases(engine)
    if name == "datastore":
        from tests.datastore_emulator import emulator_host

        os.environ["DATASTORE_EMULATOR_HOST"] = emulator_host()
        engine = {"ENGINE": "reinhardt.backends.datastore", "PROJECT": "reinhardt-test"}
        return _aliases(engine, key="NAMESPACE")
    raise SystemExit(
        f"REINHARDT_TEST_BACKEND={name!r} is not a known test backend; choose one of "
        + ", ".join(BACKENDS)
    )


# Every backend has three aliases: "default", "other" (a second database) and "replica"
# (a replica of "default": in tests, the same database).


def selected_backend() -> str:
    return os.environ.get("REINHARDT_TEST_BACKEND", "sqlite")
