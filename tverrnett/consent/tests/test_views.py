"""Consent and sharing pages from every side: the owner (Drammen kommune – SLT, which
coordinates the case), the partner (Nav Drammen, on the team), the outsider (Nav Oslo),
an agency administrator, a line manager, and a voluntary organisation (Drammen
idrettslag) reached through consent (L01, L06, L11–L17, L34, L40–L42, L49).

The catalogue is the small test catalogue (tests/catalogue.json): its codes are made
up. Many consent strings have no Norwegian translation yet, so the tests look at data
(ids, names, status codes, rows, audit entries) rather than wording.
"""

import datetime
import json
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tverrnett.access.urlwalk import routes
from tverrnett.accounts.models import MembershipRole
from tverrnett.agencies.models import AgencyType
from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services as case_services
from tverrnett.cases import urls as case_urls
from tverrnett.cases.models import (
    CaseState,
    ChecklistItem,
    Guardian,
    InformationCategory,
    JournalEntry,
    Resource,
    Task,
)
from tverrnett.consent import services
from tverrnett.consent import urls as consent_urls
from tverrnett.consent.access_report import make_report
from tverrnett.consent.models import (
    AccessReport,
    ConfidentialityDeclaration,
    Consent,
    ConsentCapacity,
    ConsentStatus,
    ConsentWithdrawal,
    DisclosedItem,
    Disclosure,
    DisclosureFollowUp,
    DisclosureNotice,
    FollowUpKind,
    InformationRequest,
    LegalBasis,
    NoticeKind,
    RecipientBasis,
)
from tverrnett.core.tests import samples

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]

PURPOSE = "Samordne oppfølgingen av Kari i NAV"
NECESSITY = "NAV må vite om bekymringen for å tilpasse tiltaket denne uken."
BOTH_CONFIRMATIONS = ["anonymised_not_enough", "minimum_information"]
SIGNED = samples.pdf_bytes("Samtykke signert")
# The person of `adult_case`; no file name may carry any part of it.
PERSON_NAME_PARTS = ("kari", "nordmann")


def days_from_today(days):
    return timezone.localdate() + datetime.timedelta(days=days)


def audit(action):
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def reads_by(user, case):
    return AuditEntry.objects.filter(
        action="case.viewed",
        actor_id=user.pk,
        target_type="cases.concerncase",
        target_id=str(case.pk),
    ).order_by("-id")


def share_url(case, ground=None):
    url = reverse("consent:share", args=[case.pk])
    return f"{url}?grunnlag={ground}" if ground else url


def consent_ground(consent):
    return f"consent-{consent.pk}"


def basis_ground(basis):
    return f"basis-{basis.pk}"


def file_name(response):
    return response["Content-Disposition"].rpartition("filename=")[2].strip('"')


def without_person_name(name):
    return not any(part in name.lower() for part in PERSON_NAME_PARTS)


def ticked(html):
    """Whether any checkbox or radio in the page is ticked (L15)."""
    return " checked" in html


def danger_alerts(html):
    return re.findall(r'<div class="ds-alert" data-color="danger">(.*?)</div>', html, re.DOTALL)


# The walk: every consent route that takes a case -----------------------------------------


@pytest.fixture
def scene(team_case, owner, owner_agency, partner_agency, write, catalogue, media_root, open_to):
    """The adult case, opened to Nav Drammen on the team, with one of everything a consent
    URL can point at: a written consent
    with its signed declaration, a disclosure under it and one under nr. 7 (which leaves a
    review), the consent withdrawn (which leaves a notice for Nav Drammen) and an access
    report. Plus a task, a resource and a checklist item for the case routes."""
    open_to(team_case, partner_agency)
    case = team_case
    item = write(case, "Kari har uteblitt fra tiltaket tre ganger.")
    consent = services.prepare_consent(
        owner,
        case,
        consenter_name="Kari Nordmann",
        capacity=ConsentCapacity.THE_PERSON,
        purpose="Samordnet oppfølging",
        categories=[InformationCategory.CONCERN],
        recipients=[partner_agency],
        ends_on=days_from_today(180),
        language="norsk",
        interpreter_used=False,
    )
    services.record_consent_answer(
        owner,
        consent,
        decision="given",
        form="written",
        declaration=samples.upload("kari-nordmann-signert.pdf", SIGNED),
    )
    under_consent = services.disclose(
        owner, case, items=[item], recipient=partner_agency, purpose=PURPOSE, consent=consent
    )
    services.disclose(
        owner,
        case,
        items=[item],
        recipient=partner_agency,
        purpose=PURPOSE,
        legal_basis=catalogue["statutory-nr7"],
        necessity_note=NECESSITY,
        confirmations=BOTH_CONFIRMATIONS,
    )
    services.withdraw_consent(
        owner, consent, withdrawn_on=timezone.localdate(), note="Kari ringte og trakk det."
    )
    report = make_report(owner, case.subject, redactions=[])
    case_services.add_task(
        owner,
        case,
        title="Ring skolen",
        owner_agency=owner_agency,
        owner_name="Eva",
        deadline=days_from_today(3),
    )
    case_services.add_resource(owner, case, name="Onkel", relation="family")
    ChecklistItem.objects.create(case=case, code=case_services.ADVICE_BEFORE_CONTACT, position=0)
    return {
        "case": case,
        "item": item,
        "consent": consent,
        "follow_up": DisclosureFollowUp.objects.get(kind=FollowUpKind.REVIEW),
        "notice": DisclosureNotice.objects.get(kind=NoticeKind.CONSENT_WITHDRAWN),
        "report": report,
        # Nav Drammen may record its own basis for keeping it (L13).
        "under_consent": under_consent,
    }


def _ids(scene, **overrides):
    case = scene["case"]
    ids = {
        "pk": case.pk,
        "consent_pk": scene["consent"].pk,
        "language": "nb",
        "follow_up_pk": scene["follow_up"].pk,
        "notice_pk": scene["notice"].pk,
        "report_pk": scene["report"].pk,
        "file_format": "json",
        "member_pk": case.team.exclude(has_lead=True).first().pk,
        "task_pk": Task.objects.filter(case=case).first().pk,
        "entry_pk": JournalEntry.objects.filter(case=case).first().pk,
        "resource_pk": Resource.objects.filter(case=case).first().pk,
        "item_pk": ChecklistItem.objects.filter(case=case).first().pk,
        "disclosure_pk": scene["under_consent"].pk,
        # Undoing a removal: POST only; any id reaches the view, which finds none.
        "removal_pk": 1,
    }
    ids.update(overrides)
    return ids


def _urls(module, namespace, ids):
    urls = []
    for pattern in module.urlpatterns:
        names = list(pattern.pattern.converters)
        if "pk" not in names:
            continue
        name = f"{namespace}:{pattern.name}"
        urls.append((name, reverse(name, kwargs={key: ids[key] for key in names})))
    return urls


def _consent_urls(scene, **overrides):
    """Every consent route that takes a case, filled in with real ids."""
    return _urls(consent_urls, "consent", _ids(scene, **overrides))


def _case_urls(scene, **overrides):
    return _urls(case_urls, "cases", _ids(scene, **overrides))


def _missing(url, case):
    """The same URL for a case that does not exist."""
    return url.replace(f"/{case.pk}/", "/999999/", 1)


