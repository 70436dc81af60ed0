"""A matching intake tells the matched case's coordinator role and nobody else; the
coordinator dismisses or merges; a merge keeps both histories and is audited."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tverrnett.access import policy
from tverrnett.audit.models import AuditEntry
from tverrnett.cases import deadlines
from tverrnett.cases import services as case_services
from tverrnett.cases.models import CaseState, ConcernCase, Task, TeamMember, TimelineEvent
from tverrnett.consent import services as consent_services
from tverrnett.consent.models import Consent, Disclosure
from tverrnett.duplicates import services
from tverrnett.duplicates.models import CaseMerge, DuplicateNotice, MatchedOn, NoticeStatus
from tverrnett.notices.models import Delivery

from .conftest import journal_texts

pytestmark = pytest.mark.django_db


def test_every_relation_to_a_case_has_a_merge_rule():
    """Walks ConcernCase's reverse relations, those without a related name too: a new
    model pointing at cases must say whether a merge moves or keeps its rows."""
    names = {services.relation_name(relation) for relation in services.case_relations()}
    assert names == set(services.RELATIONS)
    # The walk sees what `_meta.related_objects` leaves out (related_name="+").
    assert "consent.Disclosure.case" in names


def test_a_matching_intake_tells_the_coordinator_role_and_not_the_user(
    existing, partner, partner_intake, owner, make_user, slt_role, police_role
):
    deputy = make_user("stedfortreder", slt_role.agency)
    slt_role.deputy = deputy
    slt_role.save()

    new = partner_intake(coordinator_role=police_role)

    notice = DuplicateNotice.objects.get()
    assert (notice.existing_case, notice.new_case) == (existing, new)
    assert notice.registering_agency == new.created_agency
    assert notice.matched_on == MatchedOn.NAME_AND_BIRTH
    # The partner still cannot see the other case; the notice is not theirs either.
    assert not policy.visible_cases(partner).filter(pk=existing.pk).exists()
    assert policy.duplicate_notice_side(partner, notice) is None
    assert services.duplicate_notices_for(partner) == []
    # The holder and the deputy: an e-mail that links to the start page, sent later
    # by the worker (not while the partner's request runs).
    deliveries = Delivery.objects.filter(key__startswith="duplicate:")
    assert {d.user for d in deliveries} == {owner, deputy}
    assert {d.url for d in deliveries} == {"/"}
    assert not any(d.emailed for d in deliveries)
    assert [n.side for n in services.duplicate_notices_for(owner)] == ["existing"]
    entry = AuditEntry.objects.get(action="duplicate.noticed")
    assert entry.target_id == str(existing.pk)
    assert entry.detail == {
        "notice": notice.pk,
        "new_case": new.pk,
        "matched_on": "name_and_birth",
    }


def test_no_notice_without_a_match_or_for_a_case_the_user_sees(
    existing, partner_intake, register, owner
):
    partner_intake(person={"name": "Kari Nordmann", "birth_year": 1991})
    partner_intake(person={"name": "Kari Hansen", "birth_year": 1990})
    # The owner sees the existing case: the intake offered it already (item 1).
    register(person={"name": "Kari Nordmann", "birth_year": 1990})

    assert not DuplicateNotice.objects.exists()


def test_a_closed_or_merged_case_gets_no_notice(existing, owner, partner_intake):
    ConcernCase.objects.filter(pk=existing.pk).update(state=CaseState.CLOSED)

    partner_intake()

    assert not DuplicateNotice.objects.exists()


def test_the_identity_number_matches_too(existing, partner_agency, partner_intake):
    number = "15076500565"
    existing.subject.identity_number = number
    existing.subject.save()
    partner_agency.records_identity_numbers = True
    partner_agency.save()

    partner_intake(
        person={
            "name": "K. Nordmann",
            "birth_year": 1965,
            "identity_number": number,
            "identity_number_reason": "Samme navn finnes flere steder.",
        }
    )

    assert DuplicateNotice.objects.get().matched_on == MatchedOn.IDENTITY_NUMBER


def test_dismiss(existing, owner, partner, partner_intake):
    partner_intake()
    notice = DuplicateNotice.objects.get()

    with pytest.raises(PermissionDenied):
        services.dismiss(partner, notice)
    services.dismiss(owner, notice)

    notice.refresh_from_db()
    assert (notice.status, notice.decided_by) == (NoticeStatus.DISMISSED, owner)
    assert AuditEntry.objects.filter(action="duplicate.dismissed").count() == 1
    assert services.duplicate_notices_for(owner) == []


@pytest.fixture
def both_histories(
    existing, owner, partner, partner_agency, partner_intake, give_consent, catalogue
):
    """Two cases about Kari, each with its own history; the new one coordinated by the
    owner's SLT role too, so the owner manages both."""
    case_services.write_journal_entry(
        owner, existing, text="Fra den første saken.", confidentiality="ordinary"
    )
    case_services.add_task(
        owner,
        existing,
        title="Ring fastlegen",
        owner_agency=existing.created_agency,
        owner_name="Eva",
        deadline=timezone.localdate() + datetime.timedelta(days=3),
    )
    new = partner_intake()
    case_services.write_journal_entry(
        partner, new, text="Fra Nav sin sak.", confidentiality="ordinary"
    )
    shared = case_services.write_journal_entry(
        owner, new, text="Delt med Nav.", confidentiality="ordinary"
    )
    consent = give_consent(new, recipients=[partner_agency])
    consent_services.disclose(
        owner,
        new,
        items=[shared],
        recipient=partner_agency,
        purpose="Samordnet oppfølging",
        consent=consent,
    )
    case_services.add_task(
        partner,
        new,
        title="Avtal møte",
        owner_agency=partner_agency,
        owner_name="Paul",
        deadline=timezone.localdate() + datetime.timedelta(days=5),
    )
    case_services.add_resource(partner, new, name="Søster", relation="family")
    return existing, new


