"""Consent and disclosure services: every rule a disclosure passes, from both sides.

The case is the owner's (Drammen kommune – SLT, which coordinates it); the
partner (Nav Drammen) is on its team in `team_case`. The catalogue is the small
test catalogue (tests/catalogue.json), so the codes below are made up.
"""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from tverrnett.agencies.models import AgencyType
from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services as case_services
from tverrnett.cases.models import (
    CaseState,
    ConcernCase,
    Confidentiality,
    Guardian,
    InformationCategory,
    JournalEntry,
    PoliceVerification,
)
from tverrnett.consent import services
from tverrnett.consent.models import (
    Consent,
    ConsentCapacity,
    ConsentStatus,
    ConsentWithdrawal,
    DisclosedItem,
    Disclosure,
    DisclosureFollowUp,
    DisclosureNotice,
    FollowUpKind,
    ImmutableRecord,
    NoticeKind,
)
from tverrnett.core.tests import samples

pytestmark = pytest.mark.usefixtures("catalogue")

PURPOSE = "Samordne oppfølgingen av Kari i NAV"
NECESSITY = "NAV må vite om bekymringen for å tilpasse tiltaket denne uken."
BOTH_CONFIRMATIONS = ["anonymised_not_enough", "minimum_information"]


def days_from_today(days):
    return timezone.localdate() + datetime.timedelta(days=days)


def audit(action):
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def share(actor, case, items, recipient, **kwargs):
    kwargs.setdefault("purpose", PURPOSE)
    return services.disclose(actor, case, items=items, recipient=recipient, **kwargs)


def refusal(error):
    """The keys of a ValidationError raised with a dict."""
    return set(error.value.message_dict)


def nothing_disclosed():
    return not Disclosure.objects.exists() and not DisclosedItem.objects.exists()


@pytest.fixture
def item(team_case, write):
    return write(team_case, "Kari har uteblitt fra tiltaket tre ganger.")


# The ground (L01) ---------------------------------------------------------------------


def test_it_refuses_to_share_without_a_consent_or_a_legal_basis(
    team_case, owner, item, partner_agency
):
    with pytest.raises(ValidationError) as refused:
        share(owner, team_case, [item], partner_agency)
    assert refusal(refused) == {"ground"}
    assert nothing_disclosed()
    assert not audit("consent.disclosed")


def test_it_refuses_a_consent_and_a_legal_basis_at_once(
    team_case, owner, item, partner_agency, give_consent, catalogue
):
    consent = give_consent(team_case, recipients=[partner_agency])
    with pytest.raises(ValidationError) as refused:
        share(
            owner,
            team_case,
            [item],
            partner_agency,
            consent=consent,
            legal_basis=catalogue["statutory-open"],
            necessity_note=NECESSITY,
        )
    assert refusal(refused) == {"ground"}
    assert nothing_disclosed()


# Sharing under a consent (L02, L12) -------------------------------------------------


def test_it_records_a_disclosure_under_a_consent_with_the_exact_items(
    team_case, owner, owner_agency, partner_agency, write, give_consent, catalogue
):
    first = write(team_case, "Kari har uteblitt fra tiltaket.")
    second = write(team_case, "Kari sier hun vil tilbake i jobb.")
    kept_back = write(team_case, "Notat om familien.")
    consent = give_consent(team_case, recipients=[partner_agency])
    before = timezone.now()

    disclosure = share(owner, team_case, [first, second], partner_agency, consent=consent)

    disclosure = Disclosure.objects.get(pk=disclosure.pk)
    assert disclosure.case == team_case
    assert disclosure.sender_agency == owner_agency
    assert disclosure.recipient_agency == partner_agency
    assert disclosure.shared_by == owner
    assert disclosure.purpose == PURPOSE
    assert disclosure.legal_basis == catalogue["consent-fvl"]
    assert disclosure.legal_basis_citation == "testloven § consent-fvl (test-1)"
    assert disclosure.consent == consent
    assert disclosure.necessity_note == ""
    assert disclosure.confirmations == []
    assert before <= disclosure.shared_at <= timezone.now()
    assert set(disclosure.items.all()) == {first, second}
    assert kept_back not in disclosure.items.all()
    assert not DisclosureFollowUp.objects.exists()


def test_it_audits_a_disclosure_with_ids_only(
    team_case, owner, owner_agency, partner_agency, write, give_consent
):
    first = write(team_case, "Kari har uteblitt fra tiltaket.")
    second = write(team_case, "Kari sier hun vil tilbake i jobb.")
    consent = give_consent(team_case, recipients=[partner_agency])
    disclosure = share(owner, team_case, [second, first], partner_agency, consent=consent)

    [entry] = audit("consent.disclosed")
    assert entry.actor_id == owner.pk
    assert entry.agency_id == owner_agency.pk
    assert entry.target_type == "cases.concerncase"
    assert entry.target_id == str(team_case.pk)
    assert entry.detail == {
        "disclosure": disclosure.pk,
        "recipient": partner_agency.pk,
        "items": sorted([first.pk, second.pk]),
        "legal_basis": "consent-fvl",
        "consent": consent.pk,
        "follow_ups": [],
    }


def test_it_uses_the_consent_basis_of_the_senders_sector(
    team_case, partner, owner_agency, partner_agency, write, give_consent, catalogue
):
    # Nav Drammen shares with the SLT: still the consent basis its own sector has.
    item = write(team_case, "Kari har fått ny veileder.", actor=partner)
    consent = give_consent(team_case, recipients=[owner_agency])
    disclosure = share(partner, team_case, [item], owner_agency, consent=consent)
    assert disclosure.sender_agency == partner_agency
    assert disclosure.legal_basis == catalogue["consent-fvl"]


def test_it_shares_on_the_consents_last_day_and_not_the_day_after(
    team_case, owner, item, partner_agency, give_consent
):
    consent = give_consent(team_case, recipients=[partner_agency], ends_on=days_from_today(10))
    with pytest.raises(ValidationError) as refused:
        share(owner, team_case, [item], partner_agency, consent=consent, today=days_from_today(11))
    assert refusal(refused) == {"consent"}
    assert nothing_disclosed()
    share(owner, team_case, [item], partner_agency, consent=consent, today=days_from_today(10))
    assert Disclosure.objects.count() == 1


def test_it_shares_nothing_before_the_consent_starts(
    team_case, owner, item, partner_agency, give_consent
):
    consent = give_consent(
        team_case,
        recipients=[partner_agency],
        starts_on=days_from_today(5),
        ends_on=days_from_today(40),
    )
    with pytest.raises(ValidationError) as refused:
        share(owner, team_case, [item], partner_agency, consent=consent)
    assert refusal(refused) == {"consent"}
    with pytest.raises(ValidationError):
        share(owner, team_case, [item], partner_agency, consent=consent, today=days_from_today(4))
    assert nothing_disclosed()
    share(owner, team_case, [item], partner_agency, consent=consent, today=days_from_today(5))
    assert Disclosure.objects.count() == 1


