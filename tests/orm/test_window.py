"""Window expressions: ranking, navigation and aggregate window functions with partitions,
orderings and frames; filtering on windows (QUALIFY-style)."""

import pytest

from reinhardt.core.exceptions import FieldError
from reinhardt.orm.models import Avg, Count, F, Max, Q, RowRange, Sum, Value, ValueRange, Window
from reinhardt.orm.models.functions import (
    CumeDist,
    DenseRank,
    FirstValue,
    Lag,
    LastValue,
    Lead,
    NthValue,
    Ntile,
    PercentRank,
    Rank,
    RowNumber,
    Upper,
)
from tests.orm.capabilities import needs
from tests.orm.models import Book
from tests.orm.sample import make_library


@pytest.fixture
def lib():
    return make_library()


def rows(qs, *fields):
    return list(qs.values_list(*fields))


@needs("supports_window_functions")
def test_row_number_rank_dense_rank(lib):
    qs = Book.objects.annotate(
        rn=Window(RowNumber(), order_by=F("pages").desc()),
        rank=Window(Rank(), order_by="genre"),
        dense=Window(DenseRank(), order_by="genre"),
    ).order_by("title")
    assert rows(qs, "title", "rn", "rank", "dense") == [
        ("Alpha", 4, 1, 1), ("Beta", 3, 4, 3), ("Delta", 1, 3, 2), ("Epsilon", 5, 4, 3),
        ("Gamma", 2, 1, 1),
    ]


@needs("supports_window_functions")
def test_partition_by(lib):
    qs = Book.objects.annotate(
        pos=Window(RowNumber(), partition_by=F("genre"), order_by="pages"),
        genre_pages=Window(Sum("pages"), partition_by="genre"),
        genre_avg=Window(Avg("pages"), partition_by=[F("genre")]),
        n=Window(Count("id"), partition_by="genre"),
    ).order_by("genre", "pages")
    assert rows(qs, "title", "pos", "genre_pages", "genre_avg", "n") == [
        ("Alpha", 1, 400, 200.0, 2), ("Gamma", 2, 400, 200.0, 2), ("Delta", 1, 400, 400.0, 1),
        ("Epsilon", 1, 250, 125.0, 2), ("Beta", 2, 250, 125.0, 2),
    ]


@needs("supports_window_functions")
def test_running_total_and_frames(lib):
    qs = Book.objects.annotate(
        running=Window(Sum("pages"), order_by="pages"),
        moving=Window(Sum("pages"), order_by="pages", frame=RowRange(start=-1, end=1)),
        following=Window(Max("pages"), order_by="pages",
                         frame=RowRange(start=0, end=None)),
        range_sum=Window(Sum("pages"), order_by="pages",
                         frame=ValueRange(start=None, end=0)),
    ).order_by("pages")
    assert rows(qs, "pages", "running", "moving", "following", "range_sum") == [
        (50, 50, 150, 400, 50), (100, 150, 350, 400, 150), (200, 350, 600, 400, 350),
        (300, 650, 900, 400, 650), (400, 1050, 700, 400, 1050),
    ]


@needs("supports_window_functions")
def test_lag_lead_first_last_nth(lib):
    qs = Book.objects.annotate(
        prev=Window(Lag("pages"), order_by="pages"),
        prev2=Window(Lag("pages", offset=2, default=0), order_by="pages"),
        nxt=Window(Lead("title"), order_by="pages"),
        first=Window(FirstValue("title"), order_by="pages"),
        last=Window(LastValue("title"), order_by="pages",
                    frame=RowRange(start=None, end=None)),
        second=Window(NthValue("title", nth=2), order_by="pages",
                      frame=RowRange(start=None, end=None)),
    ).order_by("pages")
    assert rows(qs, "pages", "prev", "prev2", "nxt", "first", "last", "second") == [
        (50, None, 0, "Alpha", "Epsilon", "Delta", "Alpha"),
        (100, 50, 0, "Beta", "Epsilon", "Delta", "Alpha"),
        (200, 100, 50, "Gamma", "Epsilon", "Delta", "Alpha"),
        (300, 200, 100, "Delta", "Epsilon", "Delta", "Alpha"),
        (400, 300, 200, None, "Epsilon", "Delta", "Alpha"),
    ]


@needs("supports_window_functions")
def test_ntile_percent_rank_cume_dist(lib):
    qs = Book.objects.annotate(
        tile=Window(Ntile(2), order_by="pages"),
        pr=Window(PercentRank(), order_by="pages"),
        cd=Window(CumeDist(), order_by="pages"),
    ).order_by("pages")
    assert rows(qs, "tile", "pr", "cd") == [
        (1, 0.0, 0.2), (1, 0.25, 0.4), (1, 0.5, 0.6), (2, 0.75, 0.8), (2, 1.0, 1.0),
    ]


