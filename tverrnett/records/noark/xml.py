"""The XML files of the Noark 5 archival package: arkivstruktur.xml, endringslogg.xml,
and the journals (loependeJournal.xml, offentligJournal.xml)."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from .constants import (
    ARCHIVE_PART_ACTIVE,
    ARCHIVE_PART_CLOSED,
    ARCHIVE_VARIANT,
    CASE_CLOSED,
    CHECKSUM_ALGORITHM,
    DOCUMENT_FINISHED,
    ELECTRONIC,
    MAIN_DOCUMENT,
    NAMESPACES,
    PDF_A_2B,
    PDF_A_2B_DETAILS,
    RECORD_ARCHIVED,
    RESTRICTION,
    RESTRICTION_AUTHORITY,
    SCHEMAS,
    SCREENED,
    SCREENED_DOCUMENT,
    SCREENED_METADATA,
    SYSTEM_NAME,
    XSI,
)

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
