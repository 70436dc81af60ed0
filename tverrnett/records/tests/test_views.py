"""The records officer's pages, from the officer's side and the attacker's: only the
records officer of the agency that coordinates the cases, acting for it, gets them;
a case worker of the same agency, a records officer of another agency and a user with
several memberships acting for an unrelated agency get the 404 of a missing object,
change nothing and leave no audit entry."""

import datetime
import io
import re
import sys
import types
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tverrnett.accounts.middleware import SESSION_MEMBERSHIP_KEY
from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.agencies.models import Agency
from tverrnett.audit.models import AuditEntry
from tverrnett.cases.models import ConcernCase
from tverrnett.core import dates
from tverrnett.records import services, views
from tverrnett.records.models import (
    ArchivePackage,
    CaseRetention,
    LegalHold,
    RecordKind,
    RetentionRule,
    Tombstone,
)
from tverrnett.records.tests.conftest import close

pytestmark = pytest.mark.django_db

SLT = "Drammen kommune – SLT"
NAV = "Nav Drammen"
LONG_AGO = timezone.localdate() - datetime.timedelta(days=10 * 366)


# Fixtures ------------------------------------------------------------------------------


@pytest.fixture
def slt():
    return Agency.objects.get(name=SLT)


@pytest.fixture
def entries(demo):
    """The SLT's two demo cases, closed ten years ago, on the list of cases due."""
    cases = ConcernCase.objects.filter(is_anonymous=False, coordinator_role__agency__name=SLT)
    for case in cases:
        close(case, LONG_AGO)
    assert services.preview_due(timezone.localdate()) == 2
    return list(CaseRetention.objects.order_by("case_id"))


@pytest.fixture
def officer(demo):
    return get_user_model().objects.get(username="arkiv.demo")


@pytest.fixture
def officer_client(client, login_as, officer):
    return login_as(client, officer)


@pytest.fixture
def package(entries, officer, slt, settings):
    """A package of the first case, its directory on disk, without a receipt."""
    path = Path(settings.RECORDS_ARCHIVE_DIR) / "tverrnett-test-package"
    (path / "dokumenter").mkdir(parents=True)
    (path / "arkivuttrekk.xml").write_text("<arkivuttrekk/>", encoding="utf-8")
    (path / "dokumenter" / "sak.pdf").write_bytes(b"%PDF-1.7")
    package = ArchivePackage.objects.create(
        agency=slt,
        created_by=officer,
        directory=path.name,
        checksum="a" * 64,
        case_ids=[entries[0].case_id],
    )
    CaseRetention.objects.filter(pk=entries[0].pk).update(package=package)
    return package


@pytest.fixture
def hold(entries, officer):
    return LegalHold.objects.create(
        case=entries[1].case, reason="Tilsyn fra Statsforvalteren.", placed_by=officer
    )


@pytest.fixture
def fake_noark(monkeypatch):
    """Stands in for records.noark.write_package in the tests of the button's wiring
    only (the real package is tested end to end below)."""
    try:
        from tverrnett.records import noark
    except ImportError:
        noark = types.ModuleType("tverrnett.records.noark")
        monkeypatch.setitem(sys.modules, "tverrnett.records.noark", noark)
    written = []

    def write_package(cases, path, *, created_by, agency):
        Path(path).mkdir(parents=True)
        (Path(path) / "arkivuttrekk.xml").write_text("<arkivuttrekk/>", encoding="utf-8")
        written.append([case.pk for case in cases])
        return types.SimpleNamespace(checksum="b" * 64)

    monkeypatch.setattr(noark, "write_package", write_package, raising=False)
    return written


def audit_count():
    return AuditEntry.objects.count()


# The records officer -------------------------------------------------------------------


