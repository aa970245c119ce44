"""``@deconstructible``: remember constructor arguments so migrations can write the object back."""

from importlib import import_module


def deconstructible(*args, path=None):
    """Class decorator recording ``_constructor_args`` and providing ``deconstruct()``."""

    def decorator(klass):
        def __new__(cls, *args, **kwargs):
            obj = super(klass, cls).__new__(cls)
            obj._constructor_args = (args, kwargs)
            return obj

        def deconstruct(obj):
            if path and type(obj) is klass:
                module_name, _, name = path.rpartition(".")
            else:
                module_name = obj.__module__
                name = obj.__class__.__name__
            module = import_module(module_name)
            if not hasattr(module, name):
                raise ValueError(
                    f"Could not find object {name} in {module_name}.\n"
                    "Please note that you cannot serialize things like inner classes. Please "
                    "move the object into the main module body to use migrations."
                )
            return (
                path if path and type(obj) is klass else f"{obj.__class__.__module__}.{name}",
                obj._constructor_args[0],
                obj._constructor_args[1],
            )

        klass.__new__ = staticmethod(__new__)
        klass.deconstruct = deconstruct
        return klass

    if not args:
        return decorator
    return decorator(*args)
