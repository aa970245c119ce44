import pytest

from tests.db import isolated


@pytest.fixture(autouse=True)
def _isolate(request):
    with isolated(transactional=request.node.get_closest_marker("transactional") is not None):
        yield
