"""The router follows DATABASE_ROUTERS when it is changed (override_settings in tests)."""

from reinhardt.orm import router
from reinhardt.test.utils import override_settings
from tests.orm.models import Author


class ReadElsewhere:
    def db_for_read(self, model, **hints):
        return "other"


def test_overriding_database_routers_takes_effect_and_is_undone():
    assert router.db_for_read(Author) == "default"
    with override_settings(DATABASE_ROUTERS=[ReadElsewhere()]):
        assert router.db_for_read(Author) == "other"
        assert Author.objects.all().db == "other"
    assert router.db_for_read(Author) == "default"
