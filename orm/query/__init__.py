"""The backend-neutral query representation (Django's ``django.db.models.sql``, minus SQL)."""

from reinhardt.orm.query.query import JoinPromoter, Query, RawQuery, get_order_dir
from reinhardt.orm.query.subqueries import AggregateQuery, DeleteQuery, InsertQuery, UpdateQuery
from reinhardt.orm.query.where import AND, OR, XOR, NothingNode, WhereNode

__all__ = [
    "Query", "RawQuery", "AggregateQuery", "DeleteQuery", "InsertQuery", "UpdateQuery",
    "AND", "OR", "XOR", "WhereNode", "NothingNode", "JoinPromoter", "get_order_dir",
]
