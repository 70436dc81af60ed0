"""Innsynsrapport: what the networks hold about one person, and who saw it (GDPR art. 15, L40, L44).

The report is never stored. An `AccessReport` records who made it, when, and every
redaction with its reason; the JSON and the PDF are built again from the data each
time. Each line of the report has a stable key ("journal:55", "access:1234"), so a
redaction keeps naming the same line whenever the report is rebuilt.

Only data about the person is read: their cases and every part of them (the journal,
measures, the individual plan, conversations and contact agreements, the person's own
network, tasks, the security clarification, assessments, uploaded files), consents and
every disclosure record on those cases whatever its kind, and the audit entries about
those cases or the person. A case list
view names many cases; it is kept only when one of them is the person's, and shows
only the person's. The identity number is never written out: the report says whether
one is recorded, as the case page does, and any identity number in free text is hidden.
"""

import datetime
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from tverrnett.access import policy
from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.assessments.models import AssessmentStatus
from tverrnett.audit import actions
from tverrnett.audit.models import AuditEntry
from tverrnett.audit.services import record
from tverrnett.cases.models import (
    CasePart,
    ConcernCase,
    Confidentiality,
    InformationCategory,
    JournalEntry,
    Resource,
    SecurityClarification,
    TaskStatus,
    TeamMember,
)
from tverrnett.consent import services  # noqa: F401  (registers "consent.access_report")
from tverrnett.consent.models import (
    AccessReport,
    Consent,
    ConsentCapacity,
    ConsentForm,
    ConsentStatus,
    DisclosedItem,
    DisclosedPart,
    Disclosure,
    InformationRequest,
    RecipientBasis,
)
from tverrnett.conversations.models import Attendance, ContactChannel
from tverrnett.core import dates
from tverrnett.core.identity_numbers import contains_identity_number
from tverrnett.measures.models import MeasureStatus
from tverrnett.plans.models import PlanStatus

# 2: the parts of a case beyond the journal (measures to files) joined the report.
REPORT_VERSION = 2
SECTION_LABELS = {
    "person": pgettext_lazy("access report", "The person"),
    "cases": pgettext_lazy("access report", "Cases"),
    "journal": pgettext_lazy("access report", "Journal"),
    "measures": pgettext_lazy("access report", "Measures"),
    "plans": pgettext_lazy("access report", "Individual plans"),
    "conversations": pgettext_lazy("access report", "Conversations"),
    "contact_agreements": pgettext_lazy("access report", "Contact agreements"),
    "resources": pgettext_lazy("access report", "Own network"),
    "tasks": pgettext_lazy("access report", "Tasks"),
    "security_clarifications": pgettext_lazy("access report", "Security clarification"),
    "assessments": pgettext_lazy("access report", "Risk and needs assessments"),
    "files": pgettext_lazy("access report", "Uploaded files"),
    "consents": pgettext_lazy("access report", "Consents"),
    "disclosures": pgettext_lazy("access report", "Disclosures"),
    "access_log": pgettext_lazy("access report", "Access log"),
}
# The sections that are lists of lines, in the order of the report (the person and
# the guardians come first; a withdrawal sits in its consent).
LIST_SECTIONS = (
    "cases", "journal", "measures", "plans", "conversations", "contact_agreements",
    "resources", "tasks", "security_clarifications", "assessments", "files", "consents",
    "disclosures", "access_log",
)  # fmt: skip
# The parts of a case a read entry names (cases.views, consent.views). A part not
# listed here is shown by its code.
PART_LABELS = {
    "access_report": pgettext_lazy("case part", "access report"),
    "assessments": pgettext_lazy("case part", "risk and needs assessments"),
    "background": pgettext_lazy("case part", "background and motivation"),
    "background_history": pgettext_lazy("case part", "background history"),
    "checklist": pgettext_lazy("case part", "exit-work checklist"),
    "child_cases": pgettext_lazy("case part", "linked child cases"),
    "contact": pgettext_lazy("case part", "next contact"),
    "contact_agreements": pgettext_lazy("case part", "contact agreements"),
    "conversations": pgettext_lazy("case part", "conversations"),
    "follow_up_reviews": pgettext_lazy("case part", "follow-up reviews after exit"),
    "guidance": pgettext_lazy("case part", "guidance from RVTS"),
    "measures": pgettext_lazy("case part", "measures"),
    "case_list": pgettext_lazy("case part", "case list"),
    "consent": pgettext_lazy("case part", "consent"),
    "consents": pgettext_lazy("case part", "consents"),
    "coordinator": pgettext_lazy("case part", "coordinator"),
    "declaration": pgettext_lazy("case part", "consent declaration"),
    "disclosed_items": pgettext_lazy("case part", "disclosed items"),
    "disclosures": pgettext_lazy("case part", "disclosures"),
    "documents": pgettext_lazy("case part", "documents"),
    "guardians": pgettext_lazy("case part", "guardians"),
    "journal": pgettext_lazy("case part", "journal"),
    "person": pgettext_lazy("case part", "person"),
    "resources": pgettext_lazy("case part", "own network"),
    "responsibilities": pgettext_lazy("case part", "responsibilities"),
    "security_clarification": pgettext_lazy("case part", "security clarification"),
    "signed_declaration": pgettext_lazy("case part", "signed consent declaration"),
    "state": pgettext_lazy("case part", "state"),
    "summary": pgettext_lazy("case part", "summary"),
    "tasks": pgettext_lazy("case part", "tasks"),
    "team": pgettext_lazy("case part", "team"),
    "timeline": pgettext_lazy("case part", "timeline"),
}

_CASE_TYPE = ConcernCase._meta.label_lower
_PERSON_TYPE = "cases.person"
_LIST_VIEWED = "case.list_viewed"
_LABEL_TEXT_LENGTH = 60
# Runs of digits split by single spaces or hyphens: where an identity number may hide.
_DIGIT_RUN = re.compile(r"\d+(?:[ \u00a0-]\d+)*")


@dataclass(frozen=True)
class Entry:
    """One line of the report: what the redaction page lists, and what the report holds."""

    key: str
    section: str
    label: str
    data: dict = field(repr=False, compare=False)
    # What a redaction rule matches on (a read's agency and day); never in the report.
    facets: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def section_label(self):
        return str(SECTION_LABELS[self.section])


# Permission -----------------------------------------------------------------------------


