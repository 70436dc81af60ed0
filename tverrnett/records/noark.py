"""The archival package (arkivuttrekk) of concern cases, in the Noark 5 v5.0 extraction
format, written before the cases are deleted (tverrnett/records/models.py).

`write_package(cases, directory, created_by=..., agency=...)` writes, under `directory`:

    avleveringspakke/              the folder name the standard requires (krav 6.4.15)
      arkivuttrekk.xml             ADDML 8.3 after Arkivverket's Noark 5 template: who,
                                   what, the period, the counts, the checksum of every
                                   other XML file and schema (not its own nor addml.xsd)
      arkivstruktur.xml            arkiv → arkivdel → one saksmappe per case → one
                                   journalpost per journal entry, consent and finalised
                                   plan version → dokumentbeskrivelse → dokumentobjekt
                                   (the PDF/A file, its SHA-256 and size)
      endringslogg.xml             the changes of metadata the package knows of
      loependeJournal.xml          the journal of every journalpost
      offentligJournal.xml         the public journal: everything screened (offl. § 13)
      *.xsd                        Arkivverket's schemas, unchanged (schemas/SOURCE.md)
      DOKUMENT/<case>/<file>.pdf   the documents as PDF/A-2b
    manifest-sha256.txt            sha256sum lines for every file above; its own SHA-256
                                   is `Manifest.checksum` (ArchivePackage.checksum)

Every XML file is validated against its schema before anything is kept: a package that
would not validate is removed and the error raised. Only closed cases are archived: the
standard wants an avsluttetDato on every mappe, and only closed folders are delivered.

Nothing here reads access rules or writes the database or the audit log: the caller (the
records officer's action) checks permission, records the `ArchivePackage` and audits.

The person's national identity number, when the case has one, is in arkivstruktur.xml as
the sakspart's partID and nowhere else: after deletion the archive is the only record,
and the identity number is how the archive finds a person's papers again (an access
request, a complaint). The PDFs never print it (the case shows it only through the
audited reveal), and neither journal carries it.
"""

import datetime
import hashlib
import os
import shutil
import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from lxml import etree

from tverrnett.cases.models import CaseState, JournalEntry, TimelineEvent
from tverrnett.consent.models import ConsentStatus
from tverrnett.consent.pdf import declaration_html, html_to_pdf
from tverrnett.plans import documents as plan_documents
from tverrnett.plans.pdf import PLAN_STYLESHEET, plan_html

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
PACKAGE_DIR = "avleveringspakke"  # Noark 5 v5.0, krav 6.4.15
DOCUMENT_DIR = "DOKUMENT"  # the same requirement names the documents' folder
MANIFEST_NAME = "manifest-sha256.txt"
LANGUAGE = "nb"  # documents and metadata are written in bokmål
SYSTEM_NAME = "Tverrnett"

ADDML = "http://www.arkivverket.no/standarder/addml"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
N5 = "http://www.arkivverket.no/standarder/noark5/"
NAMESPACES = {
    "arkivstruktur": N5 + "arkivstruktur",
    "endringslogg": N5 + "endringslogg",
    "loependeJournal": N5 + "loependeJournal",
    "offentligJournal": N5 + "offentligJournal",
    "arkivuttrekk": ADDML,
}
SCHEMAS = {
    "arkivstruktur": "arkivstruktur.xsd",
    "endringslogg": "endringslogg.xsd",
    "loependeJournal": "loependeJournal.xsd",
    "offentligJournal": "offentligJournal.xsd",
    "arkivuttrekk": "addml.xsd",
}

