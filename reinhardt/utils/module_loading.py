"""Importing objects by dotted path, as settings name them."""

import importlib
import importlib.util
import sys


def cached_import(module_path: str, class_name: str):
    module = sys.modules.get(module_path)
    spec = getattr(module, "__spec__", None)
    if module is None or getattr(spec, "_initializing", False):
        module = importlib.import_module(module_path)
    return getattr(module, class_name)


def import_string(dotted_path: str):
    """Import ``package.module.Name`` and return ``Name``; ImportError names what is missing."""
    try:
        module_path, class_name = dotted_path.rsplit(".", 1)
    except ValueError as err:
        raise ImportError(f"{dotted_path!r} is not a dotted module path") from err
    try:
        return cached_import(module_path, class_name)
    except AttributeError as err:
        raise ImportError(
            f"Module {module_path!r} does not define a {class_name!r} attribute/class"
        ) from err


def module_has_submodule(package, module_name: str) -> bool:
    """True when ``package`` has a submodule ``module_name``, without importing it."""
    try:
        package_name = package.__name__
        package_path = package.__path__
    except AttributeError:
        return False
    full_module_name = f"{package_name}.{module_name}"
    try:
        return importlib.util.find_spec(full_module_name, package_path) is not None
    except ModuleNotFoundError:
        return False


def module_dir(module) -> str:
    paths = list(getattr(module, "__path__", []))
    if len(paths) == 1:
        return paths[0]
    filename = getattr(module, "__file__", None)
    if filename is not None:
        import os

        return os.path.dirname(filename)
    raise ValueError(f"Cannot determine the directory of module {module!r}")


def autodiscover_modules(*names: str) -> None:
    """Import ``<app>.<name>`` for every installed app that has such a submodule."""
    from reinhardt.apps import apps

    for app_config in apps.get_app_configs():
        for name in names:
            if module_has_submodule(app_config.module, name):
                importlib.import_module(f"{app_config.name}.{name}")