def test_a_merge_keeps_both_histories_and_is_audited(
    both_histories, owner, partner, partner_agency
):
    existing, new = both_histories
    new_timeline = TimelineEvent.objects.filter(case=new).count()
    notice = DuplicateNotice.objects.get()

    merge = services.merge_or_propose(owner, notice)

    assert merge.survivor == existing and merge.merged_case == new
    assert journal_texts(existing) == {"Fra den første saken.", "Fra Nav sin sak.", "Delt med Nav."}
    assert set(Task.objects.filter(case=existing).values_list("title", flat=True)) == {
        "Ring fastlegen",
        "Avtal møte",
    }
    assert existing.resources.get().name == "Søster"
    # Both cases' next open deadline follows the tasks that moved (cases.deadlines).
    assert deadlines.drifted() == []
    existing.refresh_from_db()
    assert existing.next_open_deadline == min(
        t.deadline for t in Task.objects.filter(case=existing).exclude(status="done")
    )
    assert Consent.objects.get().case == existing
    # The timeline: both cases' events, and the merge.
    assert TimelineEvent.objects.filter(case=existing, kind="merged_from").exists()
    assert TimelineEvent.objects.filter(case=existing).count() >= new_timeline + 2
    # The team: the owner's agency keeps the lead; Nav Drammen joins.
    assert {(m.agency_id, m.has_lead) for m in TeamMember.objects.filter(case=existing)} == {
        (existing.coordinator_role.agency_id, True),
        (partner_agency.pk, False),
    }
    # The disclosure record never changes; the partner still reads what was shared
    # with it, now on the surviving case.
    assert Disclosure.objects.get().case_id == new.pk
    partner_sees = policy.visible_journal(partner, existing)
    assert set(partner_sees.values_list("text", flat=True)) == {"Fra Nav sin sak.", "Delt med Nav."}
    new.refresh_from_db()
    assert new.state == CaseState.CLOSED
    assert new.timeline.get().kind == "merged_into"
    assert not policy.visible_cases(owner).filter(pk=new.pk).exists()
    entries = AuditEntry.objects.filter(action="case.merged")
    assert {e.target_id for e in entries} == {str(existing.pk), str(new.pk)}
    assert entries.first().detail["moved"]["cases.JournalEntry.case"] == 2
    # Kept with the merged case: the disclosure record, the notice, and the owner's
    # agency's team row (it is on the survivor's team already).
    assert merge.kept == {
        "consent.Disclosure.case": 1,
        "duplicates.DuplicateNotice.new_case": 1,
        "cases.TeamMember.case": 1,
    }
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.MERGED


