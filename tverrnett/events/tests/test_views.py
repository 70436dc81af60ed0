"""The event pages with the three actors: the organiser's agency (owner), a partner agency
in a network below the event's, and an outsider in no network."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from tverrnett.audit.models import AuditEntry
from tverrnett.core.tests import samples
from tverrnett.events import services
from tverrnett.events.models import Event, EventMaterial, Registration

pytestmark = pytest.mark.django_db


def _logged_in(client, login_as, user):
    return login_as(client, user)


def _upload(client, event, name, data):
    return client.post(
        reverse("events:material_upload", args=[event.pk]), {"file": samples.upload(name, data)}
    )


def _material(event, owner, name="program.pdf", data=None):
    return services.upload_material(owner, event, samples.upload(name, data or samples.pdf_bytes()))


# Who sees what -------------------------------------------------------------------------


def test_it_lists_the_event_for_the_network_and_the_networks_below_it(
    client, login_as, owner, partner, outsider, event
):
    for user, sees in ((owner, True), (partner, True), (outsider, False)):
        login_as(client, user)
        response = client.get(reverse("events:list"))
        assert response.status_code == 200
        assert (event.title in response.content.decode()) is sees, user


def test_it_shows_the_event_to_a_voluntary_organisation(client, login_as, volunteer, event):
    login_as(client, volunteer)

    assert client.get(reverse("events:detail", args=[event.pk])).status_code == 200


def test_it_gives_an_outsider_404_everywhere(client, login_as, owner, outsider, event):
    material = _material(event, owner)
    login_as(client, outsider)

    for url in (
        reverse("events:detail", args=[event.pk]),
        reverse("events:edit", args=[event.pk]),
        reverse("events:material_upload", args=[event.pk]),
        reverse("events:participants", args=[event.pk]),
        reverse("events:material", args=[material.pk]),
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        reverse("events:register", args=[event.pk]),
        reverse("events:cancel", args=[event.pk]),
        reverse("events:participants", args=[event.pk]),
    ):
        assert client.post(url).status_code == 404, url
    assert _upload(client, event, "x.pdf", samples.pdf_bytes()).status_code == 404
    assert not Registration.objects.exists()
    assert EventMaterial.objects.count() == 1


def test_it_gives_a_partner_404_on_the_organisers_pages(client, login_as, partner, event):
    login_as(client, partner)

    for name in ("edit", "material_upload", "participants"):
        assert client.get(reverse(f"events:{name}", args=[event.pk])).status_code == 404
    assert _upload(client, event, "x.pdf", samples.pdf_bytes()).status_code == 404
    response = client.post(
        reverse("events:edit", args=[event.pk]), {"title": "Overtatt", "network": event.network_id}
    )
    assert response.status_code == 404
    event.refresh_from_db()
    assert event.title != "Overtatt"
    assert not EventMaterial.objects.exists()


def test_it_gives_the_organiser_the_organisers_links(client, login_as, owner, partner, event):
    participants = reverse("events:participants", args=[event.pk])

    login_as(client, owner)
    assert participants in client.get(reverse("events:detail", args=[event.pk])).content.decode()
    login_as(client, partner)
    assert (
        participants not in client.get(reverse("events:detail", args=[event.pk])).content.decode()
    )


# The list ------------------------------------------------------------------------------


def test_it_searches_and_separates_upcoming_from_past(client, login_as, partner, make_event):
    make_event("Fagdag om skole")
    make_event("Seminar om nettradikalisering")
    make_event("Erfaringsmøte i fjor", days=-30)
    login_as(client, partner)

    upcoming = client.get(reverse("events:list")).content.decode()
    searched = client.get(reverse("events:list"), {"q": "skole"}).content.decode()
    past = client.get(reverse("events:list"), {"when": "past"}).content.decode()

    assert "Fagdag om skole" in upcoming and "Erfaringsmøte i fjor" not in upcoming
    assert "Fagdag om skole" in searched and "Seminar om nettradikalisering" not in searched
    assert "Erfaringsmøte i fjor" in past and "Fagdag om skole" not in past


def test_it_pages_the_list(client, login_as, partner, make_event):
    for number in range(25):
        make_event(f"Kurs {number:02d}", days=number + 1)
    login_as(client, partner)

    first = client.get(reverse("events:list")).content.decode()
    second = client.get(reverse("events:list"), {"side": 2}).content.decode()

    assert "Kurs 00" in first and "Kurs 24" not in first
    assert "Kurs 24" in second and "Kurs 00" not in second


def test_it_lists_with_a_fixed_number_of_queries(
    client, login_as, partner, make_event, django_assert_max_num_queries
):
    for number in range(15):
        event = make_event(f"Kurs {number:02d}", days=number + 1)
        Registration.objects.create(event=event, user=partner)
    login_as(client, partner)

    # Session, user, device, current agency; visibility (4); can-create; count; the page; session.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("events:list"))

    assert response.content.decode().count("Kurs ") == 15


# Creating and changing ----------------------------------------------------------------


def _event_form(network, **overrides):
    starts = timezone.localtime() + timedelta(days=10)
    return {
        "network": network.pk,
        "title": "Kurs i samtalemetodikk",
        "description": "For ansatte i skole og barnevern.",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "place": "",
        "online_url": "https://møte.example/kurs",
        "capacity": "30",
        **overrides,
    }


def test_it_creates_an_event_for_the_current_agency(client, login_as, owner, regional):
    login_as(client, owner)

    response = client.post(reverse("events:create"), _event_form(regional))

    event = Event.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("events:detail", args=[event.pk])
    assert event.organiser == owner.memberships.get().agency
    assert event.capacity == 30 and event.created_by == owner
    assert AuditEntry.objects.filter(action="events.created", target_id=str(event.pk)).exists()


def test_it_offers_only_networks_the_agency_is_a_member_of(
    client, login_as, partner, regional, municipal
):
    login_as(client, partner)

    page = client.get(reverse("events:create")).content.decode()
    response = client.post(reverse("events:create"), _event_form(regional))

    assert municipal.name in page and regional.name not in page
    assert response.status_code == 200
    assert "Velg et av nettverkene i listen." in response.content.decode()
    assert not Event.objects.exists()


def test_it_refuses_the_create_page_to_an_agency_in_no_network(client, login_as, outsider):
    login_as(client, outsider)

    assert client.get(reverse("events:create")).status_code == 403


def test_it_asks_for_a_place_or_a_link_and_an_end_after_the_start(
    client, login_as, owner, regional
):
    login_as(client, owner)
    form = _event_form(regional, online_url="")
    form["ends_at"] = form["starts_at"]

    response = client.post(reverse("events:create"), form)

    content = response.content.decode()
    assert response.status_code == 200
    assert "Oppgi et sted, en lenke til et nettmøte eller begge deler." in content
    assert "Arrangementet må slutte etter at det starter." in content
    assert not Event.objects.exists()


def test_it_changes_an_event(client, login_as, owner, event):
    login_as(client, owner)

    response = client.post(
        reverse("events:edit", args=[event.pk]),
        {**_event_form(event.network, title="Nytt navn", place="Biblioteket"), "version": 1},
    )

    event.refresh_from_db()
    assert response.status_code == 302
    assert event.title == "Nytt navn" and event.place == "Biblioteket"
    assert AuditEntry.objects.filter(action="events.updated", target_id=str(event.pk)).exists()


def test_a_save_after_someone_elses_is_refused_and_keeps_theirs(client, login_as, owner, event):
    """Issue 18, item 2: two organisers opened the event; the second save is refused."""
    login_as(client, owner)
    url = reverse("events:edit", args=[event.pk])
    assert 'type="hidden" name="version" value="1"' in client.get(url).content.decode()
    client.post(url, {**_event_form(event.network, place="Først"), "version": 1})

    response = client.post(url, {**_event_form(event.network, place="Sist"), "version": 1})

    assert response.status_code == 200
    assert "Noen andre har endret dette i mellomtiden" in response.content.decode()
    event.refresh_from_db()
    assert (event.place, event.version) == ("Først", 2)


# Registration ----------------------------------------------------------------------------


def test_it_registers_and_cancels(client, login_as, partner, event):
    login_as(client, partner)

    client.post(reverse("events:register", args=[event.pk]))
    assert Registration.objects.filter(event=event, user=partner).exists()
    page = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert "Du er påmeldt" in page

    client.post(reverse("events:cancel", args=[event.pk]))
    assert not Registration.objects.filter(event=event, user=partner).exists()
    actions = list(
        AuditEntry.objects.filter(target_id=str(event.pk)).values_list("action", flat=True)
    )
    assert actions == ["events.registered", "events.registration_cancelled"]


def test_cancelling_is_confirmed_first_and_the_question_changes_nothing(
    client, login_as, partner, outsider, event
):
    # Issue 21 item 10: the event page links to a confirmation; only its POST cancels.
    cancel = reverse("events:cancel", args=[event.pk])
    login_as(client, partner)
    client.post(reverse("events:register", args=[event.pk]))
    detail = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert f'href="{cancel}"' in detail
    before = AuditEntry.objects.count()
    page = client.get(cancel)
    assert page.status_code == 200
    text = page.content.decode()
    assert event.title in text and f'action="{cancel}"' in text
    assert Registration.objects.filter(event=event, user=partner).exists()
    assert AuditEntry.objects.count() == before
    # An outsider does not see the event: the question is not there either.
    login_as(client, outsider)
    assert client.get(cancel).status_code == 404
    assert client.get(reverse("events:cancel", args=[999999])).status_code == 404
    assert Registration.objects.filter(event=event, user=partner).exists()
    # Someone who is not registered has nothing to cancel: back to the event.
    login_as(client, partner)
    client.post(cancel)
    assert client.get(cancel).status_code == 302


def test_it_refuses_registration_when_the_event_is_full(
    client, login_as, owner, partner, volunteer, make_event
):
    event = make_event(capacity=2)
    services.register(owner, event)
    services.register(volunteer, event)
    login_as(client, partner)

    page = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    response = client.post(reverse("events:register", args=[event.pk]), follow=True)

    assert "Arrangementet er fullt" in page
    assert "Arrangementet er fullt" in response.content.decode()
    assert event.registrations.count() == 2
    assert not event.registrations.filter(user=partner).exists()


def test_it_refuses_registration_after_the_start(client, login_as, partner, make_event):
    event = make_event(days=-1)
    login_as(client, partner)

    client.post(reverse("events:register", args=[event.pk]))

    assert not event.registrations.exists()


# Attendance --------------------------------------------------------------------------------


def test_it_marks_attendance(client, login_as, owner, partner, volunteer, event):
    came = services.register(partner, event)
    stayed_away = services.register(volunteer, event)
    login_as(client, owner)

    page = client.get(reverse("events:participants", args=[event.pk])).content.decode()
    response = client.post(
        reverse("events:participants", args=[event.pk]),
        {f"attendance-{came.pk}": "yes", f"attendance-{stayed_away.pk}": "no"},
    )

    assert "Paul" in page and "Nav Drammen" in page
    assert response.status_code == 302
    came.refresh_from_db()
    stayed_away.refresh_from_db()
    assert came.attended is True and stayed_away.attended is False
    entry = AuditEntry.objects.get(action="events.attendance_marked")
    assert entry.detail == {"attended": [came.pk], "absent": [stayed_away.pk], "unmarked": []}


def test_the_participants_page_has_a_fixed_number_of_queries(
    client, login_as, owner, make_user, partner_agency, event, django_assert_max_num_queries
):
    for number in range(10):
        services.register(make_user(f"deltaker{number}", partner_agency), event)
    login_as(client, owner)

    with django_assert_max_num_queries(11):
        response = client.get(reverse("events:participants", args=[event.pk]))

    assert response.status_code == 200


# Material --------------------------------------------------------------------------------


def test_it_uploads_material_and_serves_it_only_as_an_attachment(
    client, login_as, owner, partner, event, media_root
):
    login_as(client, owner)
    data = samples.pdf_bytes("Program for fagdagen")

    response = _upload(client, event, "Program fagdag.pdf", data)

    material = EventMaterial.objects.get()
    assert response.status_code == 302
    assert material.original_name == "Program fagdag.pdf"
    assert material.content_type == "application/pdf" and material.size == len(data)
    stored = Path(material.file.path)
    assert stored.is_relative_to(media_root) and "Program" not in stored.name
    assert stored.read_bytes() == data
    assert AuditEntry.objects.filter(action="events.material_uploaded").exists()

    login_as(client, partner)
    page = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    download = client.get(reverse("events:material", args=[material.pk]))

    assert "Program fagdag.pdf" in page and "PDF" in page
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_material_in_the_database_store_is_uploaded_and_served_the_same(
    client, login_as, owner, partner, event, settings
):
    """FILE_STORAGE=database (the default): the bytes are rows, served in chunks with
    the same headers as from disk."""
    from tverrnett.filestore.models import StoredFile
    from tverrnett.filestore.testing import use_file_storage

    use_file_storage(settings, "database")
    login_as(client, owner)
    data = samples.pdf_bytes("Program for fagdagen")
    assert _upload(client, event, "Program fagdag.pdf", data).status_code == 302
    material = EventMaterial.objects.get()
    stored = StoredFile.objects.get(name=material.file.name)
    assert stored.size == len(data) and "Program" not in stored.name

    login_as(client, partner)
    download = client.get(reverse("events:material", args=[material.pk]))

    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data
    assert download["Content-Length"] == str(len(data))
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("skript.exe", b"MZ\x90\x00", "Denne filtypen kan ikke lastes opp."),
        ("program.pdf", b"<html></html>", "Innholdet i filen stemmer ikke med navnet"),
        ("notat.docx", samples.docx_bytes("BEGRENSET"), "gradering"),
    ],
)
def test_it_refuses_wrong_files_with_a_message(
    client, login_as, owner, event, media_root, name, data, message
):
    login_as(client, owner)

    response = _upload(client, event, name, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not EventMaterial.objects.exists()
    assert not (media_root / "events").exists() or not any((media_root / "events").iterdir())


def test_it_refuses_a_file_that_is_too_big(client, login_as, owner, event, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    login_as(client, owner)

    response = _upload(client, event, "stor.pdf", samples.pdf_bytes() + b" " * 1000)

    assert response.status_code == 200
    assert "Den største filen du kan laste opp er" in response.content.decode()
    assert not EventMaterial.objects.exists()


def test_the_service_refuses_a_user_who_does_not_manage_the_event(partner, event):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        _material(event, partner)
    with pytest.raises(PermissionDenied):
        services.mark_attendance(partner, event, {})


def test_the_service_refuses_registration_by_an_outsider(outsider, event):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.register(outsider, event)


# Bad input never gives a 500 (issue 18, item 1) ----------------------------------------


@pytest.mark.parametrize("capacity", [str(2**31), "9" * 30])
def test_a_capacity_beyond_the_column_is_a_form_error(client, login_as, owner, regional, capacity):
    login_as(client, owner)

    response = client.post(reverse("events:create"), _event_form(regional, capacity=capacity))

    assert response.status_code == 200
    assert response.context["form"].errors["capacity"] == [
        "Antall plasser kan ikke være over 2147483647."
    ]
    assert not Event.objects.exists()


def test_a_nul_byte_in_the_search_is_refused_with_400(client, login_as, partner, make_event):
    """PostgreSQL cannot compare a text with NUL in it; the request is refused whole."""
    make_event("Fagdag om skole")
    login_as(client, partner)

    response = client.get(reverse("events:list"), {"q": "skole\x00"})

    assert response.status_code == 400
