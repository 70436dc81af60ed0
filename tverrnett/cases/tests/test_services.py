import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from stdnum.no import fodselsnummer

from tverrnett.access import policy
from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.agencies.models import AgencyType
from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services
from tverrnett.cases.models import (
    CaseState,
    ChecklistItem,
    ConcernCase,
    Confidentiality,
    JournalEntry,
    Person,
    SecurityClarification,
    Source,
    Task,
    TaskStatus,
    TeamMember,
    TimelineEvent,
    Urgency,
)
from tverrnett.consent.models import LegalBasis
from tverrnett.networks.models import ForumAudience, Role, RoleKind

# A valid fødselsnummer (15 July 1965), made up for tests.
FNR = "15076500565"


def days_from_today(days):
    return timezone.localdate() + datetime.timedelta(days=days)


LONG_REASON = "Saken gjelder en elev vi har fått henvendelse om i dag."


def audit(action, target=None):
    entries = AuditEntry.objects.filter(action=action)
    if target is not None:
        entries = entries.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
    return list(entries)


def fresh(case):
    return ConcernCase.objects.get(pk=case.pk)


def test_it_uses_a_valid_identity_number_in_the_tests():
    assert fodselsnummer.is_valid(FNR)


# Intake --------------------------------------------------------------------------


def test_it_registers_an_identified_case(case, network, drammen, slt_role, youth_forum):
    case = fresh(case)
    assert case.state == CaseState.REGISTERED
    assert not case.is_anonymous
    assert case.subject.name == "Ola Nordmann"
    assert case.subject.birth_year == 2009
    assert case.network == network
    assert case.municipality == drammen
    assert case.coordinator_role == slt_role
    assert case.forum == youth_forum
    assert case.version == 1


def test_it_picks_the_forum_for_the_audience(register, adult_forum, youth_forum):
    assert register(audience=ForumAudience.ADULTS).forum == adult_forum
    assert register(audience=ForumAudience.YOUTH).forum == youth_forum


def test_it_seeds_the_team_with_the_coordinators_agency_in_the_lead(
    register, partner, partner_agency, owner_agency
):
    case = register(actor=partner)
    team = {member.agency: member for member in case.team.all()}
    assert set(team) == {owner_agency, partner_agency}
    assert team[owner_agency].has_lead
    assert team[owner_agency].contact_name == "Eva"
    assert team[owner_agency].contact_email == "slt@drammen.example"
    assert not team[partner_agency].has_lead
    assert team[partner_agency].contact_name == "Paul"


def test_it_seeds_one_member_when_the_registering_agency_coordinates(case, owner_agency):
    assert list(case.team.values_list("agency", "has_lead")) == [(owner_agency.pk, True)]


def test_it_seeds_the_police_contact_when_the_police_coordinate(
    register, police_role, police_agency, owner_agency
):
    case = register(coordinator_role=police_role)
    assert case.team.get(has_lead=True).agency == police_agency
    assert case.team.filter(agency=owner_agency, has_lead=False).exists()


def test_it_asks_for_advice_first_when_the_source_is_social_media(register):
    case = register(source=Source.SOCIAL_MEDIA)
    assert list(case.checklist.values_list("code", "position")) == [
        (services.ADVICE_BEFORE_CONTACT, 0)
    ]


def test_it_adds_no_checklist_step_for_other_sources(register):
    assert not register(source=Source.SCHOOL).checklist.exists()


def test_it_refuses_a_user_whose_agency_is_not_in_the_network(register, outsider):
    with pytest.raises(PermissionDenied):
        register(actor=outsider)
    assert not ConcernCase.objects.exists()
    assert not audit("case.registered")


def test_it_refuses_to_register_for_an_agency_the_user_does_not_work_for(
    register, owner, partner_agency
):
    with pytest.raises(PermissionDenied):
        register(actor=owner, agency=partner_agency)


def test_it_refuses_an_agency_administrator(register, make_user, owner_agency):
    admin = make_user("admin", owner_agency, MembershipRole.AGENCY_ADMIN)
    with pytest.raises(PermissionDenied):
        register(actor=admin, agency=owner_agency)


def test_it_refuses_an_inactive_network(register, network):
    network.is_active = False
    network.save()
    with pytest.raises(PermissionDenied):
        register()


def test_it_refuses_a_municipality_outside_the_network(register, outsider_agency):
    oslo = outsider_agency.municipality
    with pytest.raises(ValidationError) as refused:
        register(municipality=oslo)
    assert "municipality" in refused.value.message_dict
    assert not ConcernCase.objects.exists()


def test_it_refuses_a_coordinator_role_for_another_municipality(
    register, outsider_agency, outsider
):
    oslo_slt = Role.objects.create(
        kind=RoleKind.SLT_COORDINATOR,
        agency=outsider_agency,
        municipality=outsider_agency.municipality,
        holder=outsider,
    )
    with pytest.raises(ValidationError) as refused:
        register(coordinator_role=oslo_slt)
    assert "coordinator_role" in refused.value.message_dict


def test_it_refuses_an_identified_case_without_a_name(register):
    with pytest.raises(ValidationError) as refused:
        register(person={"name": "  ", "birth_year": 2009})
    assert "name" in refused.value.message_dict
    assert not Person.objects.exists()


def test_it_audits_the_registration(case, owner, owner_agency, network):
    [entry] = audit("case.registered", case)
    assert entry.actor_id == owner.pk
    assert entry.agency_id == owner_agency.pk
    assert entry.detail == {"anonymous": False, "network": network.pk, "source": "own_observation"}
    assert "Ola" not in str(entry.detail)


def test_it_writes_the_timeline_on_registration(case, owner):
    [event] = case.timeline.all()
    assert (event.kind, event.to_state, event.actor) == ("registered", CaseState.REGISTERED, owner)


def test_it_rolls_back_the_case_when_the_audit_entry_fails(register, monkeypatch):
    """The case and its audit entry commit together or not at all."""
    real_record = services.record

    def record_then_fail(*args, **kwargs):
        real_record(*args, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "record", record_then_fail)
    with pytest.raises(RuntimeError):
        register()
    assert not ConcernCase.objects.exists()
    assert not Person.objects.exists()
    assert not TeamMember.objects.exists()
    assert not audit("case.registered")


# Anonymous discussions --------------------------------------------------------------


