"""Notice pages from every side: PST (the sender), the police district's role, the
municipality's SLT role, a manager after escalation, and strangers: an agency outside the
chain, a voluntary organisation, the police role's colleague without the role."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tverrnett.audit.models import AuditEntry
from tverrnett.notices import services
from tverrnett.notices.models import Notice, NoticeChain
from tverrnett.notices.tests.conftest import CONTENT

pytestmark = pytest.mark.django_db


def detail_url(chain):
    return reverse("notices:detail", args=[chain.pk])


def state():
    return {
        "chains": sorted(NoticeChain.objects.values_list("pk", "status", "special_follow_up")),
        "notices": sorted(Notice.objects.values_list("pk", "acknowledged_at", "forwarded")),
    }


def test_pst_sends_from_the_page_and_the_police_role_gets_it(
    client,
    login_as,
    pst_user,
    police_role,
    slt_role,
    pst_role,
    police_contact,
    drammen,
    django_capture_on_commit_callbacks,
):
    police_contact.email = "politi@test.example"
    police_contact.save(update_fields=["email"])
    login_as(client, pst_user)
    assert client.get(reverse("notices:start")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("notices:start"),
            {
                "template": "returning_foreign_fighter",
                "municipality": "Drammen",
                "subject": "Hjemkomst",
                "urgency": "urgent",
                "content": CONTENT,
                "legal_basis": "",
            },
        )
    chain = NoticeChain.objects.get()
    assert response.status_code == 302 and response.url == detail_url(chain)
    assert chain.notices.get().recipient_role == police_role
    assert [message.to for message in mail.outbox] == [["politi@test.example"]]

    login_as(client, police_contact)
    inbox = client.get(reverse("notices:inbox")).content.decode()
    assert detail_url(chain) in inbox
    page = client.get(detail_url(chain)).content.decode()
    assert CONTENT in page
    assert reverse("notices:acknowledge", args=[chain.notices.get().pk]) in page


def test_the_municipality_acknowledges_and_decides_through_the_pages(
    client, login_as, chain, police_contact, owner
):
    first = chain.notices.get()
    services.acknowledge(police_contact, first)
    login_as(client, police_contact)
    response = client.post(
        reverse("notices:forward", args=[first.pk]), {"content": "Ventet hjem.", "legal_basis": ""}
    )
    assert response.status_code == 302
    second = chain.notices.get(hop=2)
    login_as(client, owner)
    assert client.post(reverse("notices:acknowledge", args=[second.pk])).status_code == 302
    response = client.post(
        reverse("notices:decide", args=[second.pk]),
        {
            "special_follow_up": "yes",
            "note": "Team settes.",
            "content": "Kommunen følger opp.",
            "legal_basis": "",
        },
    )
    assert response.status_code == 302
    chain.refresh_from_db()
    assert chain.special_follow_up is True
    page = client.get(detail_url(chain)).content.decode()
    # Every hop with its times.
    for notice in chain.notices.all():
        assert f'id="varsel-{notice.pk}"' in page


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_chain_does_not_exist_for_strangers(
    client, login_as, chain, outsider, partner, make_user, police_agency, method
):
    colleague = make_user("politikollega", police_agency)  # same agency, not the role
    first = chain.notices.get()
    detail = detail_url(chain)
    post_only = {
        reverse("notices:link_case", args=[chain.pk]),
        reverse("notices:acknowledge", args=[first.pk]),
    }
    urls = [
        detail,
        *post_only,
        # GET asks to confirm removing the link (issue 21 item 10).
        reverse("notices:unlink_case", args=[chain.pk]),
        reverse("notices:forward", args=[first.pk]),
        reverse("notices:decide", args=[first.pk]),
    ]
    before = state()
    # An agency outside the chain, a team partner in the municipality, and the police role
    # holder's colleague (the notice went to the role, not to the agency): 404 everywhere,
    # 405 only where the method is never allowed.
    for stranger in (outsider, partner, colleague):
        login_as(client, stranger)
        for url in urls:
            status = getattr(client, method)(url).status_code
            never_allowed = (method == "get" and url in post_only) or (
                method == "post" and url == detail
            )
            assert status == (405 if never_allowed else 404), (stranger.username, url, status)
            # The same answer as for a chain, or a notice, that does not exist.
            missing = url.replace(f"/{chain.pk}/", "/999999/").replace(
                f"/varsel/{first.pk}/", "/varsel/999999/"
            )
            assert getattr(client, method)(missing).status_code == status, missing
    assert state() == before


def test_a_voluntary_organisation_cannot_start_a_chain(client, login_as, volunteer, chain):
    login_as(client, volunteer)
    assert client.get(reverse("notices:start")).status_code == 403
    assert client.get(detail_url(chain)).status_code == 404
    assert detail_url(chain) not in client.get(reverse("notices:inbox")).content.decode()


def test_the_sender_sees_an_overdue_notice_on_the_start_page_and_in_the_inbox(
    client, login_as, chain, pst_user
):
    login_as(client, pst_user)
    assert detail_url(chain) not in client.get("/").content.decode()
    Notice.objects.filter(chain=chain).update(
        deadline=timezone.now() - datetime.timedelta(minutes=1)
    )
    home = client.get("/").content.decode()
    inbox = client.get(reverse("notices:inbox")).content.decode()
    assert detail_url(chain) in home
    assert detail_url(chain) in inbox


def test_opening_a_chain_is_audited(client, login_as, chain, police_contact):
    login_as(client, police_contact)
    client.get(detail_url(chain))
    entry = AuditEntry.objects.filter(action="notice.viewed").get()
    assert entry.actor_id == police_contact.pk
    assert entry.detail["notices"] == [chain.notices.get().pk]


@pytest.mark.parametrize("count", [1, 6])
def test_the_inbox_lists_in_a_fixed_number_of_queries(
    client,
    login_as,
    pst_user,
    pst_agency,
    drammen,
    police_role,
    slt_role,
    pst_role,
    django_assert_max_num_queries,
    count,
):
    for n in range(count):
        services.start_chain(
            pst_user,
            pst_agency,
            template_code="returning_foreign_fighter",
            municipality=drammen,
            subject=f"Hjemkomst {n}",
            content=CONTENT,
            urgency="normal",
        )
    login_as(client, pst_user)
    client.get(reverse("notices:inbox"))
    # (One of them the coordinator changes told to the user's roles, L21.)
    with django_assert_max_num_queries(11):
        assert client.get(reverse("notices:inbox")).status_code == 200
