"""The resource library (issue 21, item 6), tried from the attacker's side.

Actors: an RVTS user (`rvts_user`, RVTS Sør) edits; a Nav user (`partner`), an outsider
agency's user (`outsider`) and a user with an RVTS membership who acts for a
non-RVTS agency (`rvts_elsewhere`) read only: the edit pages answer them as a
missing page does (404), and nothing changes.
"""

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tverrnett.accounts.middleware import SESSION_MEMBERSHIP_KEY
from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.audit.models import AuditEntry
from tverrnett.core.versions import changed_message
from tverrnett.guidance import library as services
from tverrnett.guidance.forms import LibraryResourceForm
from tverrnett.guidance.models import LibraryKind, LibraryResource

pytestmark = pytest.mark.django_db

LIST = reverse("guidance:library")
ADD = reverse("guidance:library_add")


def edit_url(resource):
    return reverse("guidance:library_edit", args=[resource.pk])


def unpublish_url(resource):
    return reverse("guidance:library_unpublish", args=[resource.pk])


def make_resource(**fields):
    values = {
        "title": "Veileder for exit-arbeid",
        "kind": LibraryKind.GUIDANCE,
        "description": "Forberedelser før samtalen.",
        "link": "https://www.example.org/veileder",
    }
    values.update(fields)
    return LibraryResource.objects.create(**values)


def form_data(resource=None, **changes):
    data = {
        "title": "Ny ressurs",
        "kind": LibraryKind.LITERATURE,
        "description": "Om løsrivelse.",
        "link": "https://www.example.org/bok",
        "topic": "exit_work",
        "language": "nb",
        "is_published": "on",
    }
    if resource is not None:
        data["version"] = resource.version
    data.update(changes)
    return data


@pytest.fixture
def rvts_elsewhere(make_user, owner_agency, rvts_sor):
    """Has an RVTS membership, but acts for Drammen kommune – SLT."""
    user = make_user("dobbel", owner_agency, MembershipRole.CASE_WORKER, first_name="Dora")
    Membership.objects.create(user=user, agency=rvts_sor, role=MembershipRole.ADVISOR)
    return user


@pytest.fixture
def login_for(login_as):
    def login(client, user, agency=None):
        login_as(client, user)
        if agency is not None:
            session = client.session
            session[SESSION_MEMBERSHIP_KEY] = user.memberships.get(agency=agency).pk
            session.save()
        return client

    return login


def normalised(response):
    """The page without what changes on every response (CSP nonce, CSRF token)."""
    html = response.content.decode()
    html = re.sub(r'nonce="[^"]*"', "", html)
    return re.sub(r"(csrfmiddlewaretoken|csrf-token)[^>]*>", "", html)


def snapshot():
    return list(LibraryResource.objects.order_by("pk").values())


# Reading ----------------------------------------------------------------------------


