"""Relations to the model named by AUTH_USER_MODEL are written as references to the setting."""

import pytest

from reinhardt.orm import models
from reinhardt.orm.migrations.autodetector import MigrationAutodetector
from reinhardt.orm.migrations.graph import MigrationGraph
from reinhardt.orm.migrations.questioner import MigrationQuestioner
from reinhardt.orm.migrations.state import ModelState, ProjectState
from reinhardt.orm.migrations.writer import MigrationWriter
from reinhardt.test.utils import override_settings

USER_SETTING = override_settings(AUTH_USER_MODEL="accounts.Member")


def member():
    return ModelState("accounts", "Member", [
        ("id", models.AutoField(primary_key=True)),
        ("name", models.CharField(max_length=50)),
    ])


def book(field):
    return ModelState("polls", "Book", [("id", models.AutoField(primary_key=True)),
                                        ("owner", field)])


@USER_SETTING
@pytest.mark.parametrize("field", [
    models.ForeignKey("accounts.Member", models.CASCADE),
    models.ForeignKey("accounts.MEMBER", models.CASCADE),
    models.OneToOneField("accounts.Member", models.CASCADE),
    models.ManyToManyField("accounts.Member"),
])
def test_relation_to_the_user_model_names_the_setting(field):
    assert field.swappable_setting == "AUTH_USER_MODEL"
    target = field.deconstruct()[3]["to"]
    assert target == "accounts.member"
    assert target.setting_name == "AUTH_USER_MODEL"
    string, imports = MigrationWriter.serialize(field)
    assert "to=settings.AUTH_USER_MODEL" in string
    assert "from reinhardt.conf import settings" in imports


@USER_SETTING
def test_other_targets_and_swappable_false_keep_the_model_label():
    plain = models.ForeignKey("accounts.Group", models.CASCADE)
    opted_out = models.ForeignKey("accounts.Member", models.CASCADE, swappable=False)
    for field in (plain, opted_out):
        assert field.swappable_setting is None
        target = field.deconstruct()[3]["to"]
        assert not hasattr(target, "setting_name")
        assert "settings." not in MigrationWriter.serialize(field)[0]


def test_without_the_setting_pointing_there_nothing_is_swappable():
    field = models.ForeignKey("accounts.Member", models.CASCADE)
    assert field.swappable_setting is None
    assert "settings." not in MigrationWriter.serialize(field)[0]


@USER_SETTING
def test_autodetector_depends_on_the_setting_and_writer_says_so():
    before = ProjectState({("accounts", "member"): member()})
    after = ProjectState({
        ("accounts", "member"): member(),
        ("polls", "book"): book(models.ForeignKey("accounts.Member", models.CASCADE)),
    })
    graph = MigrationGraph()
    graph.add_node(("accounts", "0001_initial"), None)
    questioner = MigrationQuestioner(defaults={"ask_initial": True})
    result = MigrationAutodetector(before, after, questioner).changes(graph=graph)
    migration = result["polls"][0]
    # The setting's current value (accounts.Member) is not pinned in the dependency.
    assert [tuple(dep) for dep in migration.dependencies] == [("__setting__", "AUTH_USER_MODEL")]
    text = MigrationWriter(migration, include_header=False).as_string()
    assert "migrations.swappable_dependency(settings.AUTH_USER_MODEL)," in text
    assert "to=settings.AUTH_USER_MODEL" in text
    assert "from reinhardt.conf import settings" in text
    # Written without the setting, the file would pin today's value instead.
    assert '"accounts.member"' not in text


def test_models_declaring_meta_swappable_add_their_setting():
    from reinhardt.apps.registry import Apps

    registry = Apps(["tests.orm"])

    class Widget(models.Model):
        class Meta:
            app_label = "orm"
            apps = registry
            swappable = "WIDGET_MODEL"

    assert registry.get_swappable_settings_name("orm.Widget") == "WIDGET_MODEL"
    assert registry.get_swappable_settings_name("orm.gadget") is None
    with override_settings(WIDGET_MODEL="orm.Gadget"):
        assert registry.get_swappable_settings_name("ORM.gadget") == "WIDGET_MODEL"
