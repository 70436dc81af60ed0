"""A withdrawal ends access through Tverrnett (L13, issue 16 item 9).

Kari Nordmann's consent names four recipients: Nav Drammen (the partner), a school,
the police district and a voluntary organisation. The owner (the coordinator's
agency) shares a journal item and a signed assessment with each under it. After the
consent is withdrawn no recipient reads them in Tverrnett (case page, journal,
assessment page, the access report), unless it recorded its own legal basis for
keeping them: a record only the recipient makes, which can never be changed.
"""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tverrnett.access import policy
from tverrnett.agencies.models import AgencyType
from tverrnett.assessments.tests.conftest import assess, instrument  # noqa: F401  (fixtures)
from tverrnett.audit.models import AuditEntry
from tverrnett.cases.tests.conftest import signed_in
from tverrnett.consent import services
from tverrnett.consent.access_report import build_report
from tverrnett.consent.models import (
    ConsentWithdrawal,
    ImmutableRecord,
    RecipientBasis,
)

pytestmark = [pytest.mark.django_db]

SECRET = "Kari har fortalt om planene sine for sommeren."
PURPOSE = "Samordnet oppfølging av Kari"
NECESSITY = "Politiet må beholde opplysningene for sin egen forebyggende oppfølging."
RECIPIENTS = ["partner", "school_user", "police_user", "volunteer"]


@pytest.fixture
def police_agency(make_agency):
    return make_agency("Sør-Øst politidistrikt", AgencyType.POLICE_DISTRICT)


@pytest.fixture
def police_user(make_user, police_agency):
    return signed_in(make_user("politi", police_agency, first_name="Pia"))


@pytest.fixture
def shared(
    catalogue,
    team_case,
    owner,
    partner_agency,
    school_agency,
    police_agency,
    volunteer_agency,
    volunteer,
    on_team,
    write,
    give_consent,
    assess,  # noqa: F811
):
    case = team_case
    on_team(case, school_agency, police_agency, volunteer_agency)
    services.accept_confidentiality_declaration(volunteer, volunteer_agency)
    item = write(case, SECRET)
    assessment = assess(case)
    agencies = [partner_agency, school_agency, police_agency, volunteer_agency]
    consent = give_consent(case, recipients=agencies, categories=["concern", "assessment"])
    disclosures = {
        agency.pk: services.disclose(
            owner,
            case,
            items=[item, assessment.entry],
            recipient=agency,
            purpose=PURPOSE,
            consent=consent,
        )
        for agency in agencies
    }
    # A second consent names the volunteer and stays valid: the case still opens to it,
    # so what it no longer reads is decided item by item, not by losing the case.
    give_consent(case, recipients=[volunteer_agency])
    return {
        "case": case,
        "item": item,
        "assessment": assessment,
        "consent": consent,
        "disclosures": disclosures,
        "police": disclosures[police_agency.pk],
    }


def withdraw(owner, shared):
    return services.withdraw_consent(
        owner, shared["consent"], withdrawn_on=timezone.localdate(), note="Kari ringte."
    )


def keep(user, shared, catalogue, **changes):
    fields = {
        "legal_basis": catalogue["statutory-open"],
        "necessity_note": NECESSITY,
        **changes,
    }
    return services.record_own_basis(user, shared["police"], **fields)


def reads(client, login_as, user, shared):
    """What `user` reads of the shared item and assessment, every way in."""
    case, item, assessment = shared["case"], shared["item"], shared["assessment"]
    login_as(client, user)
    page = client.get(reverse("cases:detail", args=[case.pk]))
    journal = client.get(reverse("cases:journal", args=[case.pk]))
    assert page.status_code == 200
    assert journal.status_code == 200
    seen = {
        "case page": SECRET in page.content.decode(),
        "journal": SECRET in journal.content.decode(),
        "policy": policy.visible_journal(user, case).filter(pk=item.pk).exists(),
        "assessment": policy.visible_assessments(user, case).filter(pk=assessment.pk).exists(),
        "report": item.pk in policy.readable_journal_ids(user, [case.pk]),
    }
    report = build_report(case.subject, reader=user, redactions=[])
    [line] = [line for line in report["journal"] if line["id"] == item.pk]
    seen["access report"] = line["text"] == SECRET
    if policy.case_agency_ids(user):
        # Voluntary organisations have no assessment pages at all.
        url = reverse("assessments:detail", args=[case.pk, assessment.pk])
        status = client.get(url).status_code
        assert status in (200, 404)
        seen["assessment page"] = status == 200
    return seen


