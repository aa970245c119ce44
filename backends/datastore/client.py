from reinhardt.backends.base.client import BaseDatabaseClient


class DatabaseClient(BaseDatabaseClient):
    """Datastore has no interactive shell; dbshell says so."""

    executable_name = "gcloud"

    @classmethod
    def settings_to_cmd_args_env(cls, settings_dict, parameters):
        raise NotImplementedError(
            "Google Cloud Datastore has no interactive shell: use the Google Cloud console "
            "or the ORM (manage.py shell).")
