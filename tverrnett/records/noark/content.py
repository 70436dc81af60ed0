"""What the Noark 5 archival package holds of a case: its folder (saksmappe), the
records (journalposts) of its journal entries, consents and finalised plan versions,
and their documents, rendered into the package as they are collected."""

import datetime
import uuid
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from tverrnett.cases.models import CaseState, JournalEntry, TimelineEvent
from tverrnett.consent.models import ConsentStatus
from tverrnett.consent.pdf import declaration_html

from .constants import (
    CASE_CLOSED,
    CASE_OPEN,
    INCOMING,
    INTERNAL,
    INTERNAL_SENDER,
    LANGUAGE,
    OUTGOING,
    RECIPIENT,
    SCREENED,
    SENDER,
    SYSTEM_NAME,
)
from .documents import _html_to_pdf_a, _user_name, render_journal_entry, render_plan_version
from .files import PackageFile

# What the package holds -----------------------------------------------------------


@dataclass
class _Document:
    version: int
    file: PackageFile
    created_at: datetime.datetime
    created_by: str
    system_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class _Record:
    """One journalpost with its one main document (dokumentbeskrivelse) in one or more
    versions (dokumentobjekt): a journal entry and its corrections, a consent, or a
    finalised plan version."""

    kind: str
    date: datetime.datetime
    created_by: str
    title: str
    public_title: str
    document_type: str
    post_type: str
    parties: list  # (korrespondanseparttype, name)
    documents: list
    notes: list = field(default_factory=list)  # (text, type, date, by)
    changes: list = field(default_factory=list)  # (reference, metadata, date, by, old, new)
    system_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    description_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    number: int = 0  # journalpostnummer, within the folder
    year: int = 0  # journalaar
    sequence: int = 0  # journalsekvensnummer, within the year


@dataclass
class _Folder:
    case: object
    title: str
    public_title: str
    unit: str  # administrativEnhet: the coordinator role's agency
    responsible: str  # saksansvarlig: the coordinator role
    created_by: str
    closed_by: str
    parties: list  # (name, role, identity number)
    records: list
    state_changes: list  # (date, by, old, new) in saksstatus terms
    system_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class _Context:
    now: datetime.datetime
    created_by: str
    agency: object
    folders: list
    archive_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    part_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def start(self):
        return min(folder.case.created_at for folder in self.folders)

    @property
    def end(self):
        return max(folder.case.closed_at or self.now for folder in self.folders)


def _collect(case, writer):
    """Render the case's documents into the package and gather its metadata."""
    folder_name = case.reference
    role = case.coordinator_role
    records = [
        *_journal_records(case, writer, folder_name),
        *_consent_records(case, writer, folder_name),
        *_plan_records(case, writer, folder_name),
    ]
    records.sort(key=lambda record: record.date)
    for number, record in enumerate(records, start=1):
        record.number = number
    events = list(
        TimelineEvent.objects.filter(case=case)
        .exclude(to_state="")
        .select_related("actor")
        .order_by("at", "id")
    )
    closing = [event for event in events if event.to_state == CaseState.CLOSED]
    return _Folder(
        case=case,
        title=_case_title(case),
        public_title=_("Concern case"),
        unit=role.agency.name,
        responsible=str(role),
        created_by=_user_name(case.created_by),
        closed_by=_user_name(closing[-1].actor) if closing else SYSTEM_NAME,
        parties=_parties(case),
        records=records,
        state_changes=_state_changes(events),
    )


def _case_title(case):
    # A neutral title: the person's name is in the folder's part (sakspart), which the
    # standard screens; a title travels into lists and journals.
    if hasattr(case, "exit_work"):
        return _("Concern case %(reference)s with exit work") % {"reference": case.reference}
    return _("Concern case %(reference)s") % {"reference": case.reference}


def _parties(case):
    person = case.subject
    if person is None:
        return []
    parties = [(person.name, "Klient", person.identity_number)]
    for guardian in person.guardians.all():
        # M303's examples: a holder of parental responsibility is the child's guardian
        # (vergemålsloven § 16), "Formynder"; any other relative "Pårørende".
        role = "Formynder" if guardian.has_parental_responsibility else "Pårørende"
        parties.append((guardian.name, role, ""))
    return parties


def _state_changes(events):
    """The case's moves between open and closed, in saksstatus terms: the standard
    knows only "Under behandling" and "Avsluttet", so the steps in between are none."""
    changes = []
    for event in events:
        old = CASE_CLOSED if event.from_state == CaseState.CLOSED else CASE_OPEN
        new = CASE_CLOSED if event.to_state == CaseState.CLOSED else CASE_OPEN
        if event.from_state and old != new:
            changes.append((event.at, _user_name(event.actor), old, new))
    return changes


