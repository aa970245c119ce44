"""AppConfig.create() finds an app's configuration the way Django documents it."""

import sys
import textwrap

import pytest

from reinhardt.apps import AppConfig
from reinhardt.core.exceptions import ImproperlyConfigured


@pytest.fixture
def packages(tmp_path, monkeypatch):
    """Write packages ({"pkg/apps.py": source}) into a directory on sys.path."""
    monkeypatch.syspath_prepend(str(tmp_path))
    written = set()

    def write(files: dict):
        for relative, source in files.items():
            path = tmp_path / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            for parent in path.relative_to(tmp_path).parents:
                if str(parent) != ".":
                    (tmp_path / parent / "__init__.py").touch()
                    written.add(str(parent).replace("/", "."))
            path.write_text(textwrap.dedent(source))
            written.add(relative[:-3].replace("/", "."))

    yield write
    for name in written:
        sys.modules.pop(name, None)


def test_a_plain_package_gets_the_base_config(packages):
    packages({"plainapp/models.py": ""})
    config = AppConfig.create("plainapp")
    assert type(config) is AppConfig
    assert (config.name, config.label, config.verbose_name) == ("plainapp", "plainapp", "Plainapp")
    assert config.path.endswith("plainapp")


def test_the_only_config_in_apps_py_is_the_default(packages):
    packages({"oneapp/apps.py": """
        from reinhardt.apps import AppConfig
        class OneConfig(AppConfig):
            name = "oneapp"
            label = "uno"
    """})
    config = AppConfig.create("oneapp")
    assert (type(config).__name__, config.label) == ("OneConfig", "uno")


def test_with_several_configs_the_one_marked_default_wins(packages):
    packages({"twoapp/apps.py": """
        from reinhardt.apps import AppConfig
        class First(AppConfig):
            name = "twoapp"
        class Second(AppConfig):
            name = "twoapp"
            default = True
    """})
    assert type(AppConfig.create("twoapp")).__name__ == "Second"


def test_several_configs_without_a_default_fall_back_to_the_base(packages):
    packages({"undecided/apps.py": """
        from reinhardt.apps import AppConfig
        class First(AppConfig):
            name = "undecided"
        class Second(AppConfig):
            name = "undecided"
    """})
    assert type(AppConfig.create("undecided")) is AppConfig


def test_two_defaults_are_an_error(packages):
    packages({"greedy/apps.py": """
        from reinhardt.apps import AppConfig
        class First(AppConfig):
            name = "greedy"
            default = True
        class Second(AppConfig):
            name = "greedy"
            default = True
    """})
    with pytest.raises(RuntimeError, match="more than one default AppConfig: 'First', 'Second'"):
        AppConfig.create("greedy")


def test_a_dotted_path_to_a_config_class(packages):
    packages({"pathapp/apps.py": """
        from reinhardt.apps import AppConfig
        class Chosen(AppConfig):
            name = "pathapp"
            default = False
    """})
    assert type(AppConfig.create("pathapp.apps.Chosen")).__name__ == "Chosen"


def test_a_missing_config_class_lists_the_choices(packages):
    packages({"typo/apps.py": """
        from reinhardt.apps import AppConfig
        class TypoConfig(AppConfig):
            name = "typo"
    """})
    with pytest.raises(ImportError, match="does not contain a 'TypoConfg' class. Choices are: "
                                          "'TypoConfig'."):
        AppConfig.create("typo.apps.TypoConfg")


def test_bad_entries_say_what_is_wrong(packages):
    packages({"oddapp/apps.py": """
        class NotAConfig:
            pass
        from reinhardt.apps import AppConfig
        class Nameless(AppConfig):
            default = False
        class WrongName(AppConfig):
            name = "no_such_module_here"
            default = False
    """})
    with pytest.raises(ImproperlyConfigured, match="isn't a subclass of AppConfig"):
        AppConfig.create("oddapp.apps.NotAConfig")
    with pytest.raises(ImproperlyConfigured, match="must supply a name attribute"):
        AppConfig.create("oddapp.apps.Nameless")
    with pytest.raises(ImproperlyConfigured, match="Cannot import 'no_such_module_here'"):
        AppConfig.create("oddapp.apps.WrongName")
    with pytest.raises(ModuleNotFoundError):
        AppConfig.create("not_installed_anywhere")


def test_labels_must_be_identifiers(packages):
    packages({"badlabel/apps.py": """
        from reinhardt.apps import AppConfig
        class BadLabel(AppConfig):
            name = "badlabel"
            label = "bad-label"
    """})
    with pytest.raises(ImproperlyConfigured, match="'bad-label' is not a valid Python identifier"):
        AppConfig.create("badlabel")