# Values from the standard's code lists (Noark 5 v5.0, vedlegg 1: M051, M052, M053,
# M082, M087, M217, M500, M502, M503, M700, M706). They are data of the standard, in
# Norwegian whatever the interface language, so they are not translated.
ARCHIVE_PART_CLOSED = "Avsluttet periode"
ARCHIVE_PART_ACTIVE = "Aktiv periode"
CASE_OPEN = "Under behandling"
CASE_CLOSED = "Avsluttet"
RECORD_ARCHIVED = "Arkivert"
INCOMING = "Inngående dokument"
OUTGOING = "Utgående dokument"
INTERNAL = "Organinternt dokument uten oppfølging"
SENDER, RECIPIENT, INTERNAL_SENDER = "Avsender", "Mottaker", "Intern avsender"
MAIN_DOCUMENT = "Hoveddokument"
DOCUMENT_FINISHED = "Dokumentet er ferdigstilt"
ARCHIVE_VARIANT = "Arkivformat"
ELECTRONIC = "Elektronisk arkiv"
CHECKSUM_ALGORITHM = "SHA256"  # M706: "Algoritmen som skal brukes inntil videre er SHA256"
# PDF/A-2b in the PRONOM register, which M701 names as the source of format values.
PDF_A_2B = "fmt/477"
PDF_A_2B_DETAILS = "PDF/A-2b (ISO 19005-2:2011)"
# Concern cases are exempt from public access: the duty of confidentiality of
# forvaltningsloven § 13 applies, so offentleglova § 13 exempts them (and names in them).
RESTRICTION = "Unntatt offentlighet"
RESTRICTION_AUTHORITY = "Offl. § 13, jf. fvl. § 13"
SCREENED_METADATA = (
    "Skjerming navn part i sak",
    "Skjerming navn avsender",
    "Skjerming navn mottaker",
    "Skjerming merknadstekst",
)
SCREENED_DOCUMENT = "Skjerming av hele dokumentet"
SCREENED = "Skjermet"  # what the public journal shows instead of a name


class PackageError(ValueError):
    """The package cannot be written as asked (an open case, a directory outside
    RECORDS_ARCHIVE_DIR, XML that does not validate)."""


@dataclass(frozen=True)
class PackageFile:
    path: str  # relative to the package's directory, with forward slashes
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    """What `write_package` wrote: the directory, every file with its SHA-256 and size,
    and `checksum`, the SHA-256 of the manifest file (ArchivePackage.checksum)."""

    directory: Path
    checksum: str
    files: tuple[PackageFile, ...]
    case_ids: tuple[int, ...]
    created_at: datetime.datetime
    counts: dict = field(default_factory=dict)


# The package -------------------------------------------------------------------------


def write_package(cases, directory, *, created_by, agency):
    """Write the archival package of the closed `cases` into `directory`, a new folder
    under `settings.RECORDS_ARCHIVE_DIR`, and return its `Manifest`. On any error the
    folder is removed again and the error raised: half a package is never left."""
    cases = sorted(cases, key=lambda case: case.pk)
    if not cases:
        raise PackageError("An archival package needs at least one case.")
    still_open = [case.reference for case in cases if case.state != CaseState.CLOSED]
    if still_open:
        raise PackageError(f"Only closed cases are archived; open: {', '.join(still_open)}")
    directory = _new_directory(directory)
    try:
        with translation.override(LANGUAGE):
            return _write(cases, directory, created_by=created_by, agency=agency)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise


def _new_directory(directory):
    root = Path(settings.RECORDS_ARCHIVE_DIR).resolve()
    directory = Path(directory).resolve()
    if directory == root or not directory.is_relative_to(root):
        raise PackageError(f"An archival package is written under {root}, not {directory}")
    root.mkdir(parents=True, exist_ok=True)
    directory.mkdir(mode=0o700, exist_ok=False)  # a new folder, never one that exists
    return directory


def _write(cases, directory, *, created_by, agency):
    now = timezone.now()
    package = directory / PACKAGE_DIR
    package.mkdir(mode=0o700)
    writer = _Writer(package)
    folders = [_collect(case, writer) for case in cases]
    _number_journal(folders)
    context = _Context(now=now, created_by=_user_name(created_by), agency=agency, folders=folders)

    writer.xml("arkivstruktur.xml", "arkivstruktur", arkivstruktur(context))
    writer.xml("endringslogg.xml", "endringslogg", endringslogg(context))
    has_journal = any(folder.records for folder in folders)
    if has_journal:
        writer.xml("loependeJournal.xml", "loependeJournal", journal(context, public=False))
        writer.xml("offentligJournal.xml", "offentligJournal", journal(context, public=True))
    for name in sorted(set(SCHEMAS.values()) | {"metadatakatalog.xsd"}):
        writer.copy(SCHEMA_DIR / name, name)
    writer.xml("arkivuttrekk.xml", "arkivuttrekk", arkivuttrekk(context, writer, has_journal))

    files = tuple(sorted(writer.files.values(), key=lambda file: file.path))
    lines = "".join(f"{file.sha256}  {PACKAGE_DIR}/{file.path}\n" for file in files)
    manifest_bytes = lines.encode("utf-8")
    _write_file(directory / MANIFEST_NAME, manifest_bytes)
    return Manifest(
        directory=directory,
        checksum=hashlib.sha256(manifest_bytes).hexdigest(),
        files=files,
        case_ids=tuple(case.pk for case in cases),
        created_at=now,
        counts={
            "mappe": len(folders),
            "registrering": sum(len(folder.records) for folder in folders),
            "dokumentfiler": writer.document_count,
        },
    )


