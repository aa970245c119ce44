"""Small helpers shared by models and querysets: model tuples, callable defaults, named
row classes for ``values_list(named=True)`` and the ``AltersData`` template guard."""

import functools
from collections import namedtuple


def make_model_tuple(model):
    """(app_label, model_name) for a model class or an 'app_label.ModelName' string."""
    from reinhardt.orm.models.fields.related import make_model_tuple as related_tuple

    return related_tuple(model)


def resolve_callables(mapping):
    """Iterate *mapping* as (key, value) pairs, replacing callable values by their result."""
    return ((key, value() if callable(value) else value) for key, value in mapping.items())


def unpickle_named_row(names, values):
    """Rebuild a pickled named row: find (or make) its class, then fill it."""
    row_class = create_namedtuple_class(*names)
    return row_class(*values)


def _row_reduce(row):
    # Row classes are made at run time, so pickle by field names and values instead of by
    # class reference.
    return unpickle_named_row, (row._fields, tuple(row))


@functools.lru_cache
def create_namedtuple_class(*names):
    """The 'Row' namedtuple class for these field names (one class per name tuple)."""
    plain = namedtuple("Row", names)
    return type(plain.__name__, (plain,), {"__slots__": (), "__reduce__": _row_reduce})


def _inherited_alters_data(cls, attr):
    """The alters_data flag of the nearest base defining *attr*, or None."""
    for base in cls.__bases__:
        inherited = getattr(base, attr, None)
        if inherited:
            return getattr(inherited, "alters_data", None)
    return None


class AltersData:
    """Mixin: a method overriding one marked ``alters_data`` stays marked, so templates
    still refuse to call it."""

    def __init_subclass__(cls, **kwargs):
        for attr, member in list(vars(cls).items()):
            if not callable(member) or hasattr(member, "alters_data"):
                continue
            flag = _inherited_alters_data(cls, attr)
            if flag is not None:
                member.alters_data = flag
        super().__init_subclass__(**kwargs)
