"""Paginator and Page on plain lists (QuerySets behave the same through count())."""

import pytest

from reinhardt.core.paginator import EmptyPage, PageNotAnInteger, Paginator


def test_pages_and_orphans():
    paginator = Paginator(list(range(1, 24)), 5, orphans=3)
    assert paginator.count == 23
    assert paginator.num_pages == 4
    last = paginator.page(4)
    assert list(last) == [16, 17, 18, 19, 20, 21, 22, 23]
    assert (last.start_index(), last.end_index()) == (16, 23)
    assert not last.has_next() and last.has_previous()
    assert repr(paginator.page(2)) == "<Page 2 of 4>"


def test_invalid_numbers():
    paginator = Paginator(list(range(10)), 3)
    with pytest.raises(PageNotAnInteger):
        paginator.page("x")
    with pytest.raises(EmptyPage):
        paginator.page(0)
    with pytest.raises(EmptyPage):
        paginator.page(99)
    assert paginator.get_page("x").number == 1
    assert paginator.get_page(99).number == 4
    assert Paginator([], 3).num_pages == 1
    assert Paginator([], 3, allow_empty_first_page=False).num_pages == 0


def test_elided_page_range():
    paginator = Paginator(list(range(1000)), 10)
    assert list(paginator.get_elided_page_range(50)) == [
        1, 2, "…", 47, 48, 49, 50, 51, 52, 53, "…", 99, 100]
