"""The operations that migration files are made of, under Django's names."""

from reinhardt.orm.migrations.operations.fields import (
    AddField,
    AlterField,
    RemoveField,
    RenameField,
)
from reinhardt.orm.migrations.operations.models import (
    AddConstraint,
    AddIndex,
    AlterConstraint,
    AlterIndexTogether,
    AlterModelManagers,
    AlterModelOptions,
    AlterModelTable,
    AlterModelTableComment,
    AlterOrderWithRespectTo,
    AlterUniqueTogether,
    CreateModel,
    DeleteModel,
    RemoveConstraint,
    RemoveIndex,
    RenameIndex,
    RenameModel,
)
from reinhardt.orm.migrations.operations.special import (
    RunPython,
    RunSQL,
    SeparateDatabaseAndState,
)

__all__ = [
    "CreateModel", "DeleteModel", "AlterModelTable", "AlterModelTableComment",
    "AlterUniqueTogether", "RenameModel", "AlterIndexTogether", "AlterModelOptions",
    "AddIndex", "RemoveIndex", "RenameIndex", "AddField", "RemoveField", "AlterField",
    "RenameField", "AddConstraint", "RemoveConstraint", "AlterConstraint", "SeparateDatabaseAndState",
    "RunSQL", "RunPython", "AlterOrderWithRespectTo", "AlterModelManagers",
]