def test_it_shares_nothing_more_once_the_consent_is_withdrawn(
    team_case, owner, item, partner_agency, give_consent
):
    consent = give_consent(team_case, recipients=[partner_agency])
    share(owner, team_case, [item], partner_agency, consent=consent)
    services.withdraw_consent(
        owner, consent, withdrawn_on=timezone.localdate(), note="Kari ringte i dag."
    )
    for day in (None, days_from_today(-1), days_from_today(30)):
        with pytest.raises(ValidationError) as refused:
            share(owner, team_case, [item], partner_agency, consent=consent, today=day)
        assert refusal(refused) == {"consent"}
    assert Disclosure.objects.count() == 1


@pytest.mark.parametrize(
    "tags",
    [
        {"health_data": True},
        {"religious_beliefs": True},
        {"political_opinions": True},
        {"offences": True},
        {"category": InformationCategory.FAMILY},
        {"category": InformationCategory.PERSONAL_DETAILS},
    ],
)
def test_it_refuses_an_item_whose_category_the_consent_does_not_cover(
    team_case, owner, partner_agency, write, give_consent, tags
):
    covered = write(team_case, "Kari møtte opp i dag.")
    outside = write(team_case, "Noe mer.", **tags)
    consent = give_consent(
        team_case, recipients=[partner_agency], categories=[InformationCategory.CONCERN]
    )
    with pytest.raises(ValidationError) as refused:
        share(owner, team_case, [covered, outside], partner_agency, consent=consent)
    assert refusal(refused) == {"items"}
    assert nothing_disclosed()


def test_it_shares_a_health_item_when_the_consent_covers_health(
    team_case, owner, partner_agency, write, give_consent
):
    item = write(team_case, "Kari går til psykolog.", health_data=True)
    consent = give_consent(
        team_case,
        recipients=[partner_agency],
        categories=[InformationCategory.CONCERN, InformationCategory.HEALTH],
    )
    disclosure = share(owner, team_case, [item], partner_agency, consent=consent)
    assert list(disclosure.items.all()) == [item]
    # With a consent the person knows already: nobody needs to tell them (L07).
    assert not DisclosureFollowUp.objects.exists()


def test_it_refuses_a_recipient_the_consent_does_not_name(
    team_case, owner, item, partner_agency, school_agency, on_team, give_consent
):
    on_team(team_case, school_agency)
    consent = give_consent(team_case, recipients=[partner_agency])
    with pytest.raises(ValidationError) as refused:
        share(owner, team_case, [item], school_agency, consent=consent)
    assert refusal(refused) == {"recipient"}
    assert nothing_disclosed()


def test_it_refuses_a_recipient_that_is_not_on_the_team(
    team_case, owner, item, outsider_agency, give_consent
):
    # The consent names Nav Oslo, but Nav Oslo does not work on the case.
    consent = give_consent(team_case, recipients=[outsider_agency])
    with pytest.raises(ValidationError) as refused:
        share(owner, team_case, [item], outsider_agency, consent=consent)
    assert refusal(refused) == {"recipient"}
    assert nothing_disclosed()


def test_it_refuses_to_share_with_the_senders_own_agency(
    team_case, owner, item, owner_agency, give_consent
):
    consent = give_consent(team_case, recipients=[owner_agency])
    with pytest.raises(ValidationError) as refused:
        share(owner, team_case, [item], owner_agency, consent=consent)
    assert refusal(refused) == {"recipient"}


def test_it_refuses_a_consent_that_was_refused(
    team_case, owner, item, partner_agency, give_consent
):
    consent = services.prepare_consent(
        owner,
        team_case,
        consenter_name="Kari Nordmann",
        capacity=ConsentCapacity.THE_PERSON,
        purpose="Samordnet oppfølging",
        categories=[InformationCategory.CONCERN],
        recipients=[partner_agency],
        ends_on=days_from_today(90),
        language="norsk",
        interpreter_used=False,
    )
    with pytest.raises(ValidationError) as refused:
        share(owner, team_case, [item], partner_agency, consent=consent)
    assert refusal(refused) == {"consent"}
    services.record_consent_answer(owner, consent, decision="refused", refusal_note="Nei.")
    with pytest.raises(ValidationError) as refused:
        share(owner, team_case, [item], partner_agency, consent=consent)
    assert refusal(refused) == {"consent"}
    assert nothing_disclosed()


def test_it_refuses_a_consent_from_another_case(
    team_case, owner, item, partner_agency, register, on_team, give_consent
):
    other = on_team(register(person={"name": "Per Hansen", "birth_year": 1985}), partner_agency)
    consent = give_consent(other, recipients=[partner_agency])
    with pytest.raises(PermissionDenied):
        share(owner, team_case, [item], partner_agency, consent=consent)
    assert nothing_disclosed()


def test_it_refuses_to_share_nothing(team_case, owner, partner_agency, give_consent):
    consent = give_consent(team_case, recipients=[partner_agency])
    with pytest.raises(ValidationError) as refused:
        share(owner, team_case, [], partner_agency, consent=consent)
    assert refusal(refused) == {"items"}


def test_it_needs_a_purpose(team_case, owner, item, partner_agency, give_consent):
    consent = give_consent(team_case, recipients=[partner_agency])
    with pytest.raises(ValidationError) as refused:
        share(owner, team_case, [item], partner_agency, consent=consent, purpose="  ")
    assert refusal(refused) == {"purpose"}


# Whose items, and who shares (attacker's side) -----------------------------------------


def test_it_refuses_to_share_another_agencys_item(
    team_case,
    owner,
    partner,
    owner_agency,
    partner_agency,
    school_agency,
    on_team,
    write,
    give_consent,
):
    on_team(team_case, school_agency)
    partners_item = write(team_case, "Navs vurdering.", actor=partner)
    consent = give_consent(team_case, recipients=[school_agency, owner_agency])
    with pytest.raises(PermissionDenied):
        share(owner, team_case, [partners_item], school_agency, consent=consent)
    assert nothing_disclosed()


def test_a_recipient_cannot_pass_on_what_it_received(
    team_case, owner, partner, item, partner_agency, school_agency, on_team, give_consent
):
    on_team(team_case, school_agency)
    consent = give_consent(team_case, recipients=[partner_agency, school_agency])
    share(owner, team_case, [item], partner_agency, consent=consent)
    with pytest.raises(PermissionDenied):
        share(partner, team_case, [item], school_agency, consent=consent)
    assert Disclosure.objects.count() == 1


