"""What each operation writes into migration files and names: deconstruct(), describe(),
migration_name_fragment; and how the optimizer combines pairs of them (reduce)."""

import pytest

from reinhardt.orm import migrations, models
from reinhardt.orm.migrations.optimizer import MigrationOptimizer

ops = migrations


def char():
    return models.CharField(max_length=20)


INDEX = models.Index(fields=["name"], name="book_name_idx")
CHECK = models.CheckConstraint(condition=models.Q(pages__gte=0), name="pages_gte_0")

CASES = [
    (ops.CreateModel("Book", [("name", char())]),
     "Create model Book", "book", {"name", "fields"}),
    (ops.CreateModel("Reprint", [], options={"proxy": True}, bases=("shelf.book",)),
     "Create proxy model Reprint", "reprint", {"name", "fields", "options", "bases"}),
    (ops.DeleteModel("Book"), "Delete model Book", "delete_book", {"name"}),
    (ops.RenameModel("Book", "Volume"), "Rename model Book to Volume",
     "rename_book_volume", {"old_name", "new_name"}),
    (ops.AlterModelTable("Book", "books"), "Rename table for Book to books",
     "alter_book_table", {"name", "table"}),
    (ops.AlterModelTable("Book", None), "Rename table for Book to (default)",
     "alter_book_table", {"name", "table"}),
    (ops.AlterModelTableComment("Book", "All books"), "Alter Book table comment",
     "alter_book_table_comment", {"name", "table_comment"}),
    (ops.AlterModelOptions("Book", {"ordering": ["name"]}), "Change Meta options on Book",
     "alter_book_options", {"name", "options"}),
    (ops.AlterModelManagers("Book", []), "Change managers on Book",
     "alter_book_managers", set()),
    (ops.AlterUniqueTogether("Book", [("name", "pages")]),
     "Alter unique_together for Book (1 constraint(s))", "alter_book_unique_together",
     {"name", "unique_together"}),
    (ops.AlterIndexTogether("Book", None),
     "Alter index_together for Book (0 constraint(s))", "alter_book_index_together",
     {"name", "index_together"}),
    (ops.AlterOrderWithRespectTo("Book", "shelf"),
     "Set order_with_respect_to on Book to shelf", "alter_book_order_with_respect_to",
     {"name", "order_with_respect_to"}),
    (ops.AddIndex("Book", INDEX), "Create index book_name_idx on field(s) name of model Book",
     "book_book_name_idx", {"model_name", "index"}),
    (ops.RemoveIndex("Book", "book_name_idx"), "Remove index book_name_idx from Book",
     "remove_book_book_name_idx", {"model_name", "name"}),
    (ops.RenameIndex("Book", new_name="by_name", old_name="book_name_idx"),
     "Rename index book_name_idx on Book to by_name", "rename_book_name_idx_by_name",
     {"model_name", "new_name", "old_name"}),
    (ops.RenameIndex("Book", new_name="by_name", old_fields=("name", "pages")),
     "Rename unnamed index for ('name', 'pages') on Book to by_name",
     "rename_book_name_pages_by_name", {"model_name", "new_name", "old_fields"}),
    (ops.AddConstraint("Book", CHECK), "Create constraint pages_gte_0 on model Book",
     "book_pages_gte_0", {"model_name", "constraint"}),
    (ops.RemoveConstraint("Book", "pages_gte_0"),
     "Remove constraint pages_gte_0 from model Book", "remove_book_pages_gte_0",
     {"model_name", "name"}),
    (ops.AlterConstraint("Book", "pages_gte_0", CHECK),
     "Alter constraint pages_gte_0 on Book", "alter_book_pages_gte_0",
     {"model_name", "name", "constraint"}),
    (ops.AddField("Book", "pages", models.IntegerField(default=0)),
     "Add field pages to Book", "book_pages", {"model_name", "name", "field"}),
    (ops.AddField("Book", "pages", models.IntegerField(default=0), preserve_default=False),
     "Add field pages to Book", "book_pages",
     {"model_name", "name", "field", "preserve_default"}),
    (ops.RemoveField("Book", "pages"), "Remove field pages from Book",
     "remove_book_pages", {"model_name", "name"}),
    (ops.AlterField("Book", "pages", models.IntegerField()), "Alter field pages on Book",
     "alter_book_pages", {"model_name", "name", "field"}),
    (ops.RenameField("Book", "pages", "page_count"),
     "Rename field pages on Book to page_count", "rename_pages_book_page_count",
     {"model_name", "old_name", "new_name"}),
]


@pytest.mark.parametrize(("operation", "description", "fragment", "keywords"), CASES,
                         ids=[f"{type(case[0]).__name__}-{i}" for i, case in enumerate(CASES)])
def test_descriptions_names_and_written_arguments(operation, description, fragment,
                                                  keywords):
    assert operation.describe() == description
    assert operation.migration_name_fragment == fragment
    name, args, kwargs = operation.deconstruct()
    assert name == type(operation).__name__
    assert set(kwargs) == keywords


def test_alter_model_managers_is_written_positionally():
    manager = models.Manager()
    assert ops.AlterModelManagers("Book", [("objects", manager)]).deconstruct() == (
        "AlterModelManagers", ["Book", [("objects", manager)]], {})


def test_create_model_leaves_out_default_bases_and_managers():
    _, _, kwargs = ops.CreateModel("Book", [], bases=(models.Model,),
                                   managers=[("objects", models.Manager())]).deconstruct()
    assert set(kwargs) == {"name", "fields"}


def test_create_model_rejects_duplicates():
    with pytest.raises(ValueError, match="Found duplicate value name in CreateModel fields"):
        ops.CreateModel("Book", [("name", char()), ("name", char())])
    with pytest.raises(ValueError, match="Found duplicate value shelf.base in CreateModel bases"):
        ops.CreateModel("Book", [], bases=("shelf.Base", "shelf.base"))


