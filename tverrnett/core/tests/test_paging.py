"""core.paging.BoundedPaginator: counts at most the cap, pages only as far as it counted,
and the lists that grow with the data say "more than" instead of counting them all."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tverrnett.agencies.models import Agency
from tverrnett.core.paging import BoundedPaginator

pytestmark = pytest.mark.django_db


@pytest.fixture
def agencies(make_agency):
    return [make_agency(f"Etat {n}") for n in range(7)]


def test_it_counts_up_to_the_cap_with_one_limited_query(agencies):
    rows = Agency.objects.order_by("pk")
    paginator = BoundedPaginator(rows, 2, cap=4)
    with CaptureQueriesContext(connection) as queries:
        assert (paginator.count, paginator.more, paginator.num_pages) == (4, True, 2)
    [count] = queries.captured_queries
    assert "LIMIT 5" in count["sql"] and "ORDER BY" not in count["sql"]
    # Within the cap it is Django's paginator: the exact count, no "more".
    exact = BoundedPaginator(rows, 2, cap=100)
    assert (exact.count, exact.more, exact.num_pages) == (Agency.objects.count(), False, 4)


def test_pages_past_what_was_counted_give_the_last_known_page(agencies):
    paginator = BoundedPaginator(Agency.objects.order_by("pk"), 3, cap=5)
    assert paginator.num_pages == 2
    last = paginator.get_page(2)
    assert len(last.object_list) == 2 and not last.has_next()  # rows 4 and 5 of the cap
    for number in (3, 999999999999999999999, -1, "x", None):
        assert paginator.get_page(number).number in (1, 2)
    assert paginator.get_page(10**30).number == 2


def test_it_pages_a_plain_list_too():
    paginator = BoundedPaginator(list(range(12)), 5, cap=10)
    assert (paginator.count, paginator.more, paginator.num_pages) == (10, True, 2)
    assert list(paginator.get_page(2).object_list) == [5, 6, 7, 8, 9]


def test_the_cap_defaults_to_a_thousand_written_in_norwegian(agencies):
    paginator = BoundedPaginator(Agency.objects.order_by("pk"), 25)
    assert paginator.cap == 1000
    assert paginator.cap_shown == "1\xa0000"
