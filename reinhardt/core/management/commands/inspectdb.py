"""``inspectdb``: write models.py source for the tables of an existing database."""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterator
from typing import Any

from reinhardt.core.management.base import BaseCommand, CommandError, CommandParser

LOOKUP_SEP = "__"


def quoted(value: str) -> str:
    """A Python string literal, double-quoted where possible (as migration files are)."""
    from reinhardt.orm.migrations.serializer import python_string

    return python_string(value)


class Command(BaseCommand):
    help = ("Print model classes that match the tables (and views) of an existing database, as "
            "a starting point for models.py.")
    requires_system_checks: list = []
    stealth_options = ("table_name_filter",)
    db_module = "reinhardt.orm"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "table", nargs="*", type=str, help="Selects what tables or views should be "
                                               "introspected.",
        )
        parser.add_argument(
            "--database", default="default",
            help="Database alias to read the tables of (default: default).",
        )
        parser.add_argument(
            "--include-partitions", action="store_true",
            help="Also output models for partition tables.",
        )
        parser.add_argument(
            "--include-views", action="store_true", help="Also output models for database "
                                                         "views.",
        )

    def handle(self, **options: Any) -> None:
        from reinhardt.orm import NotSupportedError

        try:
            for line in self.handle_inspection(options):
                self.stdout.write(line)
        except NotImplementedError:
            raise CommandError(
                "Database inspection isn't supported for the currently selected database "
                "backend."
            )
        except NotSupportedError as e:
            raise CommandError(str(e))

    @staticmethod
    def table2model(table_name: str) -> str:
        """'polls_question' -> 'PollsQuestion'."""
        return re.sub(r"[^a-zA-Z0-9]", "", table_name.title())

    def handle_inspection(self, options: dict) -> Iterator[str]:
        from reinhardt.orm import connections

        connection = connections[options["database"]]
        table_name_filter = options.get("table_name_filter")
        with connection.cursor() as cursor:
            yield "# This is an auto-generated reinhardt model module."
            yield "# You'll have to do the following manually to clean this up:"
            yield "#   * Rearrange models' order"
            yield "#   * Make sure each model has one field with primary_key=True"
            yield ("#   * Make sure each ForeignKey and OneToOneField has `on_delete` set to "
                   "the desired behavior")
            yield ("#   * Remove `managed = False` lines if you wish to allow reinhardt to "
                   "create, modify, and delete the table")
            yield ("# Feel free to rename the models, but don't rename db_table values or "
                   "field names.")
            yield f"from {self.db_module} import models"
            known_models = []
            types = {"t"}
            if options["include_partitions"]:
                types.add("p")
            if options["include_views"]:
                types.add("v")
            table_info = connection.introspection.get_table_list(cursor)
            table_info = {info.name: info for info in table_info if info.type in types}
            for table_name in options["table"] or sorted(table_info):
                if table_name_filter is not None and callable(table_name_filter):
                    if not table_name_filter(table_name):
                        continue
                if table_name == "django_migrations" and not options["table"]:
                    continue  # The migration records are not a model of the project.
                try:
                    relations = _call(connection.introspection.get_relations, cursor,
                                      table_name)
                    constraints = _call(connection.introspection.get_constraints, cursor,
                                        table_name)
                    primary_key_columns = self._primary_key_columns(connection, cursor,
                                                                    table_name, constraints)
                    table_description = connection.introspection.get_table_description(
                        cursor, table_name
                    )
                except Exception as e:
                    yield f"# Unable to inspect table '{table_name}'"
                    yield f"# The error was: {e}"
                    continue
                unique_columns = [
                    c["columns"][0] for c in constraints.values()
                    if c["unique"] and len(c["columns"]) == 1
                ]
                model_name = self.table2model(table_name)
                yield ""
                yield ""
                yield f"class {model_name}(models.Model):"
                known_models.append(model_name)
                used_column_names: list[str] = []
                column_to_field_name: dict[str, str] = {}
                for row in table_description:
                    comment_notes = []
                    extra_params: dict[str, Any] = {}
                    column_name = row.name
                    is_relation = column_name in relations
                    att_name, params, notes = self.normalize_col_name(
                        column_name, used_column_names, is_relation
                    )
                    extra_params.update(params)
                    comment_notes.extend(notes)
                    used_column_names.append(att_name)
                    column_to_field_name[column_name] = att_name
                    if column_name == (primary_key_columns[0] if primary_key_columns else None):
                        extra_params["primary_key"] = True
                        if len(primary_key_columns) > 1:
                            comment_notes.append(
                                "The composite primary key ("
                                + ", ".join(primary_key_columns)
                                + ") found, that is not supported. The first column is "
                                "selected."
                            )
                    elif column_name in unique_columns:
                        extra_params["unique"] = True
                    if is_relation:
                        ref_db_column, ref_db_table = relations[column_name][:2]
                        if extra_params.pop("unique", False) or extra_params.get("primary_key"):
                            rel_type = "OneToOneField"
                        else:
                            rel_type = "ForeignKey"
                            ref_pk_column = _call(
                                connection.introspection.get_primary_key_column, cursor,
                                ref_db_table,
                            )
                            if ref_pk_column and ref_pk_column != ref_db_column:
                                extra_params["to_field"] = ref_db_column
                        rel_to = ("self" if ref_db_table == table_name
                                  else self.table2model(ref_db_table))
                        if rel_to in known_models:
                            field_type = f"{rel_type}({rel_to}"
                        else:
                            field_type = f"{rel_type}({quoted(rel_to)}"
                        if rel_to in used_relations_of(self):
                            extra_params["related_name"] = f"{model_name.lower()}_{att_name}_set"
                        used_relations_of(self).add(rel_to)
                    else:
                        field_type, field_params, field_notes = self.get_field_type(
                            connection, table_name, row
                        )
                        extra_params.update(field_params)
                        comment_notes.extend(field_notes)
                        field_type += "("
                    if att_name == "id" and extra_params == {"primary_key": True}:
                        if field_type in ("AutoField(", "BigAutoField("):
                            continue  # The model gets this primary key by default.
                    if getattr(row, "null_ok", False):
                        extra_params["blank"] = True
                        extra_params["null"] = True
                    comment = getattr(row, "comment", None)
                    if comment:
                        extra_params["db_comment"] = comment
                    field_desc = f"{att_name} = {'' if '.' in field_type else 'models.'}" \
                                 f"{field_type}"
                    if field_type.startswith(("ForeignKey(", "OneToOneField(")):
                        field_desc += ", models.DO_NOTHING"
                    if extra_params:
                        if not field_desc.endswith("("):
                            field_desc += ", "
                        field_desc += ", ".join(
                            f"{k}={quoted(v) if isinstance(v, str) else repr(v)}"
                            for k, v in extra_params.items()
                        )
                    field_desc += ")"
                    if comment_notes:
                        field_desc += "  # " + " ".join(comment_notes)
                    yield f"    {field_desc}"
                self._relations = set()
                comment = None
                table = table_info.get(table_name)
                if table is not None:
                    comment = getattr(table, "comment", None)
                yield from self.get_meta(table_name, constraints, column_to_field_name,
                                         table.type == "v" if table is not None else False,
                                         table.type == "p" if table is not None else False,
                                         comment)

    def _primary_key_columns(self, connection, cursor, table_name, constraints) -> list[str]:
        get_columns = getattr(connection.introspection, "get_primary_key_columns", None)
        if get_columns is not None:
            try:
                return list(get_columns(cursor, table_name) or [])
            except NotImplementedError:
                pass
        for constraint in constraints.values():
            if constraint.get("primary_key"):
                return list(constraint["columns"])
        return []

    def normalize_col_name(self, col_name: str, used_column_names: list[str],
                           is_relation: bool) -> tuple[str, dict, list[str]]:
        """A valid, unused Python attribute name for a column, with the db_column and
        notes needed when it differs."""
        field_params: dict[str, Any] = {}
        field_notes: list[str] = []
        new_name = col_name.lower()
        if new_name != col_name:
            field_notes.append("Field name made lowercase.")
        if is_relation:
            if new_name.endswith("_id"):
                new_name = new_name.removesuffix("_id")
            else:
                field_params["db_column"] = col_name
        new_name, replaced = re.subn(r"\W", "_", new_name)
        if replaced > 0:
            field_notes.append("Field renamed to remove unsuitable characters.")
        if LOOKUP_SEP in new_name:
            while LOOKUP_SEP in new_name:
                new_name = new_name.replace(LOOKUP_SEP, "_")
            if LOOKUP_SEP in col_name.lower():
                field_notes.append(
                    "Field renamed because it contained more than one '_' in a row."
                )
        if new_name.startswith("_"):
            new_name = f"field{new_name}"
            field_notes.append("Field renamed because it started with '_'.")
        if new_name.endswith("_"):
            new_name = f"{new_name}field"
            field_notes.append("Field renamed because it ended with '_'.")
        if keyword.iskeyword(new_name):
            new_name += "_field"
            field_notes.append("Field renamed because it was a Python reserved word.")
        if new_name[0].isdigit():
            new_name = f"number_{new_name}"
            field_notes.append("Field renamed because it wasn't a valid Python identifier.")
        if new_name in used_column_names:
            number = 0
            while f"{new_name}_{number}" in used_column_names:
                number += 1
            new_name = f"{new_name}_{number}"
            field_notes.append("Field renamed because of name conflict.")
        if col_name != new_name and field_notes:
            field_params["db_column"] = col_name
        return new_name, field_params, field_notes

    def get_field_type(self, connection, table_name: str, row) -> tuple[str, dict, list[str]]:
        """The field class name, its parameters and notes for a column description."""
        field_params: dict[str, Any] = {}
        field_notes: list[str] = []
        try:
            field_type = connection.introspection.get_field_type(row.type_code, row)
        except KeyError:
            field_type = "TextField"
            field_notes.append("This field type is a guess.")
        if isinstance(field_type, tuple):
            field_type, new_params = field_type
            field_params.update(new_params)
        if field_type == "CharField" and getattr(row, "display_size", None):
            size = int(row.display_size)
            if size > 0:
                field_params["max_length"] = size
        if field_type in {"CharField", "TextField"} and getattr(row, "collation", None):
            field_params["db_collation"] = row.collation
        if field_type == "DecimalField":
            if row.precision is None or row.scale is None:
                field_notes.append(
                    "max_digits and decimal_places have been guessed, as this database "
                    "handles decimal fields as float"
                )
            field_params["max_digits"] = row.precision if row.precision is not None else 10
            field_params["decimal_places"] = row.scale if row.scale is not None else 5
        return field_type, field_params, field_notes

    def get_meta(self, table_name: str, constraints: dict, column_to_field_name: dict,
                 is_view: bool, is_partition: bool, comment: str | None) -> list[str]:
        """The Meta class: unmanaged, its table, unique_together and the table comment."""
        unique_together = []
        for params in constraints.values():
            if params["unique"]:
                columns = params["columns"]
                if None in columns:
                    continue
                columns = [column_to_field_name.get(c, c) for c in columns]
                if len(columns) > 1:
                    unique_together.append(
                        "(" + ", ".join(quoted(c) for c in columns) + ")"
                    )
        if is_view:
            managed_comment = "  # Created from a view. Don't remove."
        elif is_partition:
            managed_comment = "  # Created from a partition. Don't remove."
        else:
            managed_comment = ""
        meta = ["", "    class Meta:", f"        managed = False{managed_comment}",
                f"        db_table = {quoted(table_name)}"]
        if unique_together:
            tup = "(" + ", ".join(sorted(unique_together)) + ",)"
            meta.append(f"        unique_together = {tup}")
        if comment:
            meta.append(f"        db_table_comment = {quoted(comment)}")
        return meta


def _call(method, cursor, table_name):
    """Call an introspection method, treating "not implemented" as "nothing found"."""
    try:
        return method(cursor, table_name) or {}
    except NotImplementedError:
        return {}


def used_relations_of(command: Command) -> set:
    """Target models already related from the current model (to add related_name)."""
    if not hasattr(command, "_relations"):
        command._relations = set()
    return command._relations