def test_rename_index_needs_exactly_one_old_identity():
    with pytest.raises(ValueError, match="requires one of old_name and old_fields"):
        ops.RenameIndex("Book", new_name="x")
    with pytest.raises(ValueError, match="mutually exclusive"):
        ops.RenameIndex("Book", new_name="x", old_name="y", old_fields=("a",))


def test_add_index_needs_a_name():
    with pytest.raises(ValueError, match="require a name argument"):
        ops.AddIndex("Book", models.Index(fields=["name"]))


def optimized(*operations):
    return [op.deconstruct() for op in MigrationOptimizer().optimize(list(operations), "shelf")]


def test_create_model_absorbs_later_changes_to_the_model():
    result = optimized(
        ops.CreateModel("Book", [("name", char()), ("pages", models.IntegerField())],
                        options={"unique_together": {("name", "pages")},
                                 "ordering": ["name"]}),
        ops.RenameField("Book", "name", "title"),
        ops.AlterModelOptions("Book", {"verbose_name": "volume"}),
        ops.AlterModelTable("Book", "volumes"),
        ops.AddIndex("Book", models.Index(fields=["title"], name="title_idx")),
        ops.AddConstraint("Book", CHECK),
        ops.RemoveField("Book", "pages"),
        ops.RenameModel("Book", "Volume"),
    )
    assert len(result) == 1
    name, _, kwargs = result[0]
    assert (name, kwargs["name"]) == ("CreateModel", "Volume")
    assert [field_name for field_name, _ in kwargs["fields"]] == ["title"]
    options = kwargs["options"]
    # AlterModelOptions replaces the options it manages (ordering is dropped); a field
    # removal rewrites unique_together, which then comes last, as in Django.
    assert list(options) == ["verbose_name", "db_table", "indexes", "constraints",
                             "unique_together"]
    assert options["unique_together"] == {("title",)}
    assert options["verbose_name"] == "volume" and options["db_table"] == "volumes"
    assert [i.name for i in options["indexes"]] == ["title_idx"]
    assert [c.name for c in options["constraints"]] == ["pages_gte_0"]


def test_pairs_that_cancel_or_merge():
    field = models.IntegerField(default=0)
    assert optimized(ops.AddField("Book", "pages", field), ops.RemoveField("Book", "pages")) == []
    assert optimized(ops.AddIndex("Book", INDEX), ops.RemoveIndex("Book", "book_name_idx")) == []
    assert optimized(ops.AddConstraint("Book", CHECK),
                     ops.RemoveConstraint("Book", "pages_gte_0")) == []
    assert optimized(ops.CreateModel("Book", []), ops.DeleteModel("Book")) == []
    assert optimized(ops.RenameModel("A", "B"), ops.RenameModel("B", "C")) == [
        ("RenameModel", [], {"old_name": "A", "new_name": "C"})]
    assert optimized(ops.RenameField("Book", "a", "b"), ops.RenameField("Book", "b", "c")) == [
        ("RenameField", [], {"model_name": "Book", "old_name": "a", "new_name": "c"})]
    assert optimized(ops.RenameIndex("Book", new_name="b", old_name="a"),
                     ops.RenameIndex("Book", new_name="c", old_name="b")) == [
        ("RenameIndex", [], {"model_name": "Book", "new_name": "c", "old_name": "a"})]
    renamed = optimized(ops.AddIndex("Book", INDEX),
                        ops.RenameIndex("Book", new_name="by_name", old_name="book_name_idx"))
    assert renamed[0][2]["index"].name == "by_name"
    later = models.IntegerField(null=True)
    assert optimized(ops.AddField("Book", "pages", field),
                     ops.AlterField("Book", "pages", later)) == [
        ("AddField", [], {"model_name": "Book", "name": "pages", "field": later})]
    assert optimized(ops.AlterField("Book", "pages", field),
                     ops.RenameField("Book", "pages", "count")) == [
        ("RenameField", [], {"model_name": "Book", "old_name": "pages", "new_name": "count"}),
        ("AlterField", [], {"model_name": "Book", "name": "count", "field": field})]
    assert optimized(ops.AlterModelTable("Book", "a"), ops.AlterModelTable("Book", "b")) == [
        ("AlterModelTable", [], {"name": "Book", "table": "b"})]
    assert optimized(ops.AlterConstraint("Book", "pages_gte_0", CHECK),
                     ops.RemoveConstraint("Book", "pages_gte_0")) == [
        ("RemoveConstraint", [], {"model_name": "Book", "name": "pages_gte_0"})]
    assert optimized(ops.RemoveField("Book", "pages"), ops.DeleteModel("Book")) == [
        ("DeleteModel", [], {"name": "Book"})]


def test_proxy_deletion_is_kept():
    assert [op[0] for op in optimized(ops.CreateModel("P", [], options={"proxy": True}),
                                      ops.DeleteModel("P"))] == ["CreateModel", "DeleteModel"]


def test_operations_on_other_models_do_not_block_merging():
    result = optimized(ops.CreateModel("Book", []), ops.CreateModel("Shelf", []),
                       ops.AddField("Book", "pages", models.IntegerField(default=0)))
    # The merged operation takes the later one's place.
    assert [(name, kwargs["name"], len(kwargs["fields"])) for name, _, kwargs in result] == [
        ("CreateModel", "Shelf", 0), ("CreateModel", "Book", 1)]
    # unique_together and index_together are independent of each other.
    assert len(optimized(ops.AlterUniqueTogether("Book", None),
                         ops.AlterIndexTogether("Book", None),
                         ops.AlterUniqueTogether("Book", [("a", "b")]))) == 2