@pytest.mark.parametrize("who", RECIPIENTS)
def test_before_the_withdrawal_every_recipient_reads_what_it_received(
    client, login_as, request, shared, who
):
    seen = reads(client, login_as, request.getfixturevalue(who), shared)

    assert all(seen.values()), seen


@pytest.mark.parametrize("who", RECIPIENTS)
def test_after_the_withdrawal_no_recipient_reads_it(client, login_as, request, owner, shared, who):
    withdraw(owner, shared)

    seen = reads(client, login_as, request.getfixturevalue(who), shared)

    assert not any(seen.values()), seen


def test_the_assessment_page_is_the_same_404_as_a_missing_one(
    client, login_as, owner, school_user, shared
):
    withdraw(owner, shared)
    login_as(client, school_user)
    case = shared["case"]

    gone = client.get(reverse("assessments:detail", args=[case.pk, shared["assessment"].pk]))
    missing = client.get(reverse("assessments:detail", args=[case.pk, 999999]))

    assert gone.status_code == missing.status_code == 404


def test_the_owner_still_reads_its_own_item(client, login_as, owner, shared):
    withdraw(owner, shared)

    assert policy.visible_journal(owner, shared["case"]).filter(pk=shared["item"].pk).exists()


def test_without_the_second_consent_the_volunteer_loses_the_case(
    client, login_as, owner, volunteer, shared
):
    services.withdraw_consent(
        owner,
        shared["case"].consents.exclude(pk=shared["consent"].pk).get(),
        withdrawn_on=timezone.localdate(),
        note="Også dette.",
    )
    withdraw(owner, shared)
    login_as(client, volunteer)

    assert client.get(reverse("cases:detail", args=[shared["case"].pk])).status_code == 404


def test_a_recipient_with_its_own_basis_still_reads_it(
    client, login_as, owner, police_user, school_user, shared, catalogue
):
    withdraw(owner, shared)

    kept = keep(police_user, shared, catalogue)

    assert kept.agency.name == "Sør-Øst politidistrikt"
    assert kept.legal_basis_citation.startswith("testloven")
    seen = reads(client, login_as, police_user, shared)
    assert all(seen.values()), seen
    # The school recorded nothing: its access stays ended.
    assert not any(reads(Client(), login_as, school_user, shared).values())
    entry = AuditEntry.objects.get(action="consent.own_basis_recorded")
    assert entry.actor_username == "politi"
    assert entry.agency_name == "Sør-Øst politidistrikt"
    assert entry.detail == {
        "disclosure": shared["police"].pk,
        "own_basis": kept.pk,
        "legal_basis": "statutory-open",
        "consent": shared["consent"].pk,
    }


def test_an_own_basis_is_only_for_a_withdrawn_consent_and_only_once(
    owner, police_user, shared, catalogue
):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        keep(police_user, shared, catalogue)  # the consent still holds
    withdraw(owner, shared)
    keep(police_user, shared, catalogue)
    with pytest.raises(PermissionDenied):
        keep(police_user, shared, catalogue)
    assert RecipientBasis.objects.count() == 1