def test_it_refuses_to_share_a_superseded_version(
    team_case, owner, item, partner_agency, give_consent
):
    correction = case_services.correct_journal_entry(
        owner,
        item,
        text="Kari har uteblitt to ganger.",
        confidentiality="confidential",
        reason="Feil antall.",
    )
    consent = give_consent(team_case, recipients=[partner_agency])
    with pytest.raises(PermissionDenied):
        share(owner, team_case, [item], partner_agency, consent=consent)
    assert nothing_disclosed()
    disclosure = share(owner, team_case, [correction], partner_agency, consent=consent)
    assert list(disclosure.items.all()) == [correction]


def test_it_refuses_an_item_of_another_case(
    team_case, owner, partner_agency, register, on_team, write, give_consent
):
    other = on_team(register(person={"name": "Per Hansen", "birth_year": 1985}), partner_agency)
    foreign = write(other, "Om Per.")
    consent = give_consent(team_case, recipients=[partner_agency])
    with pytest.raises(PermissionDenied):
        share(owner, team_case, [foreign], partner_agency, consent=consent)
    assert nothing_disclosed()


def test_an_outsider_cannot_share_on_the_case(
    team_case, outsider, item, partner_agency, give_consent, catalogue
):
    consent = give_consent(team_case, recipients=[partner_agency])
    with pytest.raises(PermissionDenied):
        share(outsider, team_case, [item], partner_agency, consent=consent)
    with pytest.raises(PermissionDenied):
        share(
            outsider,
            team_case,
            [item],
            partner_agency,
            legal_basis=catalogue["statutory-open"],
            necessity_note=NECESSITY,
        )
    assert nothing_disclosed()


def test_a_partner_off_the_team_cannot_share_on_the_case(
    adult_case, owner, partner, owner_agency, write, give_consent
):
    item = write(adult_case, "Kari møtte opp.")
    consent = give_consent(adult_case, recipients=[owner_agency])
    with pytest.raises(PermissionDenied):
        share(partner, adult_case, [item], owner_agency, consent=consent)
    assert nothing_disclosed()


def test_it_shares_nothing_on_a_closed_case(
    team_case, owner, item, partner_agency, give_consent, catalogue
):
    consent = give_consent(team_case, recipients=[partner_agency])
    case_services.change_state(
        owner,
        team_case,
        CaseState.CLOSED,
        version=team_case.version,
        evaluation="Bekymringen er avklart.",
        review_on=days_from_today(30),
    )
    closed = ConcernCase.objects.get(pk=team_case.pk)
    with pytest.raises(PermissionDenied):
        share(owner, closed, [item], partner_agency, consent=consent)
    with pytest.raises(PermissionDenied):
        share(
            owner,
            closed,
            [item],
            partner_agency,
            legal_basis=catalogue["statutory-open"],
            necessity_note=NECESSITY,
        )
    assert nothing_disclosed()


# Statutory bases (L01, L03, L04, L06, L07, L08) -----------------------------------------


def test_a_statutory_basis_needs_a_necessity_note(
    team_case, owner, item, partner_agency, catalogue
):
    with pytest.raises(ValidationError) as refused:
        share(owner, team_case, [item], partner_agency, legal_basis=catalogue["statutory-open"])
    assert refusal(refused) == {"necessity_note"}
    assert nothing_disclosed()

    disclosure = share(
        owner,
        team_case,
        [item],
        partner_agency,
        legal_basis=catalogue["statutory-open"],
        necessity_note=NECESSITY,
    )
    disclosure = Disclosure.objects.get(pk=disclosure.pk)
    assert disclosure.legal_basis == catalogue["statutory-open"]
    assert disclosure.legal_basis_citation == "testloven § statutory-open (test-1)"
    assert disclosure.consent is None
    assert disclosure.necessity_note == NECESSITY
    assert list(disclosure.items.all()) == [item]
    assert not DisclosureFollowUp.objects.exists()


def test_a_consent_basis_cannot_be_chosen_as_a_statutory_one(
    team_case, owner, item, partner_agency, catalogue
):
    with pytest.raises(ValidationError) as refused:
        share(
            owner,
            team_case,
            [item],
            partner_agency,
            legal_basis=catalogue["consent-fvl"],
            necessity_note=NECESSITY,
        )
    assert refusal(refused) == {"legal_basis"}
    assert nothing_disclosed()


@pytest.mark.parametrize("confirmations", [[], ["anonymised_not_enough"], ["minimum_information"]])
def test_nr7_needs_both_confirmations(
    team_case, owner, item, partner_agency, catalogue, confirmations
):
    with pytest.raises(ValidationError) as refused:
        share(
            owner,
            team_case,
            [item],
            partner_agency,
            legal_basis=catalogue["statutory-nr7"],
            necessity_note=NECESSITY,
            confirmations=confirmations,
        )
    assert refusal(refused) == {"confirmations"}
    assert nothing_disclosed()
    assert not DisclosureFollowUp.objects.exists()


def test_nr7_with_both_confirmations_leaves_a_review_for_the_sender(
    team_case, owner, owner_agency, item, partner_agency, catalogue
):
    disclosure = share(
        owner,
        team_case,
        [item],
        partner_agency,
        legal_basis=catalogue["statutory-nr7"],
        necessity_note=NECESSITY,
        confirmations=list(reversed(BOTH_CONFIRMATIONS)),
    )
    assert Disclosure.objects.get(pk=disclosure.pk).confirmations == BOTH_CONFIRMATIONS
    [follow_up] = DisclosureFollowUp.objects.all()
    assert follow_up.kind == FollowUpKind.REVIEW
    assert follow_up.disclosure == disclosure
    assert follow_up.case == team_case
    assert follow_up.agency == owner_agency
    assert follow_up.due_on == days_from_today(settings.DISCLOSURE_FOLLOW_UP_DAYS)
    assert follow_up.is_open
    [entry] = audit("consent.disclosed")
    assert entry.detail["follow_ups"] == ["review"]
    assert entry.detail["legal_basis"] == "statutory-nr7"
    assert entry.detail["consent"] is None


@pytest.fixture
def inform_person(team_case, owner, partner_agency, write, catalogue):
    """A health item disclosed without consent: the person must be told (L07)."""
    item = write(team_case, "Kari får behandling for angst.", health_data=True)
    disclosure = share(
        owner,
        team_case,
        [item],
        partner_agency,
        legal_basis=catalogue["statutory-open"],
        necessity_note=NECESSITY,
    )
    [follow_up] = DisclosureFollowUp.objects.filter(disclosure=disclosure)
    return follow_up


def test_a_health_item_without_consent_leaves_an_inform_the_person_task(
    inform_person, owner_agency
):
    assert inform_person.kind == FollowUpKind.INFORM_PERSON
    assert inform_person.agency == owner_agency
    assert inform_person.is_open
    [entry] = audit("consent.disclosed")
    assert entry.detail["follow_ups"] == ["inform_person"]