def test_the_list_shows_the_cases_due_with_reference_kind_dates_and_status(officer_client, entries):
    response = officer_client.get(reverse("records:due"))

    assert response.status_code == 200
    html = response.content.decode()
    for entry in entries:
        assert entry.case.reference in html
        assert dates.day(entry.due_on) in html
    assert "Exitsak" in html or "Exit" in html
    # Due, and archived first under the schedule: waiting for the export and receipt.
    assert html.count("Venter på arkivering: eksport og kvittering") == 2
    # The list shows no personal data beyond the reference.
    assert "Eksempel Exitsen" not in html
    assert "Demo Demosen" not in html
    assert html.count('name="entry"') == 2
    assert "Eksporter som arkivpakke" in html
    assert reverse("records:place_hold", args=[entries[0].pk]) in html


def statuses(client):
    return {
        entry.pk: status for entry, status in client.get(reverse("records:due")).context["rows"]
    }


def test_the_status_follows_the_deletion_blocker(officer_client, entries, hold, package):
    CaseRetention.objects.filter(pk=entries[0].pk).update(
        due_on=timezone.localdate() + datetime.timedelta(days=5)
    )

    rows = statuses(officer_client)

    assert rows[entries[0].pk] == "Ikke forfalt ennå"
    assert rows[entries[1].pk] == "Rettslig tilbakeholdelse"
    CaseRetention.objects.filter(pk=entries[0].pk).update(due_on=LONG_AGO)
    rows = statuses(officer_client)
    assert rows[entries[0].pk] == "Venter på arkivets kvittering"
    ArchivePackage.objects.filter(pk=package.pk).update(
        receipt_reference="ARK-1", receipt_recorded_at=timezone.now()
    )
    rows = statuses(officer_client)
    assert rows[entries[0].pk] == "Slettes ved neste kjøring"


def test_the_list_searches_sorts_and_pages(officer_client, entries, monkeypatch):
    first, second = entries  # by reference

    def shown(**params):
        response = officer_client.get(reverse("records:due"), params)
        return [entry.pk for entry, _status in response.context["rows"]]

    assert shown(q=second.case.reference) == [second.pk]
    assert shown(q=str(second.case_id)) == [second.pk]
    assert shown(q="finnes-ikke") == []
    assert shown(sort="reference") == [first.pk, second.pk]
    CaseRetention.objects.filter(pk=first.pk).update(due_on=LONG_AGO)
    assert shown(sort="due") == [first.pk, second.pk]
    assert shown(sort="-due") == [second.pk, first.pk]
    assert shown(sort="nonsense") == [first.pk, second.pk]  # falls back to the due date

    monkeypatch.setattr(views, "PER_PAGE", 1)
    assert shown(sort="reference") == [first.pk]
    assert shown(sort="reference", side=2) == [second.pk]
    page = officer_client.get(reverse("records:due"), {"sort": "reference"})
    assert "Side 1 av 2" in page.content.decode()


def test_the_list_asks_no_query_per_row(officer_client, entries, hold, package):
    def queries(**params):
        with CaptureQueriesContext(connection) as context:
            response = officer_client.get(reverse("records:due"), params)
        assert response.status_code == 200
        return len(context.captured_queries)

    one = queries(q=entries[0].case.reference)
    both = queries()

    assert one == both
    assert both == 7


def test_placing_a_hold_needs_a_reason_and_is_audited(officer_client, officer, entries):
    url = reverse("records:place_hold", args=[entries[0].pk])
    assert officer_client.get(url).status_code == 200

    empty = officer_client.post(url, {"reason": "  "})

    assert empty.status_code == 200
    assert "Skriv hvorfor saken holdes tilbake." in empty.content.decode()
    assert not LegalHold.objects.exists()

    done = officer_client.post(url, {"reason": "Søksmål varslet."})

    assert done.status_code == 302
    assert done.url == reverse("records:due")
    hold = LegalHold.objects.get()
    assert (hold.case_id, hold.placed_by, hold.reason) == (
        entries[0].case_id,
        officer,
        "Søksmål varslet.",
    )
    audit = AuditEntry.objects.get(action="records.legal_hold_placed")
    assert audit.actor_id == officer.pk
    assert audit.detail == {"hold": hold.pk}
    listed = officer_client.get(reverse("records:due")).content.decode()
    assert "Søksmål varslet." in listed
    assert reverse("records:lift_hold", args=[hold.pk]) in listed
    # A second hold on the same case is refused with a message.
    again = officer_client.post(url, {"reason": "Igjen."})
    assert again.status_code == 200
    assert "Saken er allerede rettslig tilbakeholdt." in again.content.decode()
    assert LegalHold.objects.count() == 1