def test_window_argument_validation():
    with pytest.raises(ValueError, match="isn't compatible with OVER clauses"):
        Window(Upper("title"))
    with pytest.raises(ValueError, match="Window.order_by must be either"):
        Window(RowNumber(), order_by=1)
    with pytest.raises(ValueError, match="num_buckets must be greater than 0"):
        Ntile(0)
    with pytest.raises(ValueError, match="requires a positive integer"):
        NthValue("title", nth=0)
    with pytest.raises(ValueError, match="requires a positive integer"):
        Lag("pages", offset=0)


@needs("supports_window_functions")
def test_window_ordering_with_descending_string_and_expression(lib):
    qs = Book.objects.annotate(
        rn=Window(RowNumber(), order_by=["-genre", "title"]),
        rn2=Window(RowNumber(), order_by=F("rating").desc(nulls_last=True)),
    )
    assert rows(qs.order_by("rn"), "title") == [
        ("Beta",), ("Epsilon",), ("Delta",), ("Alpha",), ("Gamma",)]
    assert rows(qs.order_by("rn2"), "title") == [
        ("Epsilon",), ("Alpha",), ("Delta",), ("Beta",), ("Gamma",)]


@needs("supports_window_functions")
def test_filter_on_window_annotation(lib):
    # The newest book per genre: a filter on a window function (Django 4.2+).
    qs = Book.objects.annotate(
        pos=Window(RowNumber(), partition_by="genre", order_by=F("pages").desc()),
    ).filter(pos=1).order_by("genre")
    assert rows(qs, "genre", "title") == [("fic", "Gamma"), ("his", "Delta"),
                                          ("sci", "Beta")]
    qs = Book.objects.annotate(
        total=Window(Sum("pages"), partition_by="genre"),
    ).filter(total__gt=300, pages__lt=200).order_by("title")
    # The plain filter applies before the window is computed (fic: only Alpha's 100 pages).
    assert rows(qs, "title") == []
    qs = Book.objects.annotate(
        total=Window(Sum("pages"), partition_by="genre"),
    ).filter(total__gt=300).filter(pages__lt=200)
    assert rows(qs, "title") == []
    assert Book.objects.annotate(
        pos=Window(RowNumber(), order_by="pages")).filter(pos__gt=3).count() == 2


# Refused while the update is prepared, before any backend renders a window.
def test_window_cannot_be_used_in_update(lib):
    with pytest.raises(FieldError, match="Window expressions are not allowed in this query"):
        Book.objects.update(pages=Window(Sum("pages")))


@needs("supports_window_functions")
def test_disjunctive_filters_on_windows(lib):
    qs = Book.objects.annotate(pos=Window(RowNumber(), order_by="pages"))
    assert rows(qs.filter(Q(pos=1) | Q(pos=5)).order_by("title"), "title") == [
        ("Delta",), ("Epsilon",)]
    assert rows(qs.filter(Q(pos=1) | Q(pages=300)).order_by("title"), "title") == [
        ("Epsilon",), ("Gamma",)]
    assert rows(qs.exclude(pos__gt=1), "title") == [("Epsilon",)]


@needs("supports_window_functions", "supports_group_by")
def test_window_over_values_grouped_query(lib):
    qs = (Book.objects.values("genre").annotate(total=Sum("pages"))
          .annotate(rank=Window(Rank(), order_by=F("total").desc()))
          .order_by("rank", "genre"))
    assert rows(qs, "genre", "total", "rank") == [
        ("fic", 400, 1), ("his", 400, 1), ("sci", 250, 3)]


@needs("supports_window_functions")
def test_window_with_value_and_arithmetic(lib):
    qs = Book.objects.annotate(
        share=F("pages") * 100 / Window(Sum("pages")),
        plus=Window(Sum("pages")) + Value(1),
    ).order_by("pages")
    assert rows(qs, "share", "plus")[0] == (4, 1051)


@needs("supports_window_functions")
def test_window_aggregates_skip_nulls_like_sql(lib):
    qs = Book.objects.annotate(
        total=Window(Sum("rating"), partition_by="author"),
        mean=Window(Avg("rating"), partition_by="author"),
        rated=Window(Count("rating"), partition_by="author"),
        rows=Window(Count("*"), partition_by="author"),
        alone=Window(Sum("rating"), order_by="pages", frame=RowRange(start=0, end=0)),
    ).order_by("pages")
    assert rows(qs, "title", "total", "mean", "rated", "rows", "alone") == [
        ("Epsilon", 5.0, 5.0, 1, 1, 5.0), ("Alpha", 7.5, 3.75, 2, 2, 4.5),
        ("Beta", 7.5, 3.75, 2, 2, 3.0), ("Gamma", 4.0, 4.0, 1, 2, None),
        ("Delta", 4.0, 4.0, 1, 2, 4.0),
    ]