def test_it_registers_an_anonymous_discussion_without_a_person(register):
    case = register(anonymous=True, approximate_age=15, school="Fjell skole")
    case = fresh(case)
    assert case.is_anonymous
    assert case.state == CaseState.ANONYMOUS_DISCUSSION
    assert case.subject is None
    assert (case.approximate_age, case.school) == (15, "Fjell skole")
    assert not Person.objects.exists()
    [entry] = audit("case.registered", case)
    assert entry.detail["anonymous"] is True


def test_it_ignores_a_person_sent_with_an_anonymous_discussion(register):
    case = register(anonymous=True, person={"name": "Ola Nordmann"})
    assert case.subject is None
    assert not Person.objects.exists()


@pytest.mark.parametrize("text", [f"Gjelder {FNR}.", f"Gutt, {FNR[:6]} {FNR[6:]}"])
def test_it_refuses_an_identity_number_in_an_anonymous_observation(register, text):
    with pytest.raises(ValidationError) as refused:
        register(anonymous=True, observation=text)
    assert "observation" in refused.value.message_dict
    assert not ConcernCase.objects.exists()


def test_it_refuses_an_identity_number_in_the_school_field(register):
    with pytest.raises(ValidationError) as refused:
        register(anonymous=True, school=f"Fjell skole {FNR}")
    assert "school" in refused.value.message_dict


def test_it_refuses_an_identity_number_in_an_anonymous_journal(anonymous_case, owner):
    with pytest.raises(ValidationError) as refused:
        services.write_journal_entry(
            owner,
            anonymous_case,
            text=f"Fnr {FNR}",
            confidentiality=Confidentiality.CONFIDENTIAL,
        )
    assert "text" in refused.value.message_dict
    assert not JournalEntry.objects.exists()


def test_it_refuses_an_identity_number_in_a_correction_of_an_anonymous_journal(
    anonymous_case, owner
):
    entry = services.write_journal_entry(
        owner, anonymous_case, text="Første møte.", confidentiality=Confidentiality.ORDINARY
    )
    with pytest.raises(ValidationError) as refused:
        services.correct_journal_entry(
            owner,
            entry,
            text=f"Første møte med {FNR}.",
            confidentiality=Confidentiality.ORDINARY,
            reason="Rettet skrivefeil",
        )
    assert "text" in refused.value.message_dict
    assert JournalEntry.objects.count() == 1


def test_it_refuses_an_identity_number_in_an_anonymous_summary(anonymous_case, owner):
    with pytest.raises(ValidationError) as refused:
        services.change_summary(
            owner, anonymous_case, version=anonymous_case.version, summary=f"Fnr {FNR}"
        )
    assert "summary" in refused.value.message_dict
    assert fresh(anonymous_case).summary == ""
    assert fresh(anonymous_case).version == 1


def test_it_allows_an_identity_number_in_an_identified_journal(case, owner):
    entry = services.write_journal_entry(
        owner, case, text=f"Fnr {FNR}", confidentiality=Confidentiality.SENSITIVE
    )
    assert entry.text == f"Fnr {FNR}"


@pytest.mark.parametrize(
    ("age", "school", "warns"),
    [
        (15, "Fjell skole", True),
        (15, "", False),
        (15, "   ", False),
        (None, "Fjell skole", False),
        (None, "", False),
    ],
)
def test_it_warns_when_age_and_school_may_identify_the_person(age, school, warns):
    warning = services.identifiability_warning(age, school)
    assert bool(warning) is warns
    assert isinstance(warning, str)


def test_it_warns_about_a_case_with_age_and_school(register):
    risky = register(anonymous=True, approximate_age=15, school="Fjell skole")
    safe = register(anonymous=True, approximate_age=15)
    assert services.identifiability_warning(risky.approximate_age, risky.school)
    assert services.identifiability_warning(safe.approximate_age, safe.school) == ""


# Converting an anonymous discussion ----------------------------------------------------


def _convert(actor, case, **kwargs):
    """Convert under consent (forvaltningsloven § 13 a nr. 1) unless told otherwise;
    the test asks for the `legal_bases` fixture so the catalogue is loaded."""
    kwargs.setdefault("legal_basis", LegalBasis.objects.get(code="fvl-13a-1"))
    kwargs.setdefault("person", {"name": "Kari Nordmann", "birth_year": 2010})
    return services.convert_anonymous(actor, case, version=case.version, **kwargs)


def test_it_converts_an_anonymous_discussion_into_a_linked_identified_case(
    anonymous_case, owner, owner_agency, legal_bases
):
    identified = _convert(owner, anonymous_case)
    identified = fresh(identified)
    assert not identified.is_anonymous
    assert identified.state == CaseState.REGISTERED
    assert identified.subject.name == "Kari Nordmann"
    assert identified.converted_from == anonymous_case
    assert identified.legal_basis == "fvl-13a-1"
    assert identified.coordinator_role == anonymous_case.coordinator_role
    assert list(identified.team.values_list("agency", "has_lead")) == [(owner_agency.pk, True)]
    old = fresh(anonymous_case)
    assert old.state == CaseState.CLOSED
    assert old.closed_at is not None
    assert old.subject is None
    assert old.converted_to == identified


def test_it_audits_the_conversion(anonymous_case, owner, legal_bases):
    identified = _convert(owner, anonymous_case, legal_basis=legal_bases["fvl-13b-7"])
    [entry] = audit("case.converted", identified)
    assert entry.detail["from_case"] == anonymous_case.pk
    assert entry.detail["legal_basis"] == "fvl-13b-7"
    assert entry.detail["copied_entries"] == []


def _future_basis(bases):
    basis = bases["fvl-13b-7"]
    basis.pk = None
    basis.code = "fremtidig"
    basis.valid_from = timezone.localdate() + datetime.timedelta(days=1)
    basis.save()
    return basis


def _police_only_basis(bases):
    return bases["prl-24-1"]  # police and PST only; the owner acts for an SLT


@pytest.mark.parametrize("make_basis", [lambda bases: None, _future_basis, _police_only_basis])
def test_it_refuses_a_conversion_without_a_legal_basis_the_agency_may_use_today(
    anonymous_case, owner, legal_bases, make_basis
):
    with pytest.raises(ValidationError) as refused:
        _convert(owner, anonymous_case, legal_basis=make_basis(legal_bases))
    assert "legal_basis" in refused.value.message_dict
    assert fresh(anonymous_case).state == CaseState.ANONYMOUS_DISCUSSION
    assert ConcernCase.objects.count() == 1


def test_it_copies_no_journal_entry_unless_asked(anonymous_case, owner, legal_bases):
    services.write_journal_entry(
        owner, anonymous_case, text="Drøftet i forum.", confidentiality=Confidentiality.ORDINARY
    )
    identified = _convert(owner, anonymous_case)
    assert not identified.journal.exists()


