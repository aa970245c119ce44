"""Changing existing tables with ALTER statements: what migrations do after CREATE TABLE.

``AlterationsMixin`` is part of the shared SQL schema editor. It adds and drops columns,
alters a column in place (type, NULL, default, unique, index, check, foreign key, primary
key, name) without losing its data, renames tables and indexes, and changes
unique_together. Dialects override the ``sql_*`` templates and the small ``_alter_*_sql``
methods; SQLite, which cannot alter columns, rebuilds tables instead
(backends/sqlite3/schema.py).
"""

from __future__ import annotations

from reinhardt.orm.models.fields import NOT_PROVIDED

FK_SUFFIX = "_fk_%(to_table)s_%(to_column)s"


def _relevant_relations(model_field):
    """Reverse relations whose foreign key column follows ``model_field`` (its target)."""
    opts = model_field.model._meta
    for relation in opts._get_fields(forward=False, reverse=True, include_hidden=True,
                                      include_parents=False):
        field = relation.field
        if field.many_to_many:
            continue
        to_fields = list(getattr(field, "to_fields", None) or [None])
        if (model_field.primary_key and to_fields == [None]) or model_field.name in to_fields:
            yield relation


def related_non_m2m_objects(old_field, new_field):
    """Pairs of (old, new) reverse relations pointing at an altered field, recursively
    (a one-to-one primary key pointed at may itself be pointed at)."""
    for old_rel, new_rel in zip(_relevant_relations(old_field), _relevant_relations(new_field),
                                strict=False):
        yield old_rel, new_rel
        yield from related_non_m2m_objects(old_rel.remote_field, new_rel.remote_field)


