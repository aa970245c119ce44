"""A throwaway project for end-to-end tests: created with the real ``reinhardt-admin``,
driven with its ``manage.py``, on the backend the test run selected."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

from tests.backends import selected_backend

REPO_ROOT = Path(__file__).resolve().parents[2]


def admin_command() -> list[str]:
    script = Path(sys.executable).with_name("reinhardt-admin")
    return [str(script)] if script.exists() else [sys.executable, "-m", "reinhardt"]


class Project:
    """``mysite`` with app ``polls``, in ``root``; ``manage(...)`` runs a command."""

    def __init__(self, root: Path):
        self.root = root
        self.path = root / "mysite"
        self.database_name: str | None = None

    # -- running commands ----------------------------------------------------------

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "REINHARDT_SETTINGS_MODULE"}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT),
                                                          env.get("PYTHONPATH")]))
        env.pop("NO_COLOR", None)
        # Let the many short-lived processes reuse compiled bytecode, as a user's would.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        return env

    def run(self, args: list[str], cwd: Path, input: str | None = None,
            check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, input=input,
                                env=self.environment(), timeout=180)
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(args)} exited with {result.returncode}\n"
                f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
            )
        return result

    def manage(self, *args: str, input: str | None = None,
               check: bool = True) -> subprocess.CompletedProcess:
        return self.run([sys.executable, "manage.py", *args], self.path, input=input,
                        check=check)

    def query(self, code: str):
        """Run ORM code in ``manage.py shell`` and return the JSON it prints last."""
        result = self.manage("shell", "-c", textwrap.dedent(code))
        return json.loads(result.stdout.strip().splitlines()[-1])

    # -- setting up --------------------------------------------------------------------

    def create(self, real_scripts: bool = False) -> Project:
        """startproject + startapp; through the real scripts, or (faster) call_command."""
        if real_scripts:
            self.run([*admin_command(), "startproject", "mysite"], self.root)
            self.manage("startapp", "polls")
        else:
            from reinhardt.core.management import call_command

            self.path.mkdir()
            call_command("startproject", "mysite", str(self.path), verbosity=0)
            (self.path / "polls").mkdir()
            call_command("startapp", "polls", str(self.path / "polls"), verbosity=0)
        settings = self.path / "mysite" / "settings.py"
        text = settings.read_text()
        text = text.replace("INSTALLED_APPS = [\n", 'INSTALLED_APPS = [\n    "polls",\n', 1)
        backend = selected_backend()
        if backend == "postgresql":
            text += self._postgresql_settings()
        elif backend == "mysql":
            text += self._mysql_settings()
        elif backend == "mongodb":
            text += self._mongodb_settings()
        elif backend != "sqlite":
            raise AssertionError(f"no end-to-end project setup for backend {backend!r}")
        settings.write_text(text)
        return self

    def _postgresql_settings(self) -> str:
        import psycopg

        self.database_name = f"reinhardt_e2e_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self._server_dsn("test"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.database_name}"')
        return textwrap.dedent(f"""
            DATABASES = {{
                "default": {{
                    "ENGINE": "reinhardt.backends.postgresql",
                    "NAME": "{self.database_name}",
                    "HOST": "127.0.0.1",
                    "PORT": 5432,
                    "USER": "{os.environ.get('PGUSER', 'postgres')}",
                }}
            }}
        """)

    def _mysql_settings(self) -> str:
        import MySQLdb

        from tests.backends import _server

        server = _server("MYSQL", 3306, "root")
        self.database_name = f"reinhardt_e2e_{uuid.uuid4().hex[:12]}"
        self.mysql_server = server
        conn = MySQLdb.connect(host=server["HOST"], port=server["PORT"], user=server["USER"],
                               password=server["PASSWORD"])
        try:
            conn.cursor().execute(f"CREATE DATABASE `{self.database_name}` "
                                  "CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin")
        finally:
            conn.close()
        return textwrap.dedent(f"""
            DATABASES = {{
                "default": {{
                    "ENGINE": "reinhardt.backends.mysql",
                    "NAME": "{self.database_name}",
                    "HOST": "{server['HOST']}",
                    "PORT": {server['PORT']},
                    "USER": "{server['USER']}",
                    "PASSWORD": "{server['PASSWORD']}",
                }}
            }}
        """)

    def _mongodb_settings(self) -> str:
        from reinhardt.orm import connections

        self.database_name = f"reinhardt_e2e_{uuid.uuid4().hex[:12]}"
        self.mongodb_uri = connections.settings["default"]["HOST"]
        return textwrap.dedent(f"""
            DATABASES = {{
                "default": {{
                    "ENGINE": "reinhardt.backends.mongodb",
                    "NAME": "{self.database_name}",
                    "HOST": "{self.mongodb_uri}",
                }}
            }}
        """)

    @staticmethod
    def _server_dsn(name: str) -> str:
        user = os.environ.get("PGUSER", "postgres")
        return f"host=127.0.0.1 port=5432 dbname={name} user={user}"

    def destroy(self) -> None:
        if self.database_name and getattr(self, "mongodb_uri", None):
            import pymongo

            client = pymongo.MongoClient(self.mongodb_uri)
            try:
                client.drop_database(self.database_name)
                client.drop_database("test_" + self.database_name)
            finally:
                client.close()
        elif self.database_name and getattr(self, "mysql_server", None):
            import MySQLdb

            server = self.mysql_server
            conn = MySQLdb.connect(host=server["HOST"], port=server["PORT"],
                                   user=server["USER"], password=server["PASSWORD"])
            try:
                conn.cursor().execute(f"DROP DATABASE IF EXISTS `{self.database_name}`")
            finally:
                conn.close()
        elif self.database_name:
            import psycopg

            with psycopg.connect(self._server_dsn("test"), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')

    def write_models(self, source: str) -> None:
        (self.path / "polls" / "models.py").write_text(textwrap.dedent(source).lstrip())
        # A user's edit lands seconds after the last run; here the rewrite can fall within
        # the same second and keep the size (Choice -> Answer), which the bytecode cache
        # cannot tell apart from the old file. Drop the cached module.
        for cached in (self.path / "polls" / "__pycache__").glob("models.*.pyc"):
            cached.unlink()

    def migration_files(self) -> list[str]:
        folder = self.path / "polls" / "migrations"
        return sorted(p.name for p in folder.glob("0*.py"))

    def migration_text(self, name: str) -> str:
        return (self.path / "polls" / "migrations" / name).read_text()