def test_the_inform_task_stays_open_without_a_date_or_a_reason(inform_person, owner):
    with pytest.raises(ValidationError) as refused:
        services.complete_follow_up(owner, inform_person, postponement_reason="  ")
    assert refusal(refused) == {"informed_on"}
    assert DisclosureFollowUp.objects.get(pk=inform_person.pk).is_open
    assert not audit("consent.follow_up_done")


def test_the_inform_task_closes_with_the_date_the_person_was_told(inform_person, owner):
    services.complete_follow_up(owner, inform_person, informed_on=timezone.localdate())
    done = DisclosureFollowUp.objects.get(pk=inform_person.pk)
    assert not done.is_open
    assert done.informed_on == timezone.localdate()
    assert done.done_by == owner
    [entry] = audit("consent.follow_up_done")
    assert entry.detail == {"follow_up": done.pk, "kind": "inform_person"}


def test_the_inform_task_closes_with_a_reason_to_postpone(inform_person, owner):
    reason = "Politiet ber oss vente til etterforskningen er ferdig."
    services.complete_follow_up(owner, inform_person, postponement_reason=reason)
    done = DisclosureFollowUp.objects.get(pk=inform_person.pk)
    assert not done.is_open
    assert done.informed_on is None
    assert done.postponement_reason == reason


def test_the_inform_task_refuses_a_date_in_the_future(inform_person, owner):
    with pytest.raises(ValidationError) as refused:
        services.complete_follow_up(owner, inform_person, informed_on=days_from_today(1))
    assert refusal(refused) == {"informed_on"}
    assert DisclosureFollowUp.objects.get(pk=inform_person.pk).is_open


def test_the_inform_task_closes_once(inform_person, owner):
    services.complete_follow_up(owner, inform_person, informed_on=timezone.localdate())
    with pytest.raises(ValidationError):
        services.complete_follow_up(owner, inform_person, informed_on=timezone.localdate())


def test_the_recipient_cannot_close_the_senders_task(inform_person, partner):
    with pytest.raises(PermissionDenied):
        services.complete_follow_up(partner, inform_person, informed_on=timezone.localdate())
    assert DisclosureFollowUp.objects.get(pk=inform_person.pk).is_open


def test_a_basis_in_the_future_is_refused_today_and_accepted_on_its_date(
    team_case, owner, item, partner_agency, catalogue
):
    future = catalogue["statutory-future"]
    with pytest.raises(ValidationError) as refused:
        share(
            owner, team_case, [item], partner_agency, legal_basis=future, necessity_note=NECESSITY
        )
    assert refusal(refused) == {"legal_basis"}
    assert nothing_disclosed()
    disclosure = share(
        owner,
        team_case,
        [item],
        partner_agency,
        legal_basis=future,
        necessity_note=NECESSITY,
        today=datetime.date(2099, 1, 2),
    )
    assert disclosure.legal_basis == future


def test_a_basis_that_has_ended_is_refused(team_case, owner, item, partner_agency, catalogue):
    with pytest.raises(ValidationError) as refused:
        share(
            owner,
            team_case,
            [item],
            partner_agency,
            legal_basis=catalogue["statutory-ended"],
            necessity_note=NECESSITY,
        )
    assert refusal(refused) == {"legal_basis"}
    assert nothing_disclosed()


def test_no_statutory_basis_lets_information_go_to_a_voluntary_organisation(
    team_case, owner, item, volunteer_agency, on_team, catalogue
):
    on_team(team_case, volunteer_agency)
    for code in ("statutory-open", "statutory-nr7"):
        with pytest.raises(ValidationError) as refused:
            share(
                owner,
                team_case,
                [item],
                volunteer_agency,
                legal_basis=catalogue[code],
                necessity_note=NECESSITY,
                confirmations=BOTH_CONFIRMATIONS,
            )
        assert refusal(refused) == {"recipient"}
    assert nothing_disclosed()


def test_child_welfare_items_keep_their_sectors_rules(
    team_case, owner_agency, child_welfare_agency, child_welfare_user, on_team, write, catalogue
):
    on_team(team_case, child_welfare_agency)
    item = write(team_case, "Barnevernet har hatt samtale med Kari.", actor=child_welfare_user)
    assert item.sector == AgencyType.CHILD_WELFARE
    with pytest.raises(ValidationError) as refused:
        share(
            child_welfare_user,
            team_case,
            [item],
            owner_agency,
            legal_basis=catalogue["statutory-open"],
            necessity_note=NECESSITY,
        )
    assert refusal(refused) == {"legal_basis"}
    assert nothing_disclosed()

    disclosure = share(
        child_welfare_user,
        team_case,
        [item],
        owner_agency,
        legal_basis=catalogue["statutory-nr7"],
        necessity_note=NECESSITY,
        confirmations=BOTH_CONFIRMATIONS,
    )
    assert disclosure.sender_agency == child_welfare_agency
    assert list(disclosure.items.all()) == [item]


def test_the_slts_items_may_go_under_a_basis_child_welfare_excludes(
    team_case, owner, item, child_welfare_agency, on_team, catalogue
):
    on_team(team_case, child_welfare_agency)
    disclosure = share(
        owner,
        team_case,
        [item],
        child_welfare_agency,
        legal_basis=catalogue["statutory-open"],
        necessity_note=NECESSITY,
    )
    assert disclosure.recipient_agency == child_welfare_agency


def test_police_items_say_whether_they_are_verified(
    team_case, police_agency, police_contact, on_team, write
):
    on_team(team_case, police_agency)
    with pytest.raises(ValidationError) as refused:
        write(team_case, "Kari er kjent for politiet.", actor=police_contact)
    assert refusal(refused) == {"police_verification"}
    with pytest.raises(ValidationError):
        write(team_case, "Kari er kjent.", actor=police_contact, police_verification="kanskje")
    assert not JournalEntry.objects.filter(agency=police_agency).exists()

    item = write(
        team_case,
        "Kari er kjent for politiet.",
        actor=police_contact,
        police_verification=PoliceVerification.UNVERIFIED,
    )
    assert item.sector == AgencyType.POLICE_DISTRICT
    assert item.police_verification == PoliceVerification.UNVERIFIED


def test_other_agencies_items_carry_no_police_verification(team_case, write):
    item = write(team_case, "Kari møtte opp.", police_verification=PoliceVerification.VERIFIED)
    assert item.police_verification == ""


