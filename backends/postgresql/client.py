"""dbshell for PostgreSQL: psql, with the password passed in the environment."""

import signal

from reinhardt.backends.base.client import BaseDatabaseClient


class DatabaseClient(BaseDatabaseClient):
    executable_name = "psql"

    @classmethod
    def settings_to_cmd_args_env(cls, settings_dict, parameters):
        args = [cls.executable_name]
        options = settings_dict.get("OPTIONS", {})
        env = {}
        host = settings_dict.get("HOST")
        port = settings_dict.get("PORT")
        dbname = settings_dict.get("NAME")
        user = settings_dict.get("USER")
        password = settings_dict.get("PASSWORD")
        service = options.get("service")
        if not dbname and not service:
            dbname = "postgres"
        if user:
            args += ["-U", user]
        if host:
            args += ["-h", host]
        if port:
            args += ["-p", str(port)]
        args.extend(parameters)
        if dbname:
            args.append(dbname)
        for option, variable in (
            ("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"),
            ("sslcert", "PGSSLCERT"), ("sslkey", "PGSSLKEY"), ("passfile", "PGPASSFILE"),
        ):
            if options.get(option):
                env[variable] = str(options[option])
        if password:
            env["PGPASSWORD"] = str(password)
        if service:
            env["PGSERVICE"] = str(service)
        return args, (env or None)

    def runshell(self, parameters):
        # psql handles Ctrl-C itself (it cancels the running query).
        previous = signal.getsignal(signal.SIGINT)
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            super().runshell(parameters)
        finally:
            signal.signal(signal.SIGINT, previous)
