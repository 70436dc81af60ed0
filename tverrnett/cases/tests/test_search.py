"""The case list's search (issue 16, item 10): sent as a POST, kept out of URLs and server
logs, and able to find a person by national identity number for an agency that records
them. From every side: the owner (Drammen kommune – SLT, coordinator), the partner (Nav
Drammen, on the team), the outsider (Nav Oslo), and a user with two memberships.
"""

import html
import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tverrnett.accounts.middleware import SESSION_MEMBERSHIP_KEY
from tverrnett.accounts.models import MembershipRole
from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services

pytestmark = pytest.mark.django_db

LIST = reverse("cases:list")
# Valid per python-stdnum; typed as people do, with a space.
NUMBER = "15076500565"
TYPED = "150765 00565"
# Valid, and held by no case.
NOBODYS_NUMBER = "01019010046"


def post_search(client, q, **filters):
    return client.post(LIST, {"q": q, **filters})


def listed(response):
    return [case.pk for case in response.context["page"].object_list]


def searches():
    return AuditEntry.objects.filter(action="case.identity_number_searched").order_by("id")


def stored_session(client):
    """The session as the database holds it."""
    return json.dumps(dict(client.session.items()))


@pytest.fixture
def records_numbers(owner_agency):
    owner_agency.records_identity_numbers = True
    owner_agency.save()
    return owner_agency


@pytest.fixture
def numbered(records_numbers, register, partner_agency, owner, open_to):
    """Kari Nordmann's case holds NUMBER and has Nav Drammen on its team, the case opened to
    it; Ola's has none."""
    case = register(
        person={
            "name": "Kari Nordmann",
            "birth_year": 1990,
            "identity_number": NUMBER,
            "identity_number_reason": "Samordning med Nav.",
        },
        audience="adults",
    )
    services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul Partner")
    open_to(case, partner_agency)
    other = register()
    return {"case": case, "other": other}


# Kept out of the URL -----------------------------------------------------------------


def test_the_search_is_posted_and_the_url_holds_only_a_token(client, login_as, owner, register):
    kari = register(person={"name": "Kari Nordmann", "birth_year": 1990}, audience="adults")
    register(person={"name": "Per Hansen", "birth_year": 2009})
    login_as(client, owner)

    response = post_search(client, "Nordmann", sort="oldest")

    assert response.status_code == 302
    assert "Nordmann" not in response.url
    assert "q=" not in response.url
    assert "sok=" in response.url and "sort=oldest" in response.url
    page = client.get(response.url)
    assert listed(page) == [kari.pk]
    # The field shows what was searched for.
    assert 'value="Nordmann"' in page.content.decode()


def test_a_search_in_the_query_string_is_ignored(client, login_as, owner, register):
    kari = register(person={"name": "Kari Nordmann", "birth_year": 1990}, audience="adults")
    per = register(person={"name": "Per Hansen", "birth_year": 2009})
    login_as(client, owner)

    response = client.get(LIST, {"q": "Nordmann"})

    assert set(listed(response)) == {kari.pk, per.pk}
    assert 'value="Nordmann"' not in response.content.decode()


def test_the_search_needs_the_csrf_token(login_as, owner, register):
    register()
    client = Client(enforce_csrf_checks=True)
    login_as(client, owner)

    assert post_search(client, "Nordmann").status_code == 403


def test_paging_sorting_and_filters_keep_the_search(client, login_as, owner, register):
    matching = [
        register(person={"name": f"Hansen {number:02d}", "birth_year": 2008})
        for number in range(27)
    ]
    register(person={"name": "Per Olsen", "birth_year": 2008})
    login_as(client, owner)

    url = post_search(client, "Hansen", sort="oldest").url
    first = client.get(url)
    pagination = first.content.decode().split('class="ds-pagination')[1]
    [next_page] = re.findall(r'href="(\?[^"]*side=2[^"]*)"', pagination)
    second = client.get(LIST + html.unescape(next_page))

    assert "sok=" in next_page and "Hansen" not in next_page
    assert first.context["page"].paginator.count == 27
    assert listed(first) + listed(second) == [case.pk for case in matching]
    filtered = client.get(post_search(client, "Hansen", state="mapping").url)
    assert listed(filtered) == []


def test_another_sessions_token_finds_nothing_of_its_search(
    client, login_as, owner, partner, register, owner_agency
):
    """A token is only a key into the session that made it: copied into another user's
    URL it shows that user their own list and says the search has expired."""
    kari = register(person={"name": "Kari Nordmann", "birth_year": 1990}, audience="adults")
    login_as(client, owner)
    url = post_search(client, "Nordmann").url

    other = Client()
    login_as(other, partner)
    response = other.get(url)

    assert listed(response) == []  # the partner's agency is on no team
    assert response.context["search_note"]
    assert "Nordmann" not in response.content.decode()
    assert kari.reference not in response.content.decode()


