"""The directory pages: the list, one agency, and "who should I contact?".

The directory describes agencies, never a case: every fully logged-in member
sees all of it, the outsider included. An inactive agency is a 404.
"""

import pytest
from django.urls import reverse

from tverrnett.agencies.models import Agency, AgencyType

pytestmark = pytest.mark.django_db

ACTORS = ["owner", "partner", "outsider"]

# Every member page costs 3 queries before the view runs: the session, the
# user with the acting membership, and the second factor (the session is saved
# at most once a minute: tverrnett/accounts/sessions.py).
BEFORE_THE_VIEW = 3


@pytest.fixture
def actor(request, owner, partner, outsider):
    return {"owner": owner, "partner": partner, "outsider": outsider}[request.param]


def _names(response):
    return [agency.name for agency in response.context["page"].object_list]


# The list


@pytest.mark.parametrize("actor", ACTORS, indirect=True)
def test_every_member_sees_every_active_agency(client, login_as, actor, make_agency):
    make_agency("Nedlagt etat", is_active=False)
    login_as(client, actor)

    response = client.get(reverse("agencies:list"))

    assert response.status_code == 200
    assert _names(response) == ["Drammen kommune – SLT", "Nav Drammen", "Nav Oslo"]


def test_it_searches_by_name_municipality_and_type(client, login_as, owner, partner, outsider):
    login_as(client, owner)

    def search(text):
        return _names(client.get(reverse("agencies:list"), {"q": text}))

    assert search("slt") == ["Drammen kommune – SLT"]
    assert search("oslo") == ["Nav Oslo"]
    assert search("3301") == ["Drammen kommune – SLT", "Nav Drammen"]
    assert search("Drammen") == ["Drammen kommune – SLT", "Nav Drammen"]
    assert search("nav") == ["Nav Drammen", "Nav Oslo"]
    assert search("Sør-Øst") == ["Drammen kommune – SLT", "Nav Drammen"]


def test_it_searches_by_the_types_label(client, login_as, owner, make_agency):
    make_agency("Konfliktrådet i Buskerud", AgencyType.CONFLICT_COUNCIL, municipality=None)
    login_as(client, owner)

    response = client.get(reverse("agencies:list"), {"q": "konfliktråd"})

    assert _names(response) == ["Konfliktrådet i Buskerud"]


def test_it_filters_by_type_and_sorts(client, login_as, owner, partner, outsider):
    login_as(client, owner)

    nav = client.get(reverse("agencies:list"), {"type": AgencyType.NAV, "sort": "-name"})
    by_municipality = client.get(reverse("agencies:list"), {"sort": "municipality"})

    assert _names(nav) == ["Nav Oslo", "Nav Drammen"]
    assert _names(by_municipality) == ["Drammen kommune – SLT", "Nav Drammen", "Nav Oslo"]


def test_invalid_filters_mean_no_filter(client, login_as, owner, partner, outsider):
    login_as(client, owner)

    response = client.get(reverse("agencies:list"), {"type": "bogus", "sort": "bogus"})

    assert response.status_code == 200
    assert len(_names(response)) == 3


def test_it_says_when_nothing_matches(client, login_as, owner):
    login_as(client, owner)

    response = client.get(reverse("agencies:list"), {"q": "finnes ikke"})

    assert _names(response) == []
    assert "Ingen etater passer" in response.content.decode()


def test_it_pages_and_keeps_the_search_in_the_paging_links(
    client, login_as, owner, make_agency, django_assert_max_num_queries
):
    for n in range(60):
        make_agency(f"Skole {n:02}", AgencyType.SCHOOL, phone="11 22 33 44")
    login_as(client, owner)

    with django_assert_max_num_queries(BEFORE_THE_VIEW + 2):  # count, page
        response = client.get(reverse("agencies:list"), {"q": "skole", "side": "2"})

    assert _names(response) == [f"Skole {n:02}" for n in range(25, 50)]
    assert "q=skole&amp;side=3" in response.content.decode()


# One agency


