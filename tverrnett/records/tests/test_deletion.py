"""Deletion that deletes (issue 20, item 4): the demo exit case, with its person, plan,
consents and disclosures, signed assessment, exit work, conversations, tasks and an
uploaded declaration, is removed from every table and from disk; what remains is its
tombstone, in the database and in the ledger; the audit log stays whole."""

import json
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import DatabaseError, models, transaction

from tverrnett.audit.models import AuditEntry
from tverrnett.cases.models import ConcernCase, Person
from tverrnett.consent.models import Consent, Disclosure
from tverrnett.filestore.testing import use_file_storage
from tverrnett.records import deletion, services
from tverrnett.records.models import RecordKind, RetentionRule, Tombstone
from tverrnett.records.tests.conftest import EXIT_PERSON, close


def _text_columns():
    for model in apps.get_models(include_auto_created=True):
        if model._meta.label in deletion.NEVER_WALKED:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, (models.CharField, models.TextField, models.JSONField)):
                yield model, field


def _rows_mentioning(text):
    found = []
    for model, field in _text_columns():
        if isinstance(field, models.JSONField):
            continue  # JSON columns hold ids and codes (the audit log's rule)
        if model._base_manager.filter(**{f"{field.attname}__icontains": text}).exists():
            found.append(f"{model._meta.label}.{field.name}")
    return found


@pytest.fixture
def uploaded_declaration(exit_case, settings, tmp_path):
    """A declaration file on disk (the database store: the documents test below)."""
    use_file_storage(settings, "filesystem")
    settings.MEDIA_ROOT = tmp_path / "media"
    consent = Consent.objects.filter(case=exit_case).first()
    name = Consent._meta.get_field("declaration_file").storage.save(
        "consent/test-declaration", ContentFile(b"%PDF-1.7 signed declaration")
    )
    Consent.objects.filter(pk=consent.pk).update(declaration_file=name)
    return Path(Consent._meta.get_field("declaration_file").storage.path(name))


def test_a_deleted_case_leaves_nothing_but_its_tombstone(
    exit_case, uploaded_declaration, django_capture_on_commit_callbacks
):
    person = exit_case.subject
    case_id, person_id, reference = exit_case.pk, person.pk, exit_case.reference
    collected, _nulled = deletion.collect(exit_case)
    walked = {model._meta.label for model in collected}
    # The walk reached the parts of the demo case (a model added later is reached too).
    for label in (
        "cases.ConcernCase", "cases.Person", "cases.JournalEntry", "cases.TeamMember",
        "cases.Task", "consent.Consent", "plans.IndividualPlan", "plans.PlanVersion",
        "assessments.Assessment", "exitwork.ExitWork",
    ):  # fmt: skip
        assert label in walked, label
    assert uploaded_declaration.exists()
    close(exit_case, exit_case.created_at.date())
    rule = RetentionRule.objects.get(kind=RecordKind.EXIT_CASE)

    with django_capture_on_commit_callbacks(execute=True):
        tombstone = services.delete_case(exit_case, rule=rule)

    assert not ConcernCase.objects.filter(pk=case_id).exists()
    assert not Person.objects.filter(pk=person_id).exists()
    # Every model that pointed at the case or its person (directly or through a part)
    # holds none of the rows the walk found.
    for model, pks in collected.items():
        assert not model._base_manager.filter(pk__in=pks).exists(), model._meta.label
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if (
                field.is_relation
                and field.remote_field
                and field.remote_field.model
                in (
                    ConcernCase,
                    Person,
                )
            ):
                pointing = model._base_manager.filter(
                    **{f"{field.attname}__in": [case_id, person_id]}
                )
                target = field.remote_field.model
                ids = case_id if target is ConcernCase else person_id
                assert not model._base_manager.filter(**{field.attname: ids}).exists(), (
                    f"{model._meta.label}.{field.name}",
                    pointing,
                )
    assert _rows_mentioning(EXIT_PERSON) == []
    assert not uploaded_declaration.exists()
    assert (tombstone.case_id, tombstone.reference) == (case_id, reference)
    assert Tombstone.objects.get().kind == RecordKind.EXIT_CASE
    ledger = Path(services.settings.RECORDS_TOMBSTONE_LEDGER).read_text().splitlines()
    assert json.loads(ledger[-1])["case_id"] == case_id
    entry = AuditEntry.objects.get(action="records.deleted")
    assert EXIT_PERSON not in json.dumps(entry.detail) and entry.detail["case"] == case_id
    call_command("verify_audit", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_append_only_records_stay_refused_outside_a_deletion(exit_case):
    disclosure = Disclosure.objects.filter(case=exit_case).first()
    assert disclosure is not None  # the demo shares the exit case with Nav
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            Disclosure._base_manager.filter(pk=disclosure.pk)._raw_delete("default")
    assert Disclosure.objects.filter(pk=disclosure.pk).exists()


def test_a_person_with_another_case_is_kept(exit_case, demo):
    other = ConcernCase.objects.exclude(pk=exit_case.pk).filter(subject__isnull=False).first()
    ConcernCase.objects.filter(pk=other.pk).update(subject=exit_case.subject)
    close(exit_case, exit_case.created_at.date())
    services.delete_case(exit_case, rule=RetentionRule.objects.get(kind=RecordKind.EXIT_CASE))
    assert Person.objects.filter(pk=exit_case.subject_id).exists()
    assert ConcernCase.objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize("file_storage", ["filesystem", "database"])
def test_a_deleted_cases_document_files_are_gone(
    exit_case, demo, settings, tmp_path, django_capture_on_commit_callbacks, file_storage
):
    """Documents on a case (tverrnett.documents): the rows and the stored files go with
    the case; the walk finds them through the case and the journal entries. On either
    storage (FILE_STORAGE): the file on disk, or its rows in the database store."""
    from tverrnett.filestore.models import StoredFile, StoredFileChunk

    use_file_storage(settings, file_storage)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tverrnett.accounts.models import Membership
    from tverrnett.cases.tests.conftest import signed_in
    from tverrnett.documents.models import CaseDocument, DocumentVersion
    from tverrnett.documents.services import upload_document
    from tverrnett.documents.tests.conftest import pdf_bytes

    settings.MEDIA_ROOT = tmp_path / "media"
    coordinator_agency = exit_case.coordinator_role.agency
    uploader = signed_in(
        Membership.objects.filter(agency=coordinator_agency, is_active=True).first().user
    )
    document = upload_document(
        uploader,
        exit_case,
        title="Referat",
        uploaded=SimpleUploadedFile("referat.pdf", pdf_bytes()),
        confidentiality="confidential",
        category="measures",
    )
    version = document.versions.get()
    name = version.file.name
    storage = version.file.storage
    assert storage.exists(name)
    if file_storage == "database":
        assert StoredFileChunk.objects.filter(file__name=name).exists()
    collected, _nulled = deletion.collect(exit_case)
    assert {"documents.CaseDocument", "documents.DocumentVersion"} <= {
        model._meta.label for model in collected
    }
    close(exit_case, exit_case.created_at.date())

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_case(exit_case, rule=RetentionRule.objects.get(kind=RecordKind.EXIT_CASE))

    assert not CaseDocument.objects.filter(pk=document.pk).exists()
    assert not DocumentVersion.objects.filter(pk=version.pk).exists()
    assert not storage.exists(name)
    if file_storage == "filesystem":
        assert not (Path(settings.MEDIA_ROOT) / name).exists()
    else:
        assert not StoredFile.objects.filter(name=name).exists()
        assert not StoredFileChunk.objects.exists()