def _write_file(path, content):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


class _Writer:
    """Writes the package's files and remembers each one's checksum and size."""

    def __init__(self, root):
        self.root = root
        self.files = {}
        self.document_count = 0

    def _keep(self, relative, content):
        path = self.root / relative
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_file(path, content)
        file = PackageFile(relative, hashlib.sha256(content).hexdigest(), len(content))
        self.files[relative] = file
        return file

    def document(self, folder, name, content):
        self.document_count += 1
        return self._keep(f"{DOCUMENT_DIR}/{folder}/{name}", content)

    def copy(self, source, name):
        return self._keep(name, Path(source).read_bytes())

    def xml(self, name, kind, root):
        content = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
        validate(kind, content)
        return self._keep(name, content)


@cache
def schema(kind):
    """The XMLSchema of one kind of file in the package, from the vendored schemas."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / SCHEMAS[kind])))


def validate(kind, content):
    """Raise PackageError unless `content` (bytes) is valid against its schema."""
    document = etree.fromstring(content)
    checker = schema(kind)
    if not checker.validate(document):
        errors = "; ".join(str(error) for error in list(checker.error_log)[:5])
        raise PackageError(f"{kind} does not validate: {errors}")


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


def _user_name(user):
    if user is None:
        return SYSTEM_NAME
    return user.get_full_name() or user.get_username()


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


# The documents as PDF/A ----------------------------------------------------------


def _html_to_pdf_a(html, extra_stylesheets=()):
    """The house style's WeasyPrint call (tverrnett.consent.pdf.html_to_pdf), as PDF/A-2b:
    the archival format, with every font embedded (WeasyPrint embeds what it uses) and
    the XMP metadata that names the part and conformance."""
    return html_to_pdf(html, extra_stylesheets, pdf_variant="pdf/a-2b")


def render_journal_entry(case, entry):
    """One version of one journal entry as PDF/A."""
    html = render_to_string(
        "records/journal_entry.html",
        {
            "case": case,
            "entry": entry,
            "author": _user_name(entry.author),
            "special_categories": [
                str(JournalEntry._meta.get_field(name).verbose_name)
                for name in entry.special_categories
            ],
        },
    )
    return _html_to_pdf_a(html)


def render_plan_version(case, plan, version, last):
    """A finalised plan version as PDF/A, from the plan's own print template."""
    context = {
        "case": case,
        "plan": plan,
        "doc": plan_documents.version_doc(plan, version),
        "sections": plan_documents.sections(),
        "kept": version,
        "last": last,
        "is_draft": False,
        "draft_number": None,
        "printed_on": timezone.localdate(version.finalised_at),
    }
    return _html_to_pdf_a(plan_html(context, LANGUAGE), [PLAN_STYLESHEET])


# XML ------------------------------------------------------------------------------


def _when(moment):
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _day(moment):
    if isinstance(moment, datetime.datetime):
        return timezone.localtime(moment).date().isoformat()
    return moment.isoformat()


class _Builder:
    """Elements in one namespace; an empty value is left out, never written as an empty
    element (krav 6.4.5)."""

    def __init__(self, kind, root_name):
        self.ns = NAMESPACES[kind]
        self.root = etree.Element(self.tag(root_name), nsmap={None: self.ns, "xsi": XSI})
        self.root.set(f"{{{XSI}}}schemaLocation", f"{self.ns} {SCHEMAS[kind]}")

    def tag(self, name):
        return f"{{{self.ns}}}{name}"

    def add(self, parent, name, value=None, /, **attributes):
        element = etree.SubElement(parent, self.tag(name), attributes)
        if value is not None:
            element.text = str(value)
        return element

    def opt(self, parent, name, value):
        if value not in (None, ""):
            self.add(parent, name, value)


