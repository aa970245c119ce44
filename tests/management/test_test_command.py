"""``manage.py test`` on a new project: unittest discovery, test databases built by
migrate, TestCase rolling back and TransactionTestCase flushing."""

import pytest

from tests.migrations.project import Project

pytestmark = pytest.mark.transactional

TESTS = '''
from reinhardt.test import TestCase, TransactionTestCase

from .models import Question


class QuestionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        Question.objects.create(question_text="shared")

    def test_create(self):
        Question.objects.create(question_text="a")
        self.assertEqual(Question.objects.count(), 2)

    def test_rolled_back(self):
        self.assertEqual(Question.objects.count(), 1)


class CommitTests(TransactionTestCase):
    def test_commit(self):
        Question.objects.create(question_text="b")
        self.assertEqual(Question.objects.count(), 1)

    def test_flushed(self):
        self.assertEqual(Question.objects.count(), 0)
'''


@pytest.fixture
def project(tmp_path):
    project = Project(tmp_path).create()
    project.write_models('''
        from reinhardt.orm import models


        class Question(models.Model):
            question_text = models.CharField(max_length=200)
    ''')
    project.manage("makemigrations")
    (project.path / "polls" / "tests.py").write_text(TESTS)
    yield project
    project.destroy()


def test_tests_run_against_a_migrated_test_database(project):
    result = project.manage("test")
    assert "Found 4 test(s)." in result.stdout
    assert "Ran 4 tests" in result.stderr and "OK" in result.stderr
    result = project.manage("test", "polls.tests.QuestionTests.test_create")
    assert "Ran 1 test" in result.stderr


def test_a_failing_test_fails_the_command(project):
    tests = project.path / "polls" / "tests.py"
    tests.write_text(TESTS.replace("count(), 0)", "count(), 5)"))
    result = project.manage("test", check=False)
    assert result.returncode == 1
    assert "FAILED (failures=1)" in result.stderr