def test_it_sends_anonymous_users_to_login(client):
    resource = make_resource()
    for url in (LIST, ADD, edit_url(resource), unpublish_url(resource)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("actor", ["partner", "outsider", "rvts_user", "rvts_elsewhere"])
def test_every_member_reads_the_published_entries(client, login_as, request, actor):
    make_resource(title="Synlig ressurs")
    make_resource(title="Skjult ressurs", is_published=False)
    login_as(client, request.getfixturevalue(actor))
    html = client.get(LIST).content.decode()
    assert "Synlig ressurs" in html
    assert 'href="https://www.example.org/veileder"' in html
    # Only RVTS, acting for RVTS, sees what is not published.
    assert ("Skjult ressurs" in html) == (actor == "rvts_user")


def test_edit_links_show_only_for_rvts(client, login_as, partner, rvts_user):
    resource = make_resource()
    login_as(client, partner)
    html = client.get(LIST).content.decode()
    assert edit_url(resource) not in html and ADD not in html
    login_as(client, rvts_user)
    html = client.get(LIST).content.decode()
    assert edit_url(resource) in html and ADD in html and unpublish_url(resource) in html


def test_search_filter_and_sort(client, login_as, partner):
    make_resource(title="Alfa om nettverk", kind=LibraryKind.LITERATURE)
    make_resource(title="Beta", description="Handler om nettverk", kind=LibraryKind.OTHER)
    make_resource(title="Gamma", kind=LibraryKind.LITERATURE)
    login_as(client, partner)

    def titles(**params):
        response = client.get(LIST, params)
        return [resource.title for resource in response.context["page"].object_list]

    assert titles(q="nettverk") == ["Alfa om nettverk", "Beta"]
    assert titles(kind="literature") == ["Alfa om nettverk", "Gamma"]
    assert titles(q="nettverk", kind="other") == ["Beta"]
    LibraryResource.objects.filter(title="Gamma").update(
        updated_at=LibraryResource.objects.get(title="Beta").updated_at.replace(year=2099)
    )
    assert titles(sort="updated")[0] == "Gamma"
    assert titles(kind="nonsense") == ["Alfa om nettverk", "Beta", "Gamma"]


def test_it_pages_the_list(client, login_as, partner):
    for number in range(25):
        make_resource(title=f"Ressurs {number:02}")
    login_as(client, partner)
    page = client.get(LIST).context["page"]
    assert len(page.object_list) == 20
    page = client.get(LIST, {"side": 2}).context["page"]
    assert [resource.title for resource in page.object_list][0] == "Ressurs 20"


def test_the_list_runs_the_same_queries_for_1_and_30_entries(client, login_as, rvts_user):
    login_as(client, rvts_user)

    def queries():
        client.get(LIST)  # warm up the session
        with CaptureQueriesContext(connection) as context:
            response = client.get(LIST)
        assert response.status_code == 200
        return len(context)

    make_resource(title="Ressurs 00")
    one = queries()
    for number in range(1, 30):
        make_resource(title=f"Ressurs {number:02}", is_published=number % 2 == 0)
    assert queries() == one
    assert one <= 6


# Editing as RVTS --------------------------------------------------------------------


def test_rvts_adds_edits_and_unpublishes(client, login_as, rvts_user, partner):
    login_as(client, rvts_user)
    response = client.post(ADD, form_data(title="Litteratur om løsrivelse"))
    assert response.status_code == 302
    resource = LibraryResource.objects.get(title="Litteratur om løsrivelse")
    assert resource.created_by == rvts_user and resource.is_published
    assert resource.slug is None

    response = client.get(edit_url(resource))
    assert response.status_code == 200
    response = client.post(
        edit_url(resource), form_data(resource, title="Litteratur om løsrivelse (2. utg.)")
    )
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.title == "Litteratur om løsrivelse (2. utg.)"
    assert resource.version == 2 and resource.updated_by == rvts_user

    assert client.get(unpublish_url(resource)).status_code == 200
    assert LibraryResource.objects.get(pk=resource.pk).is_published  # a GET changes nothing
    response = client.post(unpublish_url(resource), {"version": resource.version})
    assert response.status_code == 302
    resource.refresh_from_db()
    assert not resource.is_published and resource.version == 3

    actions = list(
        AuditEntry.objects.filter(action__startswith="guidance.library").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == [
        "guidance.library_added",
        "guidance.library_changed",
        "guidance.library_unpublished",
    ]

    login_as(client, partner)
    assert "Litteratur om løsrivelse" not in client.get(LIST).content.decode()


def test_a_stale_edit_is_refused(client, login_as, rvts_user):
    resource = make_resource()
    stale_version = resource.version
    services.change_resource(
        rvts_user, resource, version=stale_version, title="Endret av en kollega"
    )
    login_as(client, rvts_user)
    response = client.post(edit_url(resource), form_data(title="Min endring") | {"version": 1})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [changed_message()]
    resource.refresh_from_db()
    assert resource.title == "Endret av en kollega"
    response = client.post(unpublish_url(resource), {"version": stale_version})
    assert response.status_code == 200
    resource.refresh_from_db()
    assert resource.is_published


@pytest.mark.parametrize(
    "link", ["http://www.example.org/", "ftp://example.org/fil", "javascript:alert(1)"]
)
def test_only_https_links(client, login_as, rvts_user, link):
    login_as(client, rvts_user)
    response = client.post(ADD, form_data(link=link), HTTP_ACCEPT_LANGUAGE="nb")
    assert response.status_code == 200
    assert not LibraryResource.objects.exists()
    errors = response.context["form"].errors["link"]
    assert errors


def test_the_https_message_is_norwegian(settings):
    from django.utils import translation

    with translation.override("nb"):
        form = LibraryResourceForm(form_data(link="http://www.example.org/"))
        assert not form.is_valid()
        message = form.errors["link"][0]
    assert "https://" in message
    assert "must" not in message  # translated, not the English msgid


def test_the_service_refuses_a_plain_http_link(rvts_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.add_resource(
            rvts_user, title="X", kind=LibraryKind.OTHER, link="http://www.example.org/"
        )
    assert not LibraryResource.objects.exists()


# Refused: everyone but RVTS acting for RVTS ------------------------------------------


@pytest.mark.parametrize("actor", ["partner", "outsider", "rvts_elsewhere", "owner"])
def test_non_rvts_users_get_404_and_change_nothing(client, login_as, request, actor):
    resource = make_resource()
    user = request.getfixturevalue(actor)
    login_as(client, user)
    if actor == "rvts_elsewhere":
        # Acting for Drammen kommune – SLT, not for RVTS Sør.
        assert (
            client.session[SESSION_MEMBERSHIP_KEY]
            == user.memberships.get(agency__name="Drammen kommune – SLT").pk
        )
    before = snapshot()
    entries = AuditEntry.objects.count()
    assert client.get(ADD).status_code == 404
    for name in ("guidance:library_edit", "guidance:library_unpublish"):
        missing = client.get(reverse(name, args=[resource.pk + 1000]))
        response = client.get(reverse(name, args=[resource.pk]))
        assert response.status_code == missing.status_code == 404
        # Only the address differs, in the language switcher's return path.
        assert normalised(response).replace(f"/{resource.pk}/", "/N/") == normalised(
            missing
        ).replace(f"/{resource.pk + 1000}/", "/N/")
    assert client.post(ADD, form_data()).status_code == 404
    assert client.post(edit_url(resource), form_data(resource, title="Hacket")).status_code == 404
    assert client.post(unpublish_url(resource), {"version": resource.version}).status_code == 404
    assert snapshot() == before
    assert AuditEntry.objects.count() == entries


def test_rvts_membership_counts_when_acting_for_rvts(client, login_for, rvts_elsewhere, rvts_sor):
    resource = make_resource()
    login_for(client, rvts_elsewhere, rvts_sor)
    assert client.get(edit_url(resource)).status_code == 200


def test_the_services_refuse_non_rvts(partner):
    from django.core.exceptions import PermissionDenied

    resource = make_resource()
    with pytest.raises(PermissionDenied):
        services.add_resource(partner, title="X", kind=LibraryKind.OTHER)
    with pytest.raises(PermissionDenied):
        services.change_resource(partner, resource, version=1, title="X")
    with pytest.raises(PermissionDenied):
        services.unpublish_resource(partner, resource, version=1)


# The shipped entries ----------------------------------------------------------------


def test_load_library_is_idempotent_and_keeps_rvts_edits(db):
    call_command("load_library", stdout=open("/dev/null", "w"))
    count = LibraryResource.objects.count()
    assert count >= 5
    assert all(resource.slug for resource in LibraryResource.objects.all())
    assert all(
        not resource.link or resource.link.startswith("https://")
        for resource in LibraryResource.objects.all()
    )
    LibraryResource.objects.filter(slug="utveier").update(title="Endret av RVTS")
    call_command("load_library", stdout=open("/dev/null", "w"))
    assert LibraryResource.objects.count() == count
    assert LibraryResource.objects.get(slug="utveier").title == "Endret av RVTS"


def test_every_shipped_entry_names_its_source():
    import json

    data = json.loads(services.LIBRARY_PATH.read_text(encoding="utf-8"))
    for entry in data["entries"]:
        assert entry["source"].strip(), entry["slug"]
