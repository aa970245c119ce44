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


@register(Tags.models)
def check_lazy_references(app_configs=None, **kwargs):
    """Relations to models that do not exist (a typo in ``ForeignKey("app.Model")``, or an
    app missing from INSTALLED_APPS): report each with the field that declared it."""
    from reinhardt.apps import apps

    return lazy_reference_errors(apps)


def lazy_reference_errors(apps) -> list:
    """The lazy-reference errors of one app registry."""
    errors = []
    for (app_label, model_name), pending in sorted(apps._pending_operations.items()):
        if not pending:
            continue
        try:
            apps.get_app_config(app_label)
        except LookupError:
            problem = f"app '{app_label}' isn't installed"
        else:
            problem = f"app '{app_label}' doesn't provide model '{model_name}'"
        for operation in pending:
            function = getattr(operation, "func", operation)
            field = getattr(function, "keywords", {}).get("field")
            if field is not None and getattr(field, "model", None) is not None:
                errors.append(Error(
                    f"The field {field.model._meta.label}.{field.name} was declared with a "
                    f"lazy reference to '{app_label}.{model_name}', but {problem}.",
                    hint="Check the spelling of the model in the relation, and that its app "
                         "is in INSTALLED_APPS.",
                    obj=field,
                    id="fields.E307",
                ))
            else:
                errors.append(Error(
                    f"{function!r} contains a lazy reference to {app_label}.{model_name}, "
                    f"but {problem}.",
                    obj=None,
                    id="models.E022",
                ))
    return errors
