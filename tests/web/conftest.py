"""Fixtures for the web tests: the tables of tests/web/dbapp exist for the whole session."""

import pytest


@pytest.fixture(scope="session", autouse=True)
def dbapp_tables():
    """Create the blog app's tables (empty) unless something already did."""
    from reinhardt.orm import connection
    from tests.web.dbapp.models import Article, Author, Book

    existing = set(connection.introspection.table_names())
    with connection.schema_editor() as editor:
        for model in (Author, Article, Book):
            if model._meta.db_table not in existing:
                editor.create_model(model)
    yield
