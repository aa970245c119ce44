import pytest

from reinhardt.apps import apps
from reinhardt.conf import LazySettings, settings
from reinhardt.core.exceptions import ImproperlyConfigured
from reinhardt.test import override_settings


def test_settings_come_from_the_settings_module():
    assert settings.SECRET_KEY == "reinhardt-tests-not-secret"
    assert settings.DEFAULT_CHARSET == "utf-8"  # a global default


def test_unconfigured_settings_name_the_environment_variable(monkeypatch):
    monkeypatch.delenv("REINHARDT_SETTINGS_MODULE")
    lazy = LazySettings()
    with pytest.raises(ImproperlyConfigured, match="REINHARDT_SETTINGS_MODULE"):
        lazy.DEBUG


def test_configure_sets_settings_and_refuses_a_second_call():
    lazy = LazySettings()
    lazy.configure(DEBUG=True, TIME_ZONE="UTC")
    assert lazy.DEBUG is True and lazy.TIME_ZONE == "UTC"
    assert lazy.APPEND_SLASH is True
    with pytest.raises(RuntimeError):
        lazy.configure(DEBUG=False)


def test_override_settings_restores_the_old_value():
    with override_settings(APPEND_SLASH=False):
        assert settings.APPEND_SLASH is False
    assert settings.APPEND_SLASH is True


def test_app_registry_is_populated():
    config = apps.get_app_config("orm")
    assert config.name == "tests.orm"
    with pytest.raises(LookupError, match="No installed app with label 'nope'"):
        apps.get_app_config("nope")
