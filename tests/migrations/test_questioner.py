"""The questions makemigrations asks, answered as a user would type."""

import datetime
from io import StringIO

import pytest

from reinhardt.core.management.base import OutputWrapper
from reinhardt.orm import models
from reinhardt.orm.migrations.questioner import (
    InteractiveMigrationQuestioner,
    NonInteractiveMigrationQuestioner,
)


def questioner(monkeypatch, *answers):
    replies = iter(answers)
    monkeypatch.setattr("builtins.input", lambda *args: next(replies))
    out = StringIO()
    return InteractiveMigrationQuestioner(prompt_output=OutputWrapper(out)), out


def test_rename_question_defaults_to_no(monkeypatch):
    q, out = questioner(monkeypatch, "")
    assert q.ask_rename("question", "text", "title", models.CharField()) is False
    assert out.getvalue() == "Was question.text renamed to question.title (a CharField)? [y/N] "


def test_yes_no_asks_again_until_answered(monkeypatch):
    q, out = questioner(monkeypatch, "maybe", "yes")
    assert q.ask_rename("question", "text", "title", models.CharField()) is True
    assert "Please answer yes or no: " in out.getvalue()


def test_one_off_default_is_evaluated_with_datetime_and_timezone(monkeypatch):
    q, out = questioner(monkeypatch, "3", "1", "datetime.date(2024, 1, 2)")
    assert q.ask_not_null_addition("day", "event") == datetime.date(2024, 1, 2)
    text = out.getvalue()
    assert "It is impossible to add a non-nullable field 'day' to event without specifying" \
        in text
    assert "Please select a valid option: " in text
    assert "The datetime and reinhardt.utils.timezone modules are available" in text


def test_bad_python_is_reported_and_asked_again(monkeypatch):
    q, out = questioner(monkeypatch, "1", "1/0", "42")
    assert q.ask_not_null_addition("size", "box") == 42
    assert "ZeroDivisionError: division by zero" in out.getvalue()


def test_quitting_exits_with_status_3(monkeypatch):
    q, _ = questioner(monkeypatch, "2")
    with pytest.raises(SystemExit) as info:
        q.ask_not_null_addition("size", "box")
    assert info.value.code == 3


def test_non_null_alteration_can_be_left_to_a_data_migration(monkeypatch):
    q, _ = questioner(monkeypatch, "2")
    assert q.ask_not_null_alteration("size", "box") is models.NOT_PROVIDED


def test_auto_now_add_offers_timezone_now(monkeypatch):
    from reinhardt.utils import timezone

    q, out = questioner(monkeypatch, "1", "")
    assert q.ask_auto_now_add_addition("created", "post") is timezone.now
    assert "[default: timezone.now] >>> " in out.getvalue()


def test_non_interactive_logs_why_and_keeps_going_for_alterations():
    logged = []
    q = NonInteractiveMigrationQuestioner(log=logged.append)
    assert q.ask_not_null_alteration("size", "box") is models.NOT_PROVIDED
    assert logged[0].startswith("Field 'size' on model 'box' not migrated: it is impossible "
                                "to change a nullable field to non-nullable")


def test_choices_dry_run_initial_and_exit(monkeypatch, tmp_path):
    from reinhardt.orm.migrations.questioner import MigrationQuestioner

    q, out = questioner(monkeypatch, "0", "x", "3", "2")
    with pytest.raises(SystemExit) as exited:
        q.ask_not_null_addition("f", "m")
    assert exited.value.code == 3
    text = out.getvalue()
    assert " 1) Provide a one-off default now (will be set on all existing rows with a null " \
        "value for this column)\n 2) Quit and manually define a default value in models.py.\n" \
        "Select an option: " in text
    assert text.count("Please select a valid option: ") == 3
    dry = InteractiveMigrationQuestioner(dry_run=True, prompt_output=OutputWrapper(StringIO()))
    assert dry.ask_not_null_addition("f", "m") is None
    assert dry.ask_unique_callable_default_addition("f", "m") is None
    q, _ = questioner(monkeypatch, "1")
    assert q.ask_unique_callable_default_addition("f", "m") is None
    q, _ = questioner(monkeypatch, "exit")
    with pytest.raises(SystemExit) as exited:
        q._ask_default()
    assert exited.value.code == 1
    base = MigrationQuestioner(defaults={"ask_merge": True}, specified_apps={"polls"})
    assert base.ask_merge("a") is True and base.ask_rename_model(None, None) is False
    assert base.ask_initial("polls") is True and base.ask_initial("no_such_app") is False