def test_it_copies_only_the_chosen_journal_entries(anonymous_case, owner, legal_bases):
    chosen = services.write_journal_entry(
        owner, anonymous_case, text="Ta med denne.", confidentiality=Confidentiality.ORDINARY
    )
    services.write_journal_entry(
        owner, anonymous_case, text="Ikke denne.", confidentiality=Confidentiality.ORDINARY
    )
    identified = _convert(owner, anonymous_case, copy_entry_ids=[chosen.pk])
    assert list(identified.journal.values_list("text", flat=True)) == ["Ta med denne."]
    # The original stays with the anonymous discussion.
    assert anonymous_case.journal.count() == 2
    [entry] = audit("case.converted", identified)
    assert entry.detail["copied_entries"] == [chosen.pk]


def test_it_copies_no_entry_of_another_agency(
    anonymous_case, owner, partner, partner_agency, legal_bases
):
    services.add_team_member(owner, anonymous_case, agency=partner_agency, contact_name="Paul")
    theirs = services.write_journal_entry(
        partner, anonymous_case, text="Navs notat.", confidentiality=Confidentiality.CONFIDENTIAL
    )
    identified = _convert(owner, fresh(anonymous_case), copy_entry_ids=[theirs.pk])
    assert not identified.journal.exists()


def test_it_refuses_a_conversion_by_an_outsider(anonymous_case, outsider, legal_bases):
    with pytest.raises(PermissionDenied):
        _convert(outsider, anonymous_case)
    assert fresh(anonymous_case).state == CaseState.ANONYMOUS_DISCUSSION
    assert not audit("case.converted")


def test_it_refuses_to_convert_an_identified_case(case, owner, legal_bases):
    with pytest.raises(PermissionDenied):
        _convert(owner, case)


def test_it_refuses_to_convert_twice(anonymous_case, owner, legal_bases):
    stale = fresh(anonymous_case)
    _convert(owner, anonymous_case)
    with pytest.raises(services.StaleEdit):
        _convert(owner, stale)
    assert ConcernCase.objects.filter(is_anonymous=False).count() == 1


# Lifecycle --------------------------------------------------------------------------


def _move(actor, case, to_state, **kwargs):
    return services.change_state(actor, case, to_state, version=case.version, **kwargs)


def test_it_moves_a_registered_case_to_security_clarification(case, owner):
    _move(owner, case, CaseState.SECURITY_CLARIFICATION)
    assert fresh(case).state == CaseState.SECURITY_CLARIFICATION
    assert fresh(case).version == 2


def test_it_keeps_a_case_in_security_clarification_until_it_is_answered(case, owner, answers):
    _move(owner, case, CaseState.SECURITY_CLARIFICATION)
    with pytest.raises(ValidationError):
        _move(owner, case, CaseState.MAPPING)
    assert fresh(case).state == CaseState.SECURITY_CLARIFICATION

    services.record_security_clarification(owner, case, version=case.version, answers=answers)
    clarification = SecurityClarification.objects.get(case=case)
    assert clarification.answered_by == owner
    assert clarification.pst_to_be_told == "no"
    assert audit("case.security_clarified", case)[0].detail == {
        "police_contact_consulted": "yes",
        "pst_to_be_told": "no",
        "child_welfare_duty": "no",
        "averting_duty": "no",
    }

    _move(owner, case, CaseState.MAPPING)
    assert fresh(case).state == CaseState.MAPPING


def test_it_records_the_security_clarification_in_that_state_only(case, owner, answers):
    with pytest.raises(ValidationError):
        services.record_security_clarification(owner, case, version=case.version, answers=answers)
    assert not SecurityClarification.objects.exists()


def test_it_writes_a_timeline_event_and_an_audit_entry_for_each_move(case, owner, answers):
    _move(owner, case, CaseState.SECURITY_CLARIFICATION, note="Drøftet med politiet")
    services.record_security_clarification(owner, case, version=case.version, answers=answers)
    _move(owner, case, CaseState.MAPPING)
    moves = list(
        case.timeline.filter(kind="state")
        .order_by("id")
        .values_list("from_state", "to_state", "note")
    )
    assert moves == [
        (CaseState.REGISTERED, CaseState.SECURITY_CLARIFICATION, "Drøftet med politiet"),
        (CaseState.SECURITY_CLARIFICATION, CaseState.MAPPING, ""),
    ]
    assert [entry.detail for entry in audit("case.state_changed", case)] == [
        {"from": "registered", "to": "security_clarification"},
        {"from": "security_clarification", "to": "mapping"},
    ]


@pytest.mark.parametrize(
    "to_state", [CaseState.MAPPING, CaseState.FOLLOW_UP, CaseState.REGISTERED, "deleted"]
)
def test_it_refuses_a_move_that_skips_a_step(case, owner, to_state):
    with pytest.raises(ValidationError):
        _move(owner, case, to_state)
    assert fresh(case).state == CaseState.REGISTERED
    assert not audit("case.state_changed")


def test_it_refuses_to_move_an_anonymous_discussion_into_security_clarification(
    anonymous_case, owner
):
    with pytest.raises(ValidationError):
        _move(owner, anonymous_case, CaseState.SECURITY_CLARIFICATION)


def test_it_needs_an_evaluation_and_a_review_date_to_close(case, owner):
    with pytest.raises(ValidationError) as refused:
        _move(owner, case, CaseState.CLOSED)
    assert set(refused.value.message_dict) == {"evaluation", "review_on"}
    assert fresh(case).state == CaseState.REGISTERED


@pytest.mark.parametrize("days", [0, -1])
def test_it_needs_a_review_date_in_the_future_to_close(case, owner, days):
    with pytest.raises(ValidationError) as refused:
        _move(
            owner,
            case,
            CaseState.CLOSED,
            evaluation="Bekymringen er avklart.",
            review_on=timezone.localdate() + datetime.timedelta(days=days),
        )
    assert set(refused.value.message_dict) == {"review_on"}


def test_it_closes_a_case(case, owner):
    _move(
        owner,
        case,
        CaseState.CLOSED,
        evaluation="Bekymringen er avklart.",
        review_on=days_from_today(1),
    )
    closed = fresh(case)
    assert closed.state == CaseState.CLOSED
    assert closed.evaluation == "Bekymringen er avklart."
    assert closed.review_on == days_from_today(1)
    assert closed.closed_at is not None


def test_it_moves_nothing_out_of_a_closed_case(case, owner):
    _move(owner, case, CaseState.CLOSED, evaluation="Avklart.", review_on=days_from_today(1))
    with pytest.raises(ValidationError):
        _move(owner, case, CaseState.MAPPING)


