import pytest

from reinhardt.core.management import get_commands
from reinhardt.test import override_settings


@pytest.fixture
def cmdapp():
    """The test app with custom commands installed (command discovery cache cleared)."""
    with override_settings(INSTALLED_APPS=["tests.orm", "tests.management.cmdapp"]):
        get_commands.cache_clear()
        yield
    get_commands.cache_clear()
