"""dbshell for MySQL/MariaDB: the mysql client, with the password in MYSQL_PWD."""

import signal

from reinhardt.backends.base.client import BaseDatabaseClient


class DatabaseClient(BaseDatabaseClient):
    executable_name = "mysql"

    @classmethod
    def settings_to_cmd_args_env(cls, settings_dict, parameters):
        args = [cls.executable_name]
        env = None
        options = settings_dict.get("OPTIONS", {})
        database = options.get("database", options.get("db", settings_dict.get("NAME")))
        user = options.get("user", settings_dict.get("USER"))
        password = options.get("password", options.get("passwd",
                                                        settings_dict.get("PASSWORD")))
        host = options.get("host", settings_dict.get("HOST"))
        port = options.get("port", settings_dict.get("PORT"))
        charset = options.get("charset")
        if options.get("read_default_file"):
            args.append(f"--defaults-file={options['read_default_file']}")
        if user:
            args.append(f"--user={user}")
        if password:
            # In the environment, not on the command line where `ps` shows it.
            env = {"MYSQL_PWD": str(password)}
        if host:
            if "/" in str(host):
                args.append(f"--socket={host}")
            else:
                args.append(f"--host={host}")
        if port:
            args.append(f"--port={port}")
        if charset:
            args.append(f"--default-character-set={charset}")
        if database:
            args.append(database)
        args.extend(parameters)
        return args, env

    def runshell(self, parameters):
        previous = signal.getsignal(signal.SIGINT)
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            super().runshell(parameters)
        finally:
            signal.signal(signal.SIGINT, previous)