def test_it_reopens_a_closed_case_in_mapping(case, owner):
    _move(owner, case, CaseState.CLOSED, evaluation="Avklart.", review_on=days_from_today(1))
    services.reopen(owner, case, version=case.version, reason="Ny bekymring fra skolen.")
    reopened = fresh(case)
    assert reopened.state == CaseState.MAPPING
    assert reopened.closed_at is None
    event = case.timeline.get(kind="reopened")
    assert (event.from_state, event.to_state, event.note) == (
        CaseState.CLOSED,
        CaseState.MAPPING,
        "Ny bekymring fra skolen.",
    )
    assert audit("case.state_changed", case)[-1].detail == {
        "from": "closed",
        "to": "mapping",
        "reopened": True,
    }


@pytest.mark.parametrize("reason", ["", "   "])
def test_it_needs_a_reason_to_reopen(case, owner, reason):
    _move(owner, case, CaseState.CLOSED, evaluation="Avklart.", review_on=days_from_today(1))
    with pytest.raises(ValidationError) as refused:
        services.reopen(owner, case, version=case.version, reason=reason)
    assert "reason" in refused.value.message_dict
    assert fresh(case).state == CaseState.CLOSED


def test_it_reopens_closed_cases_only(case, owner):
    with pytest.raises(ValidationError):
        services.reopen(owner, case, version=case.version, reason="Ny bekymring.")


def test_it_lets_only_the_coordinator_side_move_the_case(case, owner, partner, partner_agency):
    services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    with pytest.raises(PermissionDenied):
        _move(partner, fresh(case), CaseState.SECURITY_CLARIFICATION)
    assert fresh(case).state == CaseState.REGISTERED


def test_it_refuses_a_move_by_an_outsider(case, outsider):
    with pytest.raises(PermissionDenied):
        _move(outsider, case, CaseState.SECURITY_CLARIFICATION)


def test_it_refuses_a_move_from_a_stale_version(case, owner):
    stale = fresh(case)
    _move(owner, case, CaseState.SECURITY_CLARIFICATION)
    with pytest.raises(services.StaleEdit):
        _move(owner, stale, CaseState.CLOSED, evaluation="Avklart.", review_on=days_from_today(1))
    assert fresh(case).state == CaseState.SECURITY_CLARIFICATION


# Exactly one coordinator (L21) -----------------------------------------------------------


def _case_fields(case):
    return {
        "state": CaseState.REGISTERED,
        "subject": case.subject,
        "network": case.network,
        "audience": ForumAudience.YOUTH,
        "municipality": case.municipality,
        "observation": "Noe ble observert.",
        "source": Source.OTHER,
        "urgency": Urgency.ROUTINE,
        "created_by": case.created_by,
        "created_agency": case.created_agency,
    }


def test_the_database_refuses_a_case_without_a_coordinator(case):
    with pytest.raises(IntegrityError), transaction.atomic():
        ConcernCase.objects.create(**_case_fields(case))


def test_validation_refuses_a_case_without_a_coordinator(case):
    with pytest.raises(ValidationError) as refused:
        ConcernCase(**_case_fields(case)).full_clean()
    assert "coordinator_role" in refused.value.message_dict


def test_it_hands_the_case_to_the_police_contact(
    case, owner, police_role, police_agency, police_sees_the_case
):
    services.change_coordinator(
        owner, case, version=case.version, role=police_role, reason="Politiet tar over."
    )
    changed = fresh(case)
    assert changed.coordinator_role == police_role
    assert changed.version == 2
    police = changed.team.get(agency=police_agency)
    assert police.contact_name == "Per"
    assert not police.has_lead
    assert changed.team.filter(has_lead=True).count() == 1
    assert len(audit("case.coordinator_changed", case)) == 1
    assert case.timeline.filter(kind="coordinator", note="Politiet tar over.").exists()


def test_it_refuses_a_coordinator_in_an_agency_the_case_is_not_opened_to(
    case, owner, police_role, police_agency, open_to
):
    # On the team with the reduced view, then with every part but one: still refused.
    services.add_team_member(owner, case, agency=police_agency, contact_name="Per")
    open_to(case, police_agency, parts=["identity", "intake", "summary"])
    with pytest.raises(ValidationError) as refused:
        services.change_coordinator(
            owner, fresh(case), version=case.version, role=police_role, reason="Politiet tar over."
        )
    assert "role" in refused.value.message_dict
    assert fresh(case).coordinator_role != police_role
    assert not audit("case.coordinator_changed", case)


def test_it_audits_the_previous_coordinator(
    case, owner, slt_role, police_role, police_sees_the_case
):
    services.change_coordinator(
        owner, case, version=case.version, role=police_role, reason="Politiet tar over."
    )
    [entry] = audit("case.coordinator_changed", case)
    assert entry.detail == {"from_role": slt_role.pk, "to_role": police_role.pk}


def test_it_refuses_the_same_coordinator_again(case, owner, slt_role):
    with pytest.raises(ValidationError) as refused:
        services.change_coordinator(
            owner, case, version=case.version, role=slt_role, reason="Ingen endring."
        )
    assert "role" in refused.value.message_dict
    assert fresh(case).version == 1
    assert not audit("case.coordinator_changed")


def test_it_needs_a_reason_to_change_the_coordinator(
    case, owner, police_role, slt_role, police_sees_the_case
):
    with pytest.raises(ValidationError) as refused:
        services.change_coordinator(owner, case, version=case.version, role=police_role, reason="")
    assert "reason" in refused.value.message_dict
    assert fresh(case).coordinator_role == slt_role


def test_it_refuses_a_coordinator_role_outside_the_municipality(case, owner, make_agency):
    oslo_police = make_agency(
        "Oslo politidistrikt",
        AgencyType.POLICE_DISTRICT,
        municipality=("0301", "Oslo"),
        police_district="oslo",
    )
    role = Role.objects.create(
        kind=RoleKind.POLICE_RADICALISATION_CONTACT,
        agency=oslo_police,
        police_district=oslo_police.police_district,
    )
    with pytest.raises(ValidationError) as refused:
        services.change_coordinator(owner, case, version=case.version, role=role, reason="Feil.")
    assert "role" in refused.value.message_dict


def test_it_refuses_a_coordinator_change_by_a_team_agency_without_the_lead(
    case, owner, partner, partner_agency, police_role
):
    services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    with pytest.raises(PermissionDenied):
        services.change_coordinator(
            partner, fresh(case), version=1, role=police_role, reason="Vil ta over."
        )


