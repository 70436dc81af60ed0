import pytest

from tverrnett.announcements.models import Announcement, ReadReceipt
from tverrnett.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _page(response):
    return response.content.decode()


# The acceptance line (issue 3): an announcement in the national network is unread
# for a member of a municipal network until marked as read (a POST: opening it changes
# nothing, issue 16); the read receipt then shows.
def test_a_national_announcement_is_unread_for_a_municipal_member_until_marked_read(
    client, login_as, tree, national_poster, partner, post
):
    announcement = post(national_poster, tree["national"], title="Nasjonal beslutning")
    login_as(client, partner)

    start = _page(client.get("/"))
    assert "Nasjonal beslutning" in start
    assert "Ulest" in start
    assert "Ulest" in _page(client.get("/kunngjoringer/"))

    detail = client.get(f"/kunngjoringer/{announcement.pk}/")

    assert detail.status_code == 200
    assert f'action="/kunngjoringer/{announcement.pk}/marker-lest/"' in _page(detail)
    assert "Nasjonal beslutning" in _page(client.get("/"))

    marked = client.post(f"/kunngjoringer/{announcement.pk}/marker-lest/")

    assert marked.status_code == 302
    assert marked.url == f"/kunngjoringer/{announcement.pk}/"
    assert "marker-lest" not in _page(client.get(marked.url))
    assert "Nasjonal beslutning" not in _page(client.get("/"))
    assert "Du har ingen uleste kunngjøringer." in _page(client.get("/"))
    assert "Ulest" not in _page(client.get("/kunngjoringer/"))

    client.logout()
    login_as(client, national_poster)
    receipts = client.get(f"/kunngjoringer/{announcement.pk}/lest/")

    assert receipts.status_code == 200
    page = _page(receipts)
    assert "Paul" in page
    receipt = ReadReceipt.objects.get(announcement=announcement, user=partner)
    assert receipt.read_at.strftime("%Y") in page


def test_the_body_is_escaped_and_keeps_its_paragraphs(client, login_as, tree, owner, partner, post):
    announcement = post(owner, tree["municipal"], body="<script>alert(1)</script>\n\nAndre")
    login_as(client, partner)

    page = _page(client.get(f"/kunngjoringer/{announcement.pk}/"))

    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</p>" in page
    assert "<p>Andre</p>" in page


def test_an_outsider_gets_404_for_an_announcement_they_do_not_receive(
    client, login_as, tree, owner, outsider, post
):
    announcement = post(owner, tree["municipal"])
    login_as(client, outsider)

    assert client.get(f"/kunngjoringer/{announcement.pk}/").status_code == 404
    assert client.get(f"/kunngjoringer/{announcement.pk}/lest/").status_code == 404
    assert client.get("/kunngjoringer/999999/").status_code == 404
    assert not ReadReceipt.objects.filter(user=outsider).exists()
    assert announcement.title not in _page(client.get("/kunngjoringer/"))


def test_a_sibling_network_member_does_not_receive_it(
    client, login_as, tree, owner, outsider, post
):
    post(owner, tree["municipal"], title="Bare for Drammen")
    login_as(client, outsider)

    assert "Bare for Drammen" not in _page(client.get("/"))
    assert "Bare for Drammen" not in _page(client.get("/kunngjoringer/"))


def test_only_the_author_and_the_network_administrators_see_the_receipts(
    client, login_as, tree, national_poster, owner, partner, post
):
    by_owner = post(owner, tree["municipal"])
    national = post(national_poster, tree["national"])

    login_as(client, partner)
    assert client.get(f"/kunngjoringer/{by_owner.pk}/lest/").status_code == 404
    assert client.get(f"/kunngjoringer/{national.pk}/lest/").status_code == 404
    assert "Hvem har lest" not in _page(client.get(f"/kunngjoringer/{by_owner.pk}/"))

    login_as(client, owner)
    # The owner administers the municipal network, not the national one.
    assert client.get(f"/kunngjoringer/{by_owner.pk}/lest/").status_code == 200
    assert client.get(f"/kunngjoringer/{national.pk}/lest/").status_code == 404