def _payload(name, scene, partner_agency):
    """What a user of the case would post to each route: enough to change something."""
    today = timezone.localdate().isoformat()
    return {
        "consent:prepare": {
            "consenter_name": "Kari Nordmann",
            "capacity": "the_person",
            "purpose": "Noe annet",
            "categories": ["concern"],
            "recipients": [partner_agency.pk],
            "starts_on": today,
            "ends_on": days_from_today(30).isoformat(),
            "language": "norsk",
        },
        "consent:answer": {"decision": "refused"},
        "consent:withdraw": {"withdrawn_on": today, "note": "Trukket."},
        "consent:share": {
            "recipient": partner_agency.pk,
            "items": [scene["item"].pk],
            "purpose": PURPOSE,
            "necessity_note": NECESSITY,
            "confirmations": BOTH_CONFIRMATIONS,
        },
        "consent:follow_up": {"review_note": "Greit."},
        "consent:own_basis": {
            "legal_basis": LegalBasis.objects.get(code="statutory-open").pk,
            "necessity_note": NECESSITY,
        },
        "consent:access_report": {},
        "consent:ask_information": {
            "recipient": partner_agency.pk,
            "ground": f"basis-{LegalBasis.objects.get(code='statutory-open').pk}",
            "question": "Hva vet dere?",
            "deadline": days_from_today(5).isoformat(),
        },
    }.get(name, {})