@pytest.mark.parametrize("who", ["owner", "partner", "school_user", "outsider", "volunteer"])
def test_only_the_recipient_records_an_own_basis(request, owner, shared, catalogue, who):
    from django.core.exceptions import PermissionDenied

    withdraw(owner, shared)

    with pytest.raises(PermissionDenied):
        keep(request.getfixturevalue(who), shared, catalogue)
    assert not RecipientBasis.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"legal_basis": None}, "legal_basis"),
        ({"necessity_note": "  "}, "necessity_note"),
        ({"legal_basis": "statutory-future"}, "legal_basis"),
        ({"legal_basis": "consent-fvl"}, "legal_basis"),
        ({"legal_basis": "statutory-nr7"}, "confirmations"),
    ],
)
def test_an_own_basis_needs_a_usable_basis_a_note_and_the_confirmations(
    owner, police_user, shared, catalogue, changes, field
):
    from django.core.exceptions import ValidationError

    withdraw(owner, shared)
    if isinstance(changes.get("legal_basis"), str):
        changes = {**changes, "legal_basis": catalogue[changes["legal_basis"]]}

    with pytest.raises(ValidationError) as refused:
        keep(police_user, shared, catalogue, **changes)

    assert field in refused.value.error_dict
    assert not RecipientBasis.objects.exists()


def test_the_record_cannot_be_changed_or_deleted(owner, police_user, shared, catalogue):
    withdraw(owner, shared)
    kept = keep(police_user, shared, catalogue)

    kept.necessity_note = "Endret."
    with pytest.raises(ImmutableRecord):
        kept.save()
    with pytest.raises(ImmutableRecord):
        kept.delete()
    with pytest.raises(ImmutableRecord):
        RecipientBasis.objects.filter(pk=kept.pk).update(necessity_note="Endret.")
    with pytest.raises(ImmutableRecord):
        RecipientBasis.objects.filter(pk=kept.pk).delete()
    # Nor past the ORM: the database refuses it (triggers, as for disclosures).
    table = RecipientBasis._meta.db_table
    for statement in (
        f"UPDATE {table} SET necessity_note = 'Endret.' WHERE id = %s",  # noqa: S608
        f"DELETE FROM {table} WHERE id = %s",  # noqa: S608
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [kept.pk])
    assert RecipientBasis.objects.get(pk=kept.pk).necessity_note == NECESSITY
    assert ConsentWithdrawal.objects.count() == 1


# The page ---------------------------------------------------------------------------


def own_basis_url(shared, disclosure=None):
    disclosure = disclosure or shared["police"]
    return reverse("consent:own_basis", args=[shared["case"].pk, disclosure.pk])


