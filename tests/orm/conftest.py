import pytest

from reinhardt.orm import connection
from tests.db import isolated


@pytest.fixture(autouse=True)
def _isolate(request):
    with isolated(transactional=request.node.get_closest_marker("transactional") is not None):
        yield


@pytest.fixture
def features():
    return connection.features


@pytest.fixture
def django_queries():
    """A function returning how many queries ran on the default database so far."""
    from reinhardt.orm import connection as conn

    conn.force_debug_cursor = True
    start = len(conn.queries_log)
    yield lambda: len(conn.queries_log) - start
    conn.force_debug_cursor = False