class AlterationsMixin:
    """ALTER-based schema changes; mixed into SQLSchemaEditor."""

    sql_alter_column_no_default_null = None  # None: same as sql_alter_column_no_default
    sql_alter_table_comment = "COMMENT ON TABLE %(table)s IS %(comment)s"

    # -- introspection helpers --------------------------------------------------------------

    def _constraint_names(self, model, column_names=None, unique=None, primary_key=None,
                          index=None, foreign_key=None, check=None, type_=None,
                          exclude=None) -> list[str]:
        """Names of the table's constraints and indexes matching every given criterion."""
        introspection = self.connection.introspection
        if column_names is not None:
            column_names = list(map(introspection.identifier_converter, column_names))
        with self.connection.cursor() as cursor:
            found = introspection.get_constraints(cursor, model._meta.db_table)
        # Criteria left as None match anything.
        flags = {"unique": unique, "primary_key": primary_key, "index": index, "check": check}
        wanted = {key: value for key, value in flags.items() if value is not None}
        skipped = exclude or ()

        def matches(name, info):
            if name in skipped:
                return False
            if column_names is not None and info["columns"] != column_names:
                return False
            if foreign_key is not None and not info["foreign_key"]:
                return False
            if type_ is not None and info.get("type") != type_:
                return False
            return all(info[key] == value for key, value in wanted.items())

        return [name for name, info in found.items() if matches(name, info)]

    def _feature(self, name: str, default=False):
        return getattr(self.connection.features, name, default)

    # -- tables ---------------------------------------------------------------------------

    def alter_db_table(self, model, old_db_table, new_db_table):
        """Rename a table; statements still waiting to run follow the new name."""
        if old_db_table == new_db_table:
            return
        self.execute(self.sql_rename_table % {
            "old_table": self.quote_name(old_db_table),
            "new_table": self.quote_name(new_db_table),
        })
        old, new = self.quote_name(old_db_table), self.quote_name(new_db_table)
        self.deferred_sql = [str(sql).replace(old, new) for sql in self.deferred_sql]

    def alter_db_table_comment(self, model, old_db_table_comment, new_db_table_comment):
        if not self._feature("supports_comments") or old_db_table_comment == new_db_table_comment:
            return
        self.execute(self.sql_alter_table_comment % {
            "table": self.quote_name(model._meta.db_table),
            "comment": self.quote_value(new_db_table_comment or ""),
        })

    def alter_db_tablespace(self, model, old_db_tablespace, new_db_tablespace):
        if not self._feature("supports_tablespaces"):
            return
        quote = self.quote_name
        self.execute(self.sql_retablespace_table % dict(
            table=quote(model._meta.db_table),
            old_tablespace=quote(old_db_tablespace),
            new_tablespace=quote(new_db_tablespace),
        ))

    # -- columns: add and remove ----------------------------------------------------------------

    def _auto_through(self, field):
        """The auto-created through model of a many-to-many ``field``, else None."""
        if field.many_to_many and field.remote_field.through._meta.auto_created:
            return field.remote_field.through
        return None

    def _persisted_columns_reset(self):
        # Some drivers cache a table's columns per connection; reconnect after a change.
        if self._feature("connection_persists_old_columns"):
            self.connection.close()

    def _new_column_definition(self, model, field):
        """(definition, params) for ADD COLUMN, with suffix, CHECK and inline FK; queues a
        separate FK statement where the dialect cannot declare it inline."""
        definition, params = self.column_sql(model, field, include_default=True)
        if definition is None:
            return None, None
        connection = self.connection
        words = [definition]
        type_suffix = field.db_type_suffix(connection=connection)
        if type_suffix:
            words.append(type_suffix)
        db_params = field.db_parameters(connection=connection)
        if db_params["check"]:
            words.append(self.sql_check_constraint % db_params)
        wants_fk = bool(field.remote_field and field.db_constraint)
        if wants_fk and connection.features.supports_foreign_keys:
            inline_template = self.sql_create_column_inline_fk
            if not inline_template:
                self.deferred_sql.append(self._create_fk_sql(model, field, FK_SUFFIX))
            else:
                target = field.remote_field.model._meta
                target_column = target.get_field(field.remote_field.field_name).column
                deferrable_sql = getattr(connection.ops, "deferrable_sql", None)
                words.append(inline_template % {
                    "name": self.quote_name(self._fk_constraint_name(model, field, FK_SUFFIX)),
                    "column": self.quote_name(field.column),
                    "to_table": self.quote_name(target.db_table),
                    "to_column": self.quote_name(target_column),
                    "deferrable": deferrable_sql() if deferrable_sql is not None else "",
                })
        return " ".join(words), params

    def add_field(self, model, field):
        """Add a column (filled with the field's default for existing rows), or create the
        many-to-many table of an auto-created through model."""
        through = self._auto_through(field)
        if through is not None:
            return self.create_model(through)
        definition, params = self._new_column_definition(model, field)
        if definition is None:
            return None
        table = self.quote_name(model._meta.db_table)
        add_sql = self.sql_create_column % dict(
            table=table, column=self.quote_name(field.column), definition=definition
        )
        self.execute(add_sql, params)
        # The default only filled the existing rows: Python supplies defaults from now on,
        # so the column must not keep one (unless the field asks for db_default).
        keeps_no_default = (
            field.db_default is NOT_PROVIDED
            and not self.skip_default(field)
            and self.effective_default(field) is not None
        )
        if keeps_no_default:
            drop_sql, drop_params = self._alter_column_default_sql(model, None, field, drop=True)
            self.execute(self.sql_alter_column % {"table": table, "changes": drop_sql},
                         drop_params)
        self.deferred_sql.extend(self._field_indexes_sql(model, field))
        self._persisted_columns_reset()
        return None

    def remove_field(self, model, field):
        """Drop a column (or an auto-created many-to-many table)."""
        through = self._auto_through(field)
        if through is not None:
            return self.delete_model(through)
        connection = self.connection
        if field.db_parameters(connection=connection)["type"] is None:
            return None  # no column of its own
        if connection.features.supports_foreign_keys and field.remote_field:
            fk_names = self._constraint_names(model, [field.column], foreign_key=True)
            for fk_name in fk_names:
                self.execute(self._delete_fk_sql(model, fk_name))
        table, column = self.quote_name(model._meta.db_table), self.quote_name(field.column)
        self.execute(self.sql_delete_column % {"table": table, "column": column})
        self._persisted_columns_reset()
        # Statements still waiting to run must not touch the dropped column.
        self.deferred_sql = [
            pending for pending in self.deferred_sql
            if table not in str(pending) or column not in str(pending)
        ]
        return None

    # -- columns: alter ---------------------------------------------------------------------

    def _field_should_be_altered(self, old_field, new_field, ignore=None) -> bool:
        """False when only Python-side attributes (choices, help_text, ...) changed."""
        if self.quote_name(old_field.column) != self.quote_name(new_field.column):
            return True
        extra_ignored = set(ignore or ())

        def database_relevant(field):
            _name, path, args, kwargs = field.deconstruct()
            for attr in extra_ignored.union(getattr(field, "non_db_attrs", ())):
                kwargs.pop(attr, None)
            return path, args, kwargs

        return database_relevant(old_field) != database_relevant(new_field)

    def alter_field(self, model, old_field, new_field, strict=False):
        """Change a column from ``old_field``'s definition to ``new_field``'s, keeping its
        data. ``strict`` raises if the constraints found are not exactly those expected."""
        if not self._field_should_be_altered(old_field, new_field):
            return
        old_db_params = old_field.db_parameters(connection=self.connection)
        new_db_params = new_field.db_parameters(connection=self.connection)
        old_type, new_type = old_db_params["type"], new_db_params["type"]
        if (old_type is None and old_field.remote_field is None) or (
            new_type is None and new_field.remote_field is None
        ):
            raise ValueError(
                f"Cannot alter field {old_field} into {new_field} - they do not properly define "
                "db_type (are you using a badly-written custom field?)"
            )
        if old_type is None and new_type is None:
            old_through = old_field.remote_field.through._meta.auto_created
            new_through = new_field.remote_field.through._meta.auto_created
            if old_through and new_through:
                return self._alter_many_to_many(model, old_field, new_field, strict)
            if not old_through and not new_through:
                return  # Both use explicit through models: nothing to do here.
        if old_type is None or new_type is None:
            raise ValueError(
                f"Cannot alter field {old_field} into {new_field} - they are not compatible "
                "types (you cannot alter to or from M2M fields, or add or remove through= on "
                "M2M fields)"
            )
        self._alter_field(model, old_field, new_field, old_type, new_type, old_db_params,
                          new_db_params, strict)

    def _alter_field(self, model, old_field, new_field, old_type, new_type, old_db_params,
                     new_db_params, strict=False):
        """The ALTER steps: drop what stands in the way, change the column, put back."""
        table = self.quote_name(model._meta.db_table)
        meta_constraints = {constraint.name for constraint in model._meta.constraints}
        meta_indexes = {index.name for index in model._meta.indexes}
        old_collation = old_db_params.get("collation")
        new_collation = new_db_params.get("collation")

        # 1. Drop constraints that the change would break or make wrong.
        fks_dropped = False
        if (
            self.connection.features.supports_foreign_keys
            and old_field.remote_field
            and old_field.db_constraint
            and self._field_should_be_altered(old_field, new_field, ignore={"db_comment"})
        ):
            fk_names = self._constraint_names(model, [old_field.column], foreign_key=True)
            self._expect_one(strict, fk_names, "foreign key constraints", model, old_field)
            for fk_name in fk_names:
                fks_dropped = True
                self.execute(self._delete_fk_sql(model, fk_name))
        if old_field.unique and (not new_field.unique or self._field_became_primary_key(
            old_field, new_field
        )):
            names = self._constraint_names(model, [old_field.column], unique=True,
                                           primary_key=False, exclude=meta_constraints)
            self._expect_one(strict, names, "unique constraints", model, old_field)
            for name in names:
                self.execute(self._delete_unique_sql(model, name))
        # Foreign keys pointing at this column must go while its type changes.
        drop_incoming_fks = (
            self.connection.features.supports_foreign_keys
            and ((old_field.primary_key and new_field.primary_key)
                 or (old_field.unique and new_field.unique))
            and (old_type != new_type or old_collation != new_collation)
        )
        if drop_incoming_fks:
            for _old_rel, new_rel in related_non_m2m_objects(old_field, new_field):
                for fk_name in self._constraint_names(new_rel.related_model,
                                                      [new_rel.field.column], foreign_key=True):
                    self.execute(self._delete_fk_sql(new_rel.related_model, fk_name))
        if old_field.db_index and not old_field.unique and (
            not new_field.db_index or new_field.unique
        ):
            for name in self._constraint_names(model, [old_field.column], index=True,
                                               type_="idx", exclude=meta_indexes):
                self.execute(self._delete_index_sql(model, name))
        old_check, new_check = old_db_params["check"], new_db_params["check"]
        if old_check != new_check and old_check:
            names = self._constraint_names(model, [old_field.column], check=True,
                                           exclude=meta_constraints)
            self._expect_one(strict, names, "check constraints", model, old_field)
            for name in names:
                self.execute(self._delete_check_sql(model, name))

        # 2. Rename the column, keeping its data.
        if old_field.column != new_field.column:
            self.execute(self._rename_field_sql(model._meta.db_table, old_field, new_field,
                                                new_type))
            old, new = self.quote_name(old_field.column), self.quote_name(new_field.column)
            self.deferred_sql = [
                str(sql).replace(old, new) if table in str(sql) else sql
                for sql in self.deferred_sql
            ]

        # 3. Change type, default and NULL.
        actions, null_actions, post_actions = [], [], []
        if (
            old_type != new_type
            or old_field.db_type_suffix(connection=self.connection)
            != new_field.db_type_suffix(connection=self.connection)
            or old_collation != new_collation
        ):
            fragment, other_actions = self._alter_column_type_sql(
                model, old_field, new_field, new_type, old_collation, new_collation
            )
            actions.append(fragment)
            post_actions.extend(other_actions)
        # NULL -> NOT NULL with a default: set the default, fill the NULLs with it, make the
        # column NOT NULL, then drop the default again.
        needs_database_default = False
        new_default = None
        if old_field.null and not new_field.null and new_field.db_default is NOT_PROVIDED:
            old_default = self.effective_default(old_field)
            new_default = self.effective_default(new_field)
            if (
                not self.skip_default(new_field)
                and old_default != new_default
                and new_default is not None
            ):
                needs_database_default = True
                actions.append(self._alter_column_default_sql(model, old_field, new_field))
        if old_field.null != new_field.null:
            fragment = self._alter_column_null_sql(model, old_field, new_field)
            if fragment:
                null_actions.append(fragment)
        if old_field.db_default != new_field.db_default and (
            old_field.db_default is not NOT_PROVIDED or new_field.db_default is not NOT_PROVIDED
        ):
            actions.append(self._alter_column_database_default_sql(model, old_field, new_field))
        four_way_default = (
            new_field.has_default() or new_field.db_default is not NOT_PROVIDED
        ) and old_field.null and not new_field.null
        if actions or null_actions:
            if not four_way_default:
                actions += null_actions
            if self._feature("supports_combined_alters") and actions:
                sqls, params = zip(*actions, strict=True)
                actions = [(", ".join(sqls), sum((list(p) for p in params), []))]
            for sql, params in actions:
                self.execute(self.sql_alter_column % {"table": table, "changes": sql}, params)
            if four_way_default:
                if new_field.db_default is NOT_PROVIDED:
                    default_sql, params = "%s", [self.effective_default(new_field)]
                else:
                    default_sql, params = self.db_default_sql(new_field)
                self.execute(self.sql_update_with_default % {
                    "table": table,
                    "column": self.quote_name(new_field.column),
                    "default": default_sql,
                }, params)
                for sql, params in null_actions:
                    self.execute(self.sql_alter_column % {"table": table, "changes": sql},
                                 params)
        for sql, params in post_actions:
            self.execute(sql, params)

        # 4. Put back and add constraints.
        if old_field.primary_key and not new_field.primary_key:
            self._delete_primary_key(model, strict)
        if self._unique_should_be_added(old_field, new_field):
            self.execute(self._create_unique_sql(model, [new_field]))
        if (not old_field.db_index or old_field.unique) and new_field.db_index \
                and not new_field.unique:
            self.execute(self._create_index_sql(model, fields=[new_field]))
        relations_to_update = []
        if drop_incoming_fks:
            relations_to_update.extend(related_non_m2m_objects(old_field, new_field))
        if self._field_became_primary_key(old_field, new_field):
            self.execute(self._create_primary_key_sql(model, new_field))
            relations_to_update.extend(related_non_m2m_objects(old_field, new_field))
        # Columns pointing at a primary key whose type changed take the new type.
        for old_rel, new_rel in relations_to_update:
            rel_db_params = new_rel.field.db_parameters(connection=self.connection)
            old_rel_db_params = old_rel.field.db_parameters(connection=self.connection)
            fragment, other_actions = self._alter_column_type_sql(
                new_rel.related_model, old_rel.field, new_rel.field, rel_db_params["type"],
                old_rel_db_params.get("collation"), rel_db_params.get("collation"),
            )
            self.execute(self.sql_alter_column % {
                "table": self.quote_name(new_rel.related_model._meta.db_table),
                "changes": fragment[0],
            }, fragment[1])
            for sql, params in other_actions:
                self.execute(sql, params)
        if (
            self.connection.features.supports_foreign_keys
            and new_field.remote_field
            and (fks_dropped or not old_field.remote_field or not old_field.db_constraint)
            and new_field.db_constraint
        ):
            self.execute(self._create_fk_sql(model, new_field, FK_SUFFIX))
        if drop_incoming_fks:
            for _old_rel, rel in relations_to_update:
                if rel.field.db_constraint:
                    self.execute(self._create_fk_sql(rel.related_model, rel.field, "_fk"))
        if old_check != new_check and new_check:
            name = self._create_index_name(model._meta.db_table, [new_field.column],
                                           suffix="_check")
            self.execute(self._create_check_sql(model, name, new_check))
        if needs_database_default:
            changes_sql, params = self._alter_column_default_sql(model, old_field, new_field,
                                                                 drop=True)
            self.execute(self.sql_alter_column % {"table": table, "changes": changes_sql},
                         params)
        if self._feature("connection_persists_old_columns"):
            self.connection.close()

    @staticmethod
    def _expect_one(strict: bool, names: list[str], what: str, model, field) -> None:
        if strict and len(names) != 1:
            raise ValueError(
                f"Found wrong number ({len(names)}) of {what} for "
                f"{model._meta.db_table}.{field.column}"
            )

    def _rename_field_sql(self, table, old_field, new_field, new_type):
        quote = self.quote_name
        return self.sql_rename_column % dict(
            table=quote(table),
            old_column=quote(old_field.column),
            new_column=quote(new_field.column),
            type=new_type,  # MySQL's CHANGE COLUMN restates the type
        )

    def _alter_column_type_sql(self, model, old_field, new_field, new_type, old_collation,
                               new_collation):
        """((ALTER COLUMN fragment, params), [extra statements]) changing a column's type;
        dialects add casts (PostgreSQL's USING) or sequences here."""
        # The collation is restated on every type change: PostgreSQL and MySQL give the
        # column the type's default collation otherwise.
        collation = ""
        if new_collation:
            collation = " " + self._collate_sql(new_collation, old_collation,
                                                model._meta.db_table)
        return (
            (self.sql_alter_column_type % {
                "column": self.quote_name(new_field.column),
                "type": new_type,
                "collation": collation,
            }, []),
            [],
        )

    def _alter_column_null_sql(self, model, old_field, new_field):
        new_db_params = new_field.db_parameters(connection=self.connection)
        sql = self.sql_alter_column_null if new_field.null else self.sql_alter_column_not_null
        return (sql % {
            "column": self.quote_name(new_field.column),
            "type": new_db_params["type"],
        }, [])

    def _column_change(self, template, field, default=""):
        """Fill an ALTER COLUMN fragment template for ``field``."""
        column_type = field.db_parameters(connection=self.connection)["type"]
        return template % {
            "column": self.quote_name(field.column), "type": column_type, "default": default,
        }

    def _alter_column_default_sql(self, model, old_field, new_field, drop=False):
        """(fragment, params) setting the column default to the field's default, or
        dropping it."""
        value = self.effective_default(new_field)
        if drop:
            # Some dialects drop the default of a nullable column differently.
            template = self.sql_alter_column_no_default
            if new_field.null and self.sql_alter_column_no_default_null:
                template = self.sql_alter_column_no_default_null
            return self._column_change(template, new_field, self._column_default_sql(new_field)), []
        if self._feature("requires_literal_defaults"):
            literal = self.prepare_default(value)
            return self._column_change(self.sql_alter_column_default, new_field, literal), []
        placeholder = self._column_default_sql(new_field)
        return self._column_change(self.sql_alter_column_default, new_field, placeholder), [value]

    def _alter_column_database_default_sql(self, model, old_field, new_field, drop=False):
        """(fragment, params) for a changed ``db_default``."""
        if drop or new_field.db_default is NOT_PROVIDED:
            return self._column_change(self.sql_alter_column_no_default, new_field), []
        expression_sql, params = self.db_default_sql(new_field)
        fragment = self._column_change(self.sql_alter_column_default, new_field, expression_sql)
        return fragment, list(params)

    # -- primary keys and unique ---------------------------------------------------------------

    @staticmethod
    def _field_became_primary_key(old_field, new_field) -> bool:
        return not old_field.primary_key and new_field.primary_key

    @staticmethod
    def _unique_should_be_added(old_field, new_field) -> bool:
        if new_field.primary_key or not new_field.unique:
            return False
        # A primary key's uniqueness goes with it; a plain unique one is already there.
        return old_field.primary_key or not old_field.unique

    def _create_primary_key_sql(self, model, field):
        return self.sql_create_pk % {
            "table": self.quote_name(model._meta.db_table),
            "name": self.quote_name(
                self._create_index_name(model._meta.db_table, [field.column], suffix="_pk")
            ),
            "columns": self.quote_name(field.column),
        }

    def _delete_primary_key(self, model, strict=False):
        names = self._constraint_names(model, primary_key=True)
        if strict and len(names) != 1:
            raise ValueError(
                f"Found wrong number ({len(names)}) of PK constraints for "
                f"{model._meta.db_table}"
            )
        for name in names:
            self.execute(self.sql_delete_pk % {
                "table": self.quote_name(model._meta.db_table),
                "name": self.quote_name(name),
            })

    def alter_unique_together(self, model, old_unique_together, new_unique_together):
        """Drop the unique constraints no longer listed, then add the new ones."""
        olds = {tuple(fields) for fields in old_unique_together or ()}
        news = {tuple(fields) for fields in new_unique_together or ()}
        for fields in sorted(olds - news):
            self._delete_composed_index(model, fields, {"unique": True, "primary_key": False},
                                        self.sql_delete_unique)
        for field_names in sorted(news - olds):
            fields = [model._meta.get_field(name) for name in field_names]
            self.execute(self._create_unique_sql(model, fields))

    def alter_index_together(self, model, old_index_together, new_index_together):
        """The legacy Meta.index_together, for old migrations."""
        olds = {tuple(fields) for fields in old_index_together or ()}
        news = {tuple(fields) for fields in new_index_together or ()}
        for fields in sorted(olds - news):
            self._delete_composed_index(model, fields, {"index": True, "unique": False},
                                        self.sql_delete_index)
        for field_names in sorted(news - olds):
            fields = [model._meta.get_field(name) for name in field_names]
            self.execute(self._create_index_sql(model, fields=fields, suffix="_idx"))

    def _delete_composed_index(self, model, fields, constraint_kwargs, sql):
        meta_names = {c.name for c in model._meta.constraints} | {
            i.name for i in model._meta.indexes
        }
        columns = [model._meta.get_field(field).column for field in fields]
        names = self._constraint_names(model, columns, exclude=meta_names, **constraint_kwargs)
        if len(names) != 1:
            raise ValueError(
                f"Found wrong number ({len(names)}) of constraints for "
                f"{model._meta.db_table}({', '.join(columns)})"
            )
        self.execute(sql % {
            "table": self.quote_name(model._meta.db_table),
            "name": self.quote_name(names[0]),
        })

    # -- indexes ------------------------------------------------------------------------------

    def rename_index(self, model, old_index, new_index):
        """Rename an index in place where the database can, else drop and recreate it."""
        if self._feature("can_rename_index", True):
            self.execute(self.sql_rename_index % {
                "table": self.quote_name(model._meta.db_table),
                "old_name": self.quote_name(old_index.name),
                "new_name": self.quote_name(new_index.name),
            })
        else:
            self.remove_index(model, old_index)
            self.add_index(model, new_index)

    # -- many-to-many ---------------------------------------------------------------------------

    def _alter_many_to_many(self, model, old_field, new_field, strict):
        """A renamed model or field: rename the through table and repoint its columns."""
        old_through = old_field.remote_field.through
        new_through = new_field.remote_field.through
        if old_through._meta.db_table != new_through._meta.db_table:
            self.alter_db_table(old_through, old_through._meta.db_table,
                                new_through._meta.db_table)
        self.alter_field(
            new_through,
            old_through._meta.get_field(old_field.m2m_reverse_field_name()),
            new_through._meta.get_field(new_field.m2m_reverse_field_name()),
        )
        self.alter_field(
            new_through,
            old_through._meta.get_field(old_field.m2m_field_name()),
            new_through._meta.get_field(new_field.m2m_field_name()),
        )
