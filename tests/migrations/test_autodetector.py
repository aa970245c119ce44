"""What makemigrations detects between two model states."""

import pytest

from reinhardt.orm import models
from reinhardt.orm.migrations.autodetector import MigrationAutodetector
from reinhardt.orm.migrations.graph import MigrationGraph
from reinhardt.orm.migrations.questioner import (
    MigrationQuestioner,
    NonInteractiveMigrationQuestioner,
)
from reinhardt.orm.migrations.state import ModelState, ProjectState


def pk():
    return ("id", models.AutoField(primary_key=True))


def question(*extra_fields, options=None, name="Question"):
    return ModelState("polls", name, [pk(), ("text", models.CharField(max_length=200)),
                                      *extra_fields], options=options or {})


def author(app="polls"):
    return ModelState(app, "Author", [pk(), ("name", models.CharField(max_length=50))])


def state(*model_states):
    return ProjectState({(m.app_label, m.name_lower): m for m in model_states})


def changes(before, after, questioner=None, graph=None):
    questioner = questioner or MigrationQuestioner(defaults={"ask_initial": True})
    return MigrationAutodetector(state(*before), state(*after), questioner).changes(
        graph=graph or MigrationGraph()
    )


def operations_of(result, app="polls", index=0):
    return [
        (type(op).__name__, getattr(op, "model_name", None) or getattr(op, "name", None))
        for op in result[app][index].operations
    ]


def test_new_model_gives_an_initial_migration():
    result = changes([], [question()])
    migration = result["polls"][0]
    assert migration.name == "0001_initial" and migration.initial
    assert operations_of(result) == [("CreateModel", "Question")]


def test_added_field_with_a_default_and_name_from_operations():
    graph = MigrationGraph()
    graph.add_node(("polls", "0001_initial"), None)
    result = changes([question()], [question(("votes", models.IntegerField(default=0)))],
                     graph=graph)
    migration = result["polls"][0]
    assert migration.name == "0002_question_votes"
    assert migration.dependencies == [("polls", "0001_initial")]
    operation = migration.operations[0]
    assert type(operation).__name__ == "AddField" and operation.preserve_default


def test_altered_fields_widen_and_change_type():
    before = question(("votes", models.IntegerField(default=0)))
    after = ModelState("polls", "Question", [
        pk(), ("text", models.CharField(max_length=400)),
        ("votes", models.BigIntegerField(default=0)),
    ])
    result = changes([before], [after])
    assert operations_of(result) == [("AlterField", "question"), ("AlterField", "question")]
    names = [op.name for op in result["polls"][0].operations]
    assert names == ["text", "votes"]


def test_removed_field_and_deleted_model():
    result = changes([question(("votes", models.IntegerField())), author()], [question()])
    assert sorted(operations_of(result)) == [("DeleteModel", "Author"),
                                             ("RemoveField", "question")]


def test_rename_field_only_when_the_questioner_says_so():
    before = [question()]
    after = [ModelState("polls", "Question", [pk(), ("title", models.CharField(max_length=200))])]
    no = changes(before, after)
    assert sorted(operations_of(no)) == [("AddField", "question"), ("RemoveField", "question")]
    yes = changes(before, after, MigrationQuestioner(defaults={"ask_rename": True,
                                                               "ask_initial": True}))
    operation = yes["polls"][0].operations[0]
    assert (type(operation).__name__, operation.old_name, operation.new_name) == (
        "RenameField", "text", "title")


def test_rename_model_when_confirmed():
    result = changes([question()], [question(name="Poll")],
                     MigrationQuestioner(defaults={"ask_rename_model": True,
                                                  "ask_initial": True}))
    operation = result["polls"][0].operations[0]
    assert (type(operation).__name__, operation.old_name, operation.new_name) == (
        "RenameModel", "Question", "Poll")


def test_indexes_constraints_and_unique_together():
    index = models.Index(fields=["text"], name="polls_text_idx")
    constraint = models.UniqueConstraint(fields=["text"], name="polls_unique_text")
    after = question(options={"indexes": [index], "constraints": [constraint],
                              "unique_together": {("id", "text")}})
    result = changes([question()], [after])
    assert [type(op).__name__ for op in result["polls"][0].operations] == [
        "AlterUniqueTogether", "AddIndex", "AddConstraint",
    ] or sorted(type(op).__name__ for op in result["polls"][0].operations) == [
        "AddConstraint", "AddIndex", "AlterUniqueTogether",
    ]


def test_renamed_index_is_a_rename():
    before = question(options={"indexes": [models.Index(fields=["text"], name="old_idx")]})
    after = question(options={"indexes": [models.Index(fields=["text"], name="new_idx")]})
    operation = changes([before], [after])["polls"][0].operations[0]
    assert (type(operation).__name__, operation.old_name, operation.new_name) == (
        "RenameIndex", "old_idx", "new_idx")