def test_a_merge_the_coordinator_cannot_manage_both_needs_the_other_side(
    existing, owner, partner, partner_intake, police_role, police_contact
):
    new = partner_intake(coordinator_role=police_role)
    notice = DuplicateNotice.objects.get()
    # The police contact is not told before a merge is proposed.
    assert services.duplicate_notices_for(police_contact) == []

    assert services.merge_or_propose(owner, notice) is None

    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PROPOSED
    assert not CaseMerge.objects.exists()
    assert [n.side for n in services.duplicate_notices_for(police_contact)] == ["new"]
    with pytest.raises(PermissionDenied):
        services.agree(owner, notice)
    with pytest.raises(PermissionDenied):
        services.agree(partner, notice)

    merge = services.agree(police_contact, notice)

    assert (merge.survivor, merge.merged_case, merge.merged_by, merge.proposed_by) == (
        existing,
        new,
        police_contact,
        owner,
    )
    assert AuditEntry.objects.filter(action="duplicate.merge_proposed").count() == 1
    assert AuditEntry.objects.filter(action="case.merged").count() == 2


def test_the_other_side_may_decline(existing, owner, partner_intake, police_role, police_contact):
    partner_intake(coordinator_role=police_role)
    notice = DuplicateNotice.objects.get()
    services.merge_or_propose(owner, notice)

    services.decline(police_contact, notice)

    notice.refresh_from_db()
    assert notice.status == NoticeStatus.DECLINED
    assert not CaseMerge.objects.exists()
    assert AuditEntry.objects.filter(action="duplicate.merge_declined").count() == 1


def test_the_access_report_on_the_person_covers_the_merged_case(both_histories, owner):
    from tverrnett.consent.access_report import report_entries

    existing, new = both_histories
    services.merge_or_propose(owner, DuplicateNotice.objects.get())

    keys = {entry.key for entry in report_entries(existing.subject, owner)}

    assert {f"case:{existing.pk}", f"case:{new.pk}"} <= keys
    # The disclosure the merged case kept, and who read the merged case before.
    assert any(key.startswith("disclosure:") for key in keys)
    merged_reads = AuditEntry.objects.filter(target_id=str(new.pk), action="case.merged")
    assert {f"access:{entry.pk}" for entry in merged_reads} <= keys


def test_the_worker_sends_the_e_mail_later_and_it_holds_no_personal_data(
    existing, owner, partner_intake, mailoutbox
):
    from tverrnett.notices import emails

    owner.email = "eva@drammen.example"
    owner.save()
    new = partner_intake()
    assert mailoutbox == []  # nothing while the registering user's request runs

    later = timezone.now() + emails.RETRY_AFTER + datetime.timedelta(seconds=1)
    sent = emails.retry_unsent(later)

    assert sent == 1
    (mail,) = mailoutbox
    assert mail.to == [owner.email]
    text = mail.subject + mail.body
    for secret in ("Kari", "Nordmann", "1990", existing.reference, new.reference, "Nav"):
        assert secret not in text
    assert text.count("http") == 1 and mail.body.rstrip().splitlines()[2].endswith("/")


def test_identifying_an_anonymous_discussion_checks_for_hidden_duplicates_too(
    register, owner, partner_intake, police_role, police_contact, legal_bases
):
    existing = partner_intake(coordinator_role=police_role)  # the owner cannot see it
    anonymous = register(anonymous=True, approximate_age=35)

    identified = case_services.convert_anonymous(
        owner,
        anonymous,
        version=anonymous.version,
        legal_basis=legal_bases["fvl-13a-1"],
        person={"name": "Kari Nordmann", "birth_year": 1990},
    )

    notice = DuplicateNotice.objects.get()
    assert (notice.existing_case, notice.new_case) == (existing, identified)
    assert [n.side for n in services.duplicate_notices_for(police_contact)] == ["existing"]
    assert services.duplicate_notices_for(owner) == []


def test_a_merge_moves_every_later_conversation_and_one_first(both_histories, owner):
    """Rows unique per case move only where the survivor has none: one first
    conversation per case, any number of later ones."""
    from tverrnett.conversations.models import Conversation

    existing, new = both_histories

    def talk(case, *, first):
        return Conversation.objects.create(
            case=case,
            is_first=first,
            planned_at=timezone.now(),
            attendees="Kari og koordinator",
            created_by=owner,
        )

    talk(existing, first=True)
    kept_first = talk(new, first=True)
    later = [talk(new, first=False), talk(new, first=False)]

    merge = services.merge_or_propose(owner, DuplicateNotice.objects.get())

    assert set(Conversation.objects.filter(case=existing, is_first=False)) == set(later)
    assert Conversation.objects.get(pk=kept_first.pk).case == new
    assert merge.moved["conversations.Conversation.case"] == 2
    assert merge.kept["conversations.Conversation.case"] == 1
