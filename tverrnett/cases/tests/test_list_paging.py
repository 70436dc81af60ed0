"""The case list bounded by the page (issue 22 item 2): "more than" the cap instead of a
count of every visible case, no refused page number, and the same queries for one case
as for many."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tverrnett.cases import services
from tverrnett.cases import views as case_views
from tverrnett.core import paging

pytestmark = pytest.mark.django_db


def _cases(register, n):
    return [register(person={"name": f"Person {i}", "birth_year": 2000 + i}) for i in range(n)]


def test_the_case_list_says_more_than_the_cap_and_refuses_no_page(
    client, login_as, owner, register, monkeypatch
):
    _cases(register, 5)
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    monkeypatch.setattr(case_views, "PAGE_SIZE", 2)
    login_as(client, owner)
    url = reverse("cases:list")

    first = client.get(url)
    page = first.content.decode()
    assert "Mer enn 3 saker" in page and "Side 1 av mer enn 2" in page
    assert "side=2" in page and "paging-limit" not in page
    last = client.get(url, {"side": "2"}).content.decode()
    assert "Bare de 3 første kan vises her" in last and "side=3" not in last
    for beyond in ("3", "99999999999999999999999", "-4", "abc"):
        response = client.get(url, {"side": beyond})
        assert response.status_code == 200
        assert len(response.context["page"].object_list) in (1, 2)
    # In nynorsk too.
    client.post("/i18n/setlang/", {"language": "nn", "next": "/"})
    assert "Meir enn 3 saker" in client.get(url).content.decode()


def test_the_case_list_costs_the_same_queries_for_one_case_and_many(
    client, login_as, owner, owner_agency, register
):
    login_as(client, owner)
    url = reverse("cases:list")

    def queries(**params):
        client.get(url, params)  # warm: the session and caches as on any later request
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, params).status_code == 200
        return len(captured.captured_queries)

    [one] = _cases(register, 1)
    services.add_task(
        owner,
        one,
        title="Ring",
        owner_agency=owner_agency,
        owner_name="Eva",
        deadline=timezone.localdate() - datetime.timedelta(days=1),
    )
    few = {sort: queries(sort=sort) for sort in ("changed", "deadline")}
    few["overdue"] = queries(overdue="on")
    for case in _cases(register, 6):
        for offset in (-3, 2, 9):
            services.add_task(
                owner,
                case,
                title="Møte",
                owner_agency=owner_agency,
                owner_name="Eva",
                deadline=timezone.localdate() + datetime.timedelta(days=offset),
            )
    many = {sort: queries(sort=sort) for sort in ("changed", "deadline")}
    many["overdue"] = queries(overdue="on")
    assert few == many
    # The pin (23 on this branch): the request's session, user and memberships, the
    # filters' choices, the bounded count, the page and the read entry of the cases shown.
    assert max(many.values()) <= 23
