"""Document pages from every side: the owner (Drammen kommune – SLT, the uploading
agency), the partner (Nav Drammen, on the team, nothing shared with it until a
disclosure), the outsider (Nav Oslo), and a user with several memberships acting for an
unrelated agency. A refused request gets the 404 of a missing object, changes nothing
and writes no read entry."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tverrnett.accounts.middleware import SESSION_MEMBERSHIP_KEY
from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.audit.models import AuditEntry
from tverrnett.cases.models import JournalEntry
from tverrnett.consent import services as consent_services
from tverrnett.documents import services
from tverrnett.documents import urls as document_urls
from tverrnett.documents.models import CaseDocument, DocumentVersion
from tverrnett.documents.tests.conftest import pdf_bytes, pdf_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]

GET_ONLY = {"documents:list", "documents:detail", "documents:download"}


@pytest.fixture
def scene(team_case, upload, owner):
    """A document of the owner's in two versions."""
    document = upload(team_case, "Referat")
    first = document.versions.get()
    second = services.upload_version(
        owner,
        document,
        uploaded=pdf_file("referat-2.pdf", "Andre versjon"),
        confidentiality="confidential",
        category="measures",
    )
    return {"case": team_case, "document": document, "first": first, "second": second}


def case_urls(scene):
    """Every route of the app, filled in (the download: the first version)."""
    ids = {
        "pk": scene["case"].pk,
        "document_pk": scene["document"].pk,
        "version_pk": scene["first"].pk,
    }
    return [
        (
            f"documents:{pattern.name}",
            reverse(
                f"documents:{pattern.name}",
                kwargs={key: ids[key] for key in pattern.pattern.converters},
            ),
        )
        for pattern in document_urls.urlpatterns
    ]


def missing_urls(url, scene):
    urls = [url.replace(f"/saker/{scene['case'].pk}/", "/saker/999999/", 1)]
    part = f"/dokumenter/{scene['document'].pk}/"
    if part in url:
        urls.append(url.replace(part, "/dokumenter/999999/", 1))
    part = f"/versjoner/{scene['first'].pk}/"
    if part in url:
        urls.append(url.replace(part, "/versjoner/999999/", 1))
    return urls


