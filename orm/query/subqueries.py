"""Query subclasses for writes (INSERT, UPDATE, DELETE) and for aggregate() over a subquery.

Each is a ``Query`` that names the compiler class rendering it; the per-statement state
(values to set, rows to insert, the inner query) lives here, the SQL or MQL in the backends.
"""

from __future__ import annotations

from reinhardt.core.exceptions import FieldError
from reinhardt.orm.query.constants import NO_RESULTS, ROW_COUNT
from reinhardt.orm.query.query import Query

__all__ = ["DeleteQuery", "UpdateQuery", "InsertQuery", "AggregateQuery"]


def _connection(alias):
    from reinhardt.orm import connections

    return connections[alias]


def _in_batches(query, lookup, sized_by, keys, alias, run):
    """Filter ``query`` on ``lookup`` with successive slices of ``keys`` (as many as one
    statement of the backend may carry for ``sized_by``) and ``run()`` each; returns the
    results."""
    size = max(_connection(alias).ops.bulk_batch_size(sized_by, keys), 1)
    results = []
    for start in range(0, len(keys), size):
        query.clear_where()
        query.add_filter(f"{lookup}__in", keys[start:start + size])
        results.append(run())
    return results


# ----- bulk_update() from a list of rows --------------------------------------------------


def can_update_from_rows(connection, model, fields) -> bool:
    """Whether bulk_update() of ``fields`` can join a VALUES list: the backend says so and
    every field lives in the model's own table (parents' fields need their own UPDATEs)."""
    if not getattr(connection.features, "supports_update_from_values", False):
        return False
    own_table = model._meta.concrete_model
    return not any(
        field.generated or field.model._meta.concrete_model is not own_table
        for field in fields
    )


def has_expression_values(objs, fields) -> bool:
    """Whether any object holds an expression (F(), Func...) for one of ``fields``: those
    batches keep the CASE form, which evaluates expressions per row."""
    attnames = [field.attname for field in fields]
    return any(hasattr(getattr(obj, name), "resolve_expression")
               for obj in objs for name in attnames)


def update_from_rows(queryset, fields, objs) -> int:
    """UPDATE the rows of ``objs`` matched by ``queryset`` from the objects' values."""
    statement = queryset.query.chain(UpdateQuery)
    statement.set_update_rows(fields, objs, _connection(queryset.db))
    statement.annotations = {}
    return statement.get_compiler(queryset.db).execute_sql(ROW_COUNT)


class DeleteQuery(Query):
    """DELETE FROM the base table WHERE ..."""

    compiler = "SQLDeleteCompiler"

    def delete_batch(self, pk_list, using):
        """Delete the rows whose primary key is in ``pk_list``; returns how many."""
        meta = self.get_meta()

        def run():
            return self.do_query(meta.db_table, self.where, using=using)

        return sum(_in_batches(self, meta.pk.attname, [meta.pk], pk_list, using, run))

    def do_query(self, table, where, using):
        """Run the DELETE on ``table`` alone with ``where``; returns the rows deleted."""
        self.where = where
        self.alias_map = {table: self.alias_map[table]}
        return self.get_compiler(using).execute_sql(ROW_COUNT)


