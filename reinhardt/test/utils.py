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
        return _within(self, decorated)

    def decorate_class(self, cls):
        """Test case classes apply the settings around the whole class (see
        SimpleTestCase.setUpClass); other classes get each ``test*`` method wrapped."""
        if hasattr(cls, "setUpClass") and hasattr(cls, "_overridden_settings"):
            cls._overridden_settings = {**(cls._overridden_settings or {}), **self.options}
            return cls
        for name in dir(cls):
            method = getattr(cls, name)
            if name.startswith("test") and callable(method):
                setattr(cls, name, self(method))
        return cls

    def enable(self):
        if "INSTALLED_APPS" in self.options:
            try:
                apps.set_installed_apps(self.options["INSTALLED_APPS"])
            except Exception:
                apps.unset_installed_apps()
                raise
        self.wrapped = settings._wrapped
        layer = UserSettingsHolder(self.wrapped)
        for name, value in self.options.items():
            setattr(layer, name, value)
        settings._wrapped = layer
        self._announce(entering=True)

    def disable(self):
        if "INSTALLED_APPS" in self.options:
            apps.unset_installed_apps()
        settings._wrapped = self.wrapped
        del self.wrapped
        self._announce(entering=False)

    def _announce(self, entering: bool) -> None:
        """setting_changed for each overridden setting, with the value now in force."""
        sender = type(settings._wrapped)
        for name in self.options:
            value = self.options[name] if entering else getattr(settings, name, None)
            setting_changed.send(sender=sender, setting=name, value=value, enter=entering)


def _within(settings_change, function):
    """``function`` wrapped to run with ``settings_change`` in force (async stays async)."""
    if inspect.iscoroutinefunction(function):

        @functools.wraps(function)
        async def async_wrapper(*args, **kwargs):
            with settings_change:
                return await function(*args, **kwargs)

        return async_wrapper

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with settings_change:
            return function(*args, **kwargs)

    return wrapper


def _modified(value: list, action: str, items) -> list:
    if isinstance(items, str):
        items = [items]
    if action == "append":
        return value + [item for item in items if item not in value]
    if action == "prepend":
        return [item for item in items if item not in value] + value
    if action == "remove":
        return [item for item in value if item not in items]
    raise ValueError(f"Unsupported action: {action}")


class modify_settings(override_settings):
    """Append, prepend or remove items of list settings: ``modify_settings(MIDDLEWARE={...})``."""

    def __init__(self, *args, **kwargs):
        # A test case class passes its accumulated (name, actions) pairs positionally.
        self.operations = args[0] if args else list(kwargs.items())
        super().__init__()

    def enable(self):
        # Computed on entry, from the settings in force then (an outer override counts).
        self.options = {}
        for name, actions in self.operations:
            value = self.options.get(name)
            if value is None:
                value = list(getattr(settings, name, []))
            for action, items in actions.items():
                value = _modified(value, action, items)
            self.options[name] = value
        super().enable()


def run_async(coro):
    """Run a coroutine to completion from synchronous test code."""
    return asyncio.run(coro)


class ContextList(list):
    """The contexts of every template a response rendered; ``ctx["name"]`` searches them all."""

    def __getitem__(self, key):
        if not isinstance(key, str):
            return super().__getitem__(key)
        for context in self:
            if key in context:
                return context[key]
        raise KeyError(key)

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key) -> bool:
        return any(key in context for context in self) if isinstance(key, str) else (
            super().__contains__(key))

    def keys(self) -> set:
        """All the variable names in all the contexts."""
        return {name for context in self for layer in context for name in layer}


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

    @property
    def captured_queries(self) -> list[dict]:
        return self.connection.queries[self.initial_queries:self.final_queries]

    def __iter__(self):
        return iter(self.captured_queries)

    def __getitem__(self, index):
        return self.captured_queries[index]

    def __len__(self) -> int:
        return len(self.captured_queries)

    def __enter__(self):
        from reinhardt.core.signals import request_started
        from reinhardt.orm import reset_queries

        connection = self.connection
        self._was_forced = connection.force_debug_cursor
        connection.force_debug_cursor = True
        # Connect first: the queries a connection runs to set itself up don't count.
        connection.ensure_connection()
        self.initial_queries, self.final_queries = len(connection.queries_log), None
        # A test client request would otherwise clear the log in the middle of the block.
        self._reset_queries = reset_queries
        request_started.disconnect(reset_queries)
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        from reinhardt.core.signals import request_started

        self.connection.force_debug_cursor = self._was_forced
        request_started.connect(self._reset_queries)
        if exc_type is None:
            self.final_queries = len(self.connection.queries_log)


def get_runner(settings, test_runner_class: str | None = None):
    """The test runner class named by ``test_runner_class`` or the TEST_RUNNER setting."""
    from reinhardt.utils.module_loading import import_string

    return import_string(test_runner_class or settings.TEST_RUNNER)
