"""The backend used when DATABASES is empty: any database access says so."""

from reinhardt.backends.base.base import BaseDatabaseWrapper
from reinhardt.backends.base.client import BaseDatabaseClient
from reinhardt.backends.base.creation import BaseDatabaseCreation
from reinhardt.backends.base.features import BaseDatabaseFeatures
from reinhardt.backends.base.introspection import BaseDatabaseIntrospection
from reinhardt.backends.base.operations import BaseDatabaseOperations
from reinhardt.core.exceptions import ImproperlyConfigured


def complain(*args, **kwargs):
    raise ImproperlyConfigured(
        "settings.DATABASES is improperly configured. Please supply the ENGINE value. "
        "Check settings documentation for more details."
    )


def ignore(*args, **kwargs):
    pass


class DatabaseOperations(BaseDatabaseOperations):
    quote_name = complain


class DatabaseClient(BaseDatabaseClient):
    runshell = complain


class DatabaseCreation(BaseDatabaseCreation):
    create_test_db = ignore
    destroy_test_db = ignore


class DatabaseIntrospection(BaseDatabaseIntrospection):
    get_table_list = complain
    get_table_description = complain
    get_relations = complain
    get_constraints = complain


class DatabaseWrapper(BaseDatabaseWrapper):
    operators = {}
    vendor = "dummy"
    display_name = "no database"
    # Without a configured database every operation that would touch one fails with
    # ImproperlyConfigured (complain); closing and rolling back have nothing to undo
    # and succeed silently (ignore).
    _cursor = complain
    ensure_connection = complain
    _commit = complain
    _rollback = ignore
    _close = ignore
    _savepoint = ignore
    _savepoint_commit = complain
    _savepoint_rollback = ignore
    _set_autocommit = complain
    compiler = complain
    # Classes instantiated in __init__().
    client_class = DatabaseClient
    creation_class = DatabaseCreation
    features_class = BaseDatabaseFeatures
    introspection_class = DatabaseIntrospection
    ops_class = DatabaseOperations

    def is_usable(self):
        return True