def state():
    return {
        "documents": sorted(CaseDocument.objects.values_list("pk", "title")),
        "versions": sorted(DocumentVersion.objects.values_list("pk", "number")),
        "journal": JournalEntry.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_every_route_is_walked():
    assert {f"documents:{p.name}" for p in document_urls.urlpatterns} == {
        "documents:list",
        "documents:upload",
        "documents:detail",
        "documents:upload_version",
        "documents:download",
    }


OWNER_GETS = {
    "documents:list": 200,
    "documents:upload": 200,
    "documents:detail": 200,
    "documents:upload_version": 200,
    "documents:download": 200,
}
# Nothing shared: the owner's document does not exist for the partner, who may still
# upload documents of its own.
PARTNER_GETS = {
    "documents:list": 200,
    "documents:upload": 200,
    "documents:detail": 404,
    "documents:upload_version": 404,
    "documents:download": 404,
}


@pytest.mark.parametrize(("who", "expected"), [("owner", OWNER_GETS), ("partner", PARTNER_GETS)])
def test_the_team_walks_every_document_url(client, login_as, request, scene, who, expected):
    login_as(client, request.getfixturevalue(who))
    statuses = {name: client.get(url).status_code for name, url in case_urls(scene)}
    assert statuses == expected


def _refused_everywhere(client, scene):
    before = state()
    for method in ("get", "post"):
        for name, url in case_urls(scene):
            expected = 405 if method == "post" and name in GET_ONLY else 404
            assert getattr(client, method)(url, {}).status_code == expected, (method, name)
            for missing in missing_urls(url, scene):
                assert getattr(client, method)(missing, {}).status_code == expected, missing
    assert state() == before


def test_an_outsider_gets_404_everywhere_and_changes_nothing(client, login_as, outsider, scene):
    login_as(client, outsider)
    _refused_everywhere(client, scene)


def test_a_user_acting_for_an_unrelated_agency_gets_404_everywhere(
    client, login_as, make_user, owner_agency, outsider_agency, scene
):
    user = make_user("flere", owner_agency, MembershipRole.CASE_WORKER)
    elsewhere = Membership.objects.create(
        user=user, agency=outsider_agency, role=MembershipRole.CASE_WORKER
    )
    login_as(client, user)
    # Acting for the owner's agency, the document is there...
    assert (
        client.get(
            reverse("documents:detail", args=[scene["case"].pk, scene["document"].pk])
        ).status_code
        == 200
    )
    session = client.session
    session[SESSION_MEMBERSHIP_KEY] = elsewhere.pk
    session.save()
    # ...acting for Nav Oslo, it is not.
    _refused_everywhere(client, scene)


def test_the_partner_without_a_disclosure_gets_404_and_leaves_no_read(
    client, login_as, partner, scene
):
    login_as(client, partner)
    before = state()
    detail = reverse("documents:detail", args=[scene["case"].pk, scene["document"].pk])
    download = reverse(
        "documents:download", args=[scene["case"].pk, scene["document"].pk, scene["first"].pk]
    )
    assert client.get(detail).status_code == 404
    assert client.get(download).status_code == 404
    assert state() == before
    listing = client.get(reverse("documents:list", args=[scene["case"].pk])).content.decode()
    assert "Referat" not in listing
    page = client.get(reverse("cases:detail", args=[scene["case"].pk])).content.decode()
    assert "Referat" not in page and f"/dokumenter/{scene['document'].pk}/" not in page


def test_the_partner_reads_and_downloads_the_version_disclosed_to_it(
    client, login_as, owner, partner, partner_agency, scene, give_consent
):
    case, document, first = scene["case"], scene["document"], scene["first"]
    consent = give_consent(case, recipients=[partner_agency], categories=["measures"])
    consent_services.disclose(
        owner, case, items=[first.entry], recipient=partner_agency, purpose="Oppfølging",
        consent=consent,
    )  # fmt: skip
    login_as(client, partner)

    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f"/dokumenter/{document.pk}/" in page
    detail = client.get(reverse("documents:detail", args=[case.pk, document.pk]))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert f"/versjoner/{first.pk}/" in html
    assert f"/versjoner/{scene['second'].pk}/" not in html  # not shared
    assert "/ny-versjon/" not in html

    before = AuditEntry.objects.filter(action="documents.downloaded").count()
    response = client.get(reverse("documents:download", args=[case.pk, document.pk, first.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
    read = AuditEntry.objects.filter(action="documents.downloaded").order_by("id")
    assert read.count() == before + 1
    entry = read.last()
    assert entry.actor_username == "partner" and entry.agency_name == partner_agency.name
    assert entry.detail["version"] == first.pk and entry.detail["entry"] == first.entry_id

    # The newer version was not shared: refused like a missing one, and no read entry.
    second = reverse("documents:download", args=[case.pk, document.pk, scene["second"].pk])
    assert client.get(second).status_code == 404
    assert read.count() == before + 1
    # Reading is not owning: no new version from the partner.
    assert (
        client.get(reverse("documents:upload_version", args=[case.pk, document.pk])).status_code
        == 403
    )


def test_a_page_read_writes_one_entry_and_a_refused_one_none(
    client, login_as, owner, outsider, scene
):
    case = scene["case"]
    reads = AuditEntry.objects.filter(action="case.viewed", target_id=str(case.pk))
    login_as(client, owner)
    count = reads.count()
    client.get(reverse("documents:detail", args=[case.pk, scene["document"].pk]))
    assert reads.count() == count + 1
    assert reads.order_by("id").last().detail["parts"] == ["documents"]
    login_as(client, outsider)
    client.get(reverse("documents:detail", args=[case.pk, scene["document"].pk]))
    assert reads.count() == count + 1


def test_a_document_is_uploaded_through_the_page(client, login_as, owner, team_case, media_root):
    login_as(client, owner)
    response = client.post(
        reverse("documents:upload", args=[team_case.pk]),
        {
            "title": "Kartlegging",
            "file": pdf_file("kartlegging.pdf"),
            "note": "Utkast",
            "confidentiality": "confidential",
            "category": "concern",
        },
    )
    document = CaseDocument.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:detail", args=[team_case.pk, document.pk])
    assert document.title == "Kartlegging" and document.versions.get().entry.category == "concern"


def test_a_document_in_the_database_store_is_uploaded_and_downloaded(
    client, login_as, owner, outsider, team_case, settings
):
    """FILE_STORAGE=database (the default): upload through the page, the download
    streams the rows back with the same headers; an outsider still gets 404."""
    from tverrnett.filestore.models import StoredFile
    from tverrnett.filestore.testing import use_file_storage

    use_file_storage(settings, "database")
    data = pdf_bytes("Kartlegging av saken")
    login_as(client, owner)
    client.post(
        reverse("documents:upload", args=[team_case.pk]),
        {
            "title": "Kartlegging",
            "file": pdf_file("kartlegging.pdf", "Kartlegging av saken"),
            "confidentiality": "confidential",
            "category": "concern",
        },
    )
    document = CaseDocument.objects.get()
    version = document.versions.get()
    assert StoredFile.objects.get(name=version.file.name).size == len(data)
    url = reverse("documents:download", args=[team_case.pk, document.pk, version.pk])

    response = client.get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Length"] == str(len(data))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    login_as(client, outsider)
    assert client.get(url).status_code == 404


def test_a_refused_file_is_told_in_the_error_summary(
    client, login_as, owner, team_case, media_root
):
    login_as(client, owner)
    response = client.post(
        reverse("documents:upload", args=[team_case.pk]),
        {
            "title": "Gradert",
            "file": pdf_file("gradert.pdf", "KONFIDENSIELT"),
            "confidentiality": "confidential",
            "category": "concern",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "ds-error-summary" in html or "error-summary" in html
    assert "graderingen «KONFIDENSIELT»" in html
    assert not CaseDocument.objects.exists() and not JournalEntry.objects.exists()


def test_an_anonymous_discussion_has_no_document_pages(client, login_as, owner, anonymous_case):
    login_as(client, owner)
    assert client.get(reverse("documents:list", args=[anonymous_case.pk])).status_code == 404
    assert client.get(reverse("documents:upload", args=[anonymous_case.pk])).status_code == 404


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("page", ["cases:detail", "documents:list"])
def test_the_documents_cost_the_same_however_many(
    client, login_as, owner, team_case, upload, register, page
):
    login_as(client, owner)
    small = register(person={"name": "Liten Sak", "birth_year": 2008})
    upload(small, "Ett dokument")
    _queries(client, reverse(page, args=[small.pk]))  # warm caches
    small_count = _queries(client, reverse(page, args=[small.pk]))
    for number in range(6):
        document = upload(team_case, f"Dokument {number}")
        services.upload_version(
            owner, document, uploaded=pdf_file(), confidentiality="ordinary", category="measures"
        )
    assert _queries(client, reverse(page, args=[team_case.pk])) == small_count


def test_a_document_tagged_with_a_special_category_is_withheld_without_the_permission(
    client, login_as, owner, team_case, upload, grant_special_categories
):
    """L34, as for any item: the title and the file only with the permission."""
    document = upload(team_case, "Behandlingsplan", health_data=True)
    version = document.versions.get()
    detail = reverse("documents:detail", args=[team_case.pk, document.pk])
    download = reverse("documents:download", args=[team_case.pk, document.pk, version.pk])
    downloads = AuditEntry.objects.filter(action="documents.downloaded")
    login_as(client, owner)

    html = client.get(detail).content.decode()
    assert "Behandlingsplan" not in html and "tn-withheld" in html
    assert download not in html
    assert client.get(download).status_code == 404
    assert (
        "Behandlingsplan"
        not in client.get(reverse("cases:detail", args=[team_case.pk])).content.decode()
    )
    assert downloads.count() == 0

    grant_special_categories(owner)
    assert "Behandlingsplan" in client.get(detail).content.decode()
    assert client.get(download).status_code == 200
    assert downloads.get().detail["special_items"] == [version.entry_id]


def test_a_volunteer_named_in_a_consent_gets_404_everywhere_even_after_a_disclosure(
    client, login_as, owner, volunteer, volunteer_agency, scene, on_team, give_consent
):
    case = scene["case"]
    on_team(case, volunteer_agency)
    consent = give_consent(case, recipients=[volunteer_agency], categories=["measures"])
    consent_services.accept_confidentiality_declaration(volunteer, volunteer_agency)
    consent_services.disclose(
        owner, case, items=[scene["first"].entry], recipient=volunteer_agency,
        purpose="Oppfølging", consent=consent,
    )  # fmt: skip
    login_as(client, volunteer)
    # The restricted case page shows the disclosed item's text, with no link to a page
    # that does not exist for the organisation.
    page = client.get(reverse("cases:detail", args=[case.pk]))
    assert page.status_code == 200
    assert "/dokumenter/" not in page.content.decode()
    _refused_everywhere(client, scene)