def state():
    return {
        "own_bases": RecipientBasis.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_the_recipient_is_told_and_records_its_own_basis_on_the_page(
    client, login_as, owner, police_user, shared, catalogue
):
    withdraw(owner, shared)
    login_as(client, police_user)
    case = shared["case"]

    # The start page tells every recipient, whatever it sees of the case, and links to
    # the form (the case page does too, where the agency sees the case's consents).
    home = client.get(reverse("core:home")).content.decode()
    assert "kan ikke lenger lese opplysningene i Tverrnett" in home
    assert own_basis_url(shared) in home

    form = client.get(own_basis_url(shared))
    assert form.status_code == 200
    html = form.content.decode()
    assert "Registrer etatens eget rettslige grunnlag" in html
    assert "csrfmiddlewaretoken" in html
    assert SECRET not in html  # the page names what was shared, not what it says

    refused = client.post(own_basis_url(shared), {"legal_basis": "", "necessity_note": ""})
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "Velg rettsgrunnlaget etaten beholder opplysningene etter." in html
    assert "Forklar hvorfor etaten må beholde opplysningene." in html
    assert not RecipientBasis.objects.exists()

    done = client.post(
        own_basis_url(shared),
        {"legal_basis": catalogue["statutory-open"].pk, "necessity_note": NECESSITY},
    )
    assert done.status_code == 302
    kept = RecipientBasis.objects.get()
    assert kept.disclosure == shared["police"]
    assert kept.recorded_by == police_user
    assert AuditEntry.objects.filter(action="consent.own_basis_recorded").count() == 1
    # The coordinator's overview of the disclosures says so.
    login_as(coordinator := Client(), owner)
    overview = coordinator.get(reverse("consent:overview", args=[case.pk])).content.decode()
    assert "beholder opplysningene etter eget grunnlag" in overview
    # Recorded once: the page is gone, as for a disclosure that does not exist.
    assert client.get(own_basis_url(shared)).status_code == 404
    assert SECRET in client.get(reverse("cases:journal", args=[case.pk])).content.decode()


def test_the_form_refuses_a_post_without_the_csrf_token(
    login_as, owner, police_user, shared, catalogue
):
    withdraw(owner, shared)
    client = login_as(Client(enforce_csrf_checks=True), police_user)

    response = client.post(
        own_basis_url(shared),
        {"legal_basis": catalogue["statutory-open"].pk, "necessity_note": NECESSITY},
    )

    assert response.status_code == 403
    assert not RecipientBasis.objects.exists()


@pytest.fixture
def acting_elsewhere(make_user, outsider_agency, police_agency):
    """A police user who also works for Nav Oslo, acting for Nav Oslo (the first
    membership): the police's disclosure is not theirs to keep while they act for it."""
    from tverrnett.accounts.models import Membership

    user = make_user("tohatter", outsider_agency)
    Membership.objects.create(user=user, agency=police_agency, role="case_worker")
    return user


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("who", ["owner", "partner", "school_user", "outsider", "acting_elsewhere"])
def test_anyone_but_the_recipient_gets_the_404_of_a_missing_disclosure(
    client, login_as, request, owner, shared, catalogue, who, method
):
    withdraw(owner, shared)
    login_as(client, request.getfixturevalue(who))
    data = (
        {"legal_basis": catalogue["statutory-open"].pk, "necessity_note": NECESSITY}
        if method == "post"
        else None
    )
    before = state()

    response = getattr(client, method)(own_basis_url(shared), data)
    missing = getattr(client, method)(
        own_basis_url(shared).replace(f"/{shared['police'].pk}/", "/999999/"), data
    )
    elsewhere = getattr(client, method)(
        own_basis_url(shared).replace(f"/saker/{shared['case'].pk}/", "/saker/999999/"), data
    )

    assert response.status_code == missing.status_code == elsewhere.status_code == 404
    assert state() == before


def test_a_disclosure_whose_consent_holds_has_no_own_basis_page(
    client, login_as, police_user, shared
):
    login_as(client, police_user)

    assert client.get(own_basis_url(shared)).status_code == 404
    assert not RecipientBasis.objects.exists()


def test_a_recipient_the_case_is_opened_to_is_told_on_the_case_page_too(
    client, login_as, owner, police_user, police_agency, shared, open_to
):
    open_to(shared["case"], police_agency)
    withdraw(owner, shared)
    login_as(client, police_user)

    page = client.get(reverse("cases:detail", args=[shared["case"].pk])).content.decode()

    assert "kan ikke lenger lese disse opplysningene i Tverrnett" in page
    assert own_basis_url(shared) in page
    assert SECRET not in page


def test_break_glass_access_does_not_record_an_own_basis(
    client, login_as, owner, police_user, police_agency, shared, catalogue
):
    """A police user whose agency received the items but who reaches the case only by
    break-glass (the police left the team) reads; they do not decide for the agency."""
    from datetime import timedelta

    from django.core.exceptions import PermissionDenied

    from tverrnett.cases.models import BreakGlassAccess, TeamMember

    withdraw(owner, shared)
    TeamMember.objects.filter(case=shared["case"], agency=police_agency).delete()
    BreakGlassAccess.objects.create(
        case=shared["case"],
        user=police_user,
        agency=police_agency,
        reason="Akutt fare, trenger oversikt over saken nå.",
        expires_at=timezone.now() + timedelta(minutes=30),
    )
    assert policy.case_access_path(police_user, shared["case"]) == "break_glass"
    login_as(client, police_user)
    before = state()

    assert client.get(own_basis_url(shared)).status_code == 404
    with pytest.raises(PermissionDenied):
        keep(police_user, shared, catalogue)
    assert state() == before