@pytest.mark.parametrize("actor", ACTORS, indirect=True)
def test_every_member_sees_an_agencys_mandate_methods_and_roles(
    client, login_as, actor, contacts, owner_agency
):
    Agency.objects.filter(pk=owner_agency.pk).update(
        mandate="Samordner forebyggingen.",
        working_methods="Ring oss ved bekymring.",
        phone="32 04 00 00",
        email="slt@drammen.example",
        website="https://www.drammen.kommune.no/",
    )
    login_as(client, actor)

    response = client.get(reverse("agencies:detail", args=[owner_agency.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Samordner forebyggingen." in page
    assert "Ring oss ved bekymring." in page
    assert 'href="https://www.drammen.kommune.no/"' in page
    assert 'href="mailto:slt@drammen.example"' in page
    assert "Eva" in page and "Dag" in page  # the SLT coordinator and the deputy
    assert "SLT-koordinator" in page


def test_it_shows_a_role_without_an_active_holder_as_no_holder(
    client, login_as, owner, contacts, partner_agency
):
    login_as(client, owner)

    response = client.get(reverse("agencies:detail", args=[partner_agency.pk]))

    page = response.content.decode()
    assert "Ingen innehaver registrert" in page
    assert "Stine" not in page


def test_an_inactive_or_missing_agency_is_not_found(client, login_as, owner, partner_agency):
    Agency.objects.filter(pk=partner_agency.pk).update(is_active=False)
    login_as(client, owner)

    assert client.get(reverse("agencies:detail", args=[partner_agency.pk])).status_code == 404
    assert client.get(reverse("agencies:detail", args=[999999])).status_code == 404


def test_the_agency_page_has_a_fixed_number_of_queries(
    client, login_as, owner, contacts, owner_agency, drammen, django_assert_max_num_queries
):
    from tverrnett.networks.models import Role, RoleKind

    for _ in range(20):
        Role.objects.create(kind=RoleKind.SCHOOL_CONTACT, agency=owner_agency, holder=owner)
    login_as(client, owner)

    # the agency, its roles, and whether the user manages it
    with django_assert_max_num_queries(BEFORE_THE_VIEW + 3):
        response = client.get(reverse("agencies:detail", args=[owner_agency.pk]))

    assert response.status_code == 200


# Who should I contact?


@pytest.mark.parametrize("actor", ACTORS, indirect=True)
def test_every_member_finds_the_contacts_for_a_misspelt_municipality(
    client, login_as, actor, contacts
):
    login_as(client, actor)

    # A misspelt name is asked about, not silently taken for another municipality
    # (issue 21, item 14): the suggestion links to the contacts.
    asked = client.get(reverse("agencies:who_to_contact"), {"municipality": "Dramen"})
    assert asked.context["directions"] is None
    assert [m.number for m in asked.context["form"].candidates] == ["3301"]
    assert "Mente du" in asked.content.decode()
    assert 'href="?municipality=3301#results"' in asked.content.decode()

    response = client.get(reverse("agencies:who_to_contact"), {"municipality": "3301"})

    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["directions"].municipality.number == "3301"
    assert "Kontakter for Drammen (3301)" in page
    assert "Eva" in page and "Per Politi" in page and "RVTS Øst" in page
    assert 'href="tel:32040000"' in page
    assert 'href="mailto:radikalisering@politiet.example"' in page
    # Nobody holds the RVTS advisor, correctional or conflict council role, and
    # NAV's holder has left: each is shown, not hidden.
    assert page.count("Ingen innehaver registrert") == 4


def test_the_answer_names_the_emergency_number_and_the_police_switchboard(
    client, login_as, owner, contacts
):
    login_as(client, owner)
    page = client.get(reverse("agencies:who_to_contact"), {"municipality": "Lunner kommune"})
    assert page.context["directions"].municipality.name == "Lunner"
    text = page.content.decode()
    assert "112" in text and "02800" in text
    assert 'id="results" tabindex="-1"' in text


def test_it_accepts_a_municipality_number_and_puts_the_need_first(
    client, login_as, owner, contacts
):
    login_as(client, owner)

    response = client.get(
        reverse("agencies:who_to_contact"), {"municipality": "3301", "need": "prison"}
    )

    directions = response.context["directions"]
    assert directions.contacts[0].slot.key == "correctional"
    assert "Passer til behovet ditt" in response.content.decode()


def test_the_empty_form_shows_no_answer_and_no_error(client, login_as, owner):
    login_as(client, owner)

    response = client.get(reverse("agencies:who_to_contact"))

    assert response.status_code == 200
    assert response.context["directions"] is None
    assert not response.context["form"].errors


def test_it_tells_when_no_municipality_matches(client, login_as, owner, reference_data):
    login_as(client, owner)

    response = client.get(reverse("agencies:who_to_contact"), {"municipality": "Atlantis"})

    assert response.context["directions"] is None
    errors = response.context["form"].errors["municipality"]
    assert "Ingen kommune passer til «Atlantis»" in errors[0] or "Atlantis" in errors[0]
    assert 'aria-invalid="true"' in response.content.decode()


def test_it_lists_the_candidates_when_a_name_fits_several(client, login_as, owner, reference_data):
    login_as(client, owner)

    response = client.get(
        reverse("agencies:who_to_contact"), {"municipality": "Herøy", "need": "child"}
    )

    page = response.content.decode()
    error = response.context["form"].errors["municipality"][0]
    assert "1515 Herøy (Møre og Romsdal)" in error and "1818 Herøy (Nordland)" in error
    assert 'href="?municipality=1515&amp;need=child#results"' in page
    assert 'href="?municipality=1818&amp;need=child#results"' in page


def test_an_unknown_need_is_a_field_error(client, login_as, owner, reference_data):
    login_as(client, owner)

    response = client.get(
        reverse("agencies:who_to_contact"), {"municipality": "Drammen", "need": "bogus"}
    )

    assert response.context["directions"] is None
    assert "need" in response.context["form"].errors


def test_the_answer_has_a_fixed_number_of_queries(
    client, login_as, owner, contacts, drammen, make_agency, django_assert_max_num_queries
):
    from tverrnett.networks.models import Role, RoleKind

    for n in range(20):
        agency = make_agency(f"Skole {n}", AgencyType.SCHOOL)
        Role.objects.create(kind=RoleKind.SCHOOL_CONTACT, agency=agency, municipality=drammen)
    login_as(client, owner)

    # The municipality by name, the roles, the agencies, the names the browser suggests.
    with django_assert_max_num_queries(BEFORE_THE_VIEW + 4):
        response = client.get(
            reverse("agencies:who_to_contact"),
            {"municipality": "Drammen kommune", "need": "child"},
        )

    assert response.status_code == 200
    assert response.context["directions"].contacts[1].slot.key == "school"


def test_it_resolves_a_municipality_number_from_before_the_2020_reform(
    client, login_as, owner, contacts
):
    login_as(client, owner)
    # 0533 Lunner (Oppland) became 3054 in 2020 and 3234 (Akershus) in 2024.
    page = client.get(reverse("agencies:who_to_contact"), {"municipality": "0533"})
    assert page.status_code == 200
    assert page.context["directions"].municipality.number == "3234"