class UpdateQuery(Query):
    """UPDATE the base table SET ... WHERE ...; fields of parent tables are updated by
    related updates (one per table)."""

    compiler = "SQLUpdateCompiler"

    def __init__(self, *args, **kwargs):
        Query.__init__(self, *args, **kwargs)
        self._setup_query()

    def _setup_query(self):
        """Run on init and on every chain(): values are reset for the next operation."""
        # (field, model, value) triples for this table's SET clause.
        self.values = []
        # Parent model -> its triples; related_ids: parent model -> primary keys to update
        # there (filled in by the compiler once it knows the rows).
        self.related_updates, self.related_ids = {}, None
        # bulk_update() on backends with supports_update_from_values: (fields, rows), each
        # row (pk, value, ...) already prepared for the database; see set_update_rows().
        self.update_rows = None

    def clone(self):
        twin = super().clone()
        twin.related_updates = dict(self.related_updates)
        return twin

    def update_batch(self, pk_list, values, using):
        """Set ``values`` on the rows whose primary key is in ``pk_list``."""
        self.add_update_values(values)
        _in_batches(self, "pk", ["pk"], pk_list, using,
                    lambda: self.get_compiler(using).execute_sql(NO_RESULTS))

    def set_update_rows(self, fields, objs, connection):
        """Update ``fields`` of each of ``objs`` from its own values, joined by primary key
        (UPDATE ... FROM a VALUES list: the statement grows linearly with the batch). The
        first object of a primary key wins, as with CASE WHEN."""
        meta = self.get_meta()
        first_of_pk = {}
        for obj in objs:
            first_of_pk.setdefault(obj.pk, obj)
        rows = [
            [meta.pk.get_db_prep_save(pk, connection=connection)]
            + [field.get_db_prep_save(getattr(obj, field.attname), connection=connection)
               for field in fields]
            for pk, obj in first_of_pk.items()
        ]
        self.update_rows = (list(fields), rows)
        # Keep values non-empty: the compiler renders nothing for an update without values.
        self.values = [(field, meta.concrete_model, None) for field in fields]

    def add_update_values(self, values):
        """Turn {name: value} into (field, model, value) triples, checking each field."""
        own_model = self.get_meta().concrete_model
        local = []
        for name, value in values.items():
            field = self.get_meta().get_field(name)
            _check_updatable(field)
            owner = field.model._meta.concrete_model
            if owner is own_model:
                local.append((field, owner, value))
            else:
                self.add_related_update(owner, field, value)
        return self.add_update_fields(local)

    def add_update_fields(self, values_seq):
        """Append (field, model, value) triples, resolving expressions against this query
        (so the UPDATE needs no annotations); generated fields are skipped."""
        self.values.extend(
            (field, model, _resolved_for_save(self, value))
            for field, model, value in values_seq
            if not field.generated
        )

    def get_related_updates(self):
        """The UpdateQuery of each parent table, restricted to the rows updated here."""
        updates = []
        for parent, triples in self.related_updates.items():
            parent_update = UpdateQuery(parent)
            parent_update.values = triples
            if self.related_ids is not None:
                parent_update.add_filter("pk__in", self.related_ids[parent])
            updates.append(parent_update)
        return updates

    def add_related_update(self, model, field, value):
        """An update of a parent model's field (multi-table inheritance)."""
        self.related_updates.setdefault(model, []).append((field, None, value))


def _check_updatable(field):
    """update() sets columns: plain fields and foreign keys, not many-to-many relations."""
    if field.is_relation and field.many_to_many:
        raise FieldError(
            f"Cannot update model field {field!r} (only non-relations and foreign keys "
            "permitted)."
        )


def _resolved_for_save(query, value):
    if not hasattr(value, "resolve_expression"):
        return value
    return value.resolve_expression(query, allow_joins=False, for_save=True)


class InsertQuery(Query):
    """INSERT rows of ``objs`` into the table of ``fields``."""

    compiler = "SQLInsertCompiler"

    def __init__(self, *args, on_conflict=None, update_fields=None, unique_fields=None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        # What to do when a row collides with a unique constraint (bulk_create options).
        self.on_conflict = on_conflict
        self.unique_fields = unique_fields or []
        self.update_fields = update_fields or []
        self.fields, self.objs = [], []

    def insert_values(self, fields, objs, raw=False):
        """The columns and the objects whose values fill them (``raw``: no pre_save)."""
        self.fields, self.objs, self.raw = fields, objs, raw


class AggregateQuery(Query):
    """SELECT aggregates FROM (inner query): aggregate() over a sliced/distinct/grouped query."""

    compiler = "SQLAggregateCompiler"

    def __init__(self, model, inner_query):
        super().__init__(model)
        self.inner_query = inner_query  # the query whose rows are aggregated