def test_new_model_with_relations_is_one_create_model():
    choice = ModelState("polls", "Choice", [
        pk(), ("question", models.ForeignKey("polls.Question", models.CASCADE)),
    ])
    tagged = ModelState("polls", "Tag", [pk(), ("questions", models.ManyToManyField(
        "polls.Question"))])
    result = changes([], [question(), choice, tagged])
    assert [type(op).__name__ for op in result["polls"][0].operations] == [
        "CreateModel", "CreateModel", "CreateModel",
    ]
    created = {op.name: dict(op.fields) for op in result["polls"][0].operations}
    assert "question" in created["Choice"] and "questions" in created["Tag"]


def test_relation_to_another_app_depends_on_its_migration():
    graph = MigrationGraph()
    graph.add_node(("library", "0001_initial"), None)
    graph.add_node(("polls", "0001_initial"), None)
    book = ModelState("polls", "Book", [pk(), ("author", models.ForeignKey("library.Author",
                                                                         models.CASCADE))])
    result = changes([author("library"), question()], [author("library"), question(), book],
                     graph=graph)
    assert ("library", "0001_initial") in result["polls"][0].dependencies


def test_both_apps_new_orders_the_dependency():
    book = ModelState("polls", "Book", [pk(), ("author", models.ForeignKey("library.Author",
                                                                         models.CASCADE))])
    result = changes([], [author("library"), book])
    assert ("library", "0001_initial") in result["polls"][0].dependencies


def test_non_null_field_without_default_stops_without_input(capsys):
    logged = []
    questioner = NonInteractiveMigrationQuestioner(specified_apps={"polls"},
                                                   log=logged.append)
    with pytest.raises(SystemExit) as exit_info:
        changes([question()], [question(("votes", models.IntegerField()))], questioner)
    assert exit_info.value.code == 3
    assert logged == [
        "Field 'votes' on model 'question' not migrated: it is impossible to add a "
        "non-nullable field without specifying a default."
    ]


def test_one_off_default_is_not_preserved():
    class Answering(MigrationQuestioner):
        def ask_not_null_addition(self, field_name, model_name):
            return 7

    result = changes([question()], [question(("votes", models.IntegerField()))],
                     Answering(defaults={"ask_initial": True}))
    operation = result["polls"][0].operations[0]
    assert operation.field.default == 7 and operation.preserve_default is False


def test_no_changes_gives_no_migrations():
    assert changes([question()], [question()]) == {}


def test_meta_options_and_table_changes():
    after = question(options={"ordering": ["text"], "db_table": "questions"})
    assert sorted(operations_of(changes([question()], [after]))) == [
        ("AlterModelOptions", "question"), ("AlterModelTable", "question"),
    ]


def _summary(result):
    """{app: [(name, sorted dependencies, [(operation, target), ...]), ...]}"""
    return {
        app: [(m.name, sorted(m.dependencies), operations_of(result, app, i))
              for i, m in enumerate(migrations)]
        for app, migrations in result.items()
    }


def test_apps_pointing_at_each_other_are_cut_into_two_migrations():
    # library.Author -> polls.Book and polls.Book -> library.Author: neither app's
    # initial migration can hold both, so one relation moves to a second migration.
    writer = ModelState("library", "Author", [pk(), ("favourite", models.ForeignKey(
        "polls.Book", models.SET_NULL, null=True))])
    book = ModelState("polls", "Book", [pk(), ("author", models.ForeignKey(
        "library.Author", models.CASCADE))])
    assert _summary(changes([], [writer, book])) == {
        "library": [
            ("0001_initial", [], [("CreateModel", "Author")]),
            ("0002_initial", [("library", "0001_initial"), ("polls", "0001_initial")],
             [("AddField", "author")]),
        ],
        "polls": [
            ("0001_initial", [("library", "0001_initial")], [("CreateModel", "Book")]),
        ],
    }


def test_migration_numbers_follow_squashed_migrations():
    parse = MigrationAutodetector.parse_number
    assert parse("0002_auto") == 2
    assert parse("0001_squashed_0004_polls") == 4
    assert parse("0001_squashed_0004_squashed_0009") == 9
    assert parse("custom_name") is None


def test_trimmed_to_one_app_keeps_the_apps_it_needs():
    book = ModelState("polls", "Book", [pk(), ("author", models.ForeignKey(
        "library.Author", models.CASCADE))])
    other = ModelState("shop", "Item", [pk()])
    questioner = MigrationQuestioner(defaults={"ask_initial": True})
    result = MigrationAutodetector(state(), state(author("library"), book, other),
                                   questioner).changes(MigrationGraph(), trim_to_apps={"polls"})
    assert sorted(result) == ["library", "polls"]
