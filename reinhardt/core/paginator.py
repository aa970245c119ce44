"""Paginator and Page (``django.core.paginator``): split a list or QuerySet into pages."""

from __future__ import annotations

import collections.abc
import inspect
import warnings
from math import ceil

from reinhardt.utils.functional import cached_property
from reinhardt.utils.translation import gettext_lazy as _


class UnorderedObjectListWarning(RuntimeWarning):
    """Paginating an unordered QuerySet gives inconsistent pages."""


class InvalidPage(Exception):
    pass


class PageNotAnInteger(InvalidPage):
    pass


class EmptyPage(InvalidPage):
    pass


class Paginator:
    """Pages of ``per_page`` items; a last page shorter than ``orphans`` joins the one before."""

    ELLIPSIS = _("…")
    default_error_messages = {
        "invalid_page": _("That page number is not an integer"),
        "min_page": _("That page number is less than 1"),
        "no_results": _("That page contains no results"),
    }

    def __init__(self, object_list, per_page, orphans: int = 0,
                 allow_empty_first_page: bool = True, error_messages: dict | None = None):
        self.object_list = object_list
        self._check_object_list_is_ordered()
        self.per_page = int(per_page)
        self.orphans = int(orphans)
        self.allow_empty_first_page = allow_empty_first_page
        self.error_messages = (self.default_error_messages if error_messages is None
                               else {**self.default_error_messages, **error_messages})

    def __iter__(self):
        for page_number in self.page_range:
            yield self.page(page_number)

    def validate_number(self, number) -> int:
        """The page number as an int; raise PageNotAnInteger or EmptyPage if invalid."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"])
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        if number > self.num_pages:
            raise EmptyPage(self.error_messages["no_results"])
        return number

    def get_page(self, number) -> Page:
        """A valid page even for a bad number: the first page, or the last if out of range."""
        try:
            number = self.validate_number(number)
        except PageNotAnInteger:
            number = 1
        except EmptyPage:
            number = self.num_pages
        return self.page(number)

    def page(self, number) -> Page:
        number = self.validate_number(number)
        start = (number - 1) * self.per_page
        end = start + self.per_page
        # The page that would leave no more than `orphans` items behind takes them too.
        remaining_after = self.count - end
        if remaining_after <= self.orphans:
            end = self.count
        return self._get_page(self.object_list[start:end], number, self)

    def _get_page(self, *args, **kwargs) -> Page:
        return Page(*args, **kwargs)

    @cached_property
    def count(self) -> int:
        """The number of items: ``count()`` for QuerySets (one COUNT query), else len()."""
        c = getattr(self.object_list, "count", None)
        if callable(c) and not inspect.isbuiltin(c) and _takes_no_arguments(c):
            return c()
        return len(self.object_list)

    @cached_property
    def num_pages(self) -> int:
        if not self.count:
            return 1 if self.allow_empty_first_page else 0
        # Orphans are folded into the page before, so they never open a page of their own.
        return max(1, ceil((self.count - self.orphans) / self.per_page))

    @property
    def page_range(self) -> range:
        return range(1, self.num_pages + 1)

    def _check_object_list_is_ordered(self) -> None:
        ordered = getattr(self.object_list, "ordered", None)
        if ordered is not None and not ordered:
            obj_list_repr = (
                f"{self.object_list.model} {self.object_list.__class__.__name__}"
                if hasattr(self.object_list, "model") else f"{self.object_list!r}"
            )
            warnings.warn(
                "Pagination may yield inconsistent results with an unordered object_list: "
                f"{obj_list_repr}.",
                UnorderedObjectListWarning,
                stacklevel=3,
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


def _takes_no_arguments(func) -> bool:
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return False
    return all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
               for p in signature.parameters.values())


class Page(collections.abc.Sequence):
    def __init__(self, object_list, number: int, paginator: Paginator):
        self.object_list = object_list
        self.number = number
        self.paginator = paginator

    def __repr__(self) -> str:
        return f"<Page {self.number} of {self.paginator.num_pages}>"

    def __len__(self) -> int:
        return len(self.object_list)

    def __getitem__(self, index):
        if not isinstance(index, (int, slice)):
            raise TypeError(
                f"Page indices must be integers or slices, not {type(index).__name__}."
            )
        # A QuerySet would query again for each index: evaluate it once.
        if not isinstance(self.object_list, list):
            self.object_list = list(self.object_list)
        return self.object_list[index]

    def has_next(self) -> bool:
        return self.number < self.paginator.num_pages

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next()

    def next_page_number(self) -> int:
        return self.paginator.validate_number(self.number + 1)

    def previous_page_number(self) -> int:
        return self.paginator.validate_number(self.number - 1)

    def start_index(self) -> int:
        """Position (counting from 1) of this page's first object; 0 when there are none."""
        if self.paginator.count == 0:
            return 0
        return (self.paginator.per_page * (self.number - 1)) + 1

    def end_index(self) -> int:
        if self.number == self.paginator.num_pages:
            return self.paginator.count
        return self.number * self.paginator.per_page