def _coordinated_cases(user, person):
    return ConcernCase.objects.filter(subject=person).filter(
        policy.holds_role_filter(user, "coordinator_role")
    )


# Reading --------------------------------------------------------------------------------


def _hide_identity_numbers(text):
    """Free text with every identity number or D-number in it hidden."""
    if not text:
        return text or ""
    hidden = _("[identity number hidden]")
    return _DIGIT_RUN.sub(
        lambda match: hidden if contains_identity_number(match.group()) else match.group(), text
    )


def _at(moment):
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _day(day):
    return day.isoformat() if day else None


def _shown_at(moment):
    return dates.moment(moment)


def _shown_day(day):
    return dates.day(day)


def _snippet(text):
    text = " ".join(text.split())
    if len(text) <= _LABEL_TEXT_LENGTH:
        return text
    return text[: _LABEL_TEXT_LENGTH - 1].rstrip() + "…"


def _choice(choices, code):
    """The label of a stored choice; an unknown code is shown as it is."""
    if not code:
        return ""
    try:
        return str(choices(code).label)
    except ValueError:
        return code


def _parts(case_ids):
    """The parts of the cases beyond the journal: one query each (plans and assessments
    bring their rows in a few more), whatever their number."""
    from tverrnett.assessments.models import Assessment
    from tverrnett.cases.models import Resource, SecurityClarification, Task
    from tverrnett.conversations.models import ContactAgreement, Conversation
    from tverrnett.measures.models import Measure
    from tverrnett.plans.models import IndividualPlan, PlanContribution, PlanMeasure

    on_cases = {"case_id__in": case_ids}
    return {
        "measures": list(
            Measure.objects.filter(**on_cases)
            .select_related("measure_type", "responsible_agency")
            .order_by("created_at", "id")
        ),
        "plans": list(
            IndividualPlan.objects.filter(**on_cases)
            .select_related("coordinator_role__agency")
            .prefetch_related(
                "goals",
                Prefetch(
                    "measures", queryset=PlanMeasure.objects.select_related("responsible_agency")
                ),
                "revisions",
                Prefetch(
                    "contributions", queryset=PlanContribution.objects.select_related("agency")
                ),
                "versions",
            )
            .order_by("created_at", "id")
        ),
        "conversations": list(Conversation.objects.filter(**on_cases).order_by("planned_at", "id")),
        "contact_agreements": list(
            ContactAgreement.objects.filter(**on_cases)
            .select_related("agency")
            .order_by("agreed_on", "id")
        ),
        "resources": list(Resource.objects.filter(**on_cases).order_by("id")),
        "tasks": list(
            Task.objects.filter(**on_cases)
            .select_related("owner_agency", "owner_role")
            .order_by("created_at", "id")
        ),
        "security_clarifications": list(
            SecurityClarification.objects.filter(**on_cases).order_by("answered_at", "id")
        ),
        "assessments": list(
            Assessment.objects.filter(**on_cases)
            .select_related("instrument", "agency")
            .prefetch_related("ratings")
            .order_by("assessed_on", "id")
        ),
    }


def _load(person):
    """Everything the report holds, in a fixed number of queries whatever its size."""
    cases = list(
        # A case merged into one of theirs is theirs too (tverrnett.duplicates): its
        # audit entries and the records a merge leaves with it.
        ConcernCase.objects.filter(Q(subject=person) | Q(merged_into__survivor__subject=person))
        .select_related("municipality", "coordinator_role__agency")
        .prefetch_related(Prefetch("team", queryset=TeamMember.objects.select_related("agency")))
        .order_by("created_at", "id")
    )
    case_ids = [case.pk for case in cases]
    journal = list(
        JournalEntry.objects.filter(case_id__in=case_ids)
        .select_related("agency")
        # The document version an item carries (tverrnett.documents): a file line.
        .annotate(
            file_version_pk=F("document_version__pk"),
            file_name=F("document_version__original_name"),
            file_content_type=F("document_version__content_type"),
        )
        .order_by("written_at", "id")
    )
    consents = list(
        Consent.objects.filter(case_id__in=case_ids)
        .select_related("withdrawal")
        .prefetch_related("recipients", "guardians")
        .order_by("prepared_at", "id")
    )
    # Every disclosure record of the cases, whatever its kind (items shared, a team
    # join), with the recipient's own basis where one was recorded after a withdrawal.
    disclosures = list(
        Disclosure.objects.filter(case_id__in=case_ids)
        .select_related("sender_agency", "recipient_agency", "recipient_basis")
        .order_by("shared_at", "id")
    )
    items = defaultdict(list)
    for disclosure_id, entry_id in (
        DisclosedItem.objects.filter(disclosure__case_id__in=case_ids)
        .order_by("entry_id")
        .values_list("disclosure_id", "entry_id")
    ):
        items[disclosure_id].append(entry_id)
    # The parts of the case a team join opened (consent.DisclosedPart).
    parts = defaultdict(list)
    for disclosure_id, part in (
        DisclosedPart.objects.filter(disclosure__case_id__in=case_ids)
        .order_by("part")
        .values_list("disclosure_id", "part")
    ):
        parts[disclosure_id].append(part)
    # The questions of requests for information: each a disclosure of the asking agency
    # to the agency asked (consent.information_requests).
    information_requests = list(
        InformationRequest.objects.filter(case_id__in=case_ids)
        .select_related("asking_agency", "recipient_agency")
        .order_by("asked_at", "id")
    )
    return {
        "guardians": list(person.guardians.all()),
        "cases": cases,
        "journal": journal,
        "consents": consents,
        "disclosures": disclosures,
        "information_requests": information_requests,
        "disclosed_items": items,
        "disclosed_parts": parts,
        "audit": _audit_entries(person, case_ids),
        **_parts(case_ids),
    }


_AUDIT_FIELDS = (
    "id",
    "created_at",
    "action",
    "actor_id",
    "actor_username",
    "agency_id",
    "agency_name",
    "target_type",
    "target_id",
    "detail",
)