def test_lifting_a_hold_needs_a_reason_and_is_audited(officer_client, officer, hold):
    url = reverse("records:lift_hold", args=[hold.pk])
    assert officer_client.get(url).status_code == 200

    empty = officer_client.post(url, {"reason": ""})
    assert "Skriv hvorfor tilbakeholdelsen oppheves." in empty.content.decode()

    done = officer_client.post(url, {"reason": "Tilsynet er avsluttet."})

    assert done.status_code == 302
    hold.refresh_from_db()
    assert hold.lifted_by == officer
    assert hold.lift_reason == "Tilsynet er avsluttet."
    assert AuditEntry.objects.filter(action="records.legal_hold_lifted").count() == 1
    # A lifted hold is gone from the list, and its page with it.
    assert officer_client.get(url).status_code == 404


def test_the_export_button_archives_the_chosen_cases(officer_client, officer, entries, fake_noark):
    response = officer_client.post(reverse("records:export"), {"entry": [entries[0].pk]})

    assert response.status_code == 302
    assert response.url == reverse("records:packages")
    package = ArchivePackage.objects.get()
    assert package.case_ids == [entries[0].case_id]
    assert package.created_by == officer
    assert fake_noark == [[entries[0].case_id]]
    assert CaseRetention.objects.get(pk=entries[0].pk).package == package
    assert AuditEntry.objects.filter(action="records.archived").count() == 1
    # On the list the case shows its package and no checkbox any more.
    html = officer_client.get(reverse("records:due")).content.decode()
    assert html.count('name="entry"') == 1
    assert "Ingen kvittering ennå" in html


def test_the_export_without_a_choice_says_so(officer_client, entries, fake_noark):
    response = officer_client.post(reverse("records:export"), {}, follow=True)

    assert "Velg minst én sak som skal arkiveres." in response.content.decode()
    assert not ArchivePackage.objects.exists()
    assert fake_noark == []


def test_the_export_of_a_case_already_packed_is_refused(
    officer_client, entries, package, fake_noark
):
    response = officer_client.post(
        reverse("records:export"), {"entry": [entries[0].pk, entries[1].pk]}, follow=True
    )

    assert "En valgt sak er allerede i en pakke." in response.content.decode()
    assert ArchivePackage.objects.count() == 1
    assert fake_noark == []


def test_the_export_writes_a_real_noark_package_that_downloads(officer_client, entries, settings):
    """End to end with the real records.noark (no stand-in)."""
    from tverrnett.records import noark  # noqa: F401

    response = officer_client.post(reverse("records:export"), {"entry": [entries[0].pk]})

    assert response.status_code == 302
    package = ArchivePackage.objects.get()
    assert (Path(settings.RECORDS_ARCHIVE_DIR) / package.directory).is_dir()
    assert len(package.checksum) == 64
    download = officer_client.get(reverse("records:download_package", args=[package.pk]))
    assert download.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()
    assert names
    assert all(name.startswith(package.directory + "/") for name in names)


def test_the_packages_page_lists_the_agencys_packages(officer_client, package):
    response = officer_client.get(reverse("records:packages"))

    assert response.status_code == 200
    html = response.content.decode()
    assert package.checksum in html
    assert "Arne" in html
    assert reverse("records:download_package", args=[package.pk]) in html
    assert f'name="p{package.pk}-reference"' in html
    assert f'name="p{package.pk}-version" value="1"' in html