def test_a_police_correction_keeps_the_verification_unless_it_changes_it(
    team_case, police_agency, police_contact, on_team, write
):
    """A correction keeps what it does not name (the form always names everything), and
    a police item can never lose its verified/unverified status (L08)."""
    on_team(team_case, police_agency)
    item = write(
        team_case,
        "Kari er kjent for politiet.",
        actor=police_contact,
        police_verification=PoliceVerification.UNVERIFIED,
    )
    kept = case_services.correct_journal_entry(
        police_contact,
        item,
        text="Kari er kjent for politiet fra 2024.",
        confidentiality="confidential",
        reason="Årstall lagt til.",
    )
    assert kept.police_verification == PoliceVerification.UNVERIFIED
    with pytest.raises(ValidationError) as refused:
        case_services.correct_journal_entry(
            police_contact,
            kept,
            text="Bekreftet.",
            confidentiality="confidential",
            reason="Sjekket i registeret.",
            police_verification="",
        )
    assert refusal(refused) == {"police_verification"}
    correction = case_services.correct_journal_entry(
        police_contact,
        kept,
        text="Bekreftet.",
        confidentiality="confidential",
        reason="Sjekket i registeret.",
        police_verification=PoliceVerification.VERIFIED,
    )
    assert correction.police_verification == PoliceVerification.VERIFIED


# Preparing a consent (L11, L16) ----------------------------------------------------------


def consent_fields(case, **changes):
    fields = {
        "consenter_name": "Kari Nordmann",
        "capacity": ConsentCapacity.THE_PERSON,
        "purpose": "Samordnet oppfølging i NAV og SLT",
        "categories": [InformationCategory.CONCERN, InformationCategory.MEASURES],
        "ends_on": days_from_today(180),
        "language": "norsk",
        "interpreter_used": False,
    }
    fields.update(changes)
    return fields


def prepare(actor, case, recipients, **changes):
    return services.prepare_consent(
        actor, case, recipients=recipients, **consent_fields(case, **changes)
    )


def test_it_prepares_a_consent(adult_case, owner, owner_agency, partner_agency):
    consent = prepare(owner, adult_case, [partner_agency])
    consent = Consent.objects.get(pk=consent.pk)
    assert consent.status == ConsentStatus.PREPARED
    assert consent.starts_on == timezone.localdate()
    assert consent.ends_on == days_from_today(180)
    assert list(consent.recipients.all()) == [partner_agency]
    assert consent.prepared_by == owner
    assert consent.prepared_agency == owner_agency
    [entry] = audit("consent.prepared")
    assert entry.detail == {
        "consent": consent.pk,
        "categories": ["concern", "measures"],
        "recipients": [partner_agency.pk],
        "ends_on": days_from_today(180).isoformat(),
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ends_on", None),
        ("purpose", "   "),
        ("categories", []),
        ("consenter_name", ""),
        ("capacity", ""),
        ("language", " "),
    ],
)
def test_a_consent_cannot_be_prepared_without(adult_case, owner, partner_agency, field, value):
    with pytest.raises(ValidationError) as refused:
        prepare(owner, adult_case, [partner_agency], **{field: value})
    assert field in refusal(refused)
    assert not Consent.objects.exists()
    assert not audit("consent.prepared")


def test_a_consent_cannot_be_prepared_without_recipients(adult_case, owner, make_agency):
    closed_down = make_agency("Nedlagt tjeneste", AgencyType.NAV, is_active=False)
    for recipients in ([], [closed_down]):
        with pytest.raises(ValidationError) as refused:
            prepare(owner, adult_case, recipients)
        assert refusal(refused) == {"recipients"}
    assert not Consent.objects.exists()


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"categories": ["concern", "horoscope"]}, "categories"),
        ({"starts_on": days_from_today(10), "ends_on": days_from_today(9)}, "ends_on"),
        ({"interpreter_used": True, "interpreter_language": ""}, "interpreter_language"),
        ({"capacity": ConsentCapacity.GUARDIANS}, "capacity"),
    ],
)
def test_a_consent_with_a_bad_scope_is_refused(adult_case, owner, partner_agency, changes, key):
    with pytest.raises(ValidationError) as refused:
        prepare(owner, adult_case, [partner_agency], **changes)
    assert refusal(refused) == {key}
    assert not Consent.objects.exists()


def test_an_outsider_cannot_prepare_a_consent(adult_case, outsider, partner_agency):
    with pytest.raises(PermissionDenied):
        prepare(outsider, adult_case, [partner_agency])
    assert not Consent.objects.exists()


@pytest.fixture
def mother(minor_case):
    return Guardian.objects.create(
        person=minor_case.subject,
        name="Aisha Nordmann",
        relation="mor",
        has_parental_responsibility=True,
    )


def guardian_fields(**changes):
    fields = {
        "consenter_name": "Aisha Nordmann",
        "capacity": ConsentCapacity.GUARDIANS,
        "child_views": "Ola vil gjerne ha hjelp med skolen, men ikke at politiet vet.",
    }
    fields.update(changes)
    return fields


def test_the_minor_case_is_about_a_child(minor_case):
    assert minor_case.subject.is_minor


def test_a_childs_consent_is_given_by_the_holders_of_parental_responsibility(
    minor_case, owner, partner_agency, mother
):
    consent = prepare(owner, minor_case, [partner_agency], guardians=[mother], **guardian_fields())
    consent = Consent.objects.get(pk=consent.pk)
    assert list(consent.guardians.all()) == [mother]
    assert consent.capacity == ConsentCapacity.GUARDIANS
    assert consent.child_views.startswith("Ola vil")


def test_a_child_cannot_consent_alone(minor_case, owner, partner_agency, mother):
    with pytest.raises(ValidationError) as refused:
        prepare(
            owner,
            minor_case,
            [partner_agency],
            guardians=[mother],
            **guardian_fields(capacity=ConsentCapacity.THE_PERSON),
        )
    assert refusal(refused) == {"capacity"}
    assert not Consent.objects.exists()


def test_a_childs_consent_needs_a_guardian(minor_case, owner, partner_agency):
    with pytest.raises(ValidationError) as refused:
        prepare(owner, minor_case, [partner_agency], **guardian_fields())
    assert refusal(refused) == {"guardians"}


def test_a_childs_consent_needs_a_guardian_with_parental_responsibility(
    minor_case, owner, partner_agency
):
    uncle = Guardian.objects.create(
        person=minor_case.subject,
        name="Ali Nordmann",
        relation="onkel",
        has_parental_responsibility=False,
    )
    with pytest.raises(ValidationError) as refused:
        prepare(owner, minor_case, [partner_agency], guardians=[uncle], **guardian_fields())
    assert refusal(refused) == {"guardians"}
    assert not Consent.objects.exists()


def test_a_childs_consent_needs_the_childs_own_guardian(
    minor_case, owner, partner_agency, register
):
    other_child = register(
        person={"name": "Lise Hansen", "birth_year": minor_case.subject.birth_year}
    )
    someone_elses_mother = Guardian.objects.create(
        person=other_child.subject, name="Hanne Hansen", relation="mor"
    )
    with pytest.raises(ValidationError) as refused:
        prepare(
            owner,
            minor_case,
            [partner_agency],
            guardians=[someone_elses_mother],
            **guardian_fields(),
        )
    assert refusal(refused) == {"guardians"}