def _archive_creator(context):
    agency = context.agency
    return f"tverrnett-agency-{agency.pk}", agency.name


def arkivstruktur(context):
    x = _Builder("arkivstruktur", "arkiv")
    arkiv = x.root
    x.add(arkiv, "systemID", context.archive_id)
    x.add(arkiv, "tittel", _("Tverrnett: concern cases about violent extremism"))
    x.add(arkiv, "beskrivelse", _("Archival package of closed cases before their deletion."))
    x.add(arkiv, "arkivstatus", "Avsluttet")
    x.add(arkiv, "dokumentmedium", ELECTRONIC)
    x.add(arkiv, "opprettetDato", _when(context.start))
    x.add(arkiv, "opprettetAv", SYSTEM_NAME)
    x.add(arkiv, "avsluttetDato", _when(context.now))
    x.add(arkiv, "avsluttetAv", context.created_by)
    creator = x.add(arkiv, "arkivskaper")
    creator_id, creator_name = _archive_creator(context)
    x.add(creator, "arkivskaperID", creator_id)
    x.add(creator, "arkivskaperNavn", creator_name)

    part = x.add(arkiv, "arkivdel")
    x.add(part, "systemID", context.part_id)
    x.add(part, "tittel", _("Concern cases closed before %(day)s") % {"day": _day(context.now)})
    x.add(part, "arkivdelstatus", ARCHIVE_PART_CLOSED)
    x.add(part, "dokumentmedium", ELECTRONIC)
    x.add(part, "opprettetDato", _when(context.start))
    x.add(part, "opprettetAv", SYSTEM_NAME)
    x.add(part, "avsluttetDato", _when(context.now))
    x.add(part, "avsluttetAv", context.created_by)
    x.add(part, "arkivperiodeStartDato", _day(context.start))
    x.add(part, "arkivperiodeSluttDato", _day(context.end))
    for folder in context.folders:
        _saksmappe(x, part, folder, context)
    return x.root


def _screening(x, parent, *, metadata=SCREENED_METADATA, document=True):
    screening = x.add(parent, "skjerming")
    x.add(screening, "tilgangsrestriksjon", RESTRICTION)
    x.add(screening, "skjermingshjemmel", RESTRICTION_AUTHORITY)
    for name in metadata:
        x.add(screening, "skjermingMetadata", name)
    if document:
        x.add(screening, "skjermingDokument", SCREENED_DOCUMENT)


def _saksmappe(x, parent, folder, context):
    case = folder.case
    mappe = x.add(parent, "mappe", **{f"{{{XSI}}}type": "saksmappe"})
    x.add(mappe, "systemID", folder.system_id)
    x.add(mappe, "mappeID", case.reference)
    x.add(mappe, "tittel", folder.title)
    x.add(mappe, "offentligTittel", folder.public_title)
    x.add(mappe, "dokumentmedium", ELECTRONIC)
    x.add(mappe, "opprettetDato", _when(case.created_at))
    x.add(mappe, "opprettetAv", folder.created_by)
    x.add(mappe, "avsluttetDato", _when(case.closed_at or context.now))
    x.add(mappe, "avsluttetAv", folder.closed_by)
    x.add(mappe, "referanseArkivdel", context.part_id)
    for name, role, identity_number in folder.parties:
        part = x.add(mappe, "part")
        x.opt(part, "partID", identity_number)
        x.add(part, "partNavn", name)
        x.add(part, "partRolle", role)
    _screening(x, mappe)
    for record in folder.records:
        _journalpost(x, mappe, folder, record, context)
    x.add(mappe, "saksaar", timezone.localtime(case.created_at).year)
    x.add(mappe, "sakssekvensnummer", case.pk)
    x.add(mappe, "saksdato", _day(case.created_at))
    x.add(mappe, "administrativEnhet", folder.unit)
    x.add(mappe, "saksansvarlig", folder.responsible)
    x.add(mappe, "saksstatus", CASE_CLOSED)


def _registration_id(folder, record):
    return f"{timezone.localtime(folder.case.created_at).year}/{folder.case.pk}-{record.number}"