# Concurrent edits (C5) --------------------------------------------------------------


def test_it_refuses_the_second_of_two_edits_from_the_same_version(
    case, owner, partner, partner_agency
):
    services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    first, second = fresh(case), fresh(case)
    assert first.version == second.version

    services.change_summary(owner, first, version=first.version, summary="Eva sin oppsummering.")
    with pytest.raises(services.StaleEdit):
        services.change_summary(
            partner, second, version=second.version, summary="Pauls oppsummering."
        )

    saved = fresh(case)
    assert saved.summary == "Eva sin oppsummering."
    assert saved.version == first.version
    assert len(audit("case.summary_changed", case)) == 1


def test_the_stale_edit_says_what_to_do_next():
    with translation.override("en"):
        assert "Open the case again" in str(services.StaleEdit())


def test_it_refuses_a_summary_from_an_outsider(case, outsider):
    with pytest.raises(PermissionDenied):
        services.change_summary(outsider, case, version=case.version, summary="Innbrudd.")
    assert fresh(case).summary == ""


def test_it_refuses_a_summary_on_a_closed_case(case, owner):
    _move(owner, case, CaseState.CLOSED, evaluation="Avklart.", review_on=days_from_today(1))
    with pytest.raises(PermissionDenied):
        services.change_summary(owner, case, version=case.version, summary="Etterpå.")


# Team ------------------------------------------------------------------------------


def test_it_adds_and_removes_a_team_agency(case, owner, partner_agency):
    member = services.add_team_member(
        owner, case, agency=partner_agency, contact_name="Paul", contact_phone="55 55 33 33"
    )
    assert case.team.filter(agency=partner_agency, has_lead=False).exists()
    assert audit("case.team_changed", case)[-1].detail == {"added_agency": partner_agency.pk}
    assert case.timeline.filter(kind="team_added", note="Nav Drammen").exists()

    removal = services.remove_team_member(owner, case, member)
    assert not case.team.filter(agency=partner_agency).exists()
    assert audit("case.team_changed", case)[-1].detail == {
        "removed_agency": partner_agency.pk,
        "removal": removal.pk,
    }


def test_it_adds_an_agency_to_the_team_once(case, owner, partner_agency):
    services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    with pytest.raises(ValidationError) as refused:
        services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul igjen")
    assert "agency" in refused.value.message_dict
    assert case.team.filter(agency=partner_agency).count() == 1


def test_it_refuses_an_inactive_agency_on_the_team(case, owner, partner_agency):
    partner_agency.is_active = False
    partner_agency.save()
    with pytest.raises(ValidationError):
        services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")


def test_it_gives_the_lead_to_exactly_one_agency(case, owner, partner_agency, owner_agency):
    member = services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    services.give_lead(owner, case, member)
    assert list(case.team.filter(has_lead=True).values_list("agency", flat=True)) == [
        partner_agency.pk
    ]
    services.give_lead(owner, case, case.team.get(agency=owner_agency))
    assert list(case.team.filter(has_lead=True).values_list("agency", flat=True)) == [
        owner_agency.pk
    ]


def test_it_does_not_remove_the_agency_with_the_lead(case, owner, partner_agency):
    member = services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    services.give_lead(owner, case, member)
    with pytest.raises(ValidationError):
        services.remove_team_member(owner, case, case.team.get(pk=member.pk))
    assert case.team.filter(agency=partner_agency, has_lead=True).exists()


def test_it_does_not_remove_the_coordinators_agency(case, owner, partner_agency, owner_agency):
    member = services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    services.give_lead(owner, case, member)
    coordinators = case.team.get(agency=owner_agency)
    assert not coordinators.has_lead
    with pytest.raises(ValidationError):
        services.remove_team_member(owner, case, coordinators)
    assert case.team.filter(agency=owner_agency).exists()


def test_it_refuses_a_team_member_of_another_case(case, register, owner, partner_agency):
    other = register()
    theirs = services.add_team_member(owner, other, agency=partner_agency, contact_name="Paul")
    with pytest.raises(PermissionDenied):
        services.remove_team_member(owner, case, theirs)
    with pytest.raises(PermissionDenied):
        services.give_lead(owner, case, theirs)
    assert other.team.filter(pk=theirs.pk, has_lead=False).exists()


def test_it_lets_only_the_coordinator_side_change_the_team(
    case, owner, partner, partner_agency, police_agency
):
    services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    with pytest.raises(PermissionDenied):
        services.add_team_member(partner, case, agency=police_agency, contact_name="Per")


def test_it_refuses_team_changes_by_an_outsider(case, outsider, outsider_agency):
    with pytest.raises(PermissionDenied):
        services.add_team_member(outsider, case, agency=outsider_agency, contact_name="Ulla")
    assert not case.team.filter(agency=outsider_agency).exists()


# Tasks ------------------------------------------------------------------------------


def _task(actor, case, agency, deadline=None, **kwargs):
    """A task, due yesterday unless told otherwise."""
    return services.add_task(
        actor,
        case,
        title="Snakke med foresatte",
        owner_agency=agency,
        deadline=deadline or days_from_today(-1),
        **kwargs,
    )


def test_it_adds_a_task_for_an_agency_on_the_team(case, owner, owner_agency, slt_role):
    task = _task(owner, case, owner_agency, owner_role=slt_role)
    assert (task.owner_agency, task.owner_role, task.status) == (
        owner_agency,
        slt_role,
        TaskStatus.OPEN,
    )
    assert audit("case.task_added", case)[0].detail == {"task": task.pk}


def test_it_refuses_a_task_for_an_agency_not_on_the_team(case, owner, partner_agency):
    with pytest.raises(ValidationError) as refused:
        _task(owner, case, partner_agency)
    assert "owner_agency" in refused.value.message_dict
    assert not Task.objects.exists()


def test_it_refuses_a_task_role_of_another_agency(case, owner, partner_agency, slt_role):
    services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    with pytest.raises(ValidationError) as refused:
        _task(owner, case, partner_agency, owner_role=slt_role)
    assert "owner_role" in refused.value.message_dict


def test_it_refuses_a_task_from_an_outsider(case, outsider, owner_agency):
    with pytest.raises(PermissionDenied):
        _task(outsider, case, owner_agency)