def _is_id(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _listed_cases(detail, case_ids):
    listed = detail.get("cases") if isinstance(detail, dict) else None
    if not isinstance(listed, list):
        return []
    return [case_id for case_id in listed if _is_id(case_id) and case_id in case_ids]


def _audit_entries(person, case_ids):
    """The audit entries about the person: those whose target is one of their cases or
    the person, and the case list views that showed one of their cases. As named tuples
    of `_AUDIT_FIELDS`, not model instances: a case may have been read 10,000 times."""
    case_ids = set(case_ids)
    about = AuditEntry.objects.filter(
        Q(target_type=_CASE_TYPE, target_id__in=[str(pk) for pk in case_ids])
        | Q(target_type=_PERSON_TYPE, target_id=str(person.pk))
    ).values_list(*_AUDIT_FIELDS, named=True)
    entries = {entry.id: entry for entry in about}
    if case_ids:
        # SQLite has no JSON "contains": read the list views (that action only) and
        # keep those that named one of the person's cases.
        for entry in (
            AuditEntry.objects.filter(action=_LIST_VIEWED)
            .order_by("id")
            .values_list(*_AUDIT_FIELDS, named=True)
            .iterator(chunk_size=2000)
        ):
            if _listed_cases(entry.detail, case_ids):
                entries[entry.id] = entry
    return sorted(entries.values(), key=lambda entry: (entry.created_at, entry.id))


def _roles_and_names(audit):
    """The role each actor had in the agency they acted for, where the entry does not
    record it (their membership there now), and the actors' names: two queries."""
    pairs = {
        (entry.actor_id, entry.agency_id)
        for entry in audit
        if entry.actor_id and entry.agency_id and not _detail(entry).get("role")
    }
    roles = {}
    if pairs:
        for user_id, agency_id, role in Membership.objects.filter(
            user_id__in={user_id for user_id, _agency in pairs},
            agency_id__in={agency_id for _user, agency_id in pairs},
        ).values_list("user_id", "agency_id", "role"):
            if (user_id, agency_id) in pairs:
                roles[user_id, agency_id] = role
    actor_ids = {entry.actor_id for entry in audit if entry.actor_id}
    names = {}
    if actor_ids:
        for user in (
            get_user_model()
            .objects.filter(pk__in=actor_ids)
            .only("id", "first_name", "last_name", "username")
        ):
            names[user.pk] = user.get_full_name()
    return roles, names


def _detail(entry):
    return entry.detail if isinstance(entry.detail, dict) else {}


# The lines --------------------------------------------------------------------------


def _person_entry(person):
    data = {
        "key": f"person:{person.pk}",
        "name": person.name,
        "birth_date": _day(person.birth_date),
        "birth_year": person.birth_year,
        # Masked as everywhere in the application: whether one is recorded, never which.
        "identity_number": _("Recorded (hidden)") if person.identity_number else "",
        "identity_number_reason": _hide_identity_numbers(person.identity_number_reason),
        "gender_in_own_words": _hide_identity_numbers(person.gender_in_own_words),
        "languages": _hide_identity_numbers(person.languages),
        "needs_interpreter": person.needs_interpreter,
        "interpreter_language": person.interpreter_language,
        "protected_address": person.get_protected_address_display()
        if person.protected_address
        else "",
        # L37: a protected address is left out of every export, whatever is stored.
        "address": "" if person.protected_address else _hide_identity_numbers(person.address),
        "registered_at": _at(person.created_at),
    }
    return Entry(data["key"], "person", _("Person: %(name)s") % {"name": person.name}, data)


def _guardian_entry(guardian):
    data = {
        "key": f"guardian:{guardian.pk}",
        "name": guardian.name,
        "relation": _hide_identity_numbers(guardian.relation),
        "has_parental_responsibility": guardian.has_parental_responsibility,
        "phone": guardian.phone,
    }
    label = _("Guardian: %(name)s (%(relation)s)") % {
        "name": guardian.name,
        "relation": guardian.relation,
    }
    return Entry(data["key"], "person", label, data)


def _case_entry(case):
    role = case.coordinator_role
    data = {
        "key": f"case:{case.pk}",
        "reference": case.reference,
        "state": case.get_state_display(),
        "registered_at": _at(case.created_at),
        "closed_at": _at(case.closed_at),
        "municipality": case.municipality.name,
        "source": case.get_source_display(),
        "observation": _hide_identity_numbers(case.observation),
        "summary": _hide_identity_numbers(case.summary),
        "evaluation": _hide_identity_numbers(case.evaluation),
        "coordinator": {"role": role.get_kind_display(), "agency": role.agency.name},
        "team": [
            {"agency": member.agency.name, "has_lead": member.has_lead}
            for member in case.team.all()
        ],
    }
    label = _("Case %(reference)s, registered %(day)s") % {
        "reference": case.reference,
        "day": _shown_day(timezone.localtime(case.created_at)),
    }
    return Entry(data["key"], "cases", label, data)


def _journal_entry(item, references, readable):
    if item.pk in readable and item.withheld:
        # L34: the maker may not read items tagged GDPR Art. 9 or 10.
        text = correction_reason = None
    elif item.pk in readable:
        text = _hide_identity_numbers(item.text)
        correction_reason = _hide_identity_numbers(item.correction_reason)
    else:
        # C1: the maker's agencies may not read this item; its owner answers for it.
        text = correction_reason = None
    data = {
        "key": f"journal:{item.pk}",
        "id": item.pk,
        "case": references[item.case_id],
        "agency": item.agency.name,
        "category": item.category,
        "category_label": _choice(InformationCategory, item.category),
        "confidentiality": _choice(Confidentiality, item.confidentiality),
        "special_categories": item.special_categories,
        "written_at": _at(item.written_at),
        "text": text,
        "text_held_by_owner": item.pk not in readable,
        "text_withheld": item.pk in readable and item.withheld,
        "version": item.version_number,
        "supersedes": item.supersedes_id,
        "correction_reason": correction_reason,
    }
    label = _("Journal entry %(at)s, %(agency)s: %(text)s") % {
        "at": _shown_at(item.written_at),
        "agency": item.agency.name,
        "text": _snippet(text)
        if text is not None
        else _("text withheld: special category (GDPR Art. 9 or 10)")
        if data["text_withheld"]
        else _("text held by %(agency)s, which is responsible for it")
        % {"agency": item.agency.name},
    }
    return Entry(data["key"], "journal", label, data)


def _consent_entries(consent, references):
    purpose = _hide_identity_numbers(consent.purpose)
    data = {
        "key": f"consent:{consent.pk}",
        "id": consent.pk,
        "case": references[consent.case_id],
        "status": consent.status,
        "status_label": _choice(ConsentStatus, consent.status),
        "consenter": consent.consenter_name,
        "capacity": _choice(ConsentCapacity, consent.capacity),
        "guardians": [guardian.name for guardian in consent.guardians.all()],
        "purpose": purpose,
        "categories": list(consent.categories),
        "category_labels": [_choice(InformationCategory, code) for code in consent.categories],
        "recipients": sorted(agency.name for agency in consent.recipients.all()),
        "starts_on": _day(consent.starts_on),
        "ends_on": _day(consent.ends_on),
        "form": _choice(ConsentForm, consent.form),
        "answered_at": _at(consent.answered_at),
        "child_views": _hide_identity_numbers(consent.child_views),
        "refusal_note": _hide_identity_numbers(consent.refusal_note),
        "withdrawal": None,
    }
    label = _("Consent %(day)s (%(status)s): %(purpose)s") % {
        "day": _shown_day(timezone.localtime(consent.prepared_at)),
        "status": data["status_label"],
        "purpose": _snippet(purpose),
    }
    entries = [Entry(data["key"], "consents", label, data)]
    if consent.is_withdrawn:
        withdrawal = consent.withdrawal
        withdrawn = {
            "key": f"withdrawal:{withdrawal.pk}",
            "withdrawn_on": _day(withdrawal.withdrawn_on),
            "note": _hide_identity_numbers(withdrawal.note),
            "recorded_at": _at(withdrawal.recorded_at),
        }
        label = _("Withdrawal of consent %(consent)s on %(day)s") % {
            "consent": consent.pk,
            "day": _shown_day(withdrawal.withdrawn_on),
        }
        entries.append(Entry(withdrawn["key"], "consents", label, withdrawn))
    return entries


def _disclosure_kind(items, parts):
    """What a disclosure record did, as code and label: opened parts of the case to an
    agency joining the team, shared items, or both."""
    if parts and not items:
        return "team_join", _("Parts of the case opened to an agency on the team")
    if parts:
        return "team_join_and_items", _("Parts of the case opened and items shared")
    return "items", _("Items shared")


def _own_basis(disclosure):
    """The recipient's own basis for keeping the items after a withdrawal, or None."""
    try:
        kept = disclosure.recipient_basis
    except RecipientBasis.DoesNotExist:
        return None
    return {
        "legal_basis_citation": kept.legal_basis_citation,
        "necessity_note": _hide_identity_numbers(kept.necessity_note),
        "recorded_at": _at(kept.recorded_at),
    }


def _disclosure_entry(disclosure, references, items, parts):
    shared = items.get(disclosure.pk, [])
    opened = parts.get(disclosure.pk, [])
    kind, kind_label = _disclosure_kind(shared, opened)
    data = {
        "key": f"disclosure:{disclosure.pk}",
        "id": disclosure.pk,
        "kind": kind,
        "kind_label": kind_label,
        "case": references[disclosure.case_id],
        "sender": disclosure.sender_agency.name,
        "recipient": disclosure.recipient_agency.name,
        "items": shared,
        "parts": opened,
        "part_labels": [_choice(CasePart, part) for part in opened],
        "purpose": _hide_identity_numbers(disclosure.purpose),
        "legal_basis_citation": disclosure.legal_basis_citation,
        "consent": disclosure.consent_id,
        "necessity_note": _hide_identity_numbers(disclosure.necessity_note),
        "shared_at": _at(disclosure.shared_at),
        "recipient_own_basis": _own_basis(disclosure),
    }
    label = _("Disclosure %(at)s from %(sender)s to %(recipient)s") % {
        "at": _shown_at(disclosure.shared_at),
        "sender": data["sender"],
        "recipient": data["recipient"],
    }
    return Entry(data["key"], "disclosures", label, data)


def _question_entry(asked, references):
    """The question of a request for information: a disclosure from the asking agency to
    the agency asked, under the request's ground (its answer is a disclosure of its own)."""
    data = {
        "key": f"information_request:{asked.pk}",
        "id": asked.pk,
        "kind": "information_request",
        "kind_label": _("A question in a request for information"),
        "case": references[asked.case_id],
        "sender": asked.asking_agency.name,
        "recipient": asked.recipient_agency.name,
        "items": [],
        "parts": [],
        "part_labels": [],
        "question": _hide_identity_numbers(asked.question),
        "legal_basis_citation": asked.legal_basis_citation,
        "consent": asked.consent_id,
        "shared_at": _at(asked.asked_at),
        "status": asked.status,
    }
    label = _("Request for information %(at)s from %(sender)s to %(recipient)s") % {
        "at": _shown_at(asked.asked_at),
        "sender": data["sender"],
        "recipient": data["recipient"],
    }
    return Entry(data["key"], "disclosures", label, data)


def _text(value):
    return _hide_identity_numbers(value)


def _measure_entry(measure, references):
    data = {
        "key": f"measure:{measure.pk}",
        "id": measure.pk,
        "case": references[measure.case_id],
        "measure_type": measure.measure_type.name,
        "goal": _text(measure.goal),
        "responsible_agency": measure.responsible_agency.name,
        "contact_name": measure.contact_name,
        "status": _choice(MeasureStatus, measure.status),
        "start_on": _day(measure.start_on),
        "evaluation_on": _day(measure.evaluation_on),
        "outcome": _text(measure.outcome),
        "evaluated_at": _at(measure.evaluated_at),
        "person_view": _text(measure.person_view),
        "created_at": _at(measure.created_at),
    }
    label = _("Measure: %(type)s, %(agency)s (%(status)s)") % {
        "type": data["measure_type"],
        "agency": data["responsible_agency"],
        "status": data["status"],
    }
    return Entry(data["key"], "measures", label, data)


def _plan_entry(plan, references):
    role = plan.coordinator_role
    data = {
        "key": f"plan:{plan.pk}",
        "id": plan.pk,
        "case": references[plan.case_id],
        "status": _choice(PlanStatus, plan.status),
        "consent": plan.consent_id,
        "coordinator": {"role": role.get_kind_display(), "agency": role.agency.name},
        "overview": _text(plan.overview),
        "participation": _text(plan.participation),
        "follow_up": _text(plan.follow_up),
        "if_service_declined": _text(plan.if_service_declined),
        "internal_note": _text(plan.internal_note),
        "period_start": _day(plan.period_start),
        "period_end": _day(plan.period_end),
        "goals": [
            {"text": _text(goal.text), "by_person": goal.by_person} for goal in plan.goals.all()
        ],
        "measures": [
            {
                "description": _text(entry.description),
                "responsible_agency": entry.responsible_agency.name,
                "extent": entry.extent,
                "timing": entry.timing,
            }
            for entry in plan.measures.all()
        ],
        "revisions": [_day(revision.due_on) for revision in plan.revisions.all()],
        "contributions": [
            {"agency": part.agency.name, "text": _text(part.text)}
            for part in plan.contributions.all()
        ],
        "versions": [
            {"number": version.number, "finalised_at": _at(version.finalised_at)}
            for version in plan.versions.all()
        ],
        "created_at": _at(plan.created_at),
        "ended_at": _at(plan.ended_at),
        "end_reason": _text(plan.end_reason),
    }
    label = _("Individual plan made %(day)s (%(status)s)") % {
        "day": _shown_day(timezone.localtime(plan.created_at)),
        "status": data["status"],
    }
    return Entry(data["key"], "plans", label, data)


def _conversation_entry(conversation, references):
    data = {
        "key": f"conversation:{conversation.pk}",
        "id": conversation.pk,
        "case": references[conversation.case_id],
        "is_first": conversation.is_first,
        "planned_at": _at(conversation.planned_at),
        "held_at": _at(conversation.held_at),
        "place": _text(conversation.place),
        "purpose": _text(conversation.purpose),
        "attendees": [_text(line) for line in conversation.attendee_list],
        "guardians_attend": _choice(Attendance, conversation.guardians_attend),
        "guardians_reason": _text(conversation.guardians_reason),
        "child_welfare_attends": _choice(Attendance, conversation.child_welfare_attends),
        "child_welfare_reason": _text(conversation.child_welfare_reason),
        "trusted_person": _text(conversation.trusted_person),
        "interpreter_language": conversation.interpreter_language
        if conversation.interpretation_needed
        else "",
    }
    label = _("Conversation planned for %(at)s") % {"at": _shown_at(conversation.planned_at)}
    return Entry(data["key"], "conversations", label, data)


def _agreement_entry(agreement, references):
    data = {
        "key": f"contact_agreement:{agreement.pk}",
        "id": agreement.pk,
        "case": references[agreement.case_id],
        "agency": agreement.agency.name,
        "contact_name": agreement.contact_name,
        "channel": _choice(ContactChannel, agreement.channel),
        "when": _text(agreement.when),
        "next_contact_on": _day(agreement.next_contact_on),
        "where": _text(agreement.where),
        "not_to_contact": _text(agreement.not_to_contact),
        "note": _text(agreement.note),
        "agreed_on": _day(agreement.agreed_on),
    }
    label = _("Contact agreement %(day)s: %(agency)s") % {
        "day": _shown_day(agreement.agreed_on),
        "agency": data["agency"],
    }
    return Entry(data["key"], "contact_agreements", label, data)


def _resource_entry(resource, references):
    data = {
        "key": f"resource:{resource.pk}",
        "id": resource.pk,
        "case": references[resource.case_id],
        "name": resource.name,
        "relation": _choice(Resource.Relation, resource.relation),
        "how_they_help": _text(resource.how_they_help),
        "contact": _text(resource.contact),
    }
    label = _("Own network: %(name)s (%(relation)s)") % {
        "name": resource.name,
        "relation": data["relation"],
    }
    return Entry(data["key"], "resources", label, data)


def _task_entry(task, references):
    data = {
        "key": f"task:{task.pk}",
        "id": task.pk,
        "case": references[task.case_id],
        "title": _text(task.title),
        "agency": task.owner_agency.name,
        "owner": task.owner_role.get_kind_display() if task.owner_role else task.owner_name,
        "deadline": _day(task.deadline),
        "status": _choice(TaskStatus, task.status),
        "created_at": _at(task.created_at),
    }
    label = _("Task: %(title)s (%(status)s)") % {
        "title": _snippet(data["title"]),
        "status": data["status"],
    }
    return Entry(data["key"], "tasks", label, data)


def _clarification_entry(clarification, references):
    answer = SecurityClarification.Answer
    data = {
        "key": f"security_clarification:{clarification.pk}",
        "case": references[clarification.case_id],
        "police_contact_consulted": _choice(answer, clarification.police_contact_consulted),
        "police_contact_note": _text(clarification.police_contact_note),
        "pst_to_be_told": _choice(answer, clarification.pst_to_be_told),
        "pst_note": _text(clarification.pst_note),
        "child_welfare_duty": _choice(answer, clarification.child_welfare_duty),
        "child_welfare_reasoning": _text(clarification.child_welfare_reasoning),
        "averting_duty": _choice(answer, clarification.averting_duty),
        "averting_reasoning": _text(clarification.averting_reasoning),
        "answered_at": _at(clarification.answered_at),
    }
    label = _("Security clarification of case %(case)s") % {"case": data["case"]}
    return Entry(data["key"], "security_clarifications", label, data)


def _assessment_entry(assessment, references, readable):
    shown = assessment.pk in readable
    data = {
        "key": f"assessment:{assessment.pk}",
        "id": assessment.pk,
        "case": references[assessment.case_id],
        "instrument": str(assessment.instrument),
        "agency": assessment.agency.name,
        "assessed_on": _day(assessment.assessed_on),
        "review_on": _day(assessment.review_on),
        "status": _choice(AssessmentStatus, assessment.status),
        "signed_at": _at(assessment.signed_at),
        # C1: like a journal item, the content is for the agencies that may read it.
        "content_held_by_owner": not shown,
        "summary": _text(assessment.summary) if shown else None,
        "recommended_measures": _text(assessment.recommended_measures) if shown else None,
        "ratings": [
            {
                "item": rating.item_code,
                "value": rating.value,
                "note": _text(rating.note),
                "unknown_reason": _text(rating.unknown_reason),
            }
            for rating in assessment.ratings.all()
        ]
        if shown
        else None,
    }
    label = _("Assessment %(day)s, %(agency)s: %(instrument)s") % {
        "day": _shown_day(assessment.assessed_on),
        "agency": data["agency"],
        "instrument": data["instrument"],
    }
    return Entry(data["key"], "assessments", label, data)


def _file_entries(consent, references):
    """A signed consent declaration uploaded to a case (events' material is not about a
    person; documents on a case: `_document_file_entry`)."""
    if not consent.declaration_file:
        return []
    data = {
        "key": f"file:declaration-{consent.pk}",
        "case": references[consent.case_id],
        "kind": _("Signed consent declaration"),
        "consent": consent.pk,
        "file_name": _text(consent.declaration_file_name),
        "content_type": consent.declaration_content_type,
        "uploaded_at": _at(consent.answered_at),
    }
    label = _("File: signed consent declaration for consent %(consent)s") % {"consent": consent.pk}
    return [Entry(data["key"], "files", label, data)]


def _document_file_entry(item, references, readable):
    """A document version uploaded to a case (tverrnett.documents), listed with its
    journal item. Its file name only where the maker's agencies may read the item, as
    the item's text (C1, L34)."""
    shown = item.pk in readable and not item.withheld
    data = {
        "key": f"file:document-{item.file_version_pk}",
        "case": references[item.case_id],
        "kind": _("Document"),
        "agency": item.agency.name,
        "entry": item.pk,
        "file_name": _text(item.file_name) if shown else None,
        "content_type": item.file_content_type,
        "uploaded_at": _at(item.written_at),
    }
    label = _("File: document of %(agency)s, uploaded %(at)s") % {
        "agency": item.agency.name,
        "at": _shown_at(item.written_at),
    }
    return Entry(data["key"], "files", label, data)


def _action_label(name):
    """The action's registered description, in the catalogue's language where it has one."""
    try:
        description = actions.get(name).description
    except actions.UnknownAction:
        return name
    # A registered text, not a literal: translated when the catalogue has it.
    return _(description)


class _AccessTexts:
    """The texts and the time zone the access log's lines share, each looked up once: a
    case read 10,000 times would otherwise translate the same labels 10,000 times."""

    def __init__(self):
        self.zone = timezone.get_current_timezone()
        self.line = _("%(at)s %(actor)s, %(agency)s: %(action)s")
        self.system = _("the system")
        self.person = _("the person themself (own access through ID-porten)")
        self._roles, self._actions, self._parts = {}, {}, {}

    def role(self, code):
        if code not in self._roles:
            self._roles[code] = _choice(MembershipRole, code)
        return self._roles[code]

    def action(self, name):
        if name not in self._actions:
            self._actions[name] = _action_label(name)
        return self._actions[name]

    def part(self, code):
        if code not in self._parts:
            self._parts[code] = str(PART_LABELS.get(code, code))
        return self._parts[code]


def _access_entry(entry, references, item_ids, roles, names, texts):
    """One audit entry, saying only what concerns the person: never the detail as such
    (a list view names other people's cases)."""
    detail = _detail(entry)
    role = detail.get("role") or ""
    role_source = "log" if role else ""
    if not role and (entry.actor_id, entry.agency_id) in roles:
        role, role_source = roles[entry.actor_id, entry.agency_id], "membership"
    if entry.action == _LIST_VIEWED:
        cases = [references[pk] for pk in _listed_cases(detail, set(references))]
        parts = ["case_list"]
    else:
        cases = [references[int(entry.target_id)]] if entry.target_type == _CASE_TYPE else []
        parts = [str(part) for part in detail.get("parts") or [] if isinstance(part, str)]
    shown = detail.get("special_items") or detail.get("items") or []
    if "entry" in detail:
        shown = [detail["entry"]]
    items = sorted({pk for pk in shown if _is_id(pk) and pk in item_ids})
    local = entry.created_at.astimezone(texts.zone)
    data = {
        "key": f"access:{entry.id}",
        "at": local.isoformat(timespec="seconds"),
        "actor": entry.actor_username,
        "actor_name": names.get(entry.actor_id, ""),
        "agency": entry.agency_name,
        "role": role,
        "role_label": texts.role(role),
        "role_source": role_source,
        "action": entry.action,
        "action_label": texts.action(entry.action),
        "access_path": detail.get("path", "") if isinstance(detail.get("path"), str) else "",
        "cases": cases,
        "parts": parts,
        "part_labels": [texts.part(part) for part in parts],
        "items": items,
    }
    label = texts.line % {
        "at": dates.moment(local),
        # The reader's name where the user is known (issue 21 item 15), else the username.
        "actor": data["actor_name"]
        or entry.actor_username
        or (texts.person if _is_id(detail.get("by_person")) else texts.system),
        "agency": entry.agency_name or "–",
        "action": data["action_label"],
    }
    facets = {"agency": entry.agency_id, "day": local.date()}
    return Entry(data["key"], "access_log", label, data, facets)


def report_entries(person, reader):
    """Every line the report on `person` would hold, section by section, oldest first
    within a section. Each has a stable key, its section and a short label. Journal
    texts only where `reader`'s agencies may read them (C1), and of items tagged GDPR
    Art. 9 or 10 only when `reader` may read those (L34); the rest are listed."""
    loaded = _load(person)
    policy.withhold_special_categories(reader, loaded["journal"])
    references = {case.pk: case.reference for case in loaded["cases"]}
    readable = policy.readable_journal_ids(reader, list(references))
    readable_assessments = policy.readable_assessment_ids(reader, list(references))
    item_ids = {item.pk for item in loaded["journal"]}
    roles, names = _roles_and_names(loaded["audit"])
    entries = [_person_entry(person)]
    entries += [_guardian_entry(guardian) for guardian in loaded["guardians"]]
    entries += [_case_entry(case) for case in loaded["cases"]]
    entries += [_journal_entry(item, references, readable) for item in loaded["journal"]]
    entries += [_measure_entry(measure, references) for measure in loaded["measures"]]
    entries += [_plan_entry(plan, references) for plan in loaded["plans"]]
    entries += [_conversation_entry(talk, references) for talk in loaded["conversations"]]
    entries += [_agreement_entry(deal, references) for deal in loaded["contact_agreements"]]
    entries += [_resource_entry(resource, references) for resource in loaded["resources"]]
    entries += [_task_entry(task, references) for task in loaded["tasks"]]
    entries += [
        _clarification_entry(clarification, references)
        for clarification in loaded["security_clarifications"]
    ]
    entries += [
        _assessment_entry(assessment, references, readable_assessments)
        for assessment in loaded["assessments"]
    ]
    for consent in loaded["consents"]:
        entries += _file_entries(consent, references)
    entries += [
        _document_file_entry(item, references, readable)
        for item in loaded["journal"]
        if item.file_version_pk
    ]
    for consent in loaded["consents"]:
        entries += _consent_entries(consent, references)
    shared = [
        (
            disclosure.shared_at,
            _disclosure_entry(
                disclosure, references, loaded["disclosed_items"], loaded["disclosed_parts"]
            ),
        )
        for disclosure in loaded["disclosures"]
    ] + [
        (asked.asked_at, _question_entry(asked, references))
        for asked in loaded["information_requests"]
    ]
    entries += [entry for _at_, entry in sorted(shared, key=lambda pair: pair[0])]
    texts = _AccessTexts()
    entries += [
        _access_entry(entry, references, item_ids, roles, names, texts) for entry in loaded["audit"]
    ]
    return entries


# The report -----------------------------------------------------------------------------


def _reasons(redactions):
    return {str(item["key"]): str(item["reason"]) for item in redactions or ()}


# Redaction rules --------------------------------------------------------------------------
#
# A case read a thousand times has a thousand lines in the access log; nobody redacts
# them one by one. A rule holds back every read that matches it, with one reason: the
# reads by one agency (a security service whose interest in the person must not be
# revealed), the reads within a period (an investigation that must not be disturbed),
# or both. It holds back either the whole line or only who read (the reader's name and
# user name): the person still learns that the agency read, and when.
# [{"agency": id or None, "agency_name": str, "from": "YYYY-MM-DD" or None,
#   "to": "YYYY-MM-DD" or None, "hide": "line" or "reader", "reason": str}]

HIDE_LINE = "line"
HIDE_READER = "reader"
HIDE_CHOICES = (
    (HIDE_LINE, pgettext_lazy("redaction rule", "The whole line")),
    (HIDE_READER, pgettext_lazy("redaction rule", "Who read (name and user name)")),
)


def _rule_day(value):
    return datetime.date.fromisoformat(value) if value else None


def rule_matches(rule, entry):
    """Whether `rule` holds back `entry`: only reads (access log lines) match."""
    if entry.section != "access_log":
        return False
    if rule.get("agency") is not None and entry.facets.get("agency") != rule["agency"]:
        return False
    start, end = _rule_day(rule.get("from")), _rule_day(rule.get("to"))
    day = entry.facets.get("day")
    if start is not None and day < start:
        return False
    return end is None or day <= end


def reader_agencies(entries):
    """The agencies whose reads are in the access log, with how many each: the choices
    of a rule. Reads by nobody's agency (the system) count under None."""
    counts, names = defaultdict(int), {}
    for entry in entries:
        if entry.section == "access_log":
            agency = entry.facets.get("agency")
            counts[agency] += 1
            names.setdefault(agency, entry.data.get("agency") or "")
    return sorted(
        ((agency, names[agency], count) for agency, count in counts.items() if agency),
        key=lambda row: (row[1].lower(), row[0]),
    )


def _apply(entry, reasons, rules):
    """The line as the report holds it: itself, held back whole, or without its reader."""
    if entry.key in reasons:
        return {"key": entry.key, "redacted": True, "reason": reasons[entry.key]}
    matching = [rule for rule in rules if rule_matches(rule, entry)]
    whole = [rule for rule in matching if rule["hide"] == HIDE_LINE]
    if whole:
        return {"key": entry.key, "redacted": True, "reason": whole[0]["reason"]}
    if matching:
        return {
            **entry.data,
            "actor": "",
            "actor_name": "",
            "reader_redacted": True,
            "reason": matching[0]["reason"],
        }
    return entry.data


def build_report(person, *, reader, redactions, rules=(), now=None):
    """The report on `person` as a JSON-able dict, with every line in `redactions`
    ([{"key", "reason"}]) replaced by {"key", "redacted": true, "reason"}, and every
    read a rule in `rules` matches held back as the rule says (a line redacted on its
    own keeps its own reason; the first matching rule gives the reason).

    A withdrawal sits in its consent's "withdrawal"; it stays there when only the
    consent is redacted, since each line is redacted on its own.
    """
    reasons = _reasons(redactions)
    rules = list(rules or ())
    report = {
        "report_version": REPORT_VERSION,
        "generated_at": _at(now or timezone.now()),
        "person": None,
        "guardians": [],
        **{section: [] for section in LIST_SECTIONS},
    }
    consent = None
    for entry in report_entries(person, reader):
        data = _apply(entry, reasons, rules)
        kind = entry.key.partition(":")[0]
        if kind == "person":
            report["person"] = data
        elif kind == "guardian":
            report["guardians"].append(data)
        elif kind == "withdrawal":
            consent["withdrawal"] = data
        else:
            if kind == "consent":
                consent = data = dict(data)
            report[entry.section].append(data)
    return report


def clean_rules(rules):
    """The rules as stored, each with a reason, a known way of hiding, real days in order,
    and an agency id or None."""
    cleaned = []
    for rule in rules or ():
        if not isinstance(rule, dict) or not str(rule.get("reason") or "").strip():
            raise ValidationError({"rules": _("Give a reason for every redaction.")})
        if rule.get("hide") not in (HIDE_LINE, HIDE_READER):
            raise ValidationError({"rules": _("Choose what the rule holds back.")})
        agency = rule.get("agency")
        try:
            start, end = _rule_day(rule.get("from")), _rule_day(rule.get("to"))
        except (TypeError, ValueError):
            start = end = False
        if start is False or (agency is not None and not _is_id(agency)):
            raise ValidationError({"rules": _("The rule is not valid.")})
        if start and end and start > end:
            raise ValidationError({"rules": _("The period ends before it starts.")})
        cleaned.append(
            {
                "agency": agency,
                "agency_name": str(rule.get("agency_name") or "")[:200],
                "from": _day(start),
                "to": _day(end),
                "hide": rule["hide"],
                "reason": str(rule["reason"]).strip()[:500],
            }
        )
    return cleaned


def _clean_redactions(person, reader, redactions):
    """[{"key", "reason"}], each reason given, each key a line of the report, once."""
    keys = {entry.key for entry in report_entries(person, reader)}
    cleaned, seen = [], set()
    for redaction in redactions or ():
        if not isinstance(redaction, dict):
            raise ValidationError({"redactions": _("Give a reason for every redaction.")})
        key = str(redaction.get("key") or "").strip()
        reason = str(redaction.get("reason") or "").strip()
        if not reason:
            raise ValidationError({"redactions": _("Give a reason for every redaction.")})
        if key not in keys:
            raise ValidationError(
                {"redactions": _("The report has no line %(key)s.") % {"key": key or "–"}}
            )
        if key in seen:
            raise ValidationError(
                {"redactions": _("Line %(key)s is redacted twice.") % {"key": key}}
            )
        seen.add(key)
        cleaned.append({"key": key, "reason": reason})
    return cleaned


@transaction.atomic
def make_report(actor, person, *, redactions, rules=(), request=None):
    """Make the access report on `person` (L40): check who asks, check every redaction
    and rule has a reason and every redaction names a line of the report, store it, and
    audit it."""
    if not policy.can_make_access_report(actor, person):
        raise PermissionDenied
    cleaned = _clean_redactions(person, actor, redactions)
    cleaned_rules = clean_rules(rules)
    report = AccessReport.objects.create(
        person=person, made_by=actor, redactions=cleaned, redaction_rules=cleaned_rules
    )
    case = _coordinated_cases(actor, person).select_related("coordinator_role__agency").first()
    record(
        "consent.access_report",
        actor=actor,
        agency=getattr(request, "agency", None) or case.coordinator_role.agency,
        target=case,
        detail={
            "report": report.pk,
            "person": person.pk,
            "redactions": [redaction["key"] for redaction in cleaned],
            # The rules without their reasons (which the report stores).
            **(
                {
                    "rules": [
                        {name: rule[name] for name in ("agency", "from", "to", "hide")}
                        for rule in cleaned_rules
                    ]
                }
                if cleaned_rules
                else {}
            ),
        },
        request=request,
    )
    return report


def report_reference(access_report):
    """The report's reference, for file names: neither the name nor the identity number."""
    return f"{timezone.localtime(access_report.made_at):%Y%m%d}-{access_report.pk:05d}"


def _full_report(access_report):
    report = build_report(
        access_report.person,
        reader=access_report.made_by,
        redactions=access_report.redactions,
        rules=access_report.redaction_rules,
    )
    made_by = access_report.made_by
    report["report"] = {
        "id": access_report.pk,
        "reference": report_reference(access_report),
        "made_at": _at(access_report.made_at),
        "made_by": made_by.get_username(),
        "made_by_name": made_by.get_full_name(),
        "redactions": list(access_report.redactions),
        "redaction_rules": list(access_report.redaction_rules),
    }
    return report


def report_json(access_report):
    """The stored report rebuilt from the data with its redactions, as UTF-8 JSON."""
    report = _full_report(access_report)
    return json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8")


def report_pdf(access_report):
    """The stored report rebuilt from the data with its redactions, as a PDF, with its
    access log grouped (`group_reads`): the JSON lists every read."""
    from tverrnett.consent.pdf import render_pdf

    report = _full_report(access_report)
    access_log = group_reads(report.pop("access_log"))
    report = _for_print(report)
    report["access_log"] = access_log
    return render_pdf("consent/pdf/access_report.html", {"report": report})


# Printing the access log ------------------------------------------------------------------
#
# A case read 10,000 times has 10,000 lines in the access log; printed one a row they took
# WeasyPrint 40 to 90 seconds, longer than a request may take. The PDF prints the reads
# by the same reader on the same day, alike in everything but the time, as one line with
# the span and the count; the JSON keeps every read with its time.

# What two reads must share, besides the day, to be printed as one line.
_GROUPED_BY = (
    "actor", "actor_name", "agency", "role", "action", "cases", "parts", "items",
    "reader_redacted", "reason",
)  # fmt: skip


def _frozen(value):
    return tuple(value) if isinstance(value, list) else value


def group_reads(lines):
    """The access log's lines (oldest first, as `build_report` gives them) as printed.

    A read alike in everything but its time (`_GROUPED_BY`) to an earlier read on the same
    day joins that read's line, wherever other reads fall between them; the line keeps
    the place of its first read and says its day, its first and last time and how many
    reads it holds. A read held back whole says neither its time nor its reader: it joins
    a line of held-back reads with the same reason only while no new line has started
    since, so a line of held-back reads still sits between the lines printed before and
    after them, and tells nothing the ungrouped list would not (not their days).
    """
    printed, groups, held_back = [], {}, {}
    for line in lines:
        if line.get("redacted"):
            run = held_back.get(line["reason"])
            if run is None:
                run = held_back[line["reason"]] = {
                    "redacted": True,
                    "reason": line["reason"],
                    "count": 0,
                }
                printed.append(run)
            run["count"] += 1
            continue
        moment = timezone.localtime(datetime.datetime.fromisoformat(line["at"]))
        key = (moment.date(), *(_frozen(line.get(name)) for name in _GROUPED_BY))
        group = groups.get(key)
        if group is None:
            group = groups[key] = {**line, "first": moment, "last": moment, "count": 0}
            printed.append(group)
            held_back = {}
        group["first"] = min(group["first"], moment)
        group["last"] = max(group["last"], moment)
        group["count"] += 1
    for group in printed:
        if not group.get("redacted"):
            first, last = group.pop("first"), group.pop("last")
            group["at"] = _shown_at(first)
            group["day"] = _shown_day(first.date())
            group["first"], group["last"] = f"{first:%H:%M}", f"{last:%H:%M}"
    return printed


_PRINTED_TIMES = {
    "at", "generated_at", "made_at", "registered_at", "closed_at", "written_at",
    "answered_at", "recorded_at", "shared_at", "created_at", "evaluated_at", "planned_at",
    "held_at", "signed_at", "ended_at", "finalised_at", "uploaded_at",
}  # fmt: skip
_PRINTED_DAYS = {
    "birth_date", "starts_on", "ends_on", "withdrawn_on", "start_on", "evaluation_on",
    "period_start", "period_end", "next_contact_on", "agreed_on", "deadline", "assessed_on",
    "review_on", "revisions",
}  # fmt: skip


def _for_print(value, name=""):
    """The report with its times and days written the Norwegian way, for the PDF."""
    if isinstance(value, dict):
        return {key: _for_print(item, key) for key, item in value.items()}
    if isinstance(value, list):
        return [_for_print(item, name) for item in value]
    if isinstance(value, str) and value and name in _PRINTED_TIMES:
        return _shown_at(datetime.datetime.fromisoformat(value))
    if isinstance(value, str) and value and name in _PRINTED_DAYS:
        return _shown_day(datetime.date.fromisoformat(value))
    return value
