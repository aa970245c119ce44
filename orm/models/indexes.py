"""Meta.indexes: Index over fields or expressions, with Django's naming scheme."""

from __future__ import annotations

from reinhardt.backends.utils import names_digest, split_identifier
from reinhardt.orm.models.expressions import F
from reinhardt.orm.models.query_utils import Q

__all__ = ["Index"]


def _validate(fields, expressions, name, opclasses, condition, include) -> None:
    """Raise ValueError for the first thing wrong with an Index's arguments (the order and
    the messages are Django's, so the same mistake reads the same)."""
    problems = (
        (opclasses and not name, "An index must be named to use opclasses."),
        (condition is not None and not isinstance(condition, Q),
         "Index.condition must be a Q instance."),
        (condition and not name, "An index must be named to use condition."),
        (not isinstance(fields, (list, tuple)), "Index.fields must be a list or tuple."),
        (not isinstance(opclasses, (list, tuple)), "Index.opclasses must be a list or tuple."),
        (not expressions and not fields,
         "At least one field or expression is required to define an index."),
        (expressions and fields, "Index.fields and expressions are mutually exclusive."),
        (expressions and not name, "An index must be named to use expressions."),
        (expressions and opclasses, "Index.opclasses cannot be used with expressions."),
        (opclasses and len(opclasses) != len(fields),
         "Index.fields and Index.opclasses must have the same number of elements."),
        (fields and not all(isinstance(f, str) for f in fields),
         "Index.fields must contain only strings with field names."),
        (include and not name, "A covering index must be named."),
        (include is not None and not isinstance(include, (list, tuple)),
         "Index.include must be a list or tuple."),
    )
    for wrong, message in problems:
        if wrong:
            raise ValueError(message)


class Index:
    suffix = "idx"
    # Generated names stay within 30 characters, the lowest limit among the databases.
    max_name_length = 30

    def __init__(self, *expressions, fields=(), name=None, db_tablespace=None, opclasses=(),
                 condition=None, include=None):
        _validate(fields, expressions, name, opclasses, condition, include)
        self.fields = list(fields)
        # (field name, "" or "DESC") per field: "-name" indexes descending.
        self.fields_orders = [
            (spec[1:], "DESC") if spec.startswith("-") else (spec, "") for spec in self.fields
        ]
        self.name = name or ""
        self.db_tablespace = db_tablespace
        self.opclasses = opclasses
        self.condition = condition
        self.include = tuple(include or ())
        self.expressions = tuple(F(e) if isinstance(e, str) else e for e in expressions)

    @property
    def contains_expressions(self) -> bool:
        return bool(self.expressions)

    def _get_condition_sql(self, model, schema_editor):
        """The WHERE of a partial index, with its values inlined (DDL takes no parameters)."""
        if self.condition is None:
            return None
        from reinhardt.orm.query import Query

        query = Query(model=model, alias_cols=False)
        connection = schema_editor.connection
        sql, params = query.build_where(self.condition).as_sql(
            query.get_compiler(connection=connection), connection
        )
        return sql % tuple(map(schema_editor.quote_value, params))

    def create_sql(self, model, schema_editor, using="", **kwargs):
        get_field = model._meta.get_field
        if self.expressions:
            columns = {"fields": None, "col_suffixes": None, "expressions": self.expressions}
        else:
            columns = {
                "fields": [get_field(name) for name, _order in self.fields_orders],
                "col_suffixes": [order for _name, order in self.fields_orders],
                "expressions": None,
            }
        return schema_editor._create_index_sql(
            model, name=self.name, using=using, db_tablespace=self.db_tablespace,
            opclasses=self.opclasses, condition=self._get_condition_sql(model, schema_editor),
            include=[get_field(name).column for name in self.include], **columns, **kwargs,
        )

    def remove_sql(self, model, schema_editor, **kwargs):
        return schema_editor._delete_index_sql(model, self.name, **kwargs)

    def deconstruct(self):
        cls = type(self)
        path = f"{cls.__module__}.{cls.__name__}"
        # Migrations import Index from reinhardt.orm.models, where users find it.
        path = path.replace("reinhardt.orm.models.indexes", "reinhardt.orm.models")
        optional = {
            "fields": self.fields,
            "db_tablespace": self.db_tablespace,
            "opclasses": self.opclasses,
            "condition": self.condition,
            "include": self.include,
        }
        kwargs = {"name": self.name}
        kwargs.update(
            (key, value) for key, value in optional.items()
            if (value is not None if key == "db_tablespace" else value)
        )
        return path, self.expressions, kwargs

    def clone(self):
        """A copy of this index (with the same name)."""
        _path, args, kwargs = self.deconstruct()
        return type(self)(*args, **kwargs)

    def set_name_with_model(self, model):
        """Name the index as Django does, so that migrations agree across the two:
        table[:11] + "_" + first column[:7] + "_" + a 6-character digest of the table, the
        columns (with "-" for descending) and the suffix, + "_" + suffix; 30 characters at
        most, never starting with "_" or a digit."""
        _namespace, table = split_identifier(model._meta.db_table)
        columns = [model._meta.get_field(name).column for name, _order in self.fields_orders]
        ordered_columns = [
            ("-" if order else "") + column
            for column, (_name, order) in zip(columns, self.fields_orders)
        ]
        digest = names_digest(table, *ordered_columns, self.suffix, length=6)
        self.name = f"{table[:11]}_{columns[0][:7]}_{digest}_{self.suffix}"
        if len(self.name) > self.max_name_length:
            raise ValueError(
                "Index too long for multiple database support. Is self.suffix longer than "
                "3 characters?"
            )
        if self.name[0] == "_" or self.name[0].isdigit():
            self.name = "D" + self.name[1:]

    def __repr__(self):
        shown = [
            ("fields", self.fields, repr),
            ("expressions", self.expressions, repr),
            ("name", self.name, repr),
            ("db_tablespace", self.db_tablespace, repr),
            ("condition", self.condition, str),
            ("include", self.include, repr),
            ("opclasses", self.opclasses, repr),
        ]
        parts = "".join(
            f" {label}={show(value)}" for label, value, show in shown
            if (value is not None if label in ("db_tablespace", "condition") else value)
        )
        return f"<{type(self).__qualname__}:{parts}>"

    def __eq__(self, other):
        if type(self) is not type(other):
            return NotImplemented
        return self.deconstruct() == other.deconstruct()
