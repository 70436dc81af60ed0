"""From the attacker's side: the registering user, a team agency and an outsider learn
nothing of a match and can do nothing with the notice; the coordinator is told and
answers."""

import re

import pytest
from django.urls import reverse

from tverrnett.audit.models import AuditEntry
from tverrnett.cases.models import ConcernCase
from tverrnett.cases.services import add_team_member
from tverrnett.duplicates.models import CaseMerge, DuplicateNotice, NoticeStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def intake(network, drammen, slt_role, youth_forum, adult_forum):
    def data(**extra):
        return {
            "network": network.pk,
            "municipality": drammen.pk,
            "coordinator_role": slt_role.pk,
            "audience": "adults",
            "observation": "Deler voldelig innhold.",
            "source": "own_observation",
            "urgency": "routine",
            "protected_address": "",
            **extra,
        }

    return data


def _normalised(response, case, name):
    """The response with what differs between two intakes by design taken out: the new
    case's id, reference and name, tokens, request ids and clock times."""
    text = response.content.decode()
    for value, placeholder in ((case.reference, "REF"), (name, "NAME")):
        text = text.replace(value, placeholder)
    text = re.sub(rf"/saker/{case.pk}/", "/saker/PK/", text)
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", text)
    text = re.sub(r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?", "TIME", text)
    return text


def _without_token(response):
    return re.sub(r'value="[^"]+"', "", response.content.decode())


def _intake_as(client, data, name):
    before = set(ConcernCase.objects.values_list("pk", flat=True))
    response = client.post(reverse("cases:new_identified"), data)
    (new_pk,) = set(ConcernCase.objects.values_list("pk", flat=True)) - before
    case = ConcernCase.objects.get(pk=new_pk)
    page = client.get(response["Location"])
    home = client.get(reverse("core:home"))
    listing = client.get(reverse("cases:list"))
    return {
        "status": response.status_code,
        "location": response["Location"].replace(str(case.pk), "PK"),
        "headers": sorted(
            (key, "WHEN" if key in ("Expires", "Date", "Last-Modified") else value)
            for key, value in response.headers.items()
            if key not in ("Location", "X-Request-ID")
        ),
        "page": (page.status_code, _normalised(page, case, name)),
        "home": (home.status_code, _normalised(home, case, name)),
        "list": (listing.status_code, listing.context["page"].paginator.count),
    }


def test_a_matching_intake_looks_exactly_like_one_without_a_match(
    client, login_as, existing, partner, intake, owner
):
    """Nav Drammen registers twice: once about a person nobody has a case about, once
    about Kari, whose case it cannot see. Both answers are the same, word for word."""
    login_as(client, partner)
    cases_before = ConcernCase.objects.count()

    unmatched = _intake_as(client, intake(name="Kari Hansen", birth_year="1990"), "Kari Hansen")
    assert not DuplicateNotice.objects.exists()
    matched = _intake_as(client, intake(name="Kari Nordmann", birth_year="1990"), "Kari Nordmann")

    assert DuplicateNotice.objects.get().existing_case == existing
    assert matched["status"] == unmatched["status"] == 302
    assert matched["location"] == unmatched["location"]
    assert matched["headers"] == unmatched["headers"]
    assert matched["page"] == unmatched["page"]
    # The list grew by one case each time; the start page did not change.
    assert (unmatched["list"], matched["list"]) == ((200, 1), (200, 2))
    assert matched["home"] == unmatched["home"]
    assert ConcernCase.objects.count() == cases_before + 2
    # The coordinator's start page has it.
    login_as(client, owner)
    home = client.get(reverse("core:home")).content.decode()
    assert reverse("duplicates:notice", args=[DuplicateNotice.objects.get().pk]) in home


@pytest.fixture
def notice(existing, partner_intake, partner_agency, owner):
    """Nav Drammen's case about Kari, coordinated by the owner's role too; and a case
    where Nav Drammen is on the team, so `partner` is a team agency there."""
    partner_intake()
    return DuplicateNotice.objects.get()


def _pages(notice):
    return [
        ("get", reverse("duplicates:notice", args=[notice.pk])),
        *(
            ("post", reverse(f"duplicates:{name}", args=[notice.pk]))
            for name in ("dismiss", "merge", "agree", "decline")
        ),
    ]


@pytest.mark.parametrize("who", ["partner", "outsider", "team_member", "volunteer"])
def test_others_get_the_404_of_a_missing_notice_and_change_nothing(
    client, login_as, notice, who, partner, outsider, volunteer, owner, existing, partner_agency
):
    if who == "team_member":
        # A user of an agency on the matched case's team, not holding its coordinator role.
        add_team_member(owner, existing, agency=partner_agency, contact_name="Paul")
    user = {
        "partner": partner,
        "outsider": outsider,
        "team_member": partner,
        "volunteer": volunteer,
    }[who]
    login_as(client, user)
    audit_before = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    missing = DuplicateNotice(pk=notice.pk + 1000)

    for (method, url), (_method, missing_url) in zip(_pages(notice), _pages(missing), strict=True):
        response = getattr(client, method)(url)
        missing_response = getattr(client, method)(missing_url)
        assert response.status_code == missing_response.status_code == 404
        assert _without_token(response) == _without_token(missing_response)

    notice.refresh_from_db()
    assert notice.status == NoticeStatus.OPEN
    assert not CaseMerge.objects.exists()
    assert (
        not AuditEntry.objects.filter(action__startswith="duplicate.")
        .exclude(action="duplicate.noticed")
        .exists()
    )
    # Nothing was written about the refused requests.
    assert not AuditEntry.objects.filter(pk__gt=audit_before).exists()


def test_the_coordinator_merges_and_the_merged_url_leads_to_the_survivor(
    client, login_as, notice, owner, partner, outsider, existing
):
    login_as(client, owner)
    page = client.get(reverse("duplicates:notice", args=[notice.pk]))
    assert page.status_code == 200
    assert notice.new_case.reference in page.content.decode()
    # The notice names no one: no person data on it.
    assert "Kari" not in page.content.decode()

    response = client.post(reverse("duplicates:merge", args=[notice.pk]))

    assert response["Location"] == reverse("cases:detail", args=[existing.pk])
    merged = notice.new_case
    redirected = client.get(reverse("cases:detail", args=[merged.pk]))
    assert redirected["Location"] == reverse("cases:detail", args=[existing.pk])
    # Nav Drammen joined the survivor's team with its case: it follows the link too.
    login_as(client, partner)
    assert client.get(reverse("cases:detail", args=[merged.pk]))["Location"] == reverse(
        "cases:detail", args=[existing.pk]
    )
    # An outsider gets the 404 of a case that does not exist.
    login_as(client, outsider)
    gone = client.get(reverse("cases:detail", args=[merged.pk]))
    missing = client.get(reverse("cases:detail", args=[merged.pk + 1000]))
    assert gone.status_code == missing.status_code == 404
    assert _without_token(gone) == _without_token(missing)


def test_the_coordinator_dismisses(client, login_as, notice, owner):
    login_as(client, owner)

    response = client.post(reverse("duplicates:dismiss", args=[notice.pk]))

    assert response["Location"] == reverse("core:home")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.DISMISSED
    # Dealt with: the notice is gone from the start page and its page.
    assert client.get(reverse("duplicates:notice", args=[notice.pk])).status_code == 404


def test_a_proposed_merge_is_agreed_on_the_other_side(
    client, login_as, existing, partner_intake, owner, police_role, police_contact
):
    new = partner_intake(coordinator_role=police_role)
    notice = DuplicateNotice.objects.get()
    login_as(client, police_contact)
    # Before the proposal the police contact has no notice at all.
    assert client.get(reverse("duplicates:notice", args=[notice.pk])).status_code == 404

    login_as(client, owner)
    proposed = client.post(reverse("duplicates:merge", args=[notice.pk]))
    assert proposed["Location"] == reverse("core:home")
    # Proposed, the owner cannot agree for the other side.
    assert client.post(reverse("duplicates:agree", args=[notice.pk])).status_code == 404

    login_as(client, police_contact)
    page = client.get(reverse("duplicates:notice", args=[notice.pk]))
    assert existing.reference in page.content.decode()
    assert "Kari" not in page.content.decode()
    agreed = client.post(reverse("duplicates:agree", args=[notice.pk]))

    # The police district's agency joined the survivor's team with its case.
    assert agreed["Location"] == reverse("cases:detail", args=[existing.pk])
    assert CaseMerge.objects.get().merged_case == new
