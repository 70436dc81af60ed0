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

The modules: files.py writes the package's files, keeps their checksums and validates
the XML; content.py collects what a case holds (its folder, records and documents);
documents.py renders the documents as PDF/A; xml.py builds arkivstruktur.xml,
endringslogg.xml and the journals; addml.py builds arkivuttrekk.xml; constants.py holds
what several of them share. This module has `write_package` and re-exports the rest.
"""

import hashlib
import shutil
from pathlib import Path

from django.conf import settings
from django.utils import timezone, translation

from tverrnett.cases.models import CaseState

from .addml import arkivuttrekk
from .constants import (
    ADDML,
    ARCHIVE_PART_ACTIVE,
    ARCHIVE_PART_CLOSED,
    ARCHIVE_VARIANT,
    CASE_CLOSED,
    CASE_OPEN,
    CHECKSUM_ALGORITHM,
    DOCUMENT_DIR,
    DOCUMENT_FINISHED,
    ELECTRONIC,
    INCOMING,
    INTERNAL,
    INTERNAL_SENDER,
    LANGUAGE,
    MAIN_DOCUMENT,
    MANIFEST_NAME,
    N5,
    NAMESPACES,
    OUTGOING,
    PACKAGE_DIR,
    PDF_A_2B,
    PDF_A_2B_DETAILS,
    RECIPIENT,
    RECORD_ARCHIVED,
    RESTRICTION,
    RESTRICTION_AUTHORITY,
    SCHEMA_DIR,
    SCHEMAS,
    SCREENED,
    SCREENED_DOCUMENT,
    SCREENED_METADATA,
    SENDER,
    SYSTEM_NAME,
    XSI,
)
from .content import _collect, _Context, _number_journal
from .documents import _user_name, render_journal_entry, render_plan_version
from .files import Manifest, PackageError, PackageFile, _write_file, _Writer, schema, validate
from .xml import _Builder, arkivstruktur, endringslogg, journal

__all__ = [
    "ADDML",
    "ARCHIVE_PART_ACTIVE",
    "ARCHIVE_PART_CLOSED",
    "ARCHIVE_VARIANT",
    "CASE_CLOSED",
    "CASE_OPEN",
    "CHECKSUM_ALGORITHM",
    "DOCUMENT_DIR",
    "DOCUMENT_FINISHED",
    "ELECTRONIC",
    "INCOMING",
    "INTERNAL",
    "INTERNAL_SENDER",
    "LANGUAGE",
    "MAIN_DOCUMENT",
    "MANIFEST_NAME",
    "N5",
    "NAMESPACES",
    "OUTGOING",
    "PACKAGE_DIR",
    "PDF_A_2B",
    "PDF_A_2B_DETAILS",
    "RECIPIENT",
    "RECORD_ARCHIVED",
    "RESTRICTION",
    "RESTRICTION_AUTHORITY",
    "SCHEMA_DIR",
    "SCHEMAS",
    "SCREENED",
    "SCREENED_DOCUMENT",
    "SCREENED_METADATA",
    "SENDER",
    "SYSTEM_NAME",
    "XSI",
    "Manifest",
    "PackageError",
    "PackageFile",
    "_Builder",  # the tests patch it
    "arkivstruktur",
    "arkivuttrekk",
    "endringslogg",
    "journal",
    "render_journal_entry",
    "render_plan_version",
    "schema",
    "validate",
    "write_package",
]


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
