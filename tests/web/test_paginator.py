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


def test_number_parsing_messages_and_custom_messages():
    paginator = Paginator([1, 2, 3], 1, error_messages={"no_results": "Nothing there"})
    assert paginator.page(2.0).number == 2 and paginator.page("3").number == 3
    for bad in (2.5, None, "last"):
        with pytest.raises(PageNotAnInteger, match="That page number is not an integer"):
            paginator.page(bad)
    with pytest.raises(EmptyPage, match="That page number is less than 1"):
        paginator.page(-1)
    with pytest.raises(EmptyPage, match="Nothing there"):
        paginator.page(4)
    page = paginator.page(1)
    assert (page[0], page[:5], page.next_page_number()) == (1, [1], 2)
    with pytest.raises(EmptyPage):
        page.previous_page_number()
    with pytest.raises(TypeError, match="Page indices must be integers or slices, not str."):
        page["a"]
    assert [repr(p) for p in paginator] == ["<Page 1 of 3>", "<Page 2 of 3>", "<Page 3 of 3>"]


def test_count_uses_a_no_argument_count_method_only():
    class Counted(list):
        def count(self):
            return 7

    class ListCount(list):
        pass  # list.count(x) takes an argument: len() is used

    assert Paginator(Counted([1]), 2).count == 7
    assert Paginator(ListCount([1, 2]), 1).count == 2


def test_unordered_object_list_warns():
    from reinhardt.core.paginator import UnorderedObjectListWarning

    class Unordered(list):
        ordered = False

        def __repr__(self):
            return "<unordered>"

    with pytest.warns(UnorderedObjectListWarning, match="unordered object_list: <unordered>."):
        Paginator(Unordered([1]), 1)


def test_orphans_and_empty_pages():
    paginator = Paginator(list(range(11)), 10, orphans=1)
    assert paginator.num_pages == 1 and len(paginator.page(1)) == 11
    empty = Paginator([], 10).page(1)
    assert (empty.start_index(), empty.end_index(), empty.has_other_pages()) == (0, 0, False)
    with pytest.raises(EmptyPage):
        Paginator([], 10, allow_empty_first_page=False).page(1)
    small = Paginator(list(range(30)), 2)
    assert list(small.get_elided_page_range(1)) == [1, 2, 3, 4, "…", 14, 15]
    assert list(small.get_elided_page_range(6)) == [1, 2, 3, 4, 5, 6, 7, 8, 9, "…", 14, 15]
    assert list(Paginator(list(range(20)), 2).get_elided_page_range(5)) == list(range(1, 11))