def _journal_records(case, writer, folder_name):
    # A document version on the case (tverrnett.documents) is archived as its journal
    # entry ("Dokument: <title> (versjon n)" and the note), rendered as PDF/A like any
    # entry; the uploaded file itself is not in the package (it is not PDF/A and may be
    # an office file or an image). Adding it needs a PDF/A conversion: not done yet.
    entries = list(
        JournalEntry.objects.filter(case=case).select_related("agency", "author").order_by("id")
    )
    successor = {entry.supersedes_id: entry for entry in entries if entry.supersedes_id}
    records = []
    for first in (entry for entry in entries if entry.supersedes_id is None):
        chain = [first]
        while chain[-1].pk in successor:
            chain.append(successor[chain[-1].pk])
        documents = []
        for entry in chain:
            pdf = render_journal_entry(case, entry)
            name = f"journal-{first.pk}-v{entry.version_number}.pdf"
            documents.append(
                _Document(
                    version=entry.version_number,
                    file=writer.document(folder_name, name, pdf),
                    created_at=entry.written_at,
                    created_by=_user_name(entry.author),
                )
            )
        record = _Record(
            kind="journal",
            date=first.written_at,
            created_by=_user_name(first.author),
            title=_("Journal entry by %(agency)s") % {"agency": first.agency.name},
            public_title=_("Journal entry"),
            document_type=_("Journal entry"),
            post_type=INTERNAL,
            parties=[(INTERNAL_SENDER, first.agency.name)],
            documents=documents,
        )
        for older, newer in zip(chain, chain[1:], strict=False):
            record.notes.append(
                (
                    newer.correction_reason or _("Corrected"),
                    _("Correction"),
                    newer.written_at,
                    _user_name(newer.author),
                )
            )
            record.changes.append(
                (
                    "description",
                    "versjonsnummer",
                    newer.written_at,
                    _user_name(newer.author),
                    str(older.version_number),
                    str(newer.version_number),
                )
            )
        records.append(record)
    return records


def _consent_records(case, writer, folder_name):
    records = []
    consents = case.consents.select_related("prepared_by", "prepared_agency", "answered_by")
    for consent in consents.order_by("prepared_at", "id"):
        pdf = _html_to_pdf_a(declaration_html(consent, LANGUAGE))
        document = _Document(
            version=1,
            file=writer.document(folder_name, f"samtykke-{consent.pk}.pdf", pdf),
            created_at=consent.prepared_at,
            created_by=_user_name(consent.prepared_by),
        )
        answered = consent.status != ConsentStatus.PREPARED
        # The answer comes from the person (or the guardians): an incoming document;
        # a declaration still waiting for it went out to them.
        record = _Record(
            kind="consent",
            date=consent.prepared_at,
            created_by=_user_name(consent.prepared_by),
            title=_("Consent: %(status)s") % {"status": consent.get_status_display()},
            public_title=_("Consent"),
            document_type=_("Consent declaration"),
            post_type=INCOMING if answered else OUTGOING,
            parties=[
                (SENDER if answered else RECIPIENT, consent.consenter_name),
                (INTERNAL_SENDER, consent.prepared_agency.name),
            ],
            documents=[document],
        )
        if consent.form:
            record.notes.append(
                (
                    _("Answer: %(status)s, %(form)s.")
                    % {"status": consent.get_status_display(), "form": consent.get_form_display()},
                    _("Answer"),
                    consent.answered_at or consent.prepared_at,
                    _user_name(consent.answered_by),
                )
            )
        if consent.is_withdrawn:
            withdrawal = consent.withdrawal
            record.notes.append(
                (
                    withdrawal.note,
                    _("Withdrawal"),
                    withdrawal.recorded_at,
                    _user_name(withdrawal.recorded_by),
                )
            )
        records.append(record)
    return records


def _plan_records(case, writer, folder_name):
    records = []
    for plan in case.individual_plans.select_related("coordinator_role__agency").order_by("id"):
        last = plan.versions.first()
        for version in plan.versions.select_related("finalised_by").order_by("number"):
            pdf = render_plan_version(case, plan, version, last)
            name = f"individuell-plan-{plan.pk}-v{version.number}.pdf"
            document = _Document(
                version=1,
                file=writer.document(folder_name, name, pdf),
                created_at=version.finalised_at,
                created_by=_user_name(version.finalised_by),
            )
            person = case.subject.name if case.subject else ""
            records.append(
                _Record(
                    kind="plan",
                    date=version.finalised_at,
                    created_by=_user_name(version.finalised_by),
                    title=_("Individual plan, version %(number)s") % {"number": version.number},
                    public_title=_("Individual plan"),
                    document_type=_("Individual plan"),
                    # The finalised plan is the person's own: it goes out to them.
                    post_type=OUTGOING,
                    parties=[
                        (RECIPIENT, person or SCREENED),
                        (INTERNAL_SENDER, plan.coordinator_role.agency.name),
                    ],
                    documents=[document],
                )
            )
    return records


def _number_journal(folders):
    """journalaar and journalsekvensnummer: the package is its own journal, numbered
    per year in the order of the journal dates."""
    records = sorted(
        (record for folder in folders for record in folder.records),
        key=lambda record: (record.date, record.system_id),
    )
    counters = {}
    for record in records:
        year = timezone.localtime(record.date).year
        counters[year] = counters.get(year, 0) + 1
        record.year, record.sequence = year, counters[year]
