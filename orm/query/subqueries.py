"""Query subclasses for writes (INSERT, UPDATE, DELETE) and for aggregate() over a subquery."""

from __future__ import annotations

from reinhardt.core.exceptions import FieldError
from reinhardt.orm.query.constants import NO_RESULTS, ROW_COUNT
from reinhardt.orm.query.query import Query

__all__ = ["DeleteQuery", "UpdateQuery", "InsertQuery", "AggregateQuery"]


# ----- bulk_update() from a list of rows --------------------------------------------------


def can_update_from_rows(connection, model, fields) -> bool:
    """Whether bulk_update() of ``fields`` can join a VALUES list: the backend says so and
    every field lives in the model's own table (parents' fields need their own UPDATEs)."""
    if not getattr(connection.features, "supports_update_from_values", False):
        return False
    concrete = model._meta.concrete_model
    return all(
        field.model._meta.concrete_model is concrete and not field.generated
        for field in fields
    )


def has_expression_values(objs, fields) -> bool:
    """Whether any object holds an expression (F(), Func...) for one of ``fields``: those
    batches keep the CASE form, which evaluates expressions per row."""
    return any(
        hasattr(getattr(obj, field.attname), "resolve_expression")
        for obj in objs for field in fields
    )


def update_from_rows(queryset, fields, objs) -> int:
    """UPDATE the rows of ``objs`` matched by ``queryset`` from the objects' values."""
    from reinhardt.orm import connections
    from reinhardt.orm.query.constants import ROW_COUNT

    query = queryset.query.chain(UpdateQuery)
    query.set_update_rows(fields, objs, connections[queryset.db])
    query.annotations = {}
    return query.get_compiler(queryset.db).execute_sql(ROW_COUNT)


class DeleteQuery(Query):
    """DELETE FROM the base table WHERE ..."""

    compiler = "SQLDeleteCompiler"

    def do_query(self, table, where, using):
        self.alias_map = {table: self.alias_map[table]}
        self.where = where
        return self.get_compiler(using).execute_sql(ROW_COUNT)

    def delete_batch(self, pk_list, using):
        """Delete the rows whose primary key is in ``pk_list``; returns how many."""
        from reinhardt.orm import connections

        # number of objects deleted
        num_deleted = 0
        field = self.get_meta().pk
        batch_size = max(connections[using].ops.bulk_batch_size([field], pk_list), 1)
        for offset in range(0, len(pk_list), batch_size):
            self.clear_where()
            self.add_filter(f"{field.attname}__in", pk_list[offset: offset + batch_size])
            num_deleted += self.do_query(self.get_meta().db_table, self.where, using=using)
        return num_deleted


class UpdateQuery(Query):
    """UPDATE the base table SET ... WHERE ...; fields of parent tables are updated by
    related updates (one per table)."""

    compiler = "SQLUpdateCompiler"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_query()

    def _setup_query(self):
        """Run on init and on every chain(): values are reset for the next operation."""
        self.values = []
        self.related_ids = None
        self.related_updates = {}
        # bulk_update() on backends with supports_update_from_values: (fields, rows), each
        # row (pk, value, ...) already prepared for the database; see set_update_rows().
        self.update_rows = None

    def clone(self):
        obj = super().clone()
        obj.related_updates = self.related_updates.copy()
        return obj

    def update_batch(self, pk_list, values, using):
        from reinhardt.orm import connections

        self.add_update_values(values)
        batch_size = max(connections[using].ops.bulk_batch_size(["pk"], pk_list), 1)
        for offset in range(0, len(pk_list), batch_size):
            self.clear_where()
            self.add_filter("pk__in", pk_list[offset: offset + batch_size])
            self.get_compiler(using).execute_sql(NO_RESULTS)

    def set_update_rows(self, fields, objs, connection):
        """Update ``fields`` of each of ``objs`` from its own values, joined by primary key
        (UPDATE ... FROM a VALUES list: the statement grows linearly with the batch). The
        first object of a primary key wins, as with CASE WHEN."""
        rows, seen = [], set()
        for obj in objs:
            if obj.pk in seen:
                continue
            seen.add(obj.pk)
            pk_field = self.get_meta().pk
            row = [pk_field.get_db_prep_save(obj.pk, connection=connection)]
            row.extend(
                field.get_db_prep_save(getattr(obj, field.attname), connection=connection)
                for field in fields
            )
            rows.append(row)
        self.update_rows = (list(fields), rows)
        # Keep values non-empty: the compiler renders nothing for an update without values.
        self.values = [(field, self.get_meta().concrete_model, None) for field in fields]

    def add_update_values(self, values):
        """Turn {name: value} into (field, model, value) triples, checking each field."""
        values_seq = []
        for name, val in values.items():
            field = self.get_meta().get_field(name)
            direct = (
                not (field.auto_created and not field.concrete) or not field.concrete
            )
            model = field.model._meta.concrete_model
            if not direct or (field.is_relation and field.many_to_many):
                raise FieldError(
                    "Cannot update model field %r (only non-relations and foreign keys "
                    "permitted)." % field
                )
            if model is not self.get_meta().concrete_model:
                self.add_related_update(model, field, val)
                continue
            values_seq.append((field, model, val))
        return self.add_update_fields(values_seq)

    def add_update_fields(self, values_seq):
        """Append (field, model, value) triples, resolving expressions against this query."""
        for field, model, val in values_seq:
            # Omit generated fields.
            if field.generated:
                continue
            if hasattr(val, "resolve_expression"):
                # Resolved here, so the UPDATE needs no annotations.
                val = val.resolve_expression(self, allow_joins=False, for_save=True)
            self.values.append((field, model, val))

    def add_related_update(self, model, field, value):
        """An update of a parent model's field (multi-table inheritance)."""
        self.related_updates.setdefault(model, []).append((field, None, value))

    def get_related_updates(self):
        """The UpdateQuery of each parent table, restricted to the rows updated here."""
        if not self.related_updates:
            return []
        result = []
        for model, values in self.related_updates.items():
            query = UpdateQuery(model)
            query.values = values
            if self.related_ids is not None:
                query.add_filter("pk__in", self.related_ids[model])
            result.append(query)
        return result


class InsertQuery(Query):
    """INSERT rows of ``objs`` into the table of ``fields``."""

    compiler = "SQLInsertCompiler"

    def __init__(self, *args, on_conflict=None, update_fields=None, unique_fields=None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = []
        self.objs = []
        self.on_conflict = on_conflict
        self.update_fields = update_fields or []
        self.unique_fields = unique_fields or []

    def insert_values(self, fields, objs, raw=False):
        self.fields = fields
        self.objs = objs
        self.raw = raw


class AggregateQuery(Query):
    """SELECT aggregates FROM (inner query): aggregate() over a sliced/distinct/grouped query."""

    compiler = "SQLAggregateCompiler"

    def __init__(self, model, inner_query):
        self.inner_query = inner_query
        super().__init__(model)

