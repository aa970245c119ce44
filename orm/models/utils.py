"""Small helpers for models and querysets."""

import functools
from collections import namedtuple


def make_model_tuple(model):
    """(app_label, model_name) for a model class or an 'app_label.ModelName' string."""
    from reinhardt.orm.models.fields.related import make_model_tuple as _make

    return _make(model)


def resolve_callables(mapping):
    """Yield (key, value) pairs, calling each value that is callable."""
    for k, v in mapping.items():
        yield k, v() if callable(v) else v


def unpickle_named_row(names, values):
    return create_namedtuple_class(*names)(*values)


@functools.lru_cache
def create_namedtuple_class(*names):
    def __reduce__(self):
        return unpickle_named_row, (names, tuple(self))

    return type(
        "Row",
        (namedtuple("Row", names),),
        {"__reduce__": __reduce__, "__slots__": ()},
    )


class AltersData:
    """Marks methods that alter data so templates refuse to call them."""

    def __init_subclass__(cls, **kwargs):
        # Inherit the alters_data attribute from the parent class's method.
        for fn_name, fn in vars(cls).items():
            if callable(fn) and not hasattr(fn, "alters_data"):
                for base in cls.__bases__:
                    if base_fn := getattr(base, fn_name, None):
                        if hasattr(base_fn, "alters_data"):
                            fn.alters_data = base_fn.alters_data
                        break
        super().__init_subclass__(**kwargs)