def test_it_lists_overdue_tasks_for_the_coordinator(
    register, owner, partner, owner_agency, slt_role, make_user, make_agency
):
    deputy = make_user("nestleder", make_agency("Drammen kommune – skole", AgencyType.SCHOOL))
    slt_role.deputy = deputy
    slt_role.save()

    open_case = register()
    overdue = _task(owner, open_case, owner_agency, deadline=days_from_today(-1))
    started = _task(owner, open_case, owner_agency, deadline=days_from_today(-1))
    services.change_task_status(owner, started, status=TaskStatus.IN_PROGRESS, version=1)
    done = _task(owner, open_case, owner_agency, deadline=days_from_today(-1))
    services.change_task_status(owner, done, status=TaskStatus.DONE, version=1)
    _task(owner, open_case, owner_agency, deadline=days_from_today(1))  # not yet due
    _task(owner, open_case, owner_agency, deadline=timezone.localdate())  # due today

    closed_case = register()
    _task(owner, closed_case, owner_agency, deadline=days_from_today(-1))
    _move(owner, closed_case, CaseState.CLOSED, evaluation="Avklart.", review_on=days_from_today(1))

    assert list(services.overdue_tasks_for_coordinator(owner)) == [overdue, started]
    assert list(services.overdue_tasks_for_coordinator(deputy)) == [overdue, started]
    assert not services.overdue_tasks_for_coordinator(partner).exists()


def test_it_follows_the_coordinator_role_for_overdue_tasks(
    case, owner, owner_agency, police_role, police_contact, police_sees_the_case
):
    task = _task(owner, case, owner_agency)
    services.change_coordinator(
        owner, case, version=case.version, role=police_role, reason="Politiet tar over."
    )
    assert list(services.overdue_tasks_for_coordinator(police_contact)) == [task]
    assert not services.overdue_tasks_for_coordinator(owner).exists()


def test_it_changes_a_task_status(case, owner, owner_agency):
    task = _task(owner, case, owner_agency)
    services.change_task_status(owner, task, status=TaskStatus.DONE, version=task.version)
    saved = Task.objects.get(pk=task.pk)
    assert (saved.status, saved.version) == (TaskStatus.DONE, 2)
    assert audit("case.task_changed", case)[0].detail == {"task": task.pk, "status": "done"}


def test_it_refuses_a_task_status_from_a_stale_version(case, owner, owner_agency):
    task = _task(owner, case, owner_agency)
    stale = Task.objects.get(pk=task.pk)
    services.change_task_status(owner, task, status=TaskStatus.IN_PROGRESS, version=task.version)
    with pytest.raises(services.StaleEdit):
        services.change_task_status(owner, stale, status=TaskStatus.DONE, version=stale.version)
    assert Task.objects.get(pk=task.pk).status == TaskStatus.IN_PROGRESS


def test_it_refuses_an_unknown_task_status(case, owner, owner_agency):
    task = _task(owner, case, owner_agency)
    with pytest.raises(ValidationError):
        services.change_task_status(owner, task, status="forgotten", version=task.version)
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN


# Journal ----------------------------------------------------------------------------


def _write(actor, case, text="Samtale med eleven.", confidentiality=Confidentiality.CONFIDENTIAL):
    return services.write_journal_entry(actor, case, text=text, confidentiality=confidentiality)


def test_it_gives_a_journal_entry_to_the_writers_agency(
    case, owner, partner, owner_agency, partner_agency
):
    services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    assert _write(owner, case).agency == owner_agency
    assert _write(partner, case).agency == partner_agency
    assert [entry.detail["confidentiality"] for entry in audit("case.journal_written", case)] == [
        "confidential",
        "confidential",
    ]


def test_it_refuses_a_journal_entry_from_an_outsider(case, outsider):
    with pytest.raises(PermissionDenied):
        _write(outsider, case)
    assert not JournalEntry.objects.exists()


def test_it_corrects_a_journal_entry_with_a_new_version(case, owner):
    old = _write(owner, case, text="Møtte moren.")
    correction = services.correct_journal_entry(
        owner,
        old,
        text="Møtte faren.",
        confidentiality=Confidentiality.CONFIDENTIAL,
        reason="Feil forelder",
    )
    assert correction.supersedes == old
    assert correction.version_number == 2
    assert correction.agency_id == old.agency_id
    old = JournalEntry.objects.get(pk=old.pk)
    assert old.text == "Møtte moren."
    assert old.superseded_by == correction
    assert list(policy.visible_journal(owner, case)) == [correction]
    assert audit("case.journal_corrected", case)[0].detail == {
        "entry": correction.pk,
        "supersedes": old.pk,
    }


def test_it_needs_a_reason_to_correct(case, owner):
    old = _write(owner, case)
    with pytest.raises(ValidationError) as refused:
        services.correct_journal_entry(
            owner, old, text="Ny tekst.", confidentiality=Confidentiality.ORDINARY, reason=" "
        )
    assert "reason" in refused.value.message_dict
    assert JournalEntry.objects.count() == 1


def test_it_refuses_a_second_correction_of_the_same_version(case, owner):
    old = _write(owner, case, text="Møtte moren.")
    stale = JournalEntry.objects.get(pk=old.pk)
    services.correct_journal_entry(
        owner, old, text="Møtte faren.", confidentiality=Confidentiality.ORDINARY, reason="Feil"
    )
    with pytest.raises(services.StaleEdit):
        services.correct_journal_entry(
            owner,
            stale,
            text="Møtte begge.",
            confidentiality=Confidentiality.ORDINARY,
            reason="Også feil",
        )
    assert JournalEntry.objects.count() == 2
    assert not JournalEntry.objects.filter(text="Møtte begge.").exists()


def test_it_refuses_a_correction_of_another_agencys_entry(case, owner, partner, partner_agency):
    services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    theirs = _write(partner, case, text="Navs notat.")
    with pytest.raises(PermissionDenied):
        services.correct_journal_entry(
            owner, theirs, text="Endret.", confidentiality=Confidentiality.ORDINARY, reason="Feil"
        )
    assert JournalEntry.objects.count() == 1


def test_it_refuses_a_journal_entry_on_a_closed_case(case, owner):
    _move(owner, case, CaseState.CLOSED, evaluation="Avklart.", review_on=days_from_today(1))
    with pytest.raises(PermissionDenied):
        _write(owner, case)


# The person -------------------------------------------------------------------------


def test_it_refuses_an_identity_number_where_the_agency_does_not_record_them(register):
    with pytest.raises(ValidationError) as refused:
        register(
            person={"name": "Ola", "identity_number": FNR, "identity_number_reason": "Barnevern"}
        )
    assert "identity_number" in refused.value.message_dict
    assert not Person.objects.exists()