def _state():
    """Everything a consent page could change."""
    return {
        "consents": sorted(Consent.objects.values_list("pk", "status")),
        "withdrawals": ConsentWithdrawal.objects.count(),
        "disclosures": Disclosure.objects.count(),
        "disclosed_items": DisclosedItem.objects.count(),
        "own_bases": RecipientBasis.objects.count(),
        "follow_ups": sorted(DisclosureFollowUp.objects.values_list("pk", "done_at")),
        "notices": sorted(DisclosureNotice.objects.values_list("pk", "acknowledged_at")),
        "reports": AccessReport.objects.count(),
        "declarations": ConfidentialityDeclaration.objects.count(),
        "information_requests": InformationRequest.objects.count(),
        "journal": JournalEntry.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_the_walk_covers_every_consent_route_with_a_case(scene):
    names = {name for name, _url in _consent_urls(scene)}
    expected = {
        route.name
        for route in routes()
        if route.name.startswith("consent:")
        and route.name
        not in {
            "consent:confidentiality_declaration",
            "consent:legal_bases",
            # Not under the case: a volunteer is told of a withdrawal that closed the case.
            "consent:acknowledge_notice",
            # Requests for information exist for the asking and the asked agency, not
            # under the case (test_information_requests walks them with four actors).
            "consent:information_requests",
            "consent:information_request",
            "consent:answer_information_request",
            "consent:decline_information_request",
            "consent:withdraw_information_request",
        }
    }
    assert names == expected
    assert len(names) == 13


def test_every_consent_page_of_a_case_lives_under_the_case(scene):
    """consent/urls.py: "The case pages live beside the case's own under saker/<pk>/"."""
    case = scene["case"]
    outside = [
        (name, url)
        for name, url in _consent_urls(scene)
        if not url.startswith(f"/saker/{case.pk}/")
    ]
    assert outside == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_outsider_gets_404_on_every_consent_url(
    client, login_as, outsider, partner_agency, scene, method
):
    case = scene["case"]
    login_as(client, outsider)
    before = _state()
    for name, url in _consent_urls(scene):
        data = _payload(name, scene, partner_agency) if method == "post" else None
        if name == "consent:share":
            url += f"?grunnlag=basis-{scene['follow_up'].disclosure.legal_basis_id}"
        response = getattr(client, method)(url, data)
        assert response.status_code in (404, 405), (name, response.status_code)
        # The same answer as for a case that does not exist.
        missing = getattr(client, method)(_missing(url, case), data)
        assert missing.status_code == response.status_code, name
    assert _state() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_agency_administrator_of_the_owner_gets_404_on_every_consent_url(
    client, login_as, make_user, owner_agency, partner_agency, scene, method
):
    administrator = make_user("admin", owner_agency, MembershipRole.AGENCY_ADMIN)
    login_as(client, administrator)
    before = _state()
    for name, url in _consent_urls(scene):
        data = _payload(name, scene, partner_agency) if method == "post" else None
        response = getattr(client, method)(url, data)
        assert response.status_code in (404, 405), (name, response.status_code)
    assert _state() == before


@pytest.fixture
def declared_volunteer(scene, owner, volunteer, volunteer_agency, on_team, give_consent):
    """Drammen idrettslag on the team, named in a valid consent, sent one item; its user
    has accepted the confidentiality declaration."""
    case = scene["case"]
    on_team(case, volunteer_agency)
    consent = give_consent(case, recipients=[volunteer_agency])
    services.disclose(
        owner,
        case,
        items=[scene["item"]],
        recipient=volunteer_agency,
        purpose=PURPOSE,
        consent=consent,
    )
    services.accept_confidentiality_declaration(volunteer, volunteer_agency)
    return consent


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_declared_volunteer_named_in_a_consent_reaches_only_the_case_page_and_journal(
    client, login_as, volunteer, partner_agency, scene, declared_volunteer, method
):
    login_as(client, volunteer)
    before = _state()
    # Their own consent, not the withdrawn one.
    overrides = {"consent_pk": declared_volunteer.pk}
    for name, url in _consent_urls(scene, **overrides) + _case_urls(scene, **overrides):
        data = _payload(name, scene, partner_agency) if method == "post" else None
        status = getattr(client, method)(url, data).status_code
        if name in ("cases:detail", "cases:journal") and method == "get":
            assert status == 200, (name, status)
        else:
            assert status in (404, 405), (name, status)
    after = _state()
    # Only the read entries of the two pages were written.
    assert after.pop("audit") == before.pop("audit") + (2 if method == "get" else 0)
    assert after == before


OWNER_GETS = {
    "consent:overview": 200,
    "consent:prepare": 200,
    "consent:detail": 200,
    "consent:answer": 302,  # already answered: back to the consent
    "consent:withdraw": 200,
    "consent:declaration": 200,
    "consent:signed_declaration": 200,
    "consent:share": 200,
    "consent:follow_up": 403,  # a review is for a manager of the agency
    "consent:access_report": 200,
    "consent:access_report_file": 200,
    "consent:own_basis": 404,  # only the recipient records its own basis (L13)
    "consent:ask_information": 200,
}

PARTNER_GETS = {
    **OWNER_GETS,
    "consent:follow_up": 404,  # the owner's agency's review: not Nav Drammen's
    "consent:access_report": 403,  # only the coordinator makes it (L40)
    "consent:access_report_file": 403,
    "consent:own_basis": 200,
}


@pytest.mark.parametrize(("who", "expected"), [("owner", OWNER_GETS), ("partner", PARTNER_GETS)])
def test_the_team_walks_every_consent_url(client, login_as, request, scene, who, expected):
    login_as(client, request.getfixturevalue(who))
    statuses = {name: client.get(url).status_code for name, url in _consent_urls(scene)}
    assert statuses == expected


def test_the_partner_cannot_make_or_download_the_access_report(client, login_as, partner, scene):
    case = scene["case"]
    login_as(client, partner)

    made = client.post(reverse("consent:access_report", args=[case.pk]))
    for file_format in ("json", "pdf"):
        url = reverse("consent:access_report_file", args=[case.pk, scene["report"].pk, file_format])
        assert client.get(url).status_code == 403

    assert made.status_code == 403
    assert AccessReport.objects.count() == 1


def test_the_partner_cannot_complete_the_owners_review(client, login_as, partner, scene):
    case, follow_up = scene["case"], scene["follow_up"]
    login_as(client, partner)

    response = client.post(
        reverse("consent:follow_up", args=[case.pk, follow_up.pk]), {"review_note": "OK"}
    )

    assert response.status_code == 404
    assert DisclosureFollowUp.objects.get(pk=follow_up.pk).is_open


def test_a_line_manager_of_the_sender_completes_the_review(
    client, login_as, make_user, owner, owner_agency, scene
):
    case, follow_up = scene["case"], scene["follow_up"]
    manager = make_user("leder", owner_agency, MembershipRole.LINE_MANAGER)
    url = reverse("consent:follow_up", args=[case.pk, follow_up.pk])
    login_as(client, manager)
    assert client.get(url).status_code == 200

    empty = client.post(url, {"review_note": "  "})
    assert empty.status_code == 200
    assert "review_note" in empty.context["form"].errors
    assert DisclosureFollowUp.objects.get(pk=follow_up.pk).is_open

    done = client.post(url, {"review_note": "Utleveringen var nødvendig og begrenset."})

    assert done.status_code == 302
    assert done.url == reverse("cases:detail", args=[case.pk])
    follow_up.refresh_from_db()
    assert not follow_up.is_open
    assert follow_up.done_by == manager
    assert follow_up.review_note == "Utleveringen var nødvendig og begrenset."
    [entry] = audit("consent.follow_up_done")
    assert entry.detail == {"follow_up": follow_up.pk, "kind": "review"}
    login_as(client, owner)
    assert url not in client.get(reverse("core:home")).content.decode()


def test_the_partner_acknowledges_the_withdrawal_notice(client, login_as, partner, scene):
    case, notice = scene["case"], scene["notice"]
    login_as(client, partner)
    url = reverse("consent:acknowledge_notice", args=[notice.pk])
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert url in page
    assert reverse("cases:detail", args=[case.pk]) in client.get("/").content.decode()

    response = client.post(url)

    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.acknowledged_by == partner
    assert url not in client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    [entry] = audit("consent.notice_acknowledged")
    assert entry.detail == {"notice": notice.pk, "kind": "consent_withdrawn"}


def test_the_owner_cannot_acknowledge_a_notice_sent_to_the_partner(client, login_as, owner, scene):
    notice = scene["notice"]
    login_as(client, owner)

    response = client.post(reverse("consent:acknowledge_notice", args=[notice.pk]))

    assert response.status_code == 404
    assert DisclosureNotice.objects.get(pk=notice.pk).acknowledged_at is None


def test_pages_outside_a_case_are_for_those_they_concern(client, login_as, owner, volunteer):
    login_as(client, owner)
    assert client.get(reverse("consent:legal_bases")).status_code == 200
    # No voluntary organisation: no declaration to accept.
    assert client.get(reverse("consent:confidentiality_declaration")).status_code == 404
    login_as(client, volunteer)
    assert client.get(reverse("consent:confidentiality_declaration")).status_code == 200


def test_an_anonymous_discussion_has_no_consent_pages(client, login_as, owner, anonymous_case):
    login_as(client, owner)

    for name in ("consent:overview", "consent:prepare", "consent:share", "consent:access_report"):
        assert client.get(reverse(name, args=[anonymous_case.pk])).status_code == 404, name


def test_a_closed_case_is_read_only_on_the_consent_pages(
    client, login_as, owner, partner_agency, scene, give_consent
):
    case = scene["case"]
    valid = give_consent(case, recipients=[partner_agency])
    case.refresh_from_db()
    case_services.change_state(
        owner,
        case,
        CaseState.CLOSED,
        version=case.version,
        evaluation="Ferdig.",
        review_on=days_from_today(90),
    )
    login_as(client, owner)
    before = _state()

    assert client.get(reverse("consent:overview", args=[case.pk])).status_code == 200
    assert client.get(reverse("consent:detail", args=[case.pk, valid.pk])).status_code == 200
    for url, data in [
        (reverse("consent:prepare", args=[case.pk]), consent_form(partner_agency)),
        (
            share_url(case, consent_ground(valid)),
            shared(partner_agency, scene["item"]),
        ),
        (
            reverse("consent:withdraw", args=[case.pk, valid.pk]),
            {"withdrawn_on": timezone.localdate().isoformat(), "note": "Trukket."},
        ),
    ]:
        assert client.post(url, data).status_code == 403, url
    after = _state()
    assert after.pop("audit") == before.pop("audit") + 2  # the two reads
    assert after == before


# Sharing through the pages (L01, L06, L12, L13) ------------------------------------------


@pytest.fixture
def sharing(team_case, owner, on_team, school_agency, partner_agency, write, give_consent):
    """The owner's four items, a consent that lets Nav Drammen have the concern and the
    measures, and the school on the team but not named in the consent."""
    on_team(team_case, school_agency)
    return {
        "case": team_case,
        "concern": write(team_case, "Kari har uteblitt fra tiltaket tre ganger."),
        "measures": write(team_case, "Kari har fått ny kontaktperson.", category="measures"),
        "health": write(team_case, "Kari går til psykolog.", health_data=True),
        "family": write(team_case, "Kari bor hos tanten.", category="family"),
        "consent": give_consent(
            team_case,
            recipients=[partner_agency],
            categories=[InformationCategory.CONCERN, InformationCategory.MEASURES],
        ),
    }


def shared(recipient, *items, purpose=PURPOSE, **extra):
    return {
        "recipient": recipient.pk,
        "items": [item.pk for item in items],
        "purpose": purpose,
        **extra,
    }


def test_without_a_ground_the_page_asks_for_one_and_shares_nothing(
    client, login_as, owner, partner_agency, sharing, catalogue
):
    case = sharing["case"]
    login_as(client, owner)

    page = client.get(share_url(case))
    posted = client.post(share_url(case), shared(partner_agency, sharing["concern"]))

    assert page.status_code == 200
    choices = [value for value, _label in page.context["form"].fields["grunnlag"].choices]
    assert consent_ground(sharing["consent"]) in choices
    assert basis_ground(catalogue["statutory-nr7"]) in choices
    # Only statutory bases valid today; never a consent basis as if it were one.
    assert basis_ground(catalogue["consent-fvl"]) not in choices
    assert basis_ground(catalogue["statutory-future"]) not in choices
    assert basis_ground(catalogue["statutory-ended"]) not in choices
    assert "items" not in page.context["form"].fields
    assert posted.status_code == 200
    assert "consent/share_ground.html" in [template.name for template in posted.templates]
    assert not Disclosure.objects.exists()


def test_choosing_the_ground_in_step_1_leads_to_step_2(
    client, login_as, owner, partner_agency, sharing
):
    """Step 1 is a GET form: what it sends must be what the page reads as the ground."""
    case, consent = sharing["case"], sharing["consent"]
    login_as(client, owner)
    html = client.get(share_url(case)).content.decode()
    [form] = re.findall(r'<form method="get".*?</form>', html, re.DOTALL)
    chosen = re.search(rf'<input[^>]*value="{consent_ground(consent)}"[^>]*>', form).group(0)
    name = re.search(r'name="([^"]+)"', chosen).group(1)

    step_2 = client.get(share_url(case), {name: consent_ground(consent)})

    assert "consent/share.html" in [template.name for template in step_2.templates]
    assert step_2.context["consent"] == consent
    assert list(step_2.context["form"].fields["recipient"].queryset) == [partner_agency]


def test_a_made_up_ground_is_404(
    client, login_as, owner, partner_agency, sharing, register, give_consent
):
    case = sharing["case"]
    other_case = register(person={"name": "Per Hansen", "birth_year": 1985}, audience="adults")
    case_services.add_team_member(owner, other_case, agency=partner_agency, contact_name="P")
    other_consent = give_consent(other_case, recipients=[partner_agency])
    login_as(client, owner)

    for ground in ("basis-999999", "consent-999999", consent_ground(other_consent)):
        url = share_url(case, ground)
        assert client.get(url).status_code == 404, ground
        posted = client.post(url, shared(partner_agency, sharing["concern"]))
        assert posted.status_code == 404, ground
    assert not Disclosure.objects.exists()


def test_it_shares_exactly_the_posted_items_under_a_consent(
    client, login_as, owner, owner_agency, partner_agency, sharing
):
    case, consent = sharing["case"], sharing["consent"]
    login_as(client, owner)

    response = client.post(
        share_url(case, consent_ground(consent)),
        shared(partner_agency, sharing["concern"], sharing["measures"]),
    )

    assert response.status_code == 302
    assert response.url == reverse("consent:overview", args=[case.pk])
    disclosure = Disclosure.objects.get()
    assert set(disclosure.items.all()) == {sharing["concern"], sharing["measures"]}
    assert disclosure.recipient_agency == partner_agency
    assert disclosure.sender_agency == owner_agency
    assert disclosure.consent == consent
    assert disclosure.purpose == PURPOSE
    assert disclosure.legal_basis.code == "consent-fvl"
    assert disclosure.shared_by == owner
    [entry] = audit("consent.disclosed")
    assert entry.detail["items"] == sorted([sharing["concern"].pk, sharing["measures"].pk])
    overview = client.get(response.url)
    assert overview.context["disclosures"] == [disclosure]


def test_a_consent_offers_only_the_items_and_recipients_inside_it(
    client, login_as, owner, partner_agency, school_agency, sharing
):
    case, consent = sharing["case"], sharing["consent"]
    login_as(client, owner)
    url = share_url(case, consent_ground(consent))

    form = client.get(url).context["form"]

    assert set(form.fields["items"].queryset) == {sharing["concern"], sharing["measures"]}
    assert list(form.fields["recipient"].queryset) == [partner_agency]
    # No necessity note or confirmations under a consent: its scope is the reason.
    assert set(form.fields) == {"recipient", "items", "purpose"}
    for items, recipient, field in [
        ((sharing["concern"], sharing["family"]), partner_agency, "items"),
        ((sharing["health"],), partner_agency, "items"),
        ((sharing["concern"],), school_agency, "recipient"),
    ]:
        refused = client.post(url, shared(recipient, *items))
        assert refused.status_code == 200
        assert field in refused.context["form"].errors, (items, recipient)
    assert not Disclosure.objects.exists()


def test_a_consent_that_has_ended_is_not_offered_and_shares_nothing(
    client, login_as, owner, partner_agency, sharing, give_consent
):
    case = sharing["case"]
    ended = give_consent(
        case,
        recipients=[partner_agency],
        starts_on=days_from_today(-30),
        ends_on=days_from_today(-1),
    )
    login_as(client, owner)

    choices = dict(client.get(share_url(case)).context["form"].fields["grunnlag"].choices)
    response = client.post(
        share_url(case, consent_ground(ended)), shared(partner_agency, sharing["concern"])
    )

    assert consent_ground(ended) not in choices
    assert consent_ground(sharing["consent"]) in choices
    # Refused: back to step 1, with the reason.
    assert response.status_code == 302
    assert response.url == share_url(case)
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    assert not Disclosure.objects.exists()


def test_after_a_withdrawal_nothing_more_is_shared_and_recipients_are_told(
    client, login_as, owner, partner, partner_agency, sharing
):
    case, consent = sharing["case"], sharing["consent"]
    login_as(client, owner)
    ground = share_url(case, consent_ground(consent))
    assert client.post(ground, shared(partner_agency, sharing["concern"])).status_code == 302

    withdrawn = client.post(
        reverse("consent:withdraw", args=[case.pk, consent.pk]),
        {"withdrawn_on": timezone.localdate().isoformat(), "note": "Kari ringte i dag."},
    )
    again = client.post(ground, shared(partner_agency, sharing["measures"]))
    choices = dict(client.get(share_url(case)).context["form"].fields["grunnlag"].choices)

    assert withdrawn.status_code == 302
    assert withdrawn.url == reverse("consent:detail", args=[case.pk, consent.pk])
    assert ConsentWithdrawal.objects.get().consent == consent
    assert Consent.objects.get(pk=consent.pk).status == ConsentStatus.GIVEN  # kept as it was
    assert again.status_code == 302
    assert again.url == share_url(case)
    assert [m.level_tag for m in get_messages(again.wsgi_request)][-1] == "error"
    assert consent_ground(consent) not in choices
    assert Disclosure.objects.count() == 1
    [notice] = DisclosureNotice.objects.all()
    assert notice.kind == NoticeKind.CONSENT_WITHDRAWN
    assert notice.recipient_agency == partner_agency
    login_as(client, partner)
    home = client.get(reverse("core:home")).content.decode()
    assert 'id="notices-heading"' in home
    assert case.reference in home


def test_a_withdrawal_needs_a_note_and_a_date_not_in_the_future(client, login_as, owner, sharing):
    case, consent = sharing["case"], sharing["consent"]
    login_as(client, owner)
    url = reverse("consent:withdraw", args=[case.pk, consent.pk])

    no_note = client.post(url, {"withdrawn_on": timezone.localdate().isoformat(), "note": ""})
    future = client.post(url, {"withdrawn_on": days_from_today(1).isoformat(), "note": "Ja."})

    assert "note" in no_note.context["form"].errors
    assert "withdrawn_on" in future.context["form"].errors
    assert not ConsentWithdrawal.objects.exists()


def test_nr7_needs_the_confirmations_and_a_necessity_note_and_leaves_a_review(
    client, login_as, make_user, owner, owner_agency, partner_agency, sharing, catalogue
):
    case = sharing["case"]
    login_as(client, owner)
    url = share_url(case, basis_ground(catalogue["statutory-nr7"]))

    form = client.get(url).context["form"]
    unconfirmed = client.post(
        url, shared(partner_agency, sharing["concern"], necessity_note=NECESSITY)
    )
    half = client.post(
        url,
        shared(
            partner_agency,
            sharing["concern"],
            necessity_note=NECESSITY,
            confirmations=["minimum_information"],
        ),
    )
    no_note = client.post(
        url, shared(partner_agency, sharing["concern"], confirmations=BOTH_CONFIRMATIONS)
    )

    assert {value for value, _label in form.fields["confirmations"].choices} == set(
        BOTH_CONFIRMATIONS
    )
    assert "confirmations" in unconfirmed.context["form"].errors
    assert "confirmations" in half.context["form"].errors
    assert "necessity_note" in no_note.context["form"].errors
    assert not Disclosure.objects.exists()
    assert not DisclosureFollowUp.objects.exists()

    done = client.post(
        url,
        shared(
            partner_agency,
            sharing["concern"],
            necessity_note=NECESSITY,
            confirmations=BOTH_CONFIRMATIONS,
        ),
    )

    assert done.status_code == 302
    disclosure = Disclosure.objects.get()
    assert disclosure.legal_basis == catalogue["statutory-nr7"]
    assert disclosure.necessity_note == NECESSITY
    assert disclosure.confirmations == BOTH_CONFIRMATIONS
    [follow_up] = DisclosureFollowUp.objects.all()
    assert follow_up.kind == FollowUpKind.REVIEW
    assert follow_up.agency == owner_agency
    # The review is for the agency's managers: the owner is not one.
    review_url = reverse("consent:follow_up", args=[case.pk, follow_up.pk])
    assert review_url not in client.get(reverse("core:home")).content.decode()
    manager = make_user("leder", owner_agency, MembershipRole.LINE_MANAGER)
    login_as(client, manager)
    assert review_url in client.get(reverse("core:home")).content.decode()


def test_a_basis_not_valid_as_a_statutory_ground_shares_nothing(
    client, login_as, owner, partner_agency, sharing, catalogue
):
    case = sharing["case"]
    login_as(client, owner)

    for code in ("consent-fvl", "statutory-future", "statutory-ended"):
        response = client.post(
            share_url(case, basis_ground(catalogue[code])),
            shared(partner_agency, sharing["concern"], necessity_note=NECESSITY),
        )
        assert response.status_code == 200, code
        assert response.context["form"].errors, code
    assert not Disclosure.objects.exists()


def test_the_sender_tells_the_person_about_health_items_shared_without_consent(
    client, login_as, owner, partner_agency, sharing, catalogue
):
    """L07: the inform-the-person task stays open until a date or a reason is recorded."""
    case = sharing["case"]
    login_as(client, owner)
    client.post(
        share_url(case, basis_ground(catalogue["statutory-open"])),
        shared(partner_agency, sharing["health"], necessity_note=NECESSITY),
    )
    [follow_up] = DisclosureFollowUp.objects.all()
    assert follow_up.kind == FollowUpKind.INFORM_PERSON
    url = reverse("consent:follow_up", args=[case.pk, follow_up.pk])
    assert url in client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert url in client.get(reverse("core:home")).content.decode()

    empty = client.post(url, {"informed_on": "", "postponement_reason": ""})
    future = client.post(url, {"informed_on": days_from_today(1).isoformat()})
    assert empty.status_code == future.status_code == 200
    assert "informed_on" in empty.context["form"].errors
    assert "informed_on" in future.context["form"].errors
    assert DisclosureFollowUp.objects.get(pk=follow_up.pk).is_open

    done = client.post(url, {"informed_on": timezone.localdate().isoformat()})

    assert done.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.informed_on == timezone.localdate()
    assert follow_up.done_by == owner
    assert url not in client.get(reverse("core:home")).content.decode()


def test_a_consent_ending_soon_is_on_the_coordinators_start_page_and_the_case_page(
    client, login_as, owner, partner, partner_agency, team_case, give_consent, settings
):
    """L14: the warning comes CONSENT_EXPIRY_WARNING_DAYS before the end."""
    settings.CONSENT_EXPIRY_WARNING_DAYS = 30
    soon = give_consent(team_case, recipients=[partner_agency], ends_on=days_from_today(10))
    later = give_consent(team_case, recipients=[partner_agency], ends_on=days_from_today(60))
    login_as(client, owner)

    home = client.get(reverse("core:home"))
    case_page = client.get(reverse("cases:detail", args=[team_case.pk]))

    assert list(home.context["consents_ending"]) == [soon]
    html = home.content.decode()
    assert reverse("consent:detail", args=[team_case.pk, soon.pk]) in html
    assert reverse("consent:detail", args=[team_case.pk, later.pk]) not in html
    assert case_page.context["consents"]["ending_soon"] == [soon]
    # The partner is on the team but does not coordinate: no start-page warning.
    login_as(client, partner)
    assert client.get(reverse("core:home")).context["consents_ending"] == []


# The consent form (L11, L15, L16) --------------------------------------------------------


def consent_form(*recipients, **changes):
    data = {
        "consenter_name": "Kari Nordmann",
        "capacity": "the_person",
        "purpose": "Samordnet oppfølging i NAV og SLT",
        "categories": ["concern", "measures"],
        "recipients": [agency.pk for agency in recipients],
        "starts_on": timezone.localdate().isoformat(),
        "ends_on": days_from_today(180).isoformat(),
        "language": "norsk",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize("field", ["ends_on", "purpose", "categories", "recipients"])
def test_a_consent_is_not_saved_without(client, login_as, owner, partner_agency, adult_case, field):
    login_as(client, owner)

    response = client.post(
        reverse("consent:prepare", args=[adult_case.pk]),
        consent_form(partner_agency, **{field: None}),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {field}
    assert str(errors[field][0]) in response.content.decode()
    assert not Consent.objects.exists()


def test_a_valid_consent_goes_to_its_page(client, login_as, owner, partner_agency, adult_case):
    login_as(client, owner)

    response = client.post(
        reverse("consent:prepare", args=[adult_case.pk]), consent_form(partner_agency)
    )

    consent = Consent.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("consent:detail", args=[adult_case.pk, consent.pk])
    assert consent.status == ConsentStatus.PREPARED
    assert consent.ends_on == days_from_today(180)
    assert list(consent.recipients.all()) == [partner_agency]
    assert consent.categories == ["concern", "measures"]
    assert audit("consent.prepared")[0].detail["consent"] == consent.pk


@pytest.fixture
def mother(minor_case):
    return Guardian.objects.create(
        person=minor_case.subject,
        name="Aisha Nordmann",
        relation="mor",
        has_parental_responsibility=True,
    )


@pytest.fixture
def uncle(minor_case):
    return Guardian.objects.create(
        person=minor_case.subject,
        name="Ali Nordmann",
        relation="onkel",
        has_parental_responsibility=False,
    )


def child_form(partner_agency, **changes):
    return consent_form(
        partner_agency,
        consenter_name="Aisha Nordmann",
        capacity="guardians",
        **{"child_views": "Ola vil ha hjelp med skolen.", **changes},
    )


@pytest.mark.parametrize("field", ["guardians", "child_views"])
def test_a_childs_consent_needs_the_guardians_and_the_childs_views(
    client, login_as, owner, partner_agency, minor_case, mother, uncle, field
):
    login_as(client, owner)
    url = reverse("consent:prepare", args=[minor_case.pk])
    offered = client.get(url).context["form"].fields["guardians"].queryset

    response = client.post(
        url, child_form(partner_agency, **{"guardians": [mother.pk], field: None})
    )

    assert list(offered) == [mother]  # only holders of parental responsibility
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Consent.objects.exists()


def test_a_childs_consent_with_guardians_and_views_is_saved(
    client, login_as, owner, partner_agency, minor_case, mother
):
    login_as(client, owner)

    response = client.post(
        reverse("consent:prepare", args=[minor_case.pk]),
        child_form(partner_agency, guardians=[mother.pk]),
    )

    consent = Consent.objects.get()
    assert response.url == reverse("consent:detail", args=[minor_case.pk, consent.pk])
    assert list(consent.guardians.all()) == [mother]
    assert consent.capacity == ConsentCapacity.GUARDIANS
    assert consent.child_views == "Ola vil ha hjelp med skolen."


def test_an_adult_has_no_guardian_or_child_fields(client, login_as, owner, adult_case):
    login_as(client, owner)

    fields = client.get(reverse("consent:prepare", args=[adult_case.pk])).context["form"].fields

    assert "guardians" not in fields
    assert "child_views" not in fields


def test_no_box_is_ticked_in_advance_on_any_consent_form(
    client, login_as, owner, volunteer, partner_agency, minor_case, mother, catalogue
):
    case_services.add_team_member(owner, minor_case, agency=partner_agency, contact_name="P")
    case_services.write_journal_entry(
        owner, minor_case, text="Ola deler innhold.", confidentiality="confidential"
    )
    prepared = services.prepare_consent(
        owner,
        minor_case,
        consenter_name="Aisha Nordmann",
        capacity=ConsentCapacity.GUARDIANS,
        guardians=[mother],
        child_views="Ola vil ha hjelp med skolen.",
        purpose="Samordnet oppfølging",
        categories=[InformationCategory.CONCERN],
        recipients=[partner_agency],
        ends_on=days_from_today(90),
        language="norsk",
        interpreter_used=False,
    )
    login_as(client, owner)
    pages = [
        reverse("consent:prepare", args=[minor_case.pk]),
        reverse("consent:answer", args=[minor_case.pk, prepared.pk]),
        share_url(minor_case),
        share_url(minor_case, basis_ground(catalogue["statutory-nr7"])),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert 'type="checkbox"' in html or 'type="radio"' in html, url
        assert not ticked(html), url
    login_as(client, volunteer)
    html = client.get(reverse("consent:confidentiality_declaration")).content.decode()
    assert 'type="checkbox"' in html
    assert not ticked(html)


# The answer (L09, L11, L17) ----------------------------------------------------------------


@pytest.fixture
def prepared(team_case, owner, partner_agency, open_to):
    open_to(team_case, partner_agency)
    return services.prepare_consent(
        owner,
        team_case,
        consenter_name="Kari Nordmann",
        capacity=ConsentCapacity.THE_PERSON,
        purpose="Samordnet oppfølging",
        categories=[InformationCategory.CONCERN],
        recipients=[partner_agency],
        ends_on=days_from_today(180),
        language="norsk",
        interpreter_used=False,
    )


def answer_url(consent):
    return reverse("consent:answer", args=[consent.case_id, consent.pk])


def stored_files(media_root):
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


def test_a_written_consent_needs_the_upload(client, login_as, owner, prepared, media_root):
    login_as(client, owner)

    response = client.post(answer_url(prepared), {"decision": "given", "form": "written"})

    assert response.status_code == 200
    assert "declaration" in response.context["form"].errors
    assert Consent.objects.get(pk=prepared.pk).status == ConsentStatus.PREPARED


def test_a_declaration_marked_classified_is_refused(client, login_as, owner, prepared, media_root):
    login_as(client, owner)

    response = client.post(
        answer_url(prepared),
        {
            "decision": "given",
            "form": "written",
            "declaration": samples.upload("erklaering.pdf", samples.pdf_bytes("KONFIDENSIELT")),
        },
    )

    assert response.status_code == 200
    assert "declaration" in response.context["form"].errors
    consent = Consent.objects.get(pk=prepared.pk)
    assert consent.status == ConsentStatus.PREPARED
    assert not consent.declaration_file
    assert stored_files(media_root) == []
    assert not audit("consent.given")


def test_a_written_consent_is_recorded_with_its_declaration(
    client, login_as, owner, prepared, media_root
):
    login_as(client, owner)

    response = client.post(
        answer_url(prepared),
        {
            "decision": "given",
            "form": "written",
            "declaration": samples.upload("kari-nordmann.pdf", SIGNED),
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("consent:detail", args=[prepared.case_id, prepared.pk])
    consent = Consent.objects.get(pk=prepared.pk)
    assert consent.status == ConsentStatus.GIVEN
    assert [path.read_bytes() for path in stored_files(media_root)] == [SIGNED]
    # Answered once: the answer page now goes back to the consent.
    assert client.get(answer_url(prepared)).status_code == 302


def test_a_declaration_in_the_database_store_is_recorded_and_served(
    client, login_as, owner, outsider, prepared, settings
):
    """FILE_STORAGE=database (the default): the signed declaration is rows, and the
    team's download streams it back; an outsider gets 404."""
    from tverrnett.filestore.models import StoredFile
    from tverrnett.filestore.testing import use_file_storage

    use_file_storage(settings, "database")
    login_as(client, owner)
    response = client.post(
        answer_url(prepared),
        {
            "decision": "given",
            "form": "written",
            "declaration": samples.upload("kari-nordmann.pdf", SIGNED),
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get(pk=prepared.pk)
    assert StoredFile.objects.get(name=consent.declaration_file.name).size == len(SIGNED)
    url = reverse("consent:signed_declaration", args=[consent.case_id, consent.pk])

    download = client.get(url)

    assert download.status_code == 200
    assert b"".join(download.streaming_content) == SIGNED
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    login_as(client, outsider)
    assert client.get(url).status_code == 404


def test_a_refusal_is_shown_on_the_case_page(client, login_as, owner, partner, prepared):
    login_as(client, owner)
    case_page = reverse("cases:detail", args=[prepared.case_id])
    assert danger_alerts(client.get(case_page).content.decode()) == []

    response = client.post(
        answer_url(prepared), {"decision": "refused", "refusal_note": "Kari vil ikke."}
    )

    assert response.status_code == 302
    consent = Consent.objects.get(pk=prepared.pk)
    assert consent.status == ConsentStatus.REFUSED
    assert consent.refusal_note == "Kari vil ikke."
    for user in (owner, partner):
        login_as(client, user)
        [alert] = danger_alerts(client.get(case_page).content.decode())
        assert consent.consenter_name in alert


# What the recipient sees (C1, L05, L34, L41) ----------------------------------------------


@pytest.fixture
def received(team_case, owner, partner, partner_agency, write, give_consent, open_to):
    """Nav Drammen, the case opened to it, has been sent two of the owner's three items
    (one about health), and has one item of its own."""
    case = team_case
    open_to(case, partner_agency)
    items = {
        "shared": write(case, "Kari møter ikke opp på tiltaket."),
        "health": write(case, "Kari går til psykolog for angst.", health_data=True),
        "private": write(case, "Eiers interne vurdering av familien."),
        "own": write(case, "Navs eget notat om arbeidstrening.", actor=partner),
    }
    consent = give_consent(
        case,
        recipients=[partner_agency],
        categories=[InformationCategory.CONCERN, InformationCategory.HEALTH],
    )
    services.disclose(
        owner,
        case,
        items=[items["shared"], items["health"]],
        recipient=partner_agency,
        purpose=PURPOSE,
        consent=consent,
    )
    return {"case": case, **items}


@pytest.mark.parametrize("page", ["cases:detail", "cases:journal"])
def test_the_recipient_sees_exactly_what_was_disclosed(
    client, login_as, partner, received, page, grant_special_categories
):
    grant_special_categories(partner)  # the health item is tagged Art. 9 (L34)
    login_as(client, partner)

    html = client.get(reverse(page, args=[received["case"].pk])).content.decode()

    assert received["shared"].text in html
    assert received["health"].text in html
    assert received["own"].text in html
    assert received["private"].text not in html


def test_the_owner_does_not_see_the_partners_items(
    client, login_as, owner, received, grant_special_categories
):
    grant_special_categories(owner)
    login_as(client, owner)

    html = client.get(reverse("cases:detail", args=[received["case"].pk])).content.decode()

    for key in ("shared", "health", "private"):
        assert received[key].text in html
    assert received["own"].text not in html


def test_each_side_is_told_what_was_shared_of_an_item(
    client, login_as, owner, partner, partner_agency, received
):
    case = received["case"]
    disclosure = Disclosure.objects.filter(parts__isnull=True).get()
    login_as(client, owner)
    owners = {
        item.pk: item
        for item in client.get(reverse("cases:detail", args=[case.pk])).context["journal"]
    }
    login_as(client, partner)
    partners = {
        item.pk: item
        for item in client.get(reverse("cases:detail", args=[case.pk])).context["journal"]
    }

    assert owners[received["shared"].pk].shared_with == [disclosure]
    assert owners[received["private"].pk].shared_with == []
    assert partners[received["shared"].pk].received == [disclosure]
    assert not partners[received["shared"].pk].is_own
    assert partners[received["own"].pk].is_own
    assert disclosure.recipient_agency == partner_agency


@pytest.mark.parametrize("page", ["cases:detail", "cases:journal"])
def test_the_read_entry_marks_the_health_item_shown(
    client, login_as, partner, received, page, grant_special_categories
):
    case = received["case"]
    grant_special_categories(partner)
    login_as(client, partner)

    client.get(reverse(page, args=[case.pk]))

    entry = reads_by(partner, case).first()
    assert entry.detail["special_items"] == [received["health"].pk]
    assert entry.detail["path"] == "team"


def test_a_correction_stays_with_the_owner_and_the_recipient_is_told(
    client, login_as, owner, partner, partner_agency, received
):
    case, entry = received["case"], received["shared"]
    login_as(client, owner)

    response = client.post(
        reverse("cases:correct_journal", args=[case.pk, entry.pk]),
        {
            "text": "Kari møtte likevel opp på tirsdag.",
            "confidentiality": "confidential",
            "category": "concern",
            "reason": "Feil i første versjon.",
        },
    )

    assert response.status_code == 302
    correction = JournalEntry.objects.get(supersedes=entry)
    [notice] = DisclosureNotice.objects.all()
    assert notice.kind == NoticeKind.ITEM_CORRECTED
    assert notice.recipient_agency == partner_agency
    assert notice.corrected_entry == correction
    login_as(client, partner)
    for page in ("cases:detail", "cases:journal"):
        html = client.get(reverse(page, args=[case.pk])).content.decode()
        assert entry.text in html, page
        assert correction.text not in html, page
    case_page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("consent:acknowledge_notice", args=[notice.pk]) in case_page
    home = client.get(reverse("core:home")).content.decode()
    assert reverse("cases:detail", args=[case.pk]) in home


# A voluntary organisation (L49) -------------------------------------------------------------


@pytest.fixture
def volunteer_case(adult_case, owner, on_team, volunteer_agency, write, give_consent):
    """Drammen idrettslag on the team and named in a consent, sent one of two items; the
    case has a summary. Its user has not accepted the declaration yet."""
    case = on_team(adult_case, volunteer_agency)
    sent = write(case, "Kari trener med laget tirsdager.")
    kept = write(case, "Kari har vært i kontakt med et ekstremt miljø.")
    consent = give_consent(case, recipients=[volunteer_agency])
    services.disclose(
        owner, case, items=[sent], recipient=volunteer_agency, purpose=PURPOSE, consent=consent
    )
    case.refresh_from_db()
    case_services.change_summary(
        owner, case, version=case.version, summary="Felles bilde: bekymringen er alvorlig."
    )
    case.refresh_from_db()
    return {"case": case, "sent": sent, "kept": kept, "consent": consent}


def test_a_volunteer_reaches_the_case_only_after_the_declaration_and_until_withdrawal(
    client, login_as, owner, volunteer, volunteer_agency, volunteer_case
):
    case = volunteer_case["case"]
    case_page = reverse("cases:detail", args=[case.pk])
    declaration = reverse("consent:confidentiality_declaration")
    login_as(client, volunteer)

    assert client.get(case_page).status_code == 404
    home = client.get(reverse("core:home")).content.decode()
    assert declaration in home
    assert case_page not in home

    unticked = client.post(declaration, {"agency": volunteer_agency.pk})
    assert unticked.status_code == 200
    assert "accept" in unticked.context["form"].errors
    assert not ConfidentialityDeclaration.objects.exists()

    accepted = client.post(declaration, {"agency": volunteer_agency.pk, "accept": "on"})

    assert accepted.status_code == 302
    assert accepted.url == reverse("core:home")
    [recorded] = ConfidentialityDeclaration.objects.all()
    assert (recorded.user, recorded.agency) == (volunteer, volunteer_agency)
    assert audit("consent.confidentiality_accepted")[0].actor_id == volunteer.pk
    assert client.get(declaration).status_code == 404  # nothing left to accept
    response = client.get(case_page)
    assert response.status_code == 200
    html = response.content.decode()
    assert volunteer_case["sent"].text in html
    assert volunteer_case["kept"].text not in html
    assert case.summary not in html
    assert case.observation not in html
    assert case.subject.name not in html  # the consent does not cover personal details
    assert reads_by(volunteer, case).first().detail["path"] == "consent"
    home = client.get(reverse("core:home")).content.decode()
    assert declaration not in home
    assert case_page in home
    assert case.reference in home

    login_as(client, owner)
    client.post(
        reverse("consent:withdraw", args=[case.pk, volunteer_case["consent"].pk]),
        {"withdrawn_on": timezone.localdate().isoformat(), "note": "Kari vil ikke lenger."},
    )
    assert ConsentWithdrawal.objects.exists()
    login_as(client, volunteer)

    assert client.get(case_page).status_code == 404
    assert client.get(reverse("cases:journal", args=[case.pk])).status_code == 404
    assert case_page not in client.get(reverse("core:home")).content.decode()


def test_a_volunteer_is_told_on_the_start_page_when_the_consent_is_withdrawn(
    client, login_as, owner, volunteer, volunteer_agency, volunteer_case
):
    """L13: a withdrawal notifies the earlier recipients. The notice to the voluntary
    organisation is written, but the start page lists notices only for cases the user
    can still see, and the withdrawal is what closed the case to them."""
    case = volunteer_case["case"]
    services.accept_confidentiality_declaration(volunteer, volunteer_agency)
    services.withdraw_consent(
        owner, volunteer_case["consent"], withdrawn_on=timezone.localdate(), note="Trukket."
    )
    [notice] = DisclosureNotice.objects.all()
    assert notice.recipient_agency == volunteer_agency
    login_as(client, volunteer)

    home = client.get(reverse("core:home")).content.decode()

    assert 'id="notices-heading"' in home
    assert case.reference in home


# Downloads (L15, L35, L40) ------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_declaration_is_a_pdf_named_without_the_person(
    client, login_as, owner, scene, language
):
    case, consent = scene["case"], scene["consent"]
    login_as(client, owner)

    response = client.get(reverse("consent:declaration", args=[case.pk, consent.pk, language]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    name = file_name(response)
    assert name.endswith(f"-{language}.pdf")
    assert case.reference in name
    assert without_person_name(name)
    assert reads_by(owner, case).first().detail["parts"] == ["consents", "declaration"]


@pytest.mark.parametrize("language", ["de", "se", "NB", "nb-no"])
def test_a_declaration_in_an_unknown_language_is_404(client, login_as, owner, scene, language):
    case, consent = scene["case"], scene["consent"]
    login_as(client, owner)

    url = reverse("consent:declaration", args=[case.pk, consent.pk, language])

    assert client.get(url).status_code == 404


def test_the_signed_declaration_goes_only_to_the_team(
    client, login_as, owner, partner, outsider, make_user, owner_agency, scene
):
    case, consent = scene["case"], scene["consent"]
    url = reverse("consent:signed_declaration", args=[case.pk, consent.pk])
    administrator = make_user("admin", owner_agency, MembershipRole.AGENCY_ADMIN)

    for user in (owner, partner):
        login_as(client, user)
        response = client.get(url)
        assert response.status_code == 200, user
        assert b"".join(response.streaming_content) == SIGNED
        assert response["Content-Type"] == "application/pdf"
        name = file_name(response)
        assert case.reference in name
        assert without_person_name(name)  # not the uploaded file's name either
        assert reads_by(user, case).first().detail["parts"] == [
            "consents",
            "signed_declaration",
        ]
    for user in (outsider, administrator):
        login_as(client, user)
        assert client.get(url).status_code == 404, user


def test_a_consent_without_an_upload_has_no_signed_declaration(
    client, login_as, owner, team_case, partner_agency, give_consent
):
    oral = give_consent(team_case, recipients=[partner_agency])
    login_as(client, owner)

    url = reverse("consent:signed_declaration", args=[team_case.pk, oral.pk])

    assert client.get(url).status_code == 404


def test_the_access_report_is_made_on_the_page_and_downloaded(client, login_as, owner, scene):
    case = scene["case"]
    login_as(client, owner)

    made = client.post(reverse("consent:access_report", args=[case.pk]))

    report = AccessReport.objects.order_by("-id").first()
    assert made.status_code == 302
    assert report.pk != scene["report"].pk
    assert made.url.endswith(f"#rapport-{report.pk}")
    as_json = client.get(reverse("consent:access_report_file", args=[case.pk, report.pk, "json"]))
    as_pdf = client.get(reverse("consent:access_report_file", args=[case.pk, report.pk, "pdf"]))
    assert as_json["Content-Type"] == "application/json"
    assert isinstance(json.loads(as_json.content), dict)
    assert as_pdf["Content-Type"] == "application/pdf"
    assert as_pdf.content.startswith(b"%PDF")
    for response in (as_json, as_pdf):
        name = file_name(response)
        assert case.reference in name
        assert without_person_name(name)
    unknown = reverse("consent:access_report_file", args=[case.pk, report.pk, "xml"])
    assert client.get(unknown).status_code == 404


def test_a_redaction_without_a_reason_makes_no_report(client, login_as, owner, scene):
    case = scene["case"]
    login_as(client, owner)
    url = reverse("consent:access_report", args=[case.pk])
    key = client.get(url).context["entries"][-1].key

    response = client.post(url, {"redact": [key], f"reason-{key}": "  "})

    assert response.status_code == 200
    assert response.context["errors"]
    assert AccessReport.objects.count() == 1


# Query counts (fixed whatever the number of consents and disclosures) ---------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.fixture
def case_with(register, owner, partner_agency, write, give_consent):
    """A case about a new adult with Nav Drammen on the team and `number` consents, each
    with one disclosure of an item of its own."""

    def make(number, name):
        case = register(person={"name": name, "birth_year": 1990}, audience="adults")
        case_services.add_team_member(owner, case, agency=partner_agency, contact_name="P")
        for index in range(number):
            item = write(case, f"Notat {index} om {name}.")
            consent = give_consent(case, recipients=[partner_agency])
            services.disclose(
                owner,
                case,
                items=[item],
                recipient=partner_agency,
                purpose=PURPOSE,
                consent=consent,
            )
        return case

    return make


@pytest.mark.parametrize(
    ("who", "page"),
    [
        ("owner", "consent:overview"),
        ("owner", "cases:detail"),
        ("partner", "cases:detail"),
        ("partner", "cases:journal"),
    ],
)
def test_consent_and_case_pages_make_the_same_number_of_queries_however_much_was_shared(
    client, login_as, request, case_with, who, page
):
    small = case_with(1, "Liten Sak")
    big = case_with(8, "Stor Sak")
    login_as(client, request.getfixturevalue(who))
    _queries(client, reverse(page, args=[small.pk]))  # warm caches (content types, session)

    few = _queries(client, reverse(page, args=[small.pk]))
    many = _queries(client, reverse(page, args=[big.pk]))

    assert many == few
    assert Disclosure.objects.filter(case=big).count() == 8


# A consent's page lists only the disclosures the user's agency made or received ------------


@pytest.fixture
def shared_twice(
    team_case, owner, partner_agency, school_agency, write, give_consent, on_team, open_to
):
    """One consent names Nav Drammen and the school, both on the team with the case opened
    to them; the owner shared one item with each."""
    case = on_team(team_case, school_agency)
    open_to(case, partner_agency)
    open_to(case, school_agency)
    item = write(case, "Kari har uteblitt fra tiltaket tre ganger.")
    consent = give_consent(case, recipients=[partner_agency, school_agency])
    to_partner = services.disclose(
        owner, case, items=[item], recipient=partner_agency, purpose=PURPOSE, consent=consent
    )
    to_school = services.disclose(
        owner, case, items=[item], recipient=school_agency, purpose=PURPOSE, consent=consent
    )
    return {"case": case, "consent": consent, "to_partner": to_partner, "to_school": to_school}


def _listed_disclosures(client, shared_twice):
    case, consent = shared_twice["case"], shared_twice["consent"]
    detail = client.get(reverse("consent:detail", args=[case.pk, consent.pk]))
    overview = client.get(reverse("consent:overview", args=[case.pk]))
    assert detail.status_code == overview.status_code == 200
    # The overview also lists the team joins that opened the case (disclosures of parts,
    # not of items); compared here are the items shared under the consent.
    of_items = [d for d in overview.context["disclosures"] if not d.parts.exists()]
    return detail.context["disclosures"], of_items, detail.content.decode()


def test_a_recipient_sees_on_the_consent_page_only_what_was_shared_with_its_agency(
    client, login_as, school_user, partner_agency, shared_twice
):
    login_as(client, school_user)

    on_detail, on_overview, html = _listed_disclosures(client, shared_twice)

    assert on_detail == on_overview == [shared_twice["to_school"]]
    shared_section = html.partition('id="shared-heading"')[2]
    assert partner_agency.name not in shared_section


def test_the_other_recipient_sees_only_its_own_disclosure_too(
    client, login_as, partner, school_agency, shared_twice
):
    login_as(client, partner)

    on_detail, on_overview, html = _listed_disclosures(client, shared_twice)

    assert on_detail == on_overview == [shared_twice["to_partner"]]
    assert school_agency.name not in html.partition('id="shared-heading"')[2]


def test_the_coordinator_oversees_every_disclosure_on_both_pages(
    client, login_as, owner, shared_twice
):
    """The coordinator (holder of the coordinator role, whose agency sent both) sees both,
    on the consent page as on the overview."""
    login_as(client, owner)

    on_detail, on_overview, _html = _listed_disclosures(client, shared_twice)

    expected = {shared_twice["to_partner"], shared_twice["to_school"]}
    assert set(on_detail) == set(on_overview) == expected


def test_a_team_agency_that_neither_sent_nor_received_sees_no_disclosure_of_the_consent(
    client, login_as, make_agency, make_user, on_team, open_to, shared_twice
):
    """Police on the team with the case opened to it, not named in the consent: the page
    exists for it, the list is empty and says nothing about who received what."""
    police = make_agency("Sør-Øst politidistrikt", AgencyType.POLICE_DISTRICT)
    on_team(shared_twice["case"], police)
    open_to(shared_twice["case"], police)
    login_as(client, make_user("politi", police))

    on_detail, on_overview, html = _listed_disclosures(client, shared_twice)

    assert on_detail == on_overview == []
    assert 'id="shared-heading"' not in html


# Bad input never gives a 500 (issue 18, item 1) ----------------------------------------


@pytest.mark.parametrize(
    "ground", ["consent-²", "consent-١٢", "basis-²", "consent-" + "9" * 30, "consent--1"]
)
def test_a_malformed_ground_asks_for_a_ground_again(client, login_as, owner, sharing, ground):
    login_as(client, owner)

    page = client.get(share_url(sharing["case"], ground))

    assert page.status_code == 200
    assert "grunnlag" in page.context["form"].fields
    assert not Disclosure.objects.exists()


@pytest.mark.parametrize("item", [2**63, 2**64, 10**30])
def test_an_item_id_beyond_the_primary_key_is_an_invalid_choice(
    client, login_as, owner, partner_agency, sharing, item
):
    """SQLite raised OverflowError on `pk__in=[2**63]` (issue 18, item 1)."""
    login_as(client, owner)
    data = shared(partner_agency, sharing["concern"])
    data["items"] = [sharing["concern"].pk, item]

    response = client.post(share_url(sharing["case"], consent_ground(sharing["consent"])), data)

    assert response.status_code == 200
    assert "items" in response.context["form"].errors
    assert not Disclosure.objects.exists()