def _journalpost(x, parent, folder, record, context):
    post = x.add(parent, "registrering", **{f"{{{XSI}}}type": "journalpost"})
    x.add(post, "systemID", record.system_id)
    x.add(post, "opprettetDato", _when(record.date))
    x.add(post, "opprettetAv", record.created_by)
    x.add(post, "arkivertDato", _when(context.now))
    x.add(post, "arkivertAv", context.created_by)
    x.add(post, "referanseArkivdel", context.part_id)
    _screening(x, post)
    description = x.add(post, "dokumentbeskrivelse")
    x.add(description, "systemID", record.description_id)
    x.add(description, "dokumenttype", record.document_type)
    x.add(description, "dokumentstatus", DOCUMENT_FINISHED)
    x.add(description, "tittel", record.title)
    x.add(description, "opprettetDato", _when(record.date))
    x.add(description, "opprettetAv", record.created_by)
    x.add(description, "dokumentmedium", ELECTRONIC)
    x.add(description, "tilknyttetRegistreringSom", MAIN_DOCUMENT)
    x.add(description, "dokumentnummer", 1)
    x.add(description, "tilknyttetDato", _when(record.date))
    x.add(description, "tilknyttetAv", record.created_by)
    _screening(x, description, metadata=("Skjerming tittel dokumentbeskrivelse",))
    for document in record.documents:
        item = x.add(description, "dokumentobjekt")
        x.add(item, "systemID", document.system_id)
        x.add(item, "versjonsnummer", document.version)
        x.add(item, "variantformat", ARCHIVE_VARIANT)
        x.add(item, "format", PDF_A_2B)
        x.add(item, "formatDetaljer", PDF_A_2B_DETAILS)
        x.add(item, "opprettetDato", _when(document.created_at))
        x.add(item, "opprettetAv", document.created_by)
        x.add(item, "referanseDokumentfil", document.file.path)
        x.add(item, "sjekksum", document.file.sha256)
        x.add(item, "sjekksumAlgoritme", CHECKSUM_ALGORITHM)
        x.add(item, "filstoerrelse", document.file.size)
    x.add(post, "registreringsID", _registration_id(folder, record))
    x.add(post, "tittel", record.title)
    x.add(post, "offentligTittel", record.public_title)
    x.add(post, "dokumentmedium", ELECTRONIC)
    for text, kind, when, by in record.notes:
        note = x.add(post, "merknad")
        x.add(note, "merknadstekst", text)
        x.add(note, "merknadstype", kind)
        x.add(note, "merknadsdato", _when(when))
        x.add(note, "merknadRegistrertAv", by)
    for party_type, name in record.parties:
        party = x.add(post, "korrespondansepart")
        x.add(party, "korrespondanseparttype", party_type)
        x.add(party, "korrespondansepartNavn", name)
    x.add(post, "journalaar", record.year)
    x.add(post, "journalsekvensnummer", record.sequence)
    x.add(post, "journalpostnummer", record.number)
    x.add(post, "journalposttype", record.post_type)
    x.add(post, "journalstatus", RECORD_ARCHIVED)
    x.add(post, "journaldato", _day(record.date))
    x.add(post, "dokumentetsDato", _day(record.date))
    x.add(post, "offentlighetsvurdertDato", _day(record.date))


def endringslogg(context):
    """The changes of metadata in the package: the cases' closings (and reopenings),
    the journal entries' corrections (a new version of the document), and the archive
    part's closing by this extraction, which is always there."""
    x = _Builder("endringslogg", "endringslogg")
    changes = []
    for folder in context.folders:
        for when, by, old, new in folder.state_changes:
            changes.append((folder.system_id, "saksstatus", when, by, old, new))
        for record in folder.records:
            for _target, metadata, when, by, old, new in record.changes:
                changes.append((record.description_id, metadata, when, by, old, new))
    changes.append(
        (
            context.part_id,
            "arkivdelstatus",
            context.now,
            context.created_by,
            ARCHIVE_PART_ACTIVE,
            ARCHIVE_PART_CLOSED,
        )
    )
    for reference, metadata, when, by, old, new in sorted(changes, key=lambda change: change[2]):
        change = x.add(x.root, "endring")
        x.add(change, "referanseArkivenhet", reference)
        x.add(change, "referanseMetadata", metadata)
        x.add(change, "endretDato", _when(when))
        x.add(change, "endretAv", by)
        x.add(change, "tidligereVerdi", old)
        x.add(change, "nyVerdi", new)
    return x.root


