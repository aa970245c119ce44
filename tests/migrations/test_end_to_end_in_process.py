"""The new user's path again, in process through call_command(): startapp, models,
makemigrations, migrate, data in, model changes, makemigrations, migrate, back to 0001.
The data is checked through the ORM at every step."""

import datetime
import sys
import textwrap
from contextlib import contextmanager
from io import StringIO

import pytest

from reinhardt.apps import apps
from reinhardt.core.management import call_command
from reinhardt.test import override_settings
from tests.migrations.test_end_to_end import MODELS_V1, MODELS_V2

pytestmark = pytest.mark.transactional

APP = "inproc_polls"
UTC = datetime.UTC


@contextmanager
def installed(app_dir):
    """The app installed with the models.py as it is now on disk (modules re-imported)."""
    for name in [m for m in sys.modules if m == APP or m.startswith(f"{APP}.")]:
        del sys.modules[name]
    apps.all_models[APP].clear()
    with override_settings(INSTALLED_APPS=["tests.orm", APP]):
        yield apps.get_app_config(APP)


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def questions():
    Question = apps.get_model(APP, "Question")
    Choice = apps.get_model(APP, "Choice")
    return [
        [q.question_text, q.votes, q.pub_date,
         sorted(c.choice_text for c in Choice.objects.filter(question=q))]
        for q in Question.objects.order_by("id")
    ]


EXPECTED = [
    ["What's new?", 3, datetime.datetime(2024, 5, 1, 12, tzinfo=UTC), ["Not much", "The sky"]],
    ["Is it safe?", 0, datetime.datetime(2024, 6, 2, 8, 30, tzinfo=UTC), ["Yes"]],
]


def test_new_user_path_through_call_command(tmp_path):
    (tmp_path / APP).mkdir()
    call_command("startapp", APP, str(tmp_path / APP), verbosity=0)
    models_py = tmp_path / APP / "models.py"
    sys.path.insert(0, str(tmp_path))
    try:
        models_py.write_text(textwrap.dedent(MODELS_V1))
        with installed(tmp_path):
            out = run("makemigrations", APP)
            assert "    + Create model Question\n    + Create model Choice\n" in out
            assert "Applying inproc_polls.0001_initial... OK" in run("migrate", APP)
            Question = apps.get_model(APP, "Question")
            Choice = apps.get_model(APP, "Choice")
            q1 = Question.objects.create(question_text="What's new?", votes=3,
                                         pub_date=EXPECTED[0][2])
            q2 = Question.objects.create(question_text="Is it safe?", pub_date=EXPECTED[1][2])
            Choice.objects.create(question=q1, choice_text="Not much")
            Choice.objects.create(question=q1, choice_text="The sky")
            Choice.objects.create(question=q2, choice_text="Yes")
            assert questions() == EXPECTED

        models_py.write_text(textwrap.dedent(MODELS_V2))
        with installed(tmp_path):
            out = run("makemigrations", APP, interactive=False)
            second = "0002_tag_question_category_alter_question_question_text_and_more"
            assert f"{second}.py" in out
            assert f"Applying inproc_polls.{second}... OK" in run("migrate", APP)
            assert questions() == EXPECTED
            Question = apps.get_model(APP, "Question")
            assert set(Question.objects.values_list("category", flat=True)) == {"general"}
            big = Question.objects.create(question_text="x" * 150, votes=2**40,
                                          pub_date=EXPECTED[0][2])
            assert Question.objects.get(pk=big.pk).votes == 2**40
            big.delete()
            out = run("migrate", APP, "0001")
            assert f"Unapplying inproc_polls.{second}... OK" in out

        models_py.write_text(textwrap.dedent(MODELS_V1))
        with installed(tmp_path):
            assert questions() == EXPECTED
            assert run("showmigrations", APP) == (
                f"{APP}\n [X] 0001_initial\n [ ] {second}\n"
            )
    finally:
        try:  # Leave the test database as it was, even after a failure.
            with installed(tmp_path):
                run("migrate", APP, "zero")
        except Exception:
            pass
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == APP or m.startswith(f"{APP}.")]:
            del sys.modules[name]
        apps.all_models.pop(APP, None)