def test_a_childs_consent_needs_the_childs_views(minor_case, owner, partner_agency, mother):
    with pytest.raises(ValidationError) as refused:
        prepare(
            owner,
            minor_case,
            [partner_agency],
            guardians=[mother],
            **guardian_fields(child_views="  "),
        )
    assert refusal(refused) == {"child_views"}
    assert not Consent.objects.exists()


# Recording the answer (L11, L17, L09) ------------------------------------------------------


@pytest.fixture
def prepared(adult_case, owner, partner_agency):
    return prepare(owner, adult_case, [partner_agency])


def test_it_records_an_oral_consent(prepared, owner):
    services.record_consent_answer(
        owner,
        prepared,
        decision="given",
        form="oral",
        oral_recorded_by="Eva Eier",
        oral_record_reference="Journalnotat 12.11.",
    )
    consent = Consent.objects.get(pk=prepared.pk)
    assert consent.status == ConsentStatus.GIVEN
    assert consent.form == "oral"
    assert consent.oral_recorded_by == "Eva Eier"
    assert consent.oral_record_reference == "Journalnotat 12.11."
    assert consent.answered_by == owner
    assert consent.answered_at is not None
    [entry] = audit("consent.given")
    assert entry.detail == {"consent": consent.pk, "form": "oral"}


def test_a_given_consent_needs_its_form(prepared, owner):
    with pytest.raises(ValidationError) as refused:
        services.record_consent_answer(owner, prepared, decision="given")
    assert refusal(refused) == {"form"}
    assert Consent.objects.get(pk=prepared.pk).status == ConsentStatus.PREPARED


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({"oral_record_reference": "Journalnotat 12.11."}, {"oral_recorded_by"}),
        ({"oral_recorded_by": "Eva Eier"}, {"oral_record_reference"}),
        ({}, {"oral_recorded_by", "oral_record_reference"}),
    ],
)
def test_an_oral_consent_needs_who_recorded_it_and_where(prepared, owner, fields, missing):
    with pytest.raises(ValidationError) as refused:
        services.record_consent_answer(owner, prepared, decision="given", form="oral", **fields)
    assert refusal(refused) == missing
    assert Consent.objects.get(pk=prepared.pk).status == ConsentStatus.PREPARED


def test_a_written_consent_needs_the_signed_declaration(prepared, owner):
    with pytest.raises(ValidationError) as refused:
        services.record_consent_answer(owner, prepared, decision="given", form="written")
    assert refusal(refused) == {"declaration"}
    assert Consent.objects.get(pk=prepared.pk).status == ConsentStatus.PREPARED


def test_it_records_a_written_consent_with_its_declaration(prepared, owner, media_root):
    services.record_consent_answer(
        owner,
        prepared,
        decision="given",
        form="written",
        declaration=samples.upload("erklaering.pdf", samples.pdf_bytes("Samtykke")),
    )
    consent = Consent.objects.get(pk=prepared.pk)
    assert consent.status == ConsentStatus.GIVEN
    assert consent.form == "written"
    assert consent.declaration_file_name == "erklaering.pdf"
    assert consent.declaration_content_type == "application/pdf"
    with consent.declaration_file.open("rb") as stored:
        assert stored.read() == samples.pdf_bytes("Samtykke")
    assert "erklaering" not in consent.declaration_file.name


@pytest.mark.parametrize(
    "data",
    [samples.pdf_bytes("KONFIDENSIELT"), samples.pdf_bytes("Konfidensielt", compressed=True)],
)
def test_a_declaration_marked_classified_is_refused(prepared, owner, media_root, data):
    with pytest.raises(ValidationError) as refused:
        services.record_consent_answer(
            owner,
            prepared,
            decision="given",
            form="written",
            declaration=samples.upload("erklaering.pdf", data),
        )
    assert refusal(refused) == {"declaration"}
    assert "KONFIDENSIELT" in str(refused.value.message_dict["declaration"])
    consent = Consent.objects.get(pk=prepared.pk)
    assert consent.status == ConsentStatus.PREPARED
    assert not consent.declaration_file
    stored = [path for path in media_root.rglob("*") if path.is_file()]
    assert stored == []


def test_it_records_a_refusal(prepared, owner):
    services.record_consent_answer(
        owner, prepared, decision="refused", refusal_note="Kari vil ikke at NAV får vite."
    )
    consent = Consent.objects.get(pk=prepared.pk)
    assert consent.status == ConsentStatus.REFUSED
    assert consent.refusal_note == "Kari vil ikke at NAV får vite."
    assert consent.form == ""
    [entry] = audit("consent.refused")
    assert entry.detail["consent"] == consent.pk


def test_it_needs_a_decision(prepared, owner):
    with pytest.raises(ValidationError) as refused:
        services.record_consent_answer(owner, prepared, decision="maybe")
    assert refusal(refused) == {"decision"}


@pytest.mark.parametrize("first", ["given", "refused"])
def test_a_consent_is_answered_once(prepared, owner, first):
    oral = {"form": "oral", "oral_recorded_by": "Eva", "oral_record_reference": "Notat 1"}
    services.record_consent_answer(owner, prepared, decision=first, **oral)
    for second in ("given", "refused"):
        with pytest.raises(ValidationError):
            services.record_consent_answer(owner, prepared, decision=second, **oral)
    assert Consent.objects.get(pk=prepared.pk).status == first
    assert len(audit("consent.given") + audit("consent.refused")) == 1


def test_an_outsider_cannot_answer_a_consent(prepared, outsider):
    with pytest.raises(PermissionDenied):
        services.record_consent_answer(
            outsider,
            prepared,
            decision="given",
            form="oral",
            oral_recorded_by="Ulla",
            oral_record_reference="Notat",
        )
    assert Consent.objects.get(pk=prepared.pk).status == ConsentStatus.PREPARED


# Withdrawal (L13) ------------------------------------------------------------------------


def withdraw(actor, consent, **kwargs):
    kwargs.setdefault("withdrawn_on", timezone.localdate())
    kwargs.setdefault("note", "Kari ringte SLT-koordinator og trakk samtykket.")
    return services.withdraw_consent(actor, consent, **kwargs)


def test_a_withdrawal_keeps_the_consent_as_it_was(team_case, owner, partner_agency, give_consent):
    consent = give_consent(team_case, recipients=[partner_agency])
    before = model_to_dict(Consent.objects.get(pk=consent.pk))

    withdrawal = withdraw(owner, consent)

    after = Consent.objects.get(pk=consent.pk)
    assert model_to_dict(after) == before
    assert after.status == ConsentStatus.GIVEN
    assert after.is_withdrawn
    withdrawal = ConsentWithdrawal.objects.get(pk=withdrawal.pk)
    assert withdrawal.consent == after
    assert withdrawal.withdrawn_on == timezone.localdate()
    assert withdrawal.recorded_by == owner
    assert not after.is_valid_on(timezone.localdate())