def test_the_receipts_list_who_has_not_read_it_yet_with_counts(
    client, login_as, tree, national_poster, owner, partner, outsider, post
):
    announcement = post(national_poster, tree["national"])
    login_as(client, owner)
    client.post(f"/kunngjoringer/{announcement.pk}/marker-lest/")
    login_as(client, national_poster)

    have_read = _page(client.get(f"/kunngjoringer/{announcement.pk}/lest/"))
    not_yet = _page(client.get(f"/kunngjoringer/{announcement.pk}/lest/?vis=ulest"))

    assert "1 har lest den." in have_read
    assert "2 har ikke lest den ennå." in have_read
    assert "Eva" in have_read and "Paul" not in have_read
    assert "Paul" in not_yet and "Ulla" in not_yet and "Eva" not in not_yet
    assert "Nav Oslo" in not_yet


def test_a_member_who_may_post_publishes_and_it_is_audited(client, login_as, tree, owner):
    login_as(client, owner)
    form = _page(client.get("/kunngjoringer/ny/"))
    assert "SLT Drammen" in form
    assert "Nasjonalt" not in form

    response = client.post(
        "/kunngjoringer/ny/",
        {
            "network": tree["municipal"].pk,
            "kind": "decision",
            "title": "Nytt møtetidspunkt",
            "body": "Vi møtes første tirsdag.",
        },
    )

    announcement = Announcement.objects.get()
    assert response.status_code == 302
    assert response.url == f"/kunngjoringer/{announcement.pk}/"
    assert announcement.kind == "decision"
    assert announcement.author == owner
    assert AuditEntry.objects.filter(action="announcements.published").count() == 1


def test_the_form_says_in_norwegian_what_is_missing(client, login_as, tree, owner):
    login_as(client, owner)

    response = client.post("/kunngjoringer/ny/", {"kind": "announcement"})

    page = _page(response)
    assert response.status_code == 200
    assert "Velg nettverket du vil publisere i." in page
    assert "Skriv en tittel." in page
    assert "Skriv teksten i kunngjøringen." in page
    assert not Announcement.objects.exists()


def test_a_member_who_may_not_post_gets_403_and_is_not_offered_the_form(
    client, login_as, tree, partner
):
    login_as(client, partner)

    assert "/kunngjoringer/ny/" not in _page(client.get("/kunngjoringer/"))
    assert client.get("/kunngjoringer/ny/").status_code == 403
    response = client.post(
        "/kunngjoringer/ny/",
        {"network": tree["municipal"].pk, "kind": "announcement", "title": "T", "body": "B"},
    )
    assert response.status_code == 403
    assert not Announcement.objects.exists()


def test_posting_in_a_network_one_may_not_post_in_gets_403(client, login_as, tree, owner):
    login_as(client, owner)

    response = client.post(
        "/kunngjoringer/ny/",
        {"network": tree["national"].pk, "kind": "announcement", "title": "T", "body": "B"},
    )

    assert response.status_code == 403
    assert not Announcement.objects.exists()


def test_the_list_searches_titles_filters_unread_and_pages(
    client, login_as, tree, owner, partner, post
):
    for n in range(23):
        post(owner, tree["municipal"], title=f"Melding {n:02d}")
    post(owner, tree["municipal"], title="Referat fra møtet")
    login_as(client, partner)
    client.post(f"/kunngjoringer/{Announcement.objects.get(title='Melding 05').pk}/marker-lest/")

    first = _page(client.get("/kunngjoringer/"))
    assert "24 kunngjøringer" in first
    # Newest first.
    assert first.index("Referat fra møtet") < first.index("Melding 22")
    assert "Melding 00" not in first
    second = _page(client.get("/kunngjoringer/?side=2"))
    assert "Melding 00" in second
    assert "Referat" in _page(client.get("/kunngjoringer/?q=referat"))
    assert "Melding" not in _page(client.get("/kunngjoringer/?q=referat")).split("Resultater")[1]
    unread = _page(client.get("/kunngjoringer/?vis=ulest"))
    assert "23 kunngjøringer" in unread
    assert "Melding 05" not in unread


def test_the_list_costs_the_same_few_queries_however_many_announcements(
    client, login_as, tree, owner, partner, post, django_assert_max_num_queries
):
    for n in range(15):
        post(owner, tree["municipal"], title=f"Melding {n}")
    login_as(client, partner)

    # session, user, OTP device, current agency; visible networks (3); count and page (2);
    # posting rights (3); the session save (3 with its savepoint).
    with django_assert_max_num_queries(11):
        response = client.get("/kunngjoringer/")

    assert _page(response).count("Ulest") == 15


