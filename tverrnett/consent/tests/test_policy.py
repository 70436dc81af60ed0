"""Who reads which information items, seen from the side of someone who should not (C1, L05,
L49).

The owner (Drammen kommune – SLT) coordinates the case; the partner (Nav Drammen) is
on the team in `team_case`. A voluntary organisation (Drammen idrettslag) reaches a
case only through a consent that names it, and only after its user accepted the
confidentiality declaration.
"""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tverrnett.access import policy
from tverrnett.accounts.models import MembershipRole
from tverrnett.agencies.models import AgencyType
from tverrnett.cases import services as case_services
from tverrnett.cases.models import InformationCategory
from tverrnett.cases.tests.conftest import signed_in
from tverrnett.consent import services
from tverrnett.consent.models import ConfidentialityDeclaration, ConsentCapacity

pytestmark = pytest.mark.usefixtures("catalogue")

NECESSITY = "Skolen må vite dette for å legge til rette for Kari denne uken."
BOTH_CONFIRMATIONS = ["anonymised_not_enough", "minimum_information"]


def days_from_today(days):
    return timezone.localdate() + datetime.timedelta(days=days)


def at_noon(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def reads(user, case):
    return set(policy.visible_journal(user, case))


def sees_case(user, case, now=None):
    return policy.visible_cases(user, now=now).filter(pk=case.pk).exists()


def share(actor, case, items, recipient, **kwargs):
    kwargs.setdefault("purpose", "Samordnet oppfølging")
    return services.disclose(actor, case, items=items, recipient=recipient, **kwargs)


def correct(actor, entry, text):
    return services.correct_item(
        actor, entry, text=text, confidentiality="confidential", reason="Feil i første versjon."
    )


# Agencies on the same team ---------------------------------------------------------------


def test_a_partner_on_the_team_reads_none_of_the_owners_items(team_case, owner, partner, write):
    write(team_case, "Kari har uteblitt fra tiltaket.")
    write(team_case, "Kari går til psykolog.", health_data=True)
    assert sees_case(partner, team_case)
    assert reads(partner, team_case) == set()


def test_the_owner_reads_none_of_the_partners_items(team_case, owner, partner, write):
    own = write(team_case, "SLTs notat.")
    write(team_case, "Navs notat.", actor=partner)
    assert reads(owner, team_case) == {own}


def test_a_partner_reads_exactly_what_was_disclosed_to_it(
    team_case, owner, partner, partner_agency, write, give_consent
):
    shared = write(team_case, "Kari har uteblitt fra tiltaket.")
    kept_back = write(team_case, "Notat om familien.")
    partners_own = write(team_case, "Navs vurdering.", actor=partner)
    consent = give_consent(team_case, recipients=[partner_agency])

    share(owner, team_case, [shared], partner_agency, consent=consent)

    assert reads(partner, team_case) == {shared, partners_own}
    assert kept_back not in policy.visible_journal(partner, team_case)
    # What the partner received is not theirs to pass on or correct.
    assert set(policy.own_journal(partner, team_case)) == {partners_own}


def test_a_correction_after_the_disclosure_stays_with_the_owner(
    team_case, owner, partner, partner_agency, write, give_consent
):
    shared = write(team_case, "Kari var på møtet 3. mars.")
    consent = give_consent(team_case, recipients=[partner_agency])
    share(owner, team_case, [shared], partner_agency, consent=consent)

    correction = correct(owner, shared, "Kari var på møtet 4. mars.")

    # The partner keeps the version it received and does not get the new one.
    assert reads(partner, team_case) == {shared}
    # The owner reads the current version only.
    assert reads(owner, team_case) == {correction}


def test_the_correction_is_read_once_it_too_is_disclosed(
    team_case, owner, partner, partner_agency, write, give_consent
):
    shared = write(team_case, "Kari var på møtet 3. mars.")
    consent = give_consent(team_case, recipients=[partner_agency])
    share(owner, team_case, [shared], partner_agency, consent=consent)
    correction = correct(owner, shared, "Kari var på møtet 4. mars.")
    share(owner, team_case, [correction], partner_agency, consent=consent)
    assert reads(partner, team_case) == {shared, correction}


def test_a_disclosure_to_one_agency_reaches_no_other(
    team_case,
    owner,
    partner,
    partner_agency,
    school_agency,
    school_user,
    on_team,
    write,
    give_consent,
):
    on_team(team_case, school_agency)
    shared = write(team_case, "Kari har uteblitt.")
    consent = give_consent(team_case, recipients=[partner_agency, school_agency])
    share(owner, team_case, [shared], partner_agency, consent=consent)
    assert reads(partner, team_case) == {shared}
    assert reads(school_user, team_case) == set()


def test_an_outsider_reads_nothing(team_case, owner, outsider, partner_agency, write, give_consent):
    shared = write(team_case, "Kari har uteblitt.")
    consent = give_consent(team_case, recipients=[partner_agency])
    share(owner, team_case, [shared], partner_agency, consent=consent)
    assert not sees_case(outsider, team_case)
    assert policy.case_access_path(outsider, team_case) is None
    assert reads(outsider, team_case) == set()


def test_school_and_child_welfare_in_one_municipality_read_nothing_of_each_other(
    adult_case,
    owner,
    school_agency,
    school_user,
    child_welfare_agency,
    child_welfare_user,
    on_team,
    write,
    catalogue,
):
    """L05: same municipality, same team, and still nothing without a disclosure."""
    assert school_agency.municipality == child_welfare_agency.municipality
    case = on_team(adult_case, school_agency, child_welfare_agency)
    schools = write(case, "Kari har høyt fravær.", actor=school_user)
    child_welfares = write(case, "Barnevernet har hatt samtale.", actor=child_welfare_user)

    assert sees_case(school_user, case) and sees_case(child_welfare_user, case)
    assert reads(school_user, case) == {schools}
    assert reads(child_welfare_user, case) == {child_welfares}
    assert reads(owner, case) == set()

    share(
        child_welfare_user,
        case,
        [child_welfares],
        school_agency,
        legal_basis=catalogue["statutory-nr7"],
        necessity_note=NECESSITY,
        confirmations=BOTH_CONFIRMATIONS,
    )

    assert reads(school_user, case) == {schools, child_welfares}
    # One way only: barnevernet still reads nothing of the school's, the SLT nothing at all.
    assert reads(child_welfare_user, case) == {child_welfares}
    assert reads(owner, case) == set()


def test_a_partner_taken_off_the_team_no_longer_sees_the_case(
    team_case, owner, partner, partner_agency, write, give_consent
):
    shared = write(team_case, "Kari har uteblitt.")
    consent = give_consent(team_case, recipients=[partner_agency])
    share(owner, team_case, [shared], partner_agency, consent=consent)
    case_services.remove_team_member(owner, team_case, team_case.team.get(agency=partner_agency))
    assert not sees_case(partner, team_case)


# Voluntary organisations (L49) ---------------------------------------------------------


@pytest.fixture
def volunteer_case(team_case, on_team, volunteer_agency):
    """The case with the voluntary organisation on its team (it can then be sent items)."""
    return on_team(team_case, volunteer_agency)


def declare(user, agency):
    return services.accept_confidentiality_declaration(user, agency)


def test_a_volunteer_sees_no_case_without_a_consent(volunteer_case, volunteer, volunteer_agency):
    declare(volunteer, volunteer_agency)
    # Being on the team opens nothing: a voluntary organisation does no case work.
    assert not sees_case(volunteer, volunteer_case)
    assert policy.case_access_path(volunteer, volunteer_case) is None
    assert reads(volunteer, volunteer_case) == set()


def test_a_volunteer_sees_no_case_before_accepting_the_declaration(
    volunteer_case, owner, volunteer, volunteer_agency, write, give_consent
):
    item = write(volunteer_case, "Kari trener med laget.")
    consent = give_consent(volunteer_case, recipients=[volunteer_agency])
    share(owner, volunteer_case, [item], volunteer_agency, consent=consent)
    assert not sees_case(volunteer, volunteer_case)
    assert policy.case_access_path(volunteer, volunteer_case) is None
    assert reads(volunteer, volunteer_case) == set()
    assert services.needs_confidentiality_declaration(volunteer) == [volunteer_agency]


def test_a_declaration_of_an_older_text_opens_nothing(
    volunteer_case, volunteer, volunteer_agency, give_consent
):
    ConfidentialityDeclaration.objects.create(
        user=volunteer, agency=volunteer_agency, text_version="2001-01"
    )
    give_consent(volunteer_case, recipients=[volunteer_agency])
    assert not sees_case(volunteer, volunteer_case)


def test_a_volunteer_with_a_consent_and_the_declaration_reads_what_was_disclosed(
    volunteer_case, owner, partner, volunteer, volunteer_agency, write, give_consent
):
    shared = write(volunteer_case, "Kari trener med laget tirsdager.")
    write(volunteer_case, "Kari går til psykolog.", health_data=True)
    write(volunteer_case, "Navs notat.", actor=partner)
    consent = give_consent(volunteer_case, recipients=[volunteer_agency])
    share(owner, volunteer_case, [shared], volunteer_agency, consent=consent)

    declare(volunteer, volunteer_agency)

    assert sees_case(volunteer, volunteer_case)
    path = policy.case_access_path(volunteer, volunteer_case)
    assert path == "consent"
    assert not policy.can_work_on_case(volunteer, volunteer_case, path)
    assert not policy.can_manage_case(volunteer, volunteer_case, path)
    assert reads(volunteer, volunteer_case) == {shared}


def test_a_volunteer_named_in_a_consent_but_sent_nothing_reads_nothing(
    volunteer_case, volunteer, volunteer_agency, write, give_consent
):
    write(volunteer_case, "Kari trener med laget.")
    give_consent(volunteer_case, recipients=[volunteer_agency])
    declare(volunteer, volunteer_agency)
    assert sees_case(volunteer, volunteer_case)
    assert reads(volunteer, volunteer_case) == set()


def test_a_volunteer_cannot_write_or_share(
    volunteer_case, owner, volunteer, volunteer_agency, owner_agency, write, give_consent
):
    item = write(volunteer_case, "Kari trener med laget.")
    consent = give_consent(volunteer_case, recipients=[volunteer_agency, owner_agency])
    share(owner, volunteer_case, [item], volunteer_agency, consent=consent)
    declare(volunteer, volunteer_agency)
    with pytest.raises(PermissionDenied):
        write(volunteer_case, "Fra idrettslaget.", actor=volunteer)
    with pytest.raises(PermissionDenied):
        share(volunteer, volunteer_case, [item], owner_agency, consent=consent)


def test_a_consent_naming_another_organisation_opens_nothing(
    volunteer_case, volunteer, volunteer_agency, make_agency, give_consent
):
    other_club = make_agency("Drammen sjakklubb", AgencyType.VOLUNTARY_ORG)
    give_consent(volunteer_case, recipients=[other_club])
    declare(volunteer, volunteer_agency)
    assert not sees_case(volunteer, volunteer_case)


def test_a_volunteer_loses_the_case_when_the_consent_is_withdrawn(
    volunteer_case, owner, volunteer, volunteer_agency, write, give_consent
):
    shared = write(volunteer_case, "Kari trener med laget.")
    consent = give_consent(volunteer_case, recipients=[volunteer_agency])
    share(owner, volunteer_case, [shared], volunteer_agency, consent=consent)
    declare(volunteer, volunteer_agency)
    assert sees_case(volunteer, volunteer_case)

    services.withdraw_consent(
        owner, consent, withdrawn_on=timezone.localdate(), note="Kari ringte i dag."
    )

    assert not sees_case(volunteer, volunteer_case)
    assert not policy.visible_cases(volunteer).exists()
    assert policy.case_access_path(volunteer, volunteer_case) is None


def test_a_withdrawn_volunteer_reads_no_item_even_when_asked_directly(
    volunteer_case, owner, volunteer, volunteer_agency, write, give_consent
):
    """The items a user may read on a case: none, for an organisation no consent names
    any more ("no access at all"), whether or not the caller checked the case first."""
    shared = write(volunteer_case, "Kari trener med laget.")
    consent = give_consent(volunteer_case, recipients=[volunteer_agency])
    share(owner, volunteer_case, [shared], volunteer_agency, consent=consent)
    declare(volunteer, volunteer_agency)
    services.withdraw_consent(
        owner, consent, withdrawn_on=timezone.localdate(), note="Kari ringte i dag."
    )
    assert reads(volunteer, volunteer_case) == set()


def test_a_volunteer_sees_the_case_only_while_the_consent_runs(
    volunteer_case, volunteer, volunteer_agency, give_consent
):
    starts, ends = days_from_today(3), days_from_today(20)
    give_consent(volunteer_case, recipients=[volunteer_agency], starts_on=starts, ends_on=ends)
    declare(volunteer, volunteer_agency)

    assert not sees_case(volunteer, volunteer_case)
    assert not sees_case(volunteer, volunteer_case, now=at_noon(starts - datetime.timedelta(1)))
    assert sees_case(volunteer, volunteer_case, now=at_noon(starts))
    assert policy.case_access_path(volunteer, volunteer_case, now=at_noon(starts)) == "consent"
    assert sees_case(volunteer, volunteer_case, now=at_noon(ends))
    assert not sees_case(volunteer, volunteer_case, now=at_noon(ends + datetime.timedelta(1)))
    assert (
        policy.case_access_path(
            volunteer, volunteer_case, now=at_noon(ends + datetime.timedelta(1))
        )
        is None
    )


def test_a_refused_consent_opens_nothing(volunteer_case, owner, volunteer, volunteer_agency):
    consent = services.prepare_consent(
        owner,
        volunteer_case,
        consenter_name="Kari Nordmann",
        capacity=ConsentCapacity.THE_PERSON,
        purpose="Aktivitet i idrettslaget",
        categories=[InformationCategory.CONCERN],
        recipients=[volunteer_agency],
        ends_on=days_from_today(90),
        language="norsk",
        interpreter_used=False,
    )
    declare(volunteer, volunteer_agency)
    assert not sees_case(volunteer, volunteer_case)
    services.record_consent_answer(owner, consent, decision="refused", refusal_note="Nei.")
    assert not sees_case(volunteer, volunteer_case)


def test_an_administrator_of_a_voluntary_organisation_sees_nothing(
    volunteer_case, owner, make_user, volunteer_agency, write, give_consent
):
    admin = signed_in(
        make_user("klubbadmin", volunteer_agency, MembershipRole.AGENCY_ADMIN, first_name="Arne")
    )
    shared = write(volunteer_case, "Kari trener med laget.")
    consent = give_consent(volunteer_case, recipients=[volunteer_agency])
    share(owner, volunteer_case, [shared], volunteer_agency, consent=consent)
    ConfidentialityDeclaration.objects.create(
        user=admin,
        agency=volunteer_agency,
        text_version=settings.CONFIDENTIALITY_DECLARATION_VERSION,
    )
    assert policy.volunteer_agency_ids(admin) == set()
    assert not sees_case(admin, volunteer_case)
    assert not policy.visible_cases(admin).exists()
    assert policy.case_access_path(admin, volunteer_case) is None
    assert reads(admin, volunteer_case) == set()


def test_an_anonymous_discussion_never_opens_to_a_volunteer(
    anonymous_case, volunteer, volunteer_agency
):
    declare(volunteer, volunteer_agency)
    assert not sees_case(volunteer, anonymous_case)


def test_a_school_no_longer_reads_items_shared_under_a_withdrawn_consent(
    adult_case, owner, school_user, school_agency, on_team, write, give_consent
):
    on_team(adult_case, school_agency)
    shared = write(adult_case, "Kari trenger tett oppfølging på skolen.")
    consent = give_consent(adult_case, recipients=[school_agency])
    share(owner, adult_case, [shared], school_agency, consent=consent)
    assert shared in reads(school_user, adult_case)

    services.withdraw_consent(
        owner, consent, withdrawn_on=timezone.localdate(), note="Kari ringte i dag."
    )

    assert shared not in reads(school_user, adult_case)