# Searching for a person by identity number --------------------------------------------


def test_an_agency_that_records_numbers_finds_the_person_by_number(
    client, login_as, owner, numbered
):
    login_as(client, owner)

    response = post_search(client, TYPED)

    assert NUMBER not in response.url and "00565" not in response.url
    page = client.get(response.url)
    assert listed(page) == [numbered["case"].pk]
    text = page.content.decode()
    assert NUMBER not in text and "00565" not in text  # not echoed into the field
    assert NUMBER not in stored_session(client)
    [entry] = searches()
    assert entry.actor_id == owner.pk
    assert entry.detail == {"available": True, "results": 1}


def test_no_audit_entry_holds_the_number(client, login_as, owner, partner, outsider, numbered):
    for user in (owner, partner, outsider):
        login_as(client, user)
        client.get(post_search(client, TYPED).url)

    assert searches().count() == 3
    for entry in AuditEntry.objects.all():
        assert NUMBER not in json.dumps(entry.detail), entry.action
        assert "00565" not in json.dumps(entry.detail), entry.action


def test_the_number_search_survives_sorting_and_paging_without_the_number(
    client, login_as, owner, numbered
):
    """The page never shows the number; posting the form again with the field empty (to
    sort or filter) keeps the number search through the hidden token."""
    login_as(client, owner)
    page = client.get(post_search(client, TYPED).url)
    token = page.context["search_token"]

    resorted = client.post(LIST, {"q": "", "sok": token, "sort": "newest"}, follow=True)

    assert listed(resorted) == [numbered["case"].pk]
    assert searches().count() == 1  # no second search was made
    cleared = client.post(LIST, {"q": ""}, follow=True)
    assert set(listed(cleared)) == {numbered["case"].pk, numbered["other"].pk}


def test_an_agency_that_records_numbers_finds_no_case_outside_its_reach(
    client, login_as, outsider, outsider_agency, numbered
):
    """Nav Oslo records numbers too, but is on no team: a number a case holds answers
    exactly like a number nobody has."""
    outsider_agency.records_identity_numbers = True
    outsider_agency.save()
    login_as(client, outsider)

    held = client.get(post_search(client, NUMBER).url)
    nobodys = client.get(post_search(client, NOBODYS_NUMBER).url)

    assert listed(held) == listed(nobodys) == []
    assert held.context["search_note"] == nobodys.context["search_note"]
    assert numbered["case"].reference not in held.content.decode()
    assert [entry.detail for entry in searches()] == [{"available": True, "results": 0}] * 2


def test_an_agency_that_does_not_record_numbers_cannot_search_by_number(
    client, login_as, partner, numbered
):
    """Nav Drammen is on Kari's team and sees her case, but does not record numbers: a
    number finds nothing, says so, and answers the same whether or not a case holds it."""
    login_as(client, partner)

    held = client.get(post_search(client, TYPED).url)
    nobodys = client.get(post_search(client, NOBODYS_NUMBER).url)

    assert listed(held) == listed(nobodys) == []
    assert held.context["search_note"] == nobodys.context["search_note"]
    assert "Søk på fødselsnummer" in held.context["search_note"]
    assert numbered["case"].reference not in held.content.decode()
    assert [entry.detail for entry in searches()] == [{"available": False, "results": 0}] * 2
    # The name still finds the case.
    by_name = client.get(post_search(client, "Kari").url)
    assert listed(by_name) == [numbered["case"].pk]


def test_a_number_that_is_no_identity_number_finds_nothing_and_says_so(
    client, login_as, owner, numbered
):
    login_as(client, owner)
    wrong = NUMBER[:10] + str((int(NUMBER[10]) + 1) % 10)

    page = client.get(post_search(client, wrong).url)

    assert listed(page) == []
    assert "gyldig" in page.context["search_note"]
    assert [entry.detail for entry in searches()] == [{"available": True, "results": 0}]


