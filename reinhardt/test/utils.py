"""Test helpers: override_settings and modify_settings, as Django's."""

from __future__ import annotations

import asyncio
import functools
import inspect

from reinhardt.apps import apps
from reinhardt.conf import UserSettingsHolder, settings
from reinhardt.test.signals import setting_changed


class override_settings:
    """Temporarily override settings: a context manager, a function or a class decorator.

    Sends ``setting_changed`` for each setting on entry and exit, so caches that depend on
    a setting can reset themselves.
    """

    enable_exception = None

    def __init__(self, **kwargs):
        self.options = kwargs

    def __enter__(self):
        return self.enable()

    def __exit__(self, exc_type, exc_value, traceback):
        self.disable()

    def __call__(self, decorated):
        if isinstance(decorated, type):
            return self.decorate_class(decorated)
        if inspect.iscoroutinefunction(decorated):

            @functools.wraps(decorated)
            async def async_inner(*args, **kwargs):
                with self:
                    return await decorated(*args, **kwargs)

            return async_inner

        @functools.wraps(decorated)
        def inner(*args, **kwargs):
            with self:
                return decorated(*args, **kwargs)

        return inner

    def decorate_class(self, cls):
        if hasattr(cls, "setUpClass") and hasattr(cls, "_overridden_settings"):
            cls._overridden_settings = {**(cls._overridden_settings or {}), **self.options}
            return cls
        for name in dir(cls):
            if name.startswith("test"):
                attr = getattr(cls, name)
                if callable(attr):
                    setattr(cls, name, self(attr))
        return cls

    def enable(self):
        if "INSTALLED_APPS" in self.options:
            try:
                apps.set_installed_apps(self.options["INSTALLED_APPS"])
            except Exception:
                apps.unset_installed_apps()
                raise
        override = UserSettingsHolder(settings._wrapped)
        for key, new_value in self.options.items():
            setattr(override, key, new_value)
        self.wrapped = settings._wrapped
        settings._wrapped = override
        for key, new_value in self.options.items():
            setting_changed.send(sender=settings._wrapped.__class__, setting=key,
                                 value=new_value, enter=True)

    def disable(self):
        if "INSTALLED_APPS" in self.options:
            apps.unset_installed_apps()
        settings._wrapped = self.wrapped
        del self.wrapped
        for key in self.options:
            new_value = getattr(settings, key, None)
            setting_changed.send(sender=settings._wrapped.__class__, setting=key,
                                 value=new_value, enter=False)


class modify_settings(override_settings):
    """Append, prepend or remove items of list settings: ``modify_settings(MIDDLEWARE={...})``."""

    def __init__(self, *args, **kwargs):
        if args:
            self.operations = args[0]
        else:
            self.operations = list(kwargs.items())
        super().__init__()

    def enable(self):
        self.options = {}
        for name, operations in self.operations:
            try:
                value = self.options[name]
            except KeyError:
                value = list(getattr(settings, name, []))
            for action, items in operations.items():
                if isinstance(items, str):
                    items = [items]
                if action == "append":
                    value += [item for item in items if item not in value]
                elif action == "prepend":
                    value = [item for item in items if item not in value] + value
                elif action == "remove":
                    value = [item for item in value if item not in items]
                else:
                    raise ValueError(f"Unsupported action: {action}")
            self.options[name] = value
        super().enable()


def run_async(coro):
    """Run a coroutine to completion from synchronous test code."""
    return asyncio.run(coro)


class ContextList(list):
    """The contexts of every template a response rendered; ``ctx["name"]`` searches them all."""

    def __getitem__(self, key):
        if isinstance(key, str):
            for subcontext in self:
                if key in subcontext:
                    return subcontext[key]
            raise KeyError(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        try:
            return self.__getitem__(key)
        except KeyError:
            return default

    def __contains__(self, key) -> bool:
        try:
            self[key]
        except KeyError:
            return False
        return True

    def keys(self) -> set:
        """All the variable names in all the contexts."""
        keys = set()
        for subcontext in self:
            for dict_ in subcontext:
                keys.update(dict_)
        return keys


class CaptureQueriesContext:
    """Record the queries run on a connection inside a ``with`` block.

    Turns on query logging for the connection (as DEBUG would) for the duration; the
    queries are in ``captured_queries`` (dicts with ``sql`` and ``time``) and ``len()``
    counts them.
    """

    def __init__(self, connection):
        self.connection = connection
        self.initial_queries = 0
        self.final_queries = None

    def __iter__(self):
        return iter(self.captured_queries)

    def __getitem__(self, index):
        return self.captured_queries[index]

    def __len__(self) -> int:
        return len(self.captured_queries)

    @property
    def captured_queries(self) -> list[dict]:
        return self.connection.queries[self.initial_queries:self.final_queries]

    def __enter__(self):
        from reinhardt.core.signals import request_started
        from reinhardt.orm import reset_queries

        self.force_debug_cursor = self.connection.force_debug_cursor
        self.connection.force_debug_cursor = True
        # Connect now, so queries the connection makes to set itself up are not counted.
        self.connection.ensure_connection()
        self.initial_queries = len(self.connection.queries_log)
        self.final_queries = None
        # A request made by the test client would otherwise clear the log mid-block.
        self._reset_queries = reset_queries
        request_started.disconnect(reset_queries)
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        from reinhardt.core.signals import request_started

        self.connection.force_debug_cursor = self.force_debug_cursor
        request_started.connect(self._reset_queries)
        if exc_type is not None:
            return
        self.final_queries = len(self.connection.queries_log)


def get_runner(settings, test_runner_class: str | None = None):
    """The test runner class named by ``test_runner_class`` or the TEST_RUNNER setting."""
    from reinhardt.utils.module_loading import import_string

    return import_string(test_runner_class or settings.TEST_RUNNER)