def journal(context, *, public):
    """loependeJournal.xml, or with `public` offentligJournal.xml: the same journalposts,
    with every name and title screened (the cases are exempt under offl. § 13)."""
    kind = "offentligJournal" if public else "loependeJournal"
    x = _Builder(kind, kind)
    records = [(folder, record) for folder in context.folders for record in folder.records]
    records.sort(key=lambda pair: (pair[1].year, pair[1].sequence))
    head = x.add(x.root, "journalhode")
    x.add(head, "journalStartDato", _day(min(record.date for _folder, record in records)))
    x.add(head, "journalSluttDato", _day(max(record.date for _folder, record in records)))
    x.add(head, "antallJournalposter", len(records))
    creator = x.add(head, "arkivskaper")
    creator_id, creator_name = _archive_creator(context)
    x.add(creator, "arkivskaperID", creator_id)
    x.add(creator, "arkivskaperNavn", creator_name)
    for folder, record in records:
        case = folder.case
        entry = x.add(x.root, "journalregistrering")
        mappe = x.add(entry, "saksmappe")
        x.add(mappe, "mappeID", case.reference)
        x.add(mappe, "saksaar", timezone.localtime(case.created_at).year)
        x.add(mappe, "sakssekvensnummer", case.pk)
        if public:
            x.add(mappe, "offentligTittel", folder.public_title)
            x.add(mappe, "tilgangsrestriksjon", RESTRICTION)
            x.add(mappe, "skjermingshjemmel", RESTRICTION_AUTHORITY)
        else:
            x.add(mappe, "tittel", folder.title)
            x.add(mappe, "offentligTittel", folder.public_title)
            x.add(mappe, "skjermingMetadata", SCREENED_METADATA[0])
            x.add(mappe, "administrativEnhet", folder.unit)
            x.add(mappe, "saksansvarlig", folder.responsible)
            x.add(mappe, "referanseArkivdel", context.part_id)
        post = x.add(entry, "journalpost")
        x.add(post, "systemID", record.system_id)
        x.add(post, "registreringsID", _registration_id(folder, record))
        x.add(post, "journalaar", record.year)
        x.add(post, "journalsekvensnummer", record.sequence)
        x.add(post, "journalpostnummer", record.number)
        if not public:
            x.add(post, "tittel", record.title)
        x.add(post, "offentligTittel", record.public_title)
        x.add(post, "journaldato", _day(record.date))
        x.add(post, "dokumentetsDato", _day(record.date))
        if not public:
            x.add(post, "administrativEnhet", folder.unit)
        x.add(post, "tilgangsrestriksjon", RESTRICTION)
        x.add(post, "skjermingshjemmel", RESTRICTION_AUTHORITY)
        for party_type, name in record.parties:
            party = x.add(post, "korrespondansepart")
            x.add(party, "korrespondanseparttype", party_type)
            x.add(party, "korrespondansepartNavn", SCREENED if public else name)
            if not public:
                x.add(party, "skjermingMetadata", "Skjerming navn avsender")
    return x.root


# arkivuttrekk.xml (ADDML) -------------------------------------------------------------