def test_the_number_search_is_decided_for_the_agency_the_user_acts_for(
    client, login_as, make_user, owner_agency, partner_agency, numbered
):
    """A user in both agencies searches while acting for the one that records numbers,
    then switches to Nav Drammen: the same list URL shows nothing found by the number."""
    user = make_user("begge", owner_agency, MembershipRole.CASE_WORKER)
    nav = user.memberships.create(agency=partner_agency, role=MembershipRole.CASE_WORKER)
    login_as(client, user)
    url = post_search(client, NUMBER).url
    assert listed(client.get(url)) == [numbered["case"].pk]

    session = client.session
    session[SESSION_MEMBERSHIP_KEY] = nav.pk
    session.save()
    response = client.get(url)

    assert listed(response) == []
    assert "Søk på fødselsnummer" in response.context["search_note"]


# Query counts ---------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_a_search_costs_what_the_list_costs_however_many_cases(
    client, login_as, owner, numbered, register
):
    login_as(client, owner)
    by_name = post_search(client, "Nordmann").url
    by_number = post_search(client, NUMBER).url
    _queries(client, LIST)
    plain = _queries(client, LIST)
    few = (_queries(client, by_name), _queries(client, by_number))
    for number in range(12):
        register(person={"name": f"Nordmann {number}", "birth_year": 2008})

    many = (_queries(client, by_name), _queries(client, by_number))

    assert few == many == (plain, plain)


def test_a_number_among_other_words_is_not_kept_nor_searched(client, login_as, owner, numbered):
    login_as(client, owner)

    response = post_search(client, f"Kari {TYPED}")

    assert "sok=" not in response.url
    assert NUMBER not in stored_session(client) and "00565" not in stored_session(client)
    assert not searches().exists()
    page = client.get(response.url).content.decode()
    # Case references ("2026-00565") may hold the same digits once the ids grow that far.
    assert "00565" not in re.sub(r"\b\d{4}-\d{5}\b", "", page)


def test_an_agency_that_does_not_record_numbers_never_asks_the_database_for_one(
    client, login_as, partner, numbered
):
    """Not even a query: nothing to time, nothing to tell held numbers from others by."""
    login_as(client, partner)

    with CaptureQueriesContext(connection) as context:
        post_search(client, NUMBER)

    sql = [query["sql"] for query in context.captured_queries]
    assert not any('."identity_number_hash"' in text for text in sql)
    assert not any(NUMBER in text for text in sql)


# Text search through the indexes (issue 22, item 1) -------------------------------------

SUMMARY = "Eleven har delt ekstreme videoer i klassechatten, og bekymringen vokser."


def on_postgresql():
    return connection.vendor == "postgresql"


@pytest.fixture
def fiktivsen(register, owner):
    """Kari Fiktivsen's case, with a summary; Per Hansen's without one."""
    case = register(person={"name": "Kari Fiktivsen", "birth_year": 1990}, audience="adults")
    services.change_summary(owner, case, version=case.version, summary=SUMMARY)
    case.refresh_from_db()
    other = register(person={"name": "Per Hansen", "birth_year": 2009})
    return {"case": case, "other": other}


def search_for(client, q):
    return listed(client.get(post_search(client, q).url))


@pytest.mark.parametrize(
    "q", ["Fiktivsen", "fiktivsen", "Kari Fiktivsen", "Fiktivsn", "Fiktivesen", "Kari Fiktivsn"]
)
def test_a_name_is_found_spelt_right_or_wrong(client, login_as, owner, fiktivsen, q):
    login_as(client, owner)

    assert search_for(client, q) == [fiktivsen["case"].pk]


@pytest.mark.parametrize("q", ["Fiktiv", "ivse", "Kar"])
def test_part_of_a_name_finds_the_person(client, login_as, owner, fiktivsen, q):
    login_as(client, owner)

    assert search_for(client, q) == [fiktivsen["case"].pk]


@pytest.mark.parametrize("q", ["Olsen", "Fjell", "Hansen Kari", "Fiktivsen-Olsbakken Nordby", "x"])
def test_a_name_too_far_from_any_finds_nothing_of_it(client, login_as, owner, fiktivsen, q):
    login_as(client, owner)

    assert fiktivsen["case"].pk not in search_for(client, q)


@pytest.mark.parametrize(
    "q", ["videoer", "ekstreme videoer", "klassechatten", "bekymring", "Ekstrem", "VIDEO"]
)
def test_words_of_the_summary_find_the_case(client, login_as, owner, fiktivsen, q):
    """Whole words and the start of a word, whatever the case of the letters."""
    login_as(client, owner)

    assert search_for(client, q) == [fiktivsen["case"].pk]


@pytest.mark.parametrize("q", ["ekstreme bilder", "chatten", "hjemme"])
def test_a_word_the_summary_lacks_finds_nothing(client, login_as, owner, fiktivsen, q):
    """Every word must be there, each as a word's start."""
    login_as(client, owner)

    assert search_for(client, q) == []