def test_it_keeps_an_identity_number_with_a_reason(register, owner_agency):
    owner_agency.records_identity_numbers = True
    owner_agency.save()
    case = register(
        person={
            "name": "Ola",
            "identity_number": f"{FNR[:6]} {FNR[6:]}",
            "identity_number_reason": "Samordning med barnevernet.",
        }
    )
    person = Person.objects.get(pk=case.subject_id)
    assert person.identity_number == FNR
    assert person.identity_number_reason == "Samordning med barnevernet."


def test_it_needs_a_reason_for_an_identity_number(register, owner_agency):
    owner_agency.records_identity_numbers = True
    owner_agency.save()
    with pytest.raises(ValidationError) as refused:
        register(person={"name": "Ola", "identity_number": FNR})
    assert "identity_number_reason" in refused.value.message_dict


def test_it_refuses_an_invalid_identity_number(register, owner_agency):
    owner_agency.records_identity_numbers = True
    owner_agency.save()
    wrong = FNR[:10] + str((int(FNR[10]) + 1) % 10)
    with pytest.raises(ValidationError) as refused:
        register(
            person={"name": "Ola", "identity_number": wrong, "identity_number_reason": "Trengs."}
        )
    assert "identity_number" in refused.value.message_dict


def test_it_keeps_no_address_when_it_is_protected(register):
    case = register(
        person={"name": "Ola", "protected_address": "fortrolig", "address": "Storgata 1, Drammen"}
    )
    person = Person.objects.get(pk=case.subject_id)
    assert person.address == ""
    assert person.address_is_protected


def test_it_keeps_the_address_when_it_is_not_protected(register):
    case = register(person={"name": "Ola", "address": "Storgata 1, Drammen"})
    assert Person.objects.get(pk=case.subject_id).address == "Storgata 1, Drammen"


def test_it_clears_the_address_when_a_change_protects_it(case, owner):
    services.change_person(
        owner, case, version=case.version, fields={"name": "Ola", "address": "Storgata 1"}
    )
    services.change_person(
        owner,
        case,
        version=case.version,
        fields={"name": "Ola", "address": "Storgata 1", "protected_address": "strengt_fortrolig"},
    )
    assert Person.objects.get(pk=case.subject_id).address == ""


def test_it_keeps_the_identity_number_when_a_change_leaves_it_empty(register, owner_agency, owner):
    owner_agency.records_identity_numbers = True
    owner_agency.save()
    case = register(
        person={"name": "Ola", "identity_number": FNR, "identity_number_reason": "Trengs."}
    )
    services.change_person(
        owner, case, version=case.version, fields={"name": "Ola Nordmann", "birth_year": 2009}
    )
    person = Person.objects.get(pk=case.subject_id)
    assert (person.name, person.identity_number) == ("Ola Nordmann", FNR)
    [entry] = audit("case.person_changed", case)
    assert entry.detail == {"fields": ["birth_year", "name"]}


def test_it_reveals_an_identity_number_and_audits_it(register, owner_agency, owner):
    owner_agency.records_identity_numbers = True
    owner_agency.save()
    case = register(
        person={"name": "Ola", "identity_number": FNR, "identity_number_reason": "Trengs."}
    )
    assert services.reveal_identity_number(owner, case) == FNR
    [entry] = audit("case.identity_number_revealed", case)
    assert entry.actor_id == owner.pk
    assert entry.detail == {"person": case.subject_id}
    assert FNR not in str(AuditEntry.objects.values_list("detail", flat=True)[::1])


def test_it_reveals_no_identity_number_to_an_outsider(register, owner_agency, outsider):
    owner_agency.records_identity_numbers = True
    owner_agency.save()
    case = register(
        person={"name": "Ola", "identity_number": FNR, "identity_number_reason": "Trengs."}
    )
    with pytest.raises(PermissionDenied):
        services.reveal_identity_number(outsider, case)
    assert not audit("case.identity_number_revealed")


def test_it_reveals_no_identity_number_through_break_glass(
    register, owner_agency, responder, responder_agency
):
    owner_agency.records_identity_numbers = True
    owner_agency.save()
    case = register(
        person={"name": "Ola", "identity_number": FNR, "identity_number_reason": "Trengs."}
    )
    services.break_glass(responder, responder_agency, case, reason=LONG_REASON)
    with pytest.raises(PermissionDenied):
        services.reveal_identity_number(responder, case)


def test_it_finds_a_possible_duplicate_by_name_and_birth_year(case, owner):
    found = services.find_possible_duplicates(owner, name="ola nordmann ", birth_year=2009)
    assert list(found) == [case]
    assert not services.find_possible_duplicates(owner, name="Ola Nordmann", birth_year=2010)
    assert not services.find_possible_duplicates(owner, name="Kari Nordmann", birth_year=2009)


def test_it_finds_a_duplicate_by_birth_date_against_a_birth_year(register, owner):
    case = register(person={"name": "Ola Nordmann", "birth_date": datetime.date(2009, 5, 17)})
    found = services.find_possible_duplicates(owner, name="Ola Nordmann", birth_year=2009)
    assert list(found) == [case]


@pytest.mark.parametrize("typed", [FNR, f"{FNR[:6]} {FNR[6:]}"])
def test_it_finds_a_duplicate_by_identity_number_as_typed(register, owner_agency, owner, typed):
    """The number is stored without spaces; a search must find it however it was typed."""
    owner_agency.records_identity_numbers = True
    owner_agency.save()
    case = register(
        person={"name": "Ola", "identity_number": FNR, "identity_number_reason": "Trengs."}
    )
    assert list(services.find_possible_duplicates(owner, identity_number=typed)) == [case]


@pytest.mark.usefixtures("case")
def test_it_finds_no_duplicate_without_a_name_or_number(owner):
    assert not services.find_possible_duplicates(owner, name="  ", birth_year=2009).exists()


def test_it_offers_no_duplicate_the_user_may_not_see(register, owner, partner, police_role):
    """A match in another team's case must not tell the user that the case exists."""
    hidden = register(actor=partner, coordinator_role=police_role)
    assert not hidden.team.filter(agency__memberships__user=owner).exists()
    assert not services.find_possible_duplicates(owner, name="Ola Nordmann", birth_year=2009)
    assert list(
        services.find_possible_duplicates(partner, name="Ola Nordmann", birth_year=2009)
    ) == [hidden]


@pytest.mark.usefixtures("case")
def test_it_offers_no_duplicate_to_an_outsider(outsider):
    assert not services.find_possible_duplicates(
        outsider, name="Ola Nordmann", birth_year=2009
    ).exists()


