"""docs/capabilities.md is generated from the Features classes and must match them."""

from reinhardt.backends import capabilities
from reinhardt.backends.base.features import EMULATED, FLAGS, BaseDatabaseFeatures


def test_committed_matrix_matches_the_features_classes():
    committed = capabilities.DOC.read_text() if capabilities.DOC.exists() else ""
    assert committed == capabilities.render(), (
        f"docs/capabilities.md disagrees with the backends' Features classes: regenerate it "
        f"with `{capabilities.COMMAND}` and commit the result."
    )


def test_every_backend_package_gets_a_column():
    names = [name for name, _ in capabilities.discover()]
    assert {"sqlite3", "postgresql", "mysql"} <= set(names)
    titles = [title for title, _ in capabilities.columns()]
    # Server-dependent flags are shown per server variant rather than guessed.
    assert "mysql (MariaDB 10.11)" in titles and "mysql (MySQL 8.0)" in titles


def test_states_read_the_flag_values():
    class Features(BaseDatabaseFeatures):
        supports_joins = EMULATED
        supports_subqueries = False

    assert capabilities.state(Features, "supports_joins") == "emulated"
    assert capabilities.state(Features, "supports_subqueries") == "not supported"
    assert capabilities.state(Features, "supports_transactions") == "supported"
    # Every flag in the matrix exists on the base class.
    assert all(hasattr(BaseDatabaseFeatures, flag) for flag in FLAGS)


def test_mariadb_and_mysql_columns_differ_where_the_servers_do():
    columns = dict(capabilities.columns())
    mysql, mariadb = columns["mysql (MySQL 8.0)"], columns["mysql (MariaDB 10.11)"]
    assert capabilities.state(mariadb, "can_return_columns_from_insert") == "supported"
    assert capabilities.state(mysql, "can_return_columns_from_insert") == "not supported"
