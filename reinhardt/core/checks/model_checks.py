"""Model checks: each model's own ``check()``, and database table names used twice."""

from __future__ import annotations

import inspect
from collections import defaultdict
from itertools import chain

from reinhardt.core.checks.messages import Error
from reinhardt.core.checks.registry import Tags, register


@register(Tags.models)
def check_all_models(app_configs=None, **kwargs):
    """Run ``Model.check()`` for every model, and report tables that two models share."""
    from reinhardt.apps import apps

    if app_configs is None:
        models = apps.get_models()
    else:
        models = chain.from_iterable(app_config.get_models() for app_config in app_configs)
    errors = []
    db_table_models = defaultdict(list)
    for model in models:
        meta = model._meta
        if getattr(meta, "managed", True) and not getattr(meta, "proxy", False):
            db_table_models[meta.db_table].append(meta.label)
        check = getattr(model, "check", None)
        if check is None:
            continue
        if not inspect.ismethod(check):
            errors.append(
                Error(
                    f"The '{model.__name__}.check()' class method is currently overridden by "
                    f"{check!r}.",
                    obj=model,
                    id="models.E020",
                )
            )
        else:
            errors.extend(check(**kwargs))
    for db_table, model_labels in db_table_models.items():
        if len(model_labels) != 1:
            errors.append(
                Error(
                    f"db_table '{db_table}' is used by multiple models: "
                    f"{', '.join(model_labels)}.",
                    obj=db_table,
                    hint="Give each model its own Meta.db_table.",
                    id="models.E028",
                )
            )
    return errors
