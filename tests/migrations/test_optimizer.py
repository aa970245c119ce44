"""The optimizer merges operations the way squashmigrations and makemigrations rely on."""

from reinhardt.orm import migrations, models
from reinhardt.orm.migrations.optimizer import MigrationOptimizer


def optimize(*operations):
    return MigrationOptimizer().optimize(list(operations), "app")


def names(operations):
    return [op.deconstruct()[0] for op in operations]


def pk():
    return ("id", models.AutoField(primary_key=True))


def test_create_model_absorbs_later_field_and_index_operations():
    result = optimize(
        migrations.CreateModel("Pony", [pk()]),
        migrations.AddField("pony", "name", models.CharField(max_length=10)),
        migrations.AlterField("pony", "name", models.CharField(max_length=20)),
        migrations.RenameField("pony", "name", "title"),
        migrations.AddIndex("pony", models.Index(fields=["title"], name="pony_title_idx")),
    )
    assert names(result) == ["CreateModel"]
    create = result[0]
    assert [name for name, _ in create.fields] == ["id", "title"]
    assert create.fields[1][1].max_length == 20
    assert [index.name for index in create.options["indexes"]] == ["pony_title_idx"]


def test_create_then_delete_disappears():
    assert optimize(
        migrations.CreateModel("Pony", [pk()]),
        migrations.DeleteModel("Pony"),
    ) == []


def test_add_then_remove_field_disappears():
    assert optimize(
        migrations.AddField("pony", "age", models.IntegerField(default=0)),
        migrations.RemoveField("pony", "age"),
    ) == []


def test_renames_chain():
    result = optimize(migrations.RenameModel("A", "B"), migrations.RenameModel("B", "C"))
    assert [(op.old_name, op.new_name) for op in result] == [("A", "C")]
    result = optimize(migrations.RenameField("pony", "a", "b"),
                      migrations.RenameField("pony", "b", "c"))
    assert [(op.old_name, op.new_name) for op in result] == [("a", "c")]


def test_operations_on_other_models_are_stepped_over():
    result = optimize(
        migrations.CreateModel("Pony", [pk()]),
        migrations.CreateModel("Rider", [pk()]),
        migrations.AddField("pony", "weight", models.IntegerField(default=0)),
    )
    assert names(result) == ["CreateModel", "CreateModel"]
    pony = next(op for op in result if op.name == "Pony")
    assert "weight" in dict(pony.fields)


def test_a_relation_in_between_blocks_the_merge_order():
    result = optimize(
        migrations.CreateModel("Pony", [pk()]),
        migrations.CreateModel("Rider", [pk(), ("pony", models.ForeignKey("app.Pony",
                                                                          models.CASCADE))]),
        migrations.DeleteModel("Pony"),
    )
    assert names(result) == ["CreateModel", "CreateModel", "DeleteModel"]


def test_run_python_is_a_boundary_unless_elidable():
    def noop(apps, schema_editor):
        pass

    kept = optimize(
        migrations.AddField("pony", "age", models.IntegerField(default=0)),
        migrations.RunPython(noop),
        migrations.RemoveField("pony", "age"),
    )
    assert names(kept) == ["AddField", "RunPython", "RemoveField"]
    elided = optimize(
        migrations.AddField("pony", "age", models.IntegerField(default=0)),
        migrations.RunPython(noop, elidable=True),
        migrations.RemoveField("pony", "age"),
    )
    assert elided == []
