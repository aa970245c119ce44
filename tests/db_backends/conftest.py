import importlib.util

import pytest

from tests.db import isolated

# The MongoDB-specific modules import bson (the mongodb extra). An environment built for
# another backend alone (`tox -e datastore`, `scripts/test datastore`) does not have it;
# there is nothing of theirs to run then, so they are not collected.
collect_ignore = [] if importlib.util.find_spec("bson") else [
    "test_mongodb_fields.py", "test_mongodb_json.py"]


@pytest.fixture(autouse=True)
def _isolate(request):
    with isolated(transactional=request.node.get_closest_marker("transactional") is not None):
        yield