def test_recording_the_receipt_is_audited_once_and_a_stale_version_is_refused(
    officer_client, officer, package
):
    url = reverse("records:record_receipt", args=[package.pk])
    field = f"p{package.pk}"

    empty = officer_client.post(url, {f"{field}-reference": "", f"{field}-version": 1})
    assert empty.status_code == 200
    assert "Skriv arkivets kvitteringsreferanse." in empty.content.decode()

    done = officer_client.post(url, {f"{field}-reference": "ARK-2026-17", f"{field}-version": 1})

    assert done.status_code == 302
    package.refresh_from_db()
    assert package.receipt_reference == "ARK-2026-17"
    assert package.receipt_recorded_by == officer
    assert package.version == 2
    assert AuditEntry.objects.filter(action="records.receipt_recorded").count() == 1

    stale = officer_client.post(
        url, {f"{field}-reference": "ARK-annen", f"{field}-version": 1}, follow=True
    )

    assert "Pakkens kvittering er allerede registrert." in stale.content.decode()
    package.refresh_from_db()
    assert package.receipt_reference == "ARK-2026-17"
    assert AuditEntry.objects.filter(action="records.receipt_recorded").count() == 1


def test_the_download_is_a_zip_of_the_directory_and_is_audited(officer_client, officer, package):
    response = officer_client.get(reverse("records:download_package", args=[package.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == [
        f"{package.directory}/arkivuttrekk.xml",
        f"{package.directory}/dokumenter/sak.pdf",
    ]
    audit = AuditEntry.objects.get(action="records.package_read")
    assert audit.actor_id == officer.pk
    assert audit.target_id == str(package.pk)


def test_the_download_of_a_package_whose_directory_is_gone_is_404(
    officer_client, package, settings
):
    import shutil

    shutil.rmtree(Path(settings.RECORDS_ARCHIVE_DIR) / package.directory)

    response = officer_client.get(reverse("records:download_package", args=[package.pk]))

    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="records.package_read").exists()


def test_the_schedule_shows_the_rules_and_confirms_one(officer_client, officer, demo):
    response = officer_client.get(reverse("records:schedule"))

    assert response.status_code == 200
    html = response.content.decode()
    awaiting = services.rules_awaiting_confirmation()
    assert html.count("Venter på bekreftelse fra behandlingsansvarlig") == len(awaiting)
    assert "5 år" in html
    assert f"{len(awaiting)} bevaringsregler venter på bekreftelse" in html
    rule = RetentionRule.objects.get(kind=RecordKind.EXIT_CASE)

    done = officer_client.post(reverse("records:confirm_rule", args=[rule.pk]))

    assert done.status_code == 302
    rule.refresh_from_db()
    assert rule.confirmed_by == officer
    assert AuditEntry.objects.filter(action="records.schedule_confirmed").count() == 1
    officer_client.post(reverse("records:confirm_rule", args=[rule.pk]))
    assert AuditEntry.objects.filter(action="records.schedule_confirmed").count() == 1


def test_the_deleted_cases_are_the_agencys_own_tombstones(
    officer_client, entries, slt, django_capture_on_commit_callbacks
):
    case = entries[1].case
    reference = case.reference
    with django_capture_on_commit_callbacks(execute=True):
        tombstone = services.delete_case(case, rule=entries[1].rule)
    assert tombstone.agency_id == slt.pk
    Tombstone.objects.create(
        case_id=999999,
        reference="2026-09999",
        kind=RecordKind.EXIT_CASE,
        registered_on=LONG_AGO,
        rule_kind=RecordKind.EXIT_CASE,
        catalogue_version="1",
        agency_id=Agency.objects.get(name=NAV).pk,
    )

    response = officer_client.get(reverse("records:deleted"))

    html = response.content.decode()
    assert reference in html
    assert "2026-09999" not in html
    assert [t.pk for t, _rule in response.context["rows"]] == [tombstone.pk]
    searched = officer_client.get(reverse("records:deleted"), {"q": "nope"})
    assert searched.context["rows"] == []


def test_the_menu_shows_the_records_item_to_the_records_officer_only(
    officer_client, client, login_as, demo
):
    assert 'href="/arkiv/"' in officer_client.get(reverse("core:home")).content.decode()
    other = login_as(type(client)(), get_user_model().objects.get(username="slt.demo"))
    assert 'href="/arkiv/"' not in other.get(reverse("core:home")).content.decode()


# From the attacker's side ------------------------------------------------------------


def _urls(entries, hold, package, rule):
    """Every page: (method, url, data)."""
    field = f"p{package.pk}"
    return [
        ("get", reverse("records:place_hold", args=[entries[1].pk]), {}),
        ("post", reverse("records:place_hold", args=[entries[1].pk]), {"reason": "x"}),
        ("get", reverse("records:lift_hold", args=[hold.pk]), {}),
        ("post", reverse("records:lift_hold", args=[hold.pk]), {"reason": "x"}),
        ("post", reverse("records:export"), {"entry": [entries[1].pk]}),
        (
            "post",
            reverse("records:record_receipt", args=[package.pk]),
            {f"{field}-reference": "x", f"{field}-version": package.version},
        ),
        ("get", reverse("records:download_package", args=[package.pk]), {}),
    ]


LIST_URLS = ["records:due", "records:packages", "records:schedule", "records:deleted"]


def _page(response):
    """The page without what differs on every response (the CSP nonce, the masked CSRF
    token) and the path asked for (the language form returns to it)."""
    content = response.content.replace(response.request["PATH_INFO"].encode(), b"PATH")
    return re.sub(rb'(nonce|name="csrfmiddlewaretoken" value)="[^"]*"', b"", content)


def _missing_404(client):
    return client.get(reverse("records:place_hold", args=[987654]))


def _assert_nothing_changed(before, hold, package):
    assert audit_count() == before
    hold.refresh_from_db()
    package.refresh_from_db()
    assert hold.lifted_at is None
    assert LegalHold.objects.count() == 1
    assert package.receipt_recorded_at is None
    assert ArchivePackage.objects.count() == 1
    assert RetentionRule.objects.filter(confirmed_at__isnull=False).count() == 0


def _assert_refused_everywhere(client, entries, hold, package, *, lists_are_theirs=False):
    rule = RetentionRule.objects.get(kind=RecordKind.EXIT_CASE)
    missing = _missing_404(client)
    assert missing.status_code == 404
    before = audit_count()
    for method, url, data in [
        *_urls(entries, hold, package, rule),
        ("post", reverse("records:confirm_rule", args=[rule.pk]), {}),
    ]:
        if lists_are_theirs and url.endswith("/bekreft/"):
            continue  # the schedule is common to all agencies: see the test below
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url, response.status_code)
        assert _page(response) == _page(missing), url
    for name in LIST_URLS:
        response = client.get(reverse(name))
        if lists_are_theirs:
            assert response.status_code == 200
            html = response.content.decode()
            for entry in entries:
                assert entry.case.reference not in html
            assert package.checksum not in html
        else:
            assert response.status_code == 404, name
            assert _page(response) == _page(missing), name
    _assert_nothing_changed(before, hold, package)


def test_a_case_worker_of_the_same_agency_gets_404(client, login_as, entries, hold, package):
    login_as(client, get_user_model().objects.get(username="slt.demo"))

    _assert_refused_everywhere(client, entries, hold, package)


def test_a_records_officer_of_another_agency_gets_404_for_the_slts_records(
    client, login_as, make_user, entries, hold, package
):
    other = make_user("arkiv-nav", Agency.objects.get(name=NAV), MembershipRole.RECORDS_OFFICER)
    login_as(client, other)

    _assert_refused_everywhere(client, entries, hold, package, lists_are_theirs=True)


def test_a_records_officer_acting_for_an_unrelated_agency_gets_404(
    client, login_as, officer, entries, hold, package
):
    elsewhere = Membership.objects.create(
        user=officer, agency=Agency.objects.get(name=NAV), role=MembershipRole.CASE_WORKER
    )
    login_as(client, officer)
    session = client.session
    session[SESSION_MEMBERSHIP_KEY] = elsewhere.pk
    session.save()

    _assert_refused_everywhere(client, entries, hold, package)