def test_it_offers_no_closed_or_anonymous_case_as_a_duplicate(register, owner):
    closed = register()
    _move(owner, closed, CaseState.CLOSED, evaluation="Avklart.", review_on=days_from_today(1))
    register(anonymous=True, observation="Ola Nordmann, født 2009.")
    assert not services.find_possible_duplicates(owner, name="Ola Nordmann", birth_year=2009)


# Break-glass -----------------------------------------------------------------------


def test_it_refuses_break_glass_with_a_short_reason(case, responder, responder_agency):
    with pytest.raises(ValidationError) as refused:
        services.break_glass(responder, responder_agency, case, reason="Trenger å se.")
    assert "reason" in refused.value.message_dict
    assert not case.break_glass.exists()


def test_it_refuses_break_glass_for_someone_elses_agency(case, responder, owner_agency):
    with pytest.raises(PermissionDenied):
        services.break_glass(responder, owner_agency, case, reason=LONG_REASON)


def test_it_opens_a_case_for_a_limited_time_with_a_reason(case, responder, responder_agency):
    access = services.break_glass(responder, responder_agency, case, reason=f"  {LONG_REASON}  ")
    assert access.reason == LONG_REASON
    assert access.expires_at - access.granted_at == datetime.timedelta(
        minutes=settings.BREAK_GLASS_MINUTES
    )
    [entry] = audit("case.break_glass", case)
    assert entry.actor_id == responder.pk
    assert entry.agency_id == responder_agency.pk
    assert entry.detail == {"access": access.pk, "minutes": settings.BREAK_GLASS_MINUTES}


def test_it_refuses_break_glass_by_an_agency_administrator(
    case, make_user, responder_agency, verified
):
    admin = verified(make_user("admin", responder_agency, MembershipRole.AGENCY_ADMIN))
    with pytest.raises(PermissionDenied):
        services.break_glass(admin, responder_agency, case, reason=LONG_REASON)


@pytest.fixture
def manager(make_user, responder_agency, verified):
    return verified(make_user("leder", responder_agency, MembershipRole.LINE_MANAGER))


def test_it_lists_break_glass_for_the_managers_review(case, responder, responder_agency, manager):
    access = services.break_glass(responder, responder_agency, case, reason=LONG_REASON)
    assert list(services.break_glass_reviews_for(manager)) == [access]
    assert not services.break_glass_reviews_for(responder).exists()


def test_it_lists_break_glass_for_managers_of_that_agency_only(
    case, responder, responder_agency, make_user, owner_agency
):
    services.break_glass(responder, responder_agency, case, reason=LONG_REASON)
    owners_manager = make_user("eierleder", owner_agency, MembershipRole.LINE_MANAGER)
    assert not services.break_glass_reviews_for(owners_manager).exists()


def test_it_marks_a_break_glass_reviewed(case, responder, responder_agency, manager):
    access = services.break_glass(responder, responder_agency, case, reason=LONG_REASON)
    services.review_break_glass(manager, access, note="Ok, avtalt med meg.")
    access.refresh_from_db()
    assert access.reviewed_by == manager
    assert access.reviewed_at is not None
    assert access.review_note == "Ok, avtalt med meg."
    assert not services.break_glass_reviews_for(manager).exists()
    assert audit("case.break_glass_reviewed", case)[0].detail == {"access": access.pk}
    with pytest.raises(ValidationError):
        services.review_break_glass(manager, access, note="Igjen.")


def test_it_lets_nobody_review_their_own_break_glass(case, responder, responder_agency):
    Membership.objects.create(
        user=responder, agency=responder_agency, role=MembershipRole.LINE_MANAGER
    )
    access = services.break_glass(responder, responder_agency, case, reason=LONG_REASON)
    assert not services.break_glass_reviews_for(responder).exists()
    with pytest.raises(PermissionDenied):
        services.review_break_glass(responder, access, note="Godkjent av meg selv.")
    access.refresh_from_db()
    assert access.reviewed_at is None


def test_it_refuses_a_review_by_a_manager_of_another_agency(
    case, responder, responder_agency, make_user, owner_agency
):
    access = services.break_glass(responder, responder_agency, case, reason=LONG_REASON)
    owners_manager = make_user("eierleder", owner_agency, MembershipRole.LINE_MANAGER)
    with pytest.raises(PermissionDenied):
        services.review_break_glass(owners_manager, access, note="Ok.")


# Deleting old anonymous discussions ----------------------------------------------------


def test_it_deletes_anonymous_discussions_after_the_retention_period(register, owner):
    old = register(anonymous=True)
    services.write_journal_entry(
        owner, old, text="Drøftet.", confidentiality=Confidentiality.ORDINARY
    )
    recent = register(anonymous=True)
    identified = register()
    days = settings.ANONYMOUS_DISCUSSION_RETENTION_DAYS
    long_ago = timezone.now() - datetime.timedelta(days=days, hours=1)
    ConcernCase.objects.filter(pk__in=[old.pk, identified.pk]).update(created_at=long_ago)
    ConcernCase.objects.filter(pk=recent.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days - 1)
    )

    assert services.purge_anonymous_discussions() == 1

    assert set(ConcernCase.objects.values_list("pk", flat=True)) == {recent.pk, identified.pk}
    assert not JournalEntry.objects.filter(case_id=old.pk).exists()
    assert not TimelineEvent.objects.filter(case_id=old.pk).exists()
    [entry] = audit("case.anonymous_deleted")
    assert entry.target_id == str(old.pk)
    assert entry.detail == {"registered": str(long_ago.date())}


def test_it_deletes_nothing_within_the_retention_period(register):
    register(anonymous=True)
    assert services.purge_anonymous_discussions() == 0
    assert ConcernCase.objects.count() == 1
    assert not audit("case.anonymous_deleted")


def test_it_deletes_a_converted_discussion_but_keeps_the_identified_case(
    anonymous_case, owner, legal_bases
):
    identified = _convert(owner, anonymous_case)
    later = timezone.now() + datetime.timedelta(
        days=settings.ANONYMOUS_DISCUSSION_RETENTION_DAYS + 1
    )
    assert services.purge_anonymous_discussions(now=later) == 1
    identified = fresh(identified)
    assert identified.converted_from is None
    assert identified.subject.name == "Kari Nordmann"


def test_it_counts_the_checklist_only_once(register):
    case = register(source=Source.SOCIAL_MEDIA)
    with pytest.raises(IntegrityError), transaction.atomic():
        ChecklistItem.objects.create(case=case, code=services.ADVICE_BEFORE_CONTACT)