@pytest.mark.skipif("not on_postgresql()", reason="Norwegian stemming is PostgreSQL's")
@pytest.mark.parametrize("q", ["videoene", "elevene", "bekymringene", "bekymringer"])
def test_on_postgresql_another_inflection_finds_the_summary(client, login_as, owner, fiktivsen, q):
    login_as(client, owner)

    assert search_for(client, q) == [fiktivsen["case"].pk]


def test_the_index_follows_changes_of_the_name_and_the_summary(client, login_as, owner, fiktivsen):
    """Kept right on both databases: by PostgreSQL's indexes, by SQLite's triggers."""
    case = fiktivsen["case"]
    login_as(client, owner)
    services.change_person(
        owner,
        case,
        version=case.version,
        fields={"name": "Kari Prøvesen", "birth_year": 1990},
    )
    case.refresh_from_db()
    services.change_summary(owner, case, version=case.version, summary="Møter på fritidsklubben.")

    assert search_for(client, "Fiktivsen") == []
    assert search_for(client, "videoer") == []
    assert search_for(client, "Prøvesen") == [case.pk]
    assert search_for(client, "fritidsklubben") == [case.pk]
    services.change_summary(owner, case, version=case.version, summary="")
    assert search_for(client, "fritidsklubben") == []


def test_a_reference_still_finds_the_case_by_its_number(client, login_as, owner, fiktivsen):
    case = fiktivsen["case"]
    login_as(client, owner)

    assert search_for(client, case.reference) == [case.pk]
    assert search_for(client, str(case.pk)) == [case.pk]


def test_the_search_text_is_no_syntax(client, login_as, owner, fiktivsen):
    """Quotes, operators and wildcards are letters to look for, not a query language."""
    login_as(client, owner)

    for q in ['"', 'a" OR "b', "a & b | !c", "x:*", "%", "_", "\\", "'", "NEAR(x y)", "*"]:
        assert search_for(client, q) == [], q


# The search walk: four sides, four kinds of search -------------------------------------

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
_TOKEN = re.compile(r"sok=[\w-]+")


def _page_without(response, q):
    """The page as the user sees it, less what differs from search to search by
    design: the echoed search text, the search's token and the form's CSRF token."""
    text = _TOKEN.sub("sok=", _CSRF.sub("", response.content.decode()))
    return text.replace(html.escape(q), "«search»")


@pytest.fixture
def two_hats_acting_for_an_unrelated_agency(make_user, owner_agency, outsider_agency):
    """A case worker at Nav Oslo who is also a member of the owning agency, acting for
    Nav Oslo."""
    user = make_user("to-hatter", outsider_agency, MembershipRole.CASE_WORKER)
    user.memberships.create(agency=owner_agency, role=MembershipRole.CASE_WORKER)
    return user


def _act_for(client, user, agency):
    session = client.session
    session[SESSION_MEMBERSHIP_KEY] = user.memberships.get(agency=agency).pk
    session.save()


def _searches_of(case):
    return {
        "exact name": "Kari Fiktivsen",
        "misspelt surname": "Fiktivsn",
        "reference": case.reference,
        "summary word": "videoer",
    }


def test_the_search_walk_from_every_side(
    client,
    login_as,
    owner,
    partner,
    partner_agency,
    outsider,
    outsider_agency,
    two_hats_acting_for_an_unrelated_agency,
    fiktivsen,
    open_to,
):
    """The owner and the partner (on the team, the case opened to it) find the case by
    each search; the outsider and a user who acts for an unrelated agency find nothing,
    and their page is the page of a search for a name nobody has. No read entry for a
    case not shown."""
    case = fiktivsen["case"]
    services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    open_to(case, partner_agency)
    searches = _searches_of(case)
    two_hats = two_hats_acting_for_an_unrelated_agency

    for user in (owner, partner):
        login_as(client, user)
        for kind, q in searches.items():
            assert search_for(client, q) == [case.pk], (user.username, kind)

    for user in (outsider, two_hats):
        login_as(client, user)
        _act_for(client, user, outsider_agency)
        before = AuditEntry.objects.filter(action="case.list_viewed").count()
        nobody = client.get(post_search(client, "Nobody Nowhereson").url)
        assert listed(nobody) == []
        for kind, q in searches.items():
            response = client.get(post_search(client, q).url)
            assert listed(response) == [], (user.username, kind)
            assert _page_without(response, q) == _page_without(nobody, "Nobody Nowhereson"), (
                user.username,
                kind,
            )
            assert reverse("cases:detail", args=[case.pk]) not in response.content.decode()
        assert AuditEntry.objects.filter(action="case.list_viewed").count() == before
    # The user with two memberships finds the case once acting for the owning agency.
    _act_for(client, two_hats, case.created_agency)
    assert search_for(client, "Fiktivsn") == [case.pk]


