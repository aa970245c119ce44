"""Paginator and Page (``django.core.paginator``): split a list or QuerySet into pages."""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Sequence

from reinhardt.utils.functional import cached_property
from reinhardt.utils.translation import gettext_lazy as _


class UnorderedObjectListWarning(RuntimeWarning):
    """Paginating an unordered QuerySet gives inconsistent pages."""


class InvalidPage(Exception):
    """A page number that names no page (base of the two errors below)."""


class EmptyPage(InvalidPage):
    """The number is an integer but outside 1..num_pages."""


class PageNotAnInteger(InvalidPage):
    """The number could not be read as a whole number."""


def _as_page_number(value) -> int | None:
    """``value`` as an int, or None when it is not a whole number (2.0 counts, 2.5 not)."""
    if isinstance(value, float) and not value.is_integer():
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _callable_without_arguments(func) -> bool:
    if not callable(func) or inspect.isbuiltin(func):
        return False
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return False
    variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    return all(p.kind in variadic or p.default is not inspect.Parameter.empty for p in params)


def _describe(object_list) -> str:
    if hasattr(object_list, "model"):
        return f"{object_list.model} {type(object_list).__name__}"
    return repr(object_list)


class Paginator:
    """Pages of ``per_page`` items; a last page shorter than ``orphans`` joins the one before."""

    ELLIPSIS = _("…")
    default_error_messages = dict(
        invalid_page=_("That page number is not an integer"),
        min_page=_("That page number is less than 1"),
        no_results=_("That page contains no results"),
    )

    def __init__(self, object_list, per_page, orphans: int = 0,
                 allow_empty_first_page: bool = True, error_messages: dict | None = None):
        self.object_list = object_list
        self._check_object_list_is_ordered()
        self.per_page, self.orphans = int(per_page), int(orphans)
        self.allow_empty_first_page = allow_empty_first_page
        messages = self.default_error_messages
        self.error_messages = {**messages, **error_messages} if error_messages else messages

    def __iter__(self):
        yield from map(self.page, self.page_range)

    def validate_number(self, number) -> int:
        """The page number as an int; raise PageNotAnInteger or EmptyPage if invalid."""
        wanted = _as_page_number(number)
        if wanted is None:
            raise PageNotAnInteger(self.error_messages["invalid_page"])
        if wanted >= 1 and wanted <= self.num_pages:
            return wanted
        problem = "min_page" if wanted < 1 else "no_results"
        raise EmptyPage(self.error_messages[problem])

    def get_page(self, number) -> Page:
        """A valid page even for a bad number: the first page, or the last if out of range."""
        try:
            valid = self.validate_number(number)
        except EmptyPage:
            valid = self.num_pages
        except PageNotAnInteger:
            valid = 1
        return self.page(valid)

    def page(self, number) -> Page:
        """The Page with that number (validated); raises InvalidPage subclasses."""
        number = self.validate_number(number)
        first = self.per_page * (number - 1)
        stop = first + self.per_page
        # The page that would leave no more than `orphans` items behind takes them too.
        total = self.count
        if total - stop <= self.orphans:
            stop = total
        return self._get_page(self.object_list[first:stop], number, self)

    def _get_page(self, *args, **kwargs) -> Page:
        """Build one page; a subclass returns its own Page class here."""
        return Page(*args, **kwargs)

    @cached_property
    def count(self) -> int:
        """The number of items: ``count()`` for QuerySets (one COUNT query), else len()."""
        counter = getattr(self.object_list, "count", None)
        if _callable_without_arguments(counter):
            return counter()
        return len(self.object_list)

    @cached_property
    def num_pages(self) -> int:
        """How many pages; an empty list is one (empty) page unless that is disallowed."""
        total = self.count
        if total == 0:
            return int(bool(self.allow_empty_first_page))
        # Orphans are folded into the page before, so they never open a page of their own.
        return max(math.ceil((total - self.orphans) / self.per_page), 1)

    @property
    def page_range(self) -> range:
        """1-based page numbers, for looping in templates."""
        return range(1, 1 + self.num_pages)

    def _check_object_list_is_ordered(self) -> None:
        """Warn when paginating something that says it has no stable order."""
        flag = getattr(self.object_list, "ordered", True)
        if flag is None or flag:
            return
        warnings.warn(
            "Pagination may yield inconsistent results with an unordered object_list: "
            f"{_describe(self.object_list)}.",
            UnorderedObjectListWarning, stacklevel=3,
        )

    def get_elided_page_range(self, number=1, *, on_each_side: int = 3, on_ends: int = 2):
        """Page numbers around ``number`` and at both ends, with ELLIPSIS for the gaps."""
        number = self.validate_number(number)
        last = self.num_pages
        if last <= 2 * (on_each_side + on_ends):
            yield from self.page_range
            return
        window_start, window_end = number - on_each_side, number + on_each_side
        # A gap is only elided when it hides at least two pages; a single hidden page
        # would take as much room as the ellipsis.
        if window_start - on_ends > 2:
            yield from range(1, on_ends + 1)
            yield self.ELLIPSIS
            yield from range(window_start, number + 1)
        else:
            yield from range(1, number + 1)
        if last - on_ends - window_end > 1:
            yield from range(number + 1, window_end + 1)
            yield self.ELLIPSIS
            yield from range(last - on_ends + 1, last + 1)
        else:
            yield from range(number + 1, last + 1)


class Page(Sequence):
    """One page: its objects (a sequence) plus where it sits among the pages."""

    def __init__(self, object_list, number: int, paginator: Paginator):
        self.object_list, self.number, self.paginator = object_list, number, paginator

    def __repr__(self) -> str:
        return f"<Page {self.number} of {self.paginator.num_pages}>"

    def __len__(self) -> int:
        return len(self.object_list)

    def __getitem__(self, index):
        if isinstance(index, (int, slice)):
            items = self.object_list
            # A QuerySet would query again for each index: evaluate it once.
            if not isinstance(items, list):
                items = self.object_list = list(items)
            return items[index]
        raise TypeError(f"Page indices must be integers or slices, not {type(index).__name__}.")

    def has_next(self) -> bool:
        return self.paginator.num_pages > self.number

    def has_previous(self) -> bool:
        return 1 < self.number

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next()

    def next_page_number(self) -> int:
        return self.paginator.validate_number(1 + self.number)

    def previous_page_number(self) -> int:
        return self.paginator.validate_number(self.number - 1)

    def start_index(self) -> int:
        """Position (counting from 1) of this page's first object; 0 when there are none."""
        pager = self.paginator
        return 0 if pager.count == 0 else 1 + pager.per_page * (self.number - 1)

    def end_index(self) -> int:
        """Position (counting from 1) of this page's last object."""
        pager = self.paginator
        is_last = self.number == pager.num_pages
        return pager.count if is_last else pager.per_page * self.number
