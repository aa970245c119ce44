"""Turning dotted paths in URLconfs and settings into callables."""

from __future__ import annotations

import functools
from importlib import import_module

from reinhardt.core.exceptions import ViewDoesNotExist
from reinhardt.utils.module_loading import module_has_submodule


@functools.cache
def get_callable(lookup_view):
    """Return ``lookup_view`` if callable, else import the view its dotted path names."""
    if callable(lookup_view):
        return lookup_view
    if not isinstance(lookup_view, str):
        raise ViewDoesNotExist(f"'{lookup_view}' is not a callable or a dot-notation path")
    mod_name, func_name = get_mod_func(lookup_view)
    if not func_name:
        raise ImportError(
            f"Could not import '{lookup_view}'. The path must be fully qualified."
        )
    try:
        mod = import_module(mod_name)
    except ImportError:
        parentmod, submod = get_mod_func(mod_name)
        if submod and not module_has_submodule(import_module(parentmod), submod):
            raise ViewDoesNotExist(
                f"Could not import '{lookup_view}'. Parent module {mod_name} does not exist."
            )
        raise
    try:
        view_func = getattr(mod, func_name)
    except AttributeError:
        raise ViewDoesNotExist(
            f"Could not import '{lookup_view}'. View does not exist in module {mod_name}."
        )
    if not callable(view_func):
        raise ViewDoesNotExist(
            f"Could not import '{mod_name}.{func_name}'. View is not callable."
        )
    return view_func


def get_mod_func(callback: str) -> tuple[str, str]:
    """Split 'a.b.c' into ('a.b', 'c')."""
    try:
        dot = callback.rindex(".")
    except ValueError:
        return callback, ""
    return callback[:dot], callback[dot + 1:]
