"""What users do with documents on a case.

Each function takes the acting user first, checks permission, changes data and writes
the audit entry in one transaction. A document version is an information item: its
journal entry is written through `cases.services.write_journal_entry`'s rules (the
owning agency, category, confidentiality, GDPR tags) so consent and disclosure act on
it like on any entry. Audit details hold ids and codes, never names or free text.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tverrnett.access import policy
from tverrnett.audit import actions
from tverrnett.audit.services import record, record_read
from tverrnett.cases import services as case_services
from tverrnett.core.files import check_upload, clean_file_name
from tverrnett.documents.models import NOTE_MAX, TITLE_MAX, CaseDocument, DocumentVersion

for _name, _description in [
    ("documents.uploaded", gettext_noop("Uploaded a document to a case")),
    ("documents.version_uploaded", gettext_noop("Uploaded a new version of a document")),
    ("documents.downloaded", gettext_noop("Downloaded a document of a case")),
]:
    actions.register(_name, _description)


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _require_work(actor, case):
    """Upload: the team and the coordinator, on an open identified case (an anonymous
    discussion has no documents: a file could name the person)."""
    _require(not case.is_anonymous)
    _require(policy.can_work_on_case(actor, case, policy.case_access_path(actor, case)))


def entry_text(title, number, note=""):
    """The text of the information item that carries a version (in the site's language:
    it is stored, like any journal text)."""
    with translation.override(settings.LANGUAGE_CODE):
        heading = _("Document: %(title)s (version %(number)s)") % {
            "title": title,
            "number": number,
        }
    note = (note or "").strip()
    return f"{heading}\n\n{note}" if note else heading


def _check_note(note):
    if len(note or "") > NOTE_MAX:
        raise ValidationError(
            {
                "note": _("The text can be at most %(limit_value)d characters long.")
                % {"limit_value": NOTE_MAX}
            }
        )


def _store_version(
    actor, document, number, uploaded, *, note, confidentiality, request, tags, stored
):
    _check_note(note)
    file_type = check_upload(uploaded)
    entry = case_services.write_journal_entry(
        actor,
        document.case,
        text=entry_text(document.title, number, note),
        confidentiality=confidentiality,
        request=request,
        **tags,
    )
    # The entry is written for the agency the actor works on the case for; a version
    # belongs to the document's agency.
    _require(entry.agency_id == document.agency_id)
    version = DocumentVersion(
        document=document,
        number=number,
        entry=entry,
        original_name=clean_file_name(uploaded.name),
        content_type=file_type.content_type,
        size=uploaded.size,
        uploaded_by=actor,
    )
    # Saves the file under MEDIA_ROOT with document_path's random name; the caller
    # removes it again if the transaction does not commit.
    version.file.save("upload", uploaded, save=False)
    stored.append((version.file.storage, version.file.name))
    version.save()
    return version


def _removing_files_on_failure(work):
    """Run `work(stored)` (one transaction); if it fails, delete the files it stored."""
    stored = []
    try:
        return work(stored)
    except Exception:
        for storage, name in stored:
            storage.delete(name)
        raise


def upload_document(
    actor, case, *, title, uploaded, confidentiality, note="", request=None, **tags
):
    """A new document on `case`, owned by the agency the actor works on the case for,
    with its first version. `tags`: category, the special-category flags and, for
    police agencies, police_verification (as `write_journal_entry` takes them).
    Refuses a file of the wrong type, too large or carrying a classification marking."""

    @transaction.atomic
    def work(stored):
        _require_work(actor, case)
        agency = case_services.actor_agency(actor, case, request)
        clean_title = (title or "").strip()
        if not clean_title:
            raise ValidationError({"title": _("Give the document a title.")})
        if len(clean_title) > TITLE_MAX:
            raise ValidationError(
                {
                    "title": _("The title can be at most %(limit_value)d characters long.")
                    % {"limit_value": TITLE_MAX}
                }
            )
        document = CaseDocument.objects.create(
            case=case, agency=agency, title=clean_title, created_by=actor
        )
        version = _store_version(
            actor,
            document,
            1,
            uploaded,
            note=note,
            confidentiality=confidentiality,
            request=request,
            tags=tags,
            stored=stored,
        )
        record(
            "documents.uploaded",
            actor=actor,
            agency=agency,
            target=case,
            detail={
                "document": document.pk,
                "version": version.pk,
                "entry": version.entry_id,
                "size": version.size,
                "type": version.content_type,
            },
            request=request,
        )
        return document

    return _removing_files_on_failure(work)


def upload_version(actor, document, *, uploaded, confidentiality, note="", request=None, **tags):
    """A new version of `document`; the earlier ones are kept. Only the owning agency
    uploads one (acting for it), while it may work on the case."""

    @transaction.atomic
    def work(stored):
        case = document.case
        _require_work(actor, case)
        _require(document.agency_id in policy.case_agency_ids(actor))
        # The document's row lock makes concurrent uploads take numbers one after another.
        locked = CaseDocument.objects.select_for_update().get(pk=document.pk)
        number = (locked.versions.aggregate(last=Max("number"))["last"] or 0) + 1
        version = _store_version(
            actor,
            locked,
            number,
            uploaded,
            note=note,
            confidentiality=confidentiality,
            request=request,
            tags=tags,
            stored=stored,
        )
        record(
            "documents.version_uploaded",
            actor=actor,
            agency=locked.agency,
            target=case,
            detail={
                "document": locked.pk,
                "version": version.pk,
                "number": number,
                "entry": version.entry_id,
                "size": version.size,
                "type": version.content_type,
            },
            request=request,
        )
        return version

    return _removing_files_on_failure(work)


def visible_versions(user, case, access, agency):
    """The versions `user` may read on `case`, newest first, each item with
    special-category tags the user may not read marked `withheld` (L34). `access`: the
    case page's (path and memberships), `agency` the one the user acts for. One query,
    two more only when an item is tagged."""
    versions = list(
        policy.visible_document_versions(user, case, access.path, access.memberships)
        .select_related("document__agency", "uploaded_by", "entry")
        .order_by("-uploaded_at", "-pk")
    )
    policy.withhold_special_categories(user, [version.entry for version in versions], agency)
    for version in versions:
        version.withheld = version.entry.withheld
    return versions


def documents_of(versions):
    """The documents of `versions` (as `visible_versions` gives them), newest change
    first, each with `shown_versions` (newest first) and `latest`."""
    documents = {}
    for version in versions:
        document = documents.setdefault(version.document_id, version.document)
        if not hasattr(document, "shown_versions"):
            document.shown_versions = []
        document.shown_versions.append(version)
    for document in documents.values():
        document.latest = document.shown_versions[0]
    return list(documents.values())


def record_download(actor, version, *, access_path, request=None):
    """The read entry of a download (L44): which document, version and information item,
    and the access path that granted it. In a request it is written only once the
    response is a success (`record_read`)."""
    membership = getattr(request, "membership", None) if request is not None else None
    return record_read(
        "documents.downloaded",
        actor=actor,
        target=version.document.case,
        detail={
            "document": version.document_id,
            "version": version.pk,
            "entry": version.entry_id,
            "path": access_path,
            "membership": getattr(membership, "pk", None),
            "special_items": [version.entry_id] if version.entry.special_categories else [],
        },
        request=request,
    )