def test_a_withdrawal_tells_every_agency_that_received_under_the_consent(
    team_case,
    owner,
    partner_agency,
    school_agency,
    child_welfare_agency,
    on_team,
    write,
    give_consent,
    catalogue,
):
    on_team(team_case, school_agency, child_welfare_agency)
    first, second = write(team_case, "Første."), write(team_case, "Andre.")
    consent = give_consent(
        team_case, recipients=[partner_agency, school_agency, child_welfare_agency]
    )
    share(owner, team_case, [first], partner_agency, consent=consent)
    latest_to_partner = share(owner, team_case, [second], partner_agency, consent=consent)
    to_school = share(owner, team_case, [first], school_agency, consent=consent)
    # Barnevernet received under a statutory basis only; it is named in the consent but
    # got nothing under it.
    share(
        owner,
        team_case,
        [second],
        child_welfare_agency,
        legal_basis=catalogue["statutory-open"],
        necessity_note=NECESSITY,
    )

    withdraw(owner, consent)

    notices = {
        notice.recipient_agency: notice
        for notice in DisclosureNotice.objects.filter(kind=NoticeKind.CONSENT_WITHDRAWN)
    }
    assert DisclosureNotice.objects.count() == 2
    assert set(notices) == {partner_agency, school_agency}
    assert notices[partner_agency].disclosure == latest_to_partner
    assert notices[school_agency].disclosure == to_school
    for notice in notices.values():
        assert notice.consent == consent
        assert notice.case == team_case
        assert notice.acknowledged_at is None
    [entry] = audit("consent.withdrawn")
    assert entry.detail == {
        "consent": consent.pk,
        "notified": sorted([partner_agency.pk, school_agency.pk]),
    }


def test_a_withdrawal_before_any_disclosure_tells_nobody(
    team_case, owner, partner_agency, give_consent
):
    consent = give_consent(team_case, recipients=[partner_agency])
    withdraw(owner, consent)
    assert not DisclosureNotice.objects.exists()
    [entry] = audit("consent.withdrawn")
    assert entry.detail["notified"] == []


def test_a_consent_is_withdrawn_once(team_case, owner, partner_agency, give_consent):
    consent = give_consent(team_case, recipients=[partner_agency])
    withdraw(owner, consent)
    with pytest.raises(ValidationError):
        withdraw(owner, Consent.objects.get(pk=consent.pk), note="En gang til.")
    assert ConsentWithdrawal.objects.count() == 1
    assert len(audit("consent.withdrawn")) == 1


def test_a_withdrawal_needs_a_note_and_a_date_not_in_the_future(
    team_case, owner, partner_agency, give_consent
):
    consent = give_consent(team_case, recipients=[partner_agency])
    with pytest.raises(ValidationError) as refused:
        withdraw(owner, consent, note=" ")
    assert refusal(refused) == {"note"}
    with pytest.raises(ValidationError) as refused:
        withdraw(owner, consent, withdrawn_on=days_from_today(1))
    assert refusal(refused) == {"withdrawn_on"}
    assert not ConsentWithdrawal.objects.exists()


def test_only_a_given_consent_can_be_withdrawn(prepared, owner):
    with pytest.raises(ValidationError):
        withdraw(owner, prepared)
    services.record_consent_answer(owner, prepared, decision="refused")
    with pytest.raises(ValidationError):
        withdraw(owner, prepared)
    assert not ConsentWithdrawal.objects.exists()


def test_an_outsider_cannot_withdraw_a_consent(team_case, outsider, partner_agency, give_consent):
    consent = give_consent(team_case, recipients=[partner_agency])
    with pytest.raises(PermissionDenied):
        withdraw(outsider, consent)
    assert not ConsentWithdrawal.objects.exists()


# Correction of disclosed items (L41) -------------------------------------------------------


def correct(actor, entry, text="Rettet tekst.", **tags):
    return services.correct_item(
        actor,
        entry,
        text=text,
        confidentiality=Confidentiality.CONFIDENTIAL,
        reason="Feil dato i første versjon.",
        **tags,
    )


def test_a_correction_tells_every_earlier_recipient(
    team_case,
    owner,
    partner_agency,
    school_agency,
    child_welfare_agency,
    on_team,
    write,
    give_consent,
    catalogue,
):
    on_team(team_case, school_agency, child_welfare_agency)
    item = write(team_case, "Kari var på møtet 3. mars.")
    other = write(team_case, "Et annet notat.")
    consent = give_consent(team_case, recipients=[partner_agency])
    share(owner, team_case, [item], partner_agency, consent=consent)
    to_school = share(
        owner,
        team_case,
        [item, other],
        school_agency,
        legal_basis=catalogue["statutory-open"],
        necessity_note=NECESSITY,
    )
    share(
        owner,
        team_case,
        [other],
        child_welfare_agency,
        legal_basis=catalogue["statutory-open"],
        necessity_note=NECESSITY,
    )

    correction = correct(owner, item, "Kari var på møtet 4. mars.")

    notices = DisclosureNotice.objects.filter(kind=NoticeKind.ITEM_CORRECTED)
    assert {notice.recipient_agency for notice in notices} == {partner_agency, school_agency}
    assert notices.count() == 2
    assert all(notice.corrected_entry == correction for notice in notices)
    assert notices.get(recipient_agency=school_agency).disclosure == to_school


def test_a_correction_of_an_item_never_shared_tells_nobody(team_case, owner, item):
    correct(owner, item)
    assert not DisclosureNotice.objects.exists()


def test_correcting_a_correction_still_tells_the_earlier_recipients(
    team_case, owner, item, partner_agency, give_consent
):
    consent = give_consent(team_case, recipients=[partner_agency])
    share(owner, team_case, [item], partner_agency, consent=consent)
    second = correct(owner, item, "Andre versjon.")
    third = correct(owner, second, "Tredje versjon.")
    notices = DisclosureNotice.objects.filter(
        kind=NoticeKind.ITEM_CORRECTED, recipient_agency=partner_agency
    )
    assert {notice.corrected_entry for notice in notices} == {second, third}


def test_only_the_writing_agency_corrects_an_item(team_case, partner, item):
    with pytest.raises(PermissionDenied):
        correct(partner, item)
    assert JournalEntry.objects.count() == 1


# Disclosure records cannot change (L02) --------------------------------------------------


@pytest.fixture
def disclosure(team_case, owner, item, partner_agency, give_consent):
    consent = give_consent(team_case, recipients=[partner_agency])
    return share(owner, team_case, [item], partner_agency, consent=consent)