@needs("supports_window_functions")
def test_peers_of_a_multi_term_ordering_across_a_relation(lib):
    order = ["genre", F("author__age")]
    qs = Book.objects.annotate(
        rank=Window(Rank(), order_by=order),
        dense=Window(DenseRank(), order_by=order),
        cume=Window(CumeDist(), order_by=order),
        pct=Window(PercentRank(), order_by=order),
        # The default frame with ORDER BY ends at the current row's last peer.
        most=Window(Max("pages"), order_by="genre"),
        seen=Window(Count("id"), order_by="genre"),
    ).order_by("rank", "title")
    assert rows(qs, "title", "rank", "dense", "cume", "pct", "most", "seen") == [
        ("Alpha", 1, 1, 0.2, 0.0, 300, 2), ("Gamma", 2, 2, 0.4, 0.25, 300, 2),
        ("Delta", 3, 3, 0.6, 0.5, 400, 3), ("Beta", 4, 4, 1.0, 0.75, 400, 5),
        ("Epsilon", 4, 4, 1.0, 0.75, 400, 5),
    ]


@needs("supports_window_functions")
def test_navigation_keeps_nulls_and_defaults_only_outside_the_partition(lib):
    qs = Book.objects.annotate(
        prev=Window(Lag("rating"), order_by="pages"),
        next_rating=Window(Lead("rating", offset=2, default=Value(0.0)), order_by="pages"),
        pair_second=Window(NthValue("rating", nth=2), order_by="pages",
                           frame=RowRange(start=-1, end=0)),
        tile=Window(Ntile(3), order_by="pages"),
    ).order_by("pages")
    assert rows(qs, "title", "prev", "next_rating", "pair_second", "tile") == [
        ("Epsilon", None, 3.0, None, 1),
        ("Alpha", 5.0, None, 4.5, 1),
        ("Beta", 4.5, 4.0, 3.0, 2),
        ("Gamma", 3.0, 0.0, None, 2),
        ("Delta", None, 0.0, 4.0, 3),
    ]
    prev_title = Book.objects.annotate(prev_title=Window(
        Lag("title", default=Value("-")), partition_by="genre", order_by="pages"))
    assert rows(prev_title.order_by("pages"), "title", "prev_title") == [
        ("Epsilon", "-"), ("Alpha", "-"), ("Beta", "Epsilon"), ("Gamma", "Alpha"),
        ("Delta", "-")]
    # FIRST_VALUE of a NULL is NULL, not the first non-NULL value.
    first = Book.objects.annotate(
        first=Window(FirstValue("rating"), order_by=F("rating").asc(nulls_first=True)))
    assert set(first.values_list("first", flat=True)) == {None}


@needs("supports_window_functions")
def test_value_range_offsets_on_a_descending_ordering(lib):
    qs = Book.objects.annotate(
        near=Window(Count("id"), order_by=F("pages").desc(),
                    frame=ValueRange(start=-100, end=0)),
    ).order_by("pages")
    assert rows(qs, "pages", "near") == [(50, 2), (100, 2), (200, 2), (300, 2), (400, 1)]


@needs("supports_window_functions")
def test_windows_over_different_partitions_in_one_query(lib):
    # On MariaDB the LAG/LEAD default is emulated; an emulation that counted rows with
    # COUNT(*) OVER () gave shifted answers once another window had its own partition.
    qs = Book.objects.annotate(
        prev=Window(Lag("rating"), order_by="pages"),
        next_rating=Window(Lead("rating", offset=2, default=Value(0.0)), order_by="pages"),
        pair_second=Window(NthValue("rating", nth=2), order_by="pages",
                           frame=RowRange(start=-1, end=0)),
        tile=Window(Ntile(3), order_by="pages"),
        prev_title=Window(Lag("title", default=Value("-")), partition_by="genre",
                          order_by="pages"),
        lead_plain=Window(Lead("rating", offset=2), order_by="pages"),
    ).order_by("pages")
    columns = ("title", "prev", "next_rating", "pair_second", "tile", "prev_title", "lead_plain")
    assert rows(qs, *columns) == [
        ("Epsilon", None, 3.0, None, 1, "-", 3.0),
        ("Alpha", 5.0, None, 4.5, 1, "-", None),
        ("Beta", 4.5, 4.0, 3.0, 2, "Epsilon", 4.0),
        ("Gamma", 3.0, 0.0, None, 2, "Alpha", None),
        ("Delta", None, 0.0, 4.0, 3, "-", None),
    ]
