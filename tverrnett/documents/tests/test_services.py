"""Uploading documents and new versions, and who may read them: the rule of journal
entries, since each version is carried by an information item of the owning agency."""

import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tverrnett.access import policy
from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services as case_services
from tverrnett.cases.models import JournalEntry
from tverrnett.consent import services as consent_services
from tverrnett.documents import services
from tverrnett.documents.models import CaseDocument, DocumentVersion
from tverrnett.documents.tests.conftest import pdf_bytes, pdf_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]


def stored_files(media_root):
    folder = Path(media_root) / "documents"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_an_upload_is_a_document_with_its_first_version_carried_by_a_journal_entry(
    owner, owner_agency, team_case, upload, media_root
):
    document = upload(team_case, "Referat fra nettverksmøtet", note="Fra møtet 3. desember.")

    version = document.versions.get()
    assert (document.agency, document.created_by, version.number) == (owner_agency, owner, 1)
    assert version.entry.agency == owner_agency
    assert version.entry.text.startswith("Dokument: Referat fra nettverksmøtet (versjon 1)")
    assert "Fra møtet 3. desember." in version.entry.text
    assert (version.entry.category, version.entry.confidentiality) == (
        "measures",
        "confidential",
    )
    assert (version.original_name, version.content_type) == ("referat.pdf", "application/pdf")
    # Under MEDIA_ROOT with a random name; the user's file name is in the database only.
    [path] = stored_files(media_root)
    assert path.read_bytes() == pdf_bytes() and "referat" not in path.name
    entry = AuditEntry.objects.get(action="documents.uploaded")
    assert entry.detail["document"] == document.pk and entry.detail["entry"] == version.entry_id
    assert "Referat" not in str(entry.detail)


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("notat.exe", b"MZ...", "type"),
        ("notat.pdf", b"not a pdf at all", "content"),
        ("gradert.pdf", pdf_bytes("BEGRENSET"), "classified"),
        ("tom.pdf", b"", "empty"),
    ],
)
def test_a_refused_file_leaves_nothing_behind(
    owner, team_case, upload, media_root, name, data, code
):
    with pytest.raises(ValidationError) as refused:
        upload(team_case, file=SimpleUploadedFile(name, data))

    assert refused.value.code == code
    assert not CaseDocument.objects.exists() and not DocumentVersion.objects.exists()
    assert not JournalEntry.objects.filter(case=team_case).exists()
    assert stored_files(media_root) == []


def test_a_too_big_file_is_refused(settings, team_case, upload, media_root):
    settings.UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationError) as refused:
        upload(team_case)
    assert refused.value.code == "too_big"
    assert stored_files(media_root) == []


def test_a_new_version_keeps_the_old_ones(owner, team_case, upload, media_root):
    document = upload(team_case)

    second = services.upload_version(
        owner,
        document,
        uploaded=pdf_file("referat-v2.pdf", "Andre utkast"),
        confidentiality="ordinary",
        category="measures",
    )

    assert second.number == 2
    assert list(document.versions.values_list("number", flat=True)) == [2, 1]
    assert second.entry.text == "Dokument: Referat (versjon 2)"
    assert len(stored_files(media_root)) == 2
    assert AuditEntry.objects.filter(action="documents.version_uploaded").count() == 1


def test_only_the_owning_agency_uploads_a_new_version(
    partner, team_case, upload, open_to, media_root
):
    document = upload(team_case)
    open_to(team_case, document.case.team.exclude(agency=document.agency).get().agency)

    with pytest.raises(PermissionDenied):
        services.upload_version(partner, document, uploaded=pdf_file(), confidentiality="ordinary")
    assert document.versions.count() == 1
    assert len(stored_files(media_root)) == 1


def test_an_outsider_cannot_upload(outsider, team_case, upload, media_root):
    with pytest.raises(PermissionDenied):
        upload(team_case, actor=outsider)
    assert not CaseDocument.objects.exists() and stored_files(media_root) == []


def test_an_anonymous_discussion_has_no_documents(owner, anonymous_case, upload, media_root):
    with pytest.raises(PermissionDenied):
        upload(anonymous_case)
    assert stored_files(media_root) == []


def test_a_document_entry_is_not_corrected_in_the_journal(owner, team_case, upload):
    version = upload(team_case).versions.get()
    with pytest.raises(ValidationError):
        case_services.correct_journal_entry(
            owner, version.entry, text="Endret", confidentiality="ordinary", reason="Feil"
        )
    assert not JournalEntry.objects.filter(supersedes=version.entry).exists()


def test_a_partner_reads_exactly_the_versions_disclosed_to_it(
    owner, partner, partner_agency, outsider, team_case, upload, give_consent
):
    document = upload(team_case)
    first = document.versions.get()
    second = services.upload_version(
        owner, document, uploaded=pdf_file(), confidentiality="confidential", category="measures"
    )

    def readable(user):
        return set(policy.visible_document_versions(user, team_case))

    assert readable(owner) == {first, second}
    assert readable(partner) == set()
    assert readable(outsider) == set()

    consent = give_consent(team_case, recipients=[partner_agency], categories=["measures"])
    consent_services.disclose(
        owner,
        team_case,
        items=[first.entry],
        recipient=partner_agency,
        purpose="Felles oppfølging",
        consent=consent,
    )

    assert readable(partner) == {first}
    assert readable(outsider) == set()


def test_a_too_long_title_or_note_is_refused_before_anything_is_stored(
    team_case, upload, media_root
):
    with pytest.raises(ValidationError) as refused:
        upload(team_case, "T" * 201)
    assert "title" in refused.value.error_dict
    with pytest.raises(ValidationError) as refused:
        upload(team_case, note="N" * 2001)
    assert "note" in refused.value.error_dict
    assert not CaseDocument.objects.exists() and stored_files(media_root) == []


def test_the_persons_access_report_lists_each_document_version_as_a_file(owner, team_case, upload):
    from tverrnett.consent.access_report import build_report

    document = upload(team_case, "Referat")
    version = document.versions.get()

    report = build_report(team_case.subject, reader=owner, redactions=[])

    [line] = [line for line in report["files"] if line["key"].startswith("file:document-")]
    assert line["key"] == f"file:document-{version.pk}"
    assert (line["entry"], line["file_name"]) == (version.entry_id, "referat.pdf")
    assert line["content_type"] == "application/pdf"


def test_the_access_report_pdf_prints_the_document_file(owner, team_case, upload):
    from pypdf import PdfReader

    from tverrnett.consent.access_report import make_report, report_pdf

    upload(team_case, "Referat")
    stored = make_report(owner, team_case.subject, redactions=[])
    pdf = report_pdf(stored)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "referat.pdf" in text