def test_the_receipts_page_costs_the_same_few_queries_however_many_readers(
    client,
    login_as,
    tree,
    owner,
    partner,
    make_user,
    partner_agency,
    post,
    django_assert_max_num_queries,
):
    announcement = post(owner, tree["municipal"])
    for n in range(12):
        reader = make_user(f"leser{n}", partner_agency)
        ReadReceipt.objects.create(announcement=announcement, user=reader)
    login_as(client, owner)

    # session, user, OTP device, current agency; visible networks (3); the announcement;
    # the network tree; the two counts; the page's count, rows and their agencies (3);
    # the session save (3). The author needs no administrator check.
    with django_assert_max_num_queries(13):
        read = client.get(f"/kunngjoringer/{announcement.pk}/lest/")
    with django_assert_max_num_queries(13):
        not_read = client.get(f"/kunngjoringer/{announcement.pk}/lest/?vis=ulest")

    assert _page(read).count("Nav Drammen") == 12
    assert "Paul" in _page(not_read)


def test_the_start_page_shows_at_most_five_unread_in_a_fixed_number_of_queries(
    client, login_as, tree, owner, partner, post, django_assert_max_num_queries
):
    for n in range(8):
        post(owner, tree["municipal"], title=f"Melding {n}")
    login_as(client, partner)

    # The start page's own 10 (one of them the overdue tasks of cases the user
    # coordinates), and 4 for the unread block: the user's agencies, their networks,
    # the network tree, the unread items. And 4 for consent and sharing (consents ending
    # soon, the user's case-work agencies, follow-ups, notices). And 2 for exit work: the
    # measures past their evaluation date and the follow-up reviews after exit. And 1 for
    # the individual plans past their revision date that the user coordinates. And 2 for
    # the user's signed assessments due for review (the cases they still see, the due ones).
    # And 1 for the possible duplicates waiting for the user's coordinator roles.
    # And 3 for the first action and "My cases" (issue 21 item 11), and 1 for the requests
    # for information waiting for the agency's answer.
    with django_assert_max_num_queries(27):
        response = client.get("/")

    assert _page(response).count("Melding ") == 5
    assert "Melding 7" in _page(response)


# No GET changes state (issue 16): marking as read is an explicit POST ------------------


def test_opening_an_announcement_writes_no_receipt_and_no_audit_entry(
    client, login_as, tree, owner, partner, post
):
    announcement = post(owner, tree["municipal"])
    login_as(client, partner)
    entries = AuditEntry.objects.count()

    for _ in range(2):
        assert client.get(f"/kunngjoringer/{announcement.pk}/").status_code == 200

    assert not ReadReceipt.objects.filter(user=partner).exists()
    assert AuditEntry.objects.count() == entries


def test_marking_as_read_is_audited_once_and_keeps_the_first_time(
    client, login_as, tree, owner, partner, post
):
    announcement = post(owner, tree["municipal"])
    login_as(client, partner)
    url = f"/kunngjoringer/{announcement.pk}/marker-lest/"

    client.post(url)
    first = ReadReceipt.objects.get(user=partner)
    again = client.post(url)

    assert again.status_code == 302
    assert ReadReceipt.objects.get(user=partner).read_at == first.read_at
    [entry] = AuditEntry.objects.filter(action="announcements.read")
    assert (entry.actor_id, entry.target_id) == (partner.pk, str(announcement.pk))


def test_marking_as_read_is_only_a_post(client, login_as, tree, owner, partner, post):
    announcement = post(owner, tree["municipal"])
    login_as(client, partner)

    response = client.get(f"/kunngjoringer/{announcement.pk}/marker-lest/")

    assert response.status_code == 405
    assert not ReadReceipt.objects.filter(user=partner).exists()


def test_marking_as_read_needs_the_csrf_token(login_as, tree, owner, partner, post):
    """Another site cannot mark announcements read in the user's name."""
    from django.test import Client

    announcement = post(owner, tree["municipal"])
    client = Client(enforce_csrf_checks=True)
    login_as(client, partner)

    response = client.post(f"/kunngjoringer/{announcement.pk}/marker-lest/")

    assert response.status_code == 403
    assert not ReadReceipt.objects.filter(user=partner).exists()


def test_an_outsider_cannot_mark_an_announcement_they_do_not_receive(
    client, login_as, tree, owner, outsider, post
):
    announcement = post(owner, tree["municipal"])
    login_as(client, outsider)

    response = client.post(f"/kunngjoringer/{announcement.pk}/marker-lest/")
    missing = client.post("/kunngjoringer/999999/marker-lest/")

    assert response.status_code == missing.status_code == 404
    assert not ReadReceipt.objects.filter(user=outsider).exists()
    assert not AuditEntry.objects.filter(action="announcements.read").exists()
