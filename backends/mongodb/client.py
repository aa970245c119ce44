from reinhardt.backends.base.client import BaseDatabaseClient


class DatabaseClient(BaseDatabaseClient):
    """``dbshell``: mongosh on the configured database."""

    executable_name = "mongosh"

    @classmethod
    def settings_to_cmd_args_env(cls, settings_dict, parameters):
        host = settings_dict["HOST"] or "mongodb://127.0.0.1:27017"
        if not host.startswith("mongodb"):
            host = f"mongodb://{host}:{settings_dict['PORT'] or 27017}"
        uri = host.rstrip("/") + "/" + settings_dict["NAME"]
        return [cls.executable_name, uri, *parameters], None