def test_a_team_agency_the_case_is_not_opened_to_finds_it_by_reference_only(
    client, login_as, owner, partner, partner_agency, fiktivsen
):
    """Nav Drammen is on the team but nothing is opened to it (the reduced view): the name
    and the summary are closed, so neither finds the case; the reference, which the
    reduced view shows, does."""
    case = fiktivsen["case"]
    services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    login_as(client, partner)
    searches = _searches_of(case)

    for kind in ("exact name", "misspelt surname", "summary word"):
        assert search_for(client, searches[kind]) == [], kind
    assert search_for(client, searches["reference"]) == [case.pk]


def test_a_summary_opened_without_the_identity_finds_by_summary_not_by_name(
    client, login_as, owner, partner, partner_agency, fiktivsen, open_to
):
    from tverrnett.cases.models import CasePart

    case = fiktivsen["case"]
    services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    open_to(case, partner_agency, parts=[CasePart.SUMMARY])
    login_as(client, partner)

    assert search_for(client, "videoer") == [case.pk]
    assert search_for(client, "Fiktivsen") == []
    assert search_for(client, "Fiktivsn") == []


def test_a_text_search_costs_what_the_list_costs_however_many_cases_match(
    client, login_as, owner, fiktivsen, register
):
    """Pinned: the search page makes as many queries as the plain list, for an exact
    name, a misspelling and a summary word, with one match or thirteen."""
    login_as(client, owner)
    urls = [post_search(client, q).url for q in ("Fiktivsen", "Fiktivsn", "videoer")]
    _queries(client, LIST)
    plain = _queries(client, LIST)
    few = [_queries(client, url) for url in urls]
    for number in range(12):
        more = register(person={"name": f"Fiktivsen {number}", "birth_year": 2008})
        services.change_summary(owner, more, version=more.version, summary=SUMMARY)

    assert len(search_for(client, "Fiktivsn")) == 13
    many = [_queries(client, url) for url in urls]

    assert few == many == [plain] * 3


# The SQLite fallback's similarity is pg_trgm's --------------------------------------------

PAIRS = [
    ("Fiktivsn", "Kari Fiktivsen", 7 / 9),
    ("Fiktivesen", "Kari Fiktivsen", 8 / 13),
    ("mann", "Kari Nordmann", 0.6),
    ("word", "two words", 0.8),
    ("Olsen", "Kari Nordmann", 0.0),
    ("Nordmann Ola", "Ola Nordmann", 1.0),
    ("Prøvesen", "Testa Prøvesen 12", 1.0),
    ("Kari Fiktivsn", "Kari Fiktivsen", None),
    ("Fiktivsen", "Fiktiva Testesen 4711", None),
    ("Bjørn Ødegård", "bjorn odegard", None),
]


@pytest.mark.parametrize(("search", "text", "expected"), PAIRS)
def test_word_similarity_counts_as_pg_trgm_does(search, text, expected):
    from tverrnett.cases.search_index import word_similarity

    measured = word_similarity(search, text)
    if expected is not None:
        assert measured == pytest.approx(expected, abs=1e-6)
    if on_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SELECT word_similarity(%s, %s)", [search, text])
            assert measured == pytest.approx(cursor.fetchone()[0], abs=1e-6)


@pytest.mark.skipif("on_postgresql()", reason="the FTS5 tables are SQLite's")
def test_sqlite_puts_back_triggers_a_table_rebuild_dropped(client, login_as, owner, fiktivsen):
    """Django's SQLite schema editor rebuilds a table for many changes, which drops its
    triggers; `migrate` then runs ensure_sqlite_index, which puts them back and fills
    the index again."""
    from tverrnett.cases.search_index import ensure_sqlite_index

    case = fiktivsen["case"]
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER cases_person_name_fts_update")
        cursor.execute("DELETE FROM cases_person_name_fts")
    login_as(client, owner)
    assert search_for(client, "Fiktivsen") == []

    ensure_sqlite_index(connection)

    assert search_for(client, "Fiktivsen") == [case.pk]
    services.change_person(
        owner, case, version=case.version, fields={"name": "Kari Prøvesen", "birth_year": 1990}
    )
    assert search_for(client, "Fiktivsen") == []
    assert search_for(client, "Prøvesen") == [case.pk]