def _save_changed(model, pk, field, value):
    row = model.objects.get(pk=pk)
    setattr(row, field, value)
    row.save()


DISCLOSURE_CHANGES = {
    "save": lambda pk: _save_changed(Disclosure, pk, "purpose", "Noe annet"),
    "save with update_fields": lambda pk: Disclosure.objects.get(pk=pk).save(
        update_fields=["purpose"]
    ),
    "delete": lambda pk: Disclosure.objects.get(pk=pk).delete(),
    "queryset update": lambda pk: Disclosure.objects.filter(pk=pk).update(purpose="Noe annet"),
    "queryset delete": lambda pk: Disclosure.objects.filter(pk=pk).delete(),
    "delete all": lambda pk: Disclosure.objects.all().delete(),
    "bulk_update": lambda pk: Disclosure.objects.bulk_update(
        [Disclosure(pk=pk, purpose="Noe annet")], ["purpose"]
    ),
}


def _item_row(disclosure):
    return DisclosedItem.objects.get(disclosure=disclosure)


ITEM_CHANGES = {
    "save": lambda row, other: _save_changed(DisclosedItem, row.pk, "entry_id", other.pk),
    "delete": lambda row, other: DisclosedItem.objects.get(pk=row.pk).delete(),
    "queryset update": lambda row, other: DisclosedItem.objects.filter(pk=row.pk).update(
        entry=other
    ),
    "queryset delete": lambda row, other: DisclosedItem.objects.filter(pk=row.pk).delete(),
    "bulk_update": lambda row, other: DisclosedItem.objects.bulk_update(
        [DisclosedItem(pk=row.pk, disclosure_id=row.disclosure_id, entry=other)], ["entry"]
    ),
    "remove through the relation": lambda row, other: row.disclosure.items.remove(row.entry),
    "clear through the relation": lambda row, other: row.disclosure.items.clear(),
}


def _snapshot(model):
    return list(model.objects.order_by("pk").values())


@pytest.mark.parametrize("change", list(DISCLOSURE_CHANGES), ids=list(DISCLOSURE_CHANGES))
def test_a_disclosure_cannot_be_changed_or_deleted(disclosure, change):
    before = _snapshot(Disclosure)
    with pytest.raises(ImmutableRecord), transaction.atomic():
        DISCLOSURE_CHANGES[change](disclosure.pk)
    assert _snapshot(Disclosure) == before


@pytest.mark.parametrize("change", list(ITEM_CHANGES), ids=list(ITEM_CHANGES))
def test_a_disclosed_item_cannot_be_changed_or_deleted(disclosure, team_case, write, change):
    other = write(team_case, "Et annet notat.")
    before = _snapshot(DisclosedItem)
    with pytest.raises(ImmutableRecord), transaction.atomic():
        ITEM_CHANGES[change](_item_row(disclosure), other)
    assert _snapshot(DisclosedItem) == before


def test_no_item_can_be_added_to_a_disclosure_afterwards(disclosure, team_case, write):
    """The record names the exact items that went out (L02): nothing joins it later."""
    other = write(team_case, "Et notat som aldri ble delt.")
    before = _snapshot(DisclosedItem)
    with pytest.raises(ImmutableRecord), transaction.atomic():
        disclosure.items.add(other)
    assert _snapshot(DisclosedItem) == before


# Expiry warning (L14) ----------------------------------------------------------------------


def test_the_coordinator_is_warned_of_consents_ending_soon(
    team_case, owner, partner, partner_agency, give_consent
):
    days = settings.CONSENT_EXPIRY_WARNING_DAYS
    soon = give_consent(team_case, recipients=[partner_agency], ends_on=days_from_today(3))
    last_day = give_consent(team_case, recipients=[partner_agency], ends_on=days_from_today(days))
    give_consent(team_case, recipients=[partner_agency], ends_on=days_from_today(days + 1))
    withdrawn = give_consent(team_case, recipients=[partner_agency], ends_on=days_from_today(2))
    withdraw(owner, withdrawn)
    ended = give_consent(
        team_case,
        recipients=[partner_agency],
        starts_on=days_from_today(-20),
        ends_on=days_from_today(-1),
    )

    assert list(services.consents_ending_soon(owner)) == [soon, last_day]
    assert ended not in services.consents_ending_soon(owner)
    # The partner is on the team but does not coordinate: no warning for them.
    assert not services.consents_ending_soon(partner).exists()


def test_no_warning_for_a_consent_that_was_never_given(adult_case, owner, partner_agency):
    prepare(owner, adult_case, [partner_agency], ends_on=days_from_today(3))
    assert not services.consents_ending_soon(owner).exists()


# Converting an anonymous discussion needs a basis from the catalogue (L20) ------------------


def convert(actor, case, legal_basis):
    return case_services.convert_anonymous(
        actor,
        case,
        version=case.version,
        legal_basis=legal_basis,
        person={"name": "Kari Nordmann", "birth_year": 1990},
    )


@pytest.mark.parametrize(
    "code",
    [
        None,
        "statutory-future",  # not valid yet
        "statutory-ended",  # no longer valid
        "consent-health",  # for health services and RVTS, not the SLT
        "consent-police",  # for the police
    ],
)
def test_a_conversion_needs_a_basis_the_agency_may_use_today(
    anonymous_case, owner, catalogue, code
):
    with pytest.raises(ValidationError) as refused:
        convert(owner, anonymous_case, catalogue[code] if code else None)
    assert refusal(refused) == {"legal_basis"}
    assert ConcernCase.objects.get(pk=anonymous_case.pk).state == CaseState.ANONYMOUS_DISCUSSION
    assert ConcernCase.objects.count() == 1
    assert not audit("case.converted")


@pytest.mark.parametrize("code", ["consent-fvl", "statutory-open"])
def test_a_conversion_records_the_basis_it_was_made_under(anonymous_case, owner, catalogue, code):
    identified = convert(owner, anonymous_case, catalogue[code])
    assert ConcernCase.objects.get(pk=identified.pk).legal_basis == code
    [entry] = audit("case.converted")
    assert entry.detail["legal_basis"] == code
    assert ConcernCase.objects.get(pk=anonymous_case.pk).state == CaseState.CLOSED


def test_a_correction_that_names_no_tags_keeps_them(team_case, owner, write):
    """A health item corrected without naming its tags stays a health item."""
    from tverrnett.cases import services as case_services

    item = write(team_case, "Sykemeldt.", category="health", health_data=True)

    correction = case_services.correct_journal_entry(
        owner,
        item,
        text="Sykemeldt i to uker.",
        confidentiality="confidential",
        reason="Presisert.",
    )

    assert correction.category == "health"
    assert correction.health_data is True
