"""The registry of system check functions, selectable by tag."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

from reinhardt.core.checks.messages import CheckMessage


class Tags:
    """The built-in tags that group check functions (``check --tag models``)."""

    admin = "admin"
    async_support = "async_support"
    caches = "caches"
    compatibility = "compatibility"
    database = "database"
    files = "files"
    migrations = "migrations"
    models = "models"
    security = "security"
    signals = "signals"
    sites = "sites"
    staticfiles = "staticfiles"
    templates = "templates"
    translation = "translation"
    urls = "urls"


class CheckRegistry:
    """Holds check functions; each takes ``app_configs``/``databases`` keywords and returns
    a list of CheckMessage."""

    def __init__(self):
        self.registered_checks: set[Callable] = set()
        self.deployment_checks: set[Callable] = set()

    def register(self, check: Callable | str | None = None, *tags: str, **kwargs: Any):
        """Register a check; usable as ``@register``, ``@register("tag")`` or a call.

        ``deploy=True`` keeps the check for ``check --deploy`` only.
        """

        def inner(check: Callable) -> Callable:
            if not callable(check):
                raise TypeError("Check functions must be callable.")
            check.tags = tags
            checks = self.deployment_checks if kwargs.get("deploy") else self.registered_checks
            checks.add(check)
            return check

        if callable(check):
            return inner(check)
        if check:
            tags += (check,)
        return inner

    def run_checks(self, app_configs=None, tags: Iterable[str] | None = None,
                   include_deployment_checks: bool = False,
                   databases: Iterable[str] | None = None) -> list[CheckMessage]:
        """Run the checks (restricted to ``tags`` if given) and return what they found."""
        errors: list[CheckMessage] = []
        checks = self.get_checks(include_deployment_checks)
        if tags is not None:
            checks = [check for check in checks if not set(check.tags).isdisjoint(tags)]
        for check in checks:
            new_errors = check(app_configs=app_configs, databases=databases)
            if not isinstance(new_errors, Iterable) or isinstance(new_errors, str):
                raise TypeError(
                    f"The function {check!r} did not return a list. All functions registered "
                    "with the checks registry must return a list."
                )
            errors.extend(new_errors)
        return errors

    def tag_exists(self, tag: str, include_deployment_checks: bool = False) -> bool:
        return tag in self.tags_available(include_deployment_checks)

    def tags_available(self, deployment_checks: bool = False) -> set[str]:
        return set(
            chain.from_iterable(check.tags for check in self.get_checks(deployment_checks))
        )

    def get_checks(self, include_deployment_checks: bool = False) -> list[Callable]:
        checks = list(self.registered_checks)
        if include_deployment_checks:
            checks.extend(self.deployment_checks)
        return checks


registry = CheckRegistry()
register = registry.register
run_checks = registry.run_checks
tag_exists = registry.tag_exists
