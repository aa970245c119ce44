"""path(), re_path() and include(): the functions URLconfs are written with."""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib import import_module
from typing import Any

from reinhardt.core.exceptions import ImproperlyConfigured
from reinhardt.web.urls.resolvers import (
    RegexPattern,
    RoutePattern,
    URLPattern,
    URLResolver,
    _check_view_is_callable,
)


def include(arg, namespace: str | None = None) -> tuple[Any, str | None, str | None]:
    """Include another URLconf (a module, its dotted path, a list, or (patterns, app_name))."""
    app_name = None
    if isinstance(arg, tuple):
        try:
            urlconf_module, app_name = arg
        except ValueError:
            if namespace:
                raise ImproperlyConfigured(
                    "Cannot override the namespace for a dynamic module that provides a "
                    "namespace."
                )
            raise ImproperlyConfigured(
                f"Passing a {len(arg)}-tuple to include() is not supported. Pass a 2-tuple "
                "containing the list of patterns and app_name, and provide the namespace "
                "argument to include() instead."
            )
    else:
        urlconf_module = arg
    if isinstance(urlconf_module, str):
        urlconf_module = import_module(urlconf_module)
    patterns = getattr(urlconf_module, "urlpatterns", urlconf_module)
    app_name = getattr(urlconf_module, "app_name", app_name)
    if namespace and not app_name:
        raise ImproperlyConfigured(
            "Specifying a namespace in include() without providing an app_name is not "
            "supported. Set the app_name attribute in the included module, or pass a 2-tuple "
            "containing the list of patterns and app_name instead."
        )
    namespace = namespace or app_name
    del patterns
    return (urlconf_module, app_name, namespace)


def _path(route: str, view, kwargs: dict | None = None, name: str | None = None,
          Pattern=None) -> URLPattern | URLResolver:
    from reinhardt.web.views import View

    if kwargs is not None and not isinstance(kwargs, dict):
        raise TypeError(f"kwargs argument must be a dict, but got {type(kwargs).__name__}.")
    if isinstance(view, (list, tuple)):
        pattern = Pattern(route, is_endpoint=False)
        urlconf_module, app_name, namespace = view
        return URLResolver(pattern, urlconf_module, kwargs, app_name=app_name,
                           namespace=namespace)
    if callable(view):
        if isinstance(view, type) and issubclass(view, View):
            raise TypeError(
                f"URL route '{route}' should pass in '{view.__name__}.as_view()' instead of "
                f"'{view.__name__}'."
            )
        pattern = Pattern(route, name=name, is_endpoint=True)
        return URLPattern(pattern, view, kwargs, name)
    raise TypeError(
        "view must be a callable or a list/tuple in the case of include()."
    )


path: Callable[..., URLPattern | URLResolver] = functools.partial(_path, Pattern=RoutePattern)
re_path: Callable[..., URLPattern | URLResolver] = functools.partial(_path, Pattern=RegexPattern)

__all__ = ["include", "path", "re_path", "_check_view_is_callable"]
