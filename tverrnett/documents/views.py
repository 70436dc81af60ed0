"""Document pages on a case: the list, uploading, one document with its versions, a new
version, and the download.

Each page opens the case through `cases.views.open_case` (404 for anyone outside it;
an anonymous discussion has no documents) and the document through
`policy.visible_document_versions` (the same 404 for a document none of whose versions
the user may read). A GET records the read (L44) only once the page is known to show;
a download writes its own read entry. Files are served only here, as attachments.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tverrnett.access import policy
from tverrnett.access.rules import member
from tverrnett.cases import services as case_services
from tverrnett.cases.services import POLICE_SECTORS
from tverrnett.cases.views import open_identified_case
from tverrnett.core.form_errors import add_service_errors
from tverrnett.documents import forms, services
from tverrnett.documents.models import CaseDocument

# The part of the case these pages show, named in the read entry (L44).
PARTS = ["documents"]


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _open_case(request, pk, *, write=False):
    """The identified case; the read is recorded by the caller (`_record_read`)."""
    return open_identified_case(request, pk, parts=PARTS, write=write)


def _record_read(request, case, access, versions):
    if request.method == "GET":
        entries = [version.entry for version in versions]
        case_services.record_case_read(
            request.user,
            case,
            parts=PARTS,
            access_path=access.path,
            special_items=[entry.pk for entry in entries if entry.special_categories],
            withheld_items=[entry.pk for entry in entries if entry.withheld],
            request=request,
        )


def _document(request, case, access, document_pk):
    """The document with the versions of it the user may read, or 404."""
    versions = [
        version
        for version in services.visible_versions(request.user, case, access, request.agency)
        if version.document_id == document_pk
    ]
    if not versions:
        raise Http404
    document = services.documents_of(versions)[0]
    return document, versions


def _police(request, case):
    return case_services.actor_agency(request.user, case, request).agency_type in POLICE_SECTORS


@member
@require_GET
def document_list(request, pk):
    case, access = _open_case(request, pk)
    versions = services.visible_versions(request.user, case, access, request.agency)
    _record_read(request, case, access, versions)
    return render(
        request,
        "documents/list.html",
        {"case": case, "access": access, "documents": services.documents_of(versions)},
    )


@member
@require_http_methods(["GET", "POST"])
def upload_document(request, pk):
    case, access = _open_case(request, pk, write=True)
    form = forms.DocumentForm(
        request.POST or None, request.FILES or None, police=_police(request, case)
    )
    if request.method == "POST" and form.is_valid():
        try:
            document = services.upload_document(
                request.user,
                case,
                title=form.cleaned_data["title"],
                uploaded=form.cleaned_data["file"],
                request=request,
                **form.item_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The document is uploaded."))
            return redirect("documents:detail", pk=case.pk, document_pk=document.pk)
    _record_read(request, case, access, [])
    return render(
        request,
        "documents/upload.html",
        {
            "case": case,
            "access": access,
            "form": form,
            "title": _("Upload a document"),
            "submit": _("Upload"),
        },
    )


@member
@require_GET
def document_detail(request, pk, document_pk):
    case, access = _open_case(request, pk)
    document, versions = _document(request, case, access, document_pk)
    _record_read(request, case, access, versions)
    return render(
        request,
        "documents/detail.html",
        {
            "case": case,
            "access": access,
            "document": document,
            "versions": versions,
            "may_add_version": access.can_work and document.agency_id in access.agency_ids,
        },
    )


@member
@require_http_methods(["GET", "POST"])
def upload_version(request, pk, document_pk):
    case, access = _open_case(request, pk, write=True)
    document, versions = _document(request, case, access, document_pk)
    # Only the owning agency adds versions; the others may read it.
    _require(document.agency_id in access.agency_ids)
    latest = document.latest.entry
    form = forms.VersionForm(
        request.POST or None,
        request.FILES or None,
        police=_police(request, case),
        initial={"confidentiality": latest.confidentiality, "category": latest.category},
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = services.upload_version(
                request.user,
                CaseDocument.objects.select_related("case").get(pk=document.pk),
                uploaded=form.cleaned_data["file"],
                request=request,
                **form.item_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Version %(number)s is uploaded.") % {"number": version.number}
            )
            return redirect("documents:detail", pk=case.pk, document_pk=document.pk)
    _record_read(request, case, access, versions)
    return render(
        request,
        "documents/upload.html",
        {
            "case": case,
            "access": access,
            "form": form,
            "document": document,
            "title": _("Upload a new version"),
            "submit": _("Upload the new version"),
        },
    )


@member
@require_GET
def download(request, pk, document_pk, version_pk):
    case, access = _open_case(request, pk)
    version = get_object_or_404(
        policy.visible_document_versions(
            request.user, case, access.path, access.memberships
        ).select_related("document", "entry"),
        pk=version_pk,
        document_id=document_pk,
    )
    version.document.case = case
    # An item with special-category tags the user may not read is not handed out (L34).
    policy.withhold_special_categories(request.user, [version.entry], request.agency)
    if version.entry.withheld:
        raise Http404
    try:
        handle = version.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    services.record_download(request.user, version, access_path=access.path, request=request)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=version.original_name,
        content_type=version.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