def arkivuttrekk(context, writer, has_journal):
    """arkivuttrekk.xml after Arkivverket's Noark 5 template (Noark 5 v5.0, vedlegg 5):
    the creator, the system, the archive, the period, the package's facts and the
    checksum and counts of each XML file and schema. The documents' checksums are in
    arkivstruktur.xml (dokumentobjekt), as the standard has them; the manifest beside
    the package lists every file."""
    x = _Builder("arkivuttrekk", "addml")
    x.root.set("name", "Noark 5-arkivuttrekk")
    dataset = x.add(x.root, "dataset")
    x.add(dataset, "description", "Noark 5-arkivuttrekk")
    reference = x.add(dataset, "reference")
    context_elements = x.add(x.add(reference, "context"), "additionalElements")
    creators = x.add(context_elements, "additionalElement", name="recordCreators")
    creator = x.add(
        x.add(creators, "additionalElements"), "additionalElement", name="recordCreator"
    )
    x.add(creator, "value", context.agency.name)
    for name, value in (
        ("systemType", "Fagsystem"),
        ("systemName", SYSTEM_NAME),
        ("archive", _("Tverrnett: concern cases about violent extremism")),
    ):
        x.add(x.add(context_elements, "additionalElement", name=name), "value", value)
    content = x.add(x.add(reference, "content"), "additionalElements")
    period = x.add(content, "additionalElement", name="archivalPeriod")
    period_properties = x.add(period, "properties")
    for name, day in (("startDate", context.start), ("endDate", context.end)):
        x.add(x.add(period_properties, "property", name=name), "value", _day(day))

    outer = x.add(x.add(dataset, "dataObjects"), "dataObject", name="Noark 5-arkivuttrekk")
    info = x.add(x.add(outer, "properties"), "property", name="info")
    info_properties = x.add(info, "properties")
    kind = x.add(info_properties, "property", name="type")
    x.add(kind, "value", "Noark 5")
    _property(x, x.add(kind, "properties"), "version", "5.0")
    additional = x.add(x.add(info_properties, "property", name="additionalInfo"), "properties")
    period_info = x.add(x.add(additional, "property", name="periode"), "properties")
    # No periodisation: a package holds the cases closed when it was made; the open ones
    # stay in the system (the soft boundary, "mykt skille").
    _property(x, period_info, "inngaaendeSkille", "mykt")
    _property(x, period_info, "utgaaendeSkille", "mykt")
    _property(x, additional, "inneholderSkjermetInformasjon", "true", "boolean")
    _property(x, additional, "omfatterDokumenterSomErKassert", "false", "boolean")
    _property(x, additional, "inneholderDokumenterSomSkalKasseres", "false", "boolean")
    _property(x, additional, "inneholderVirksomhetsspesifikkeMetadata", "false", "boolean")
    _property(x, additional, "antallDokumentfiler", writer.document_count, "integer")

    objects = x.add(outer, "dataObjects")
    folders = len(context.folders)
    records = sum(len(folder.records) for folder in context.folders)
    changes = len(endringslogg(context))
    files = [
        ("arkivstruktur", [("mappe", folders), ("registrering", records)]),
        ("endringslogg", [("endring", changes)]),
    ]
    if has_journal:
        files += [
            ("loependeJournal", [("journalregistrering", records)]),
            ("offentligJournal", [("journalregistrering", records)]),
        ]
    for name, counts in files:
        _file_object(x, objects, name, writer, counts)
    return x.root


def _property(x, parent, name, value, data_type=None):
    attributes = {"name": name}
    if data_type:
        attributes["dataType"] = data_type
    element = x.add(parent, "property", **attributes)
    x.add(element, "value", value)
    return element


def _file_properties(x, parent, file):
    properties = x.add(x.add(parent, "property", name="file"), "properties")
    _property(x, properties, "name", file.path)
    file_format = _property(x, properties, "format", "XML")
    _property(x, x.add(file_format, "properties"), "version", "1.0")
    checksum = x.add(x.add(properties, "property", name="checksum"), "properties")
    _property(x, checksum, "algorithm", "SHA-256")
    _property(x, checksum, "value", file.sha256)


def _file_object(x, parent, name, writer, counts):
    data_object = x.add(parent, "dataObject", name=name)
    properties = x.add(data_object, "properties")
    _file_properties(x, properties, writer.files[f"{name}.xml"])
    for schema_name, main in ((f"{name}.xsd", True), ("metadatakatalog.xsd", False)):
        schema_property = x.add(properties, "property", name="schema")
        if main:
            x.add(schema_property, "value", "main")
        schema_properties = x.add(schema_property, "properties")
        _file_properties(x, schema_properties, writer.files[schema_name])
        schema_type = _property(x, schema_properties, "type", "XML Schema")
        _property(x, x.add(schema_type, "properties"), "version", "1.0")
    info = x.add(x.add(properties, "property", name="info"), "properties")
    for element, count in counts:
        occurrences = _property(x, info, "numberOfOccurrences", element)
        occurrence_properties = x.add(occurrences, "properties")
        _property(x, occurrence_properties, "elementPath", f"//{element}")
        _property(x, occurrence_properties, "value", count, "integer")
