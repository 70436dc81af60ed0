"""Notification chains (varsler): PST tells the police district that a presumed foreign
fighter is on the way home to Drammen, the police pass it on to the municipality's SLT
coordinator, and the municipality's decision on special follow-up goes back to the
police (X11.12, L26).

The first test is the issue's acceptance, entirely through the pages: pst.demo sends
the notice from the start form; politi.demo finds it on the start page and in the
inbox, reads it, acknowledges it and passes on less than it received; slt.demo finds
it, cannot read what PST wrote to the police, acknowledges and decides on special
follow-up; the police acknowledge the decision. The chain page then shows every hop
with the times it was sent and acknowledged, the events table lists every step, and
the database agrees. Strangers (the school and RVTS) get 404 on every chain page and
see no chain in their inbox. A notice past its deadline is escalated by one run of the
background worker (nobody to escalate to in the demo, unless another test gave the
role a deputy or the police district a manager), shows as overdue to the sender, and a
second run adds nothing. Every notice page passes axe, at desktop width and at 320 px.

The interface texts are being translated, so elements are found by id, name, URL or
role, never by their visible text. Texts the test or the demo data writes (subjects,
content, names), and what the database renders in bokmål (role names, times, event
kinds), are fine to look for.

The demo has one chain ("Hjemkomst meldt til Drammen (demo)", waiting at SLT); the
tests only read it. Each test makes the chains it changes, so they do not depend on
each other's order.
"""

import re
import secrets
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import act_as, shell, submit
from tests.browser.pagecheck import check_page, click_and_wait

pytestmark = pytest.mark.browser

DEMO_SUBJECT = "Hjemkomst meldt til Drammen (demo)"
TEMPLATE = "returning_foreign_fighter"
ESCALATION_KINDS = ("escalated_deputy", "escalated_managers", "no_escalation")
SUCCESS = ".tn-messages .ds-alert[data-color=success]"
HOPS = "main li.tn-step[id^=varsel-]"
EVENTS = "main section[aria-labelledby=events-heading] table tbody tr"
# A field's error message (the character counters share the class: data-field="counter").
FIELD_ERROR = 'form.tn-form .ds-validation-message[data-field="validation"]'
# A time as the pages write it (the language's DATETIME_FORMAT: "7. des. 2026 kl. 07.15").
TIME = re.compile(r"\d{1,2}\. \S+ \d{4} kl\. \d{2}\.\d{2}")
# What every shell snippet starts with: bokmål, as the pages, e-mail kept in memory, and
# the demo users acting as the demo seeding does (the services act for users who passed
# both factors, and a manage.py shell has no login).
PRELUDE = """
import datetime, json
from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.defaultfilters import date
from django.utils import timezone, translation
from tverrnett.agencies.models import Agency
from tverrnett.geography.services import resolve_municipality
from tverrnett.networks.models import Role
from tverrnett.notices import services
from tverrnett.notices.models import Notice, NoticeChain, NoticeEvent
translation.activate("nb")
# The e-mails the services send stay in memory: what the shell prints is JSON only.
settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
users = {
    user.username: user
    for user in get_user_model().objects.filter(
        username__in=["pst.demo", "politi.demo", "slt.demo"]
    )
}
for user in users.values():
    user.is_verified = lambda: True
drammen = resolve_municipality("3301")
def when(moment, format="DATETIME_FORMAT"):
    return date(timezone.localtime(moment), format) if moment else None
"""
DEMO = (
    PRELUDE
    + f"""
police = Role.objects.get(
    kind="police_radicalisation_contact", police_district=drammen.police_district
)
slt = Role.objects.get(kind="slt_coordinator", municipality=drammen)
print(json.dumps({{
    "police_role": str(police),
    "slt_role": str(slt),
    "demo_chain": NoticeChain.objects.get(subject={DEMO_SUBJECT!r}).pk,
}}))
"""
)


@pytest.fixture(scope="module")
def demo(server):
    """The two roles the chain goes to, as the pages name them, and the demo chain."""
    return shell(server, DEMO)


def chain_path(pk):
    return f"/varsler/{pk}/"


def chain_state(server, chain_pk):
    """The chain, its notices (by hop) and its events (in order), times as the pages
    write them."""
    return shell(
        server,
        PRELUDE + f"chain = NoticeChain.objects.get(pk={chain_pk})\n"
        "def name(user):\n"
        "    return user and (user.get_full_name() or user.username)\n"
        "print(json.dumps({\n"
        "    'status': chain.status,\n"
        "    'special_follow_up': chain.special_follow_up,\n"
        "    'decision_note': chain.decision_note,\n"
        "    'decided_by': chain.decided_by and chain.decided_by.username,\n"
        "    'notices': [{\n"
        "        'pk': notice.pk, 'hop': notice.hop, 'is_decision': notice.is_decision,\n"
        "        'role': notice.recipient_role.kind, 'sender': notice.sender.username,\n"
        "        'content': notice.content, 'forwarded': notice.forwarded,\n"
        "        'acknowledged_by': notice.acknowledged_by and notice.acknowledged_by.username,\n"
        "        'sent': when(notice.sent_at), 'acknowledged': when(notice.acknowledged_at),\n"
        "        'escalation_level': notice.escalation_level,\n"
        "    } for notice in chain.notices.order_by('hop', 'pk')],\n"
        "    'events': [{\n"
        "        'kind': event.kind, 'label': str(event.get_kind_display()),\n"
        "        'at': when(event.at, 'j. M Y H:i:s'), 'actor': name(event.actor),\n"
        "    } for event in chain.events.order_by('at', 'pk')],\n"
        "}))\n",
    )


def new_chain(server, subject, content, *, acknowledged_by=(), forward=None):
    """A chain started by pst.demo for Drammen, its first notice acknowledged by the users
    in `acknowledged_by` in turn and, with `forward`, passed on by politi.demo with that
    content; the chain's pk and its notices' pks (by hop)."""
    code = PRELUDE + (
        "chain = services.start_chain(\n"
        "    users['pst.demo'], Agency.objects.get(name='PST'),\n"
        f"    template_code={TEMPLATE!r}, municipality=drammen,\n"
        f"    subject={subject!r}, content={content!r}, urgency='normal',\n"
        ")\n"
        "first = chain.notices.get()\n"
    )
    if "politi.demo" in acknowledged_by:
        code += "services.acknowledge(users['politi.demo'], first)\n"
    if forward is not None:
        code += f"services.forward(users['politi.demo'], first, content={forward!r})\n"
    if "slt.demo" in acknowledged_by:
        code += "services.acknowledge(users['slt.demo'], chain.notices.get(hop=2))\n"
    code += (
        "print(json.dumps({'chain': chain.pk, 'notices': list(\n"
        "    chain.notices.order_by('hop', 'pk').values_list('pk', flat=True))}))\n"
    )
    return shell(server, code)


def run_worker(server):
    return server.manage("run_worker", "--once")


def hop(page, notice_pk):
    return page.locator(f"main li#varsel-{notice_pk}")


def acknowledge(page, notice_pk):
    """Press the hop's acknowledge button and wait for the chain page again."""
    click_and_wait(
        page,
        hop(page, notice_pk).locator(
            f'form[action="/varsler/varsel/{notice_pk}/bekreft/"] button[type=submit]'
        ),
    )


def expect_acknowledged(page, notice_pk):
    item = hop(page, notice_pk)
    tag = item.locator(".ds-tag[data-color=success]")
    expect(tag).to_be_visible()
    expect(tag).to_contain_text(TIME)
    expect(item.locator("form[action$='/bekreft/']")).to_have_count(0)


def test_a_notice_is_sent_received_acknowledged_passed_on_and_decided(
    context, page, server, session_of, demo, shots
):
    token = secrets.token_hex(3)
    subject = f"Hjemkomst til Drammen {token} (test)"
    # PST's words to the police: the second sentence is for the police only.
    for_the_municipality = f"En person er ventet hjem til Drammen innen to uker ({token})."
    for_the_police_only = f"Reiserute og kilde gis muntlig ({token}, kun politiet)."
    content = f"{for_the_municipality}\n{for_the_police_only}"
    note = f"Kommunen setter ned et team ({token})."
    back = f"Kommunen følger opp med særskilt oppfølging ({token})."

    mail_dir = Path(server.env["EMAIL_FILE_PATH"])
    mails_before = set(mail_dir.glob("*.log"))

    # PST starts the chain from the inbox: one kind of chain it may start, Drammen by
    # name, and lands on the chain's page, the first hop going to the police district's
    # radicalisation contact.
    act_as(context, session_of, "pst.demo")
    page.goto("/varsler/")
    click_and_wait(page, page.locator('main a[href="/varsler/ny/"]'))
    page.locator(f"input[name=template][value={TEMPLATE}]").check()
    page.locator("#id_municipality").fill("Drammen")
    page.locator("#id_subject").fill(subject)
    page.locator("input[name=urgency][value=urgent]").check()
    page.locator("#id_content").fill(content)
    expect(page.locator("#id_legal_basis")).to_have_value("")
    submit(page)
    expect(page).to_have_url(re.compile(re.escape(server.url("/varsler/")) + r"\d+/$"))
    expect(page.locator(SUCCESS)).to_be_visible()
    chain_pk = int(page.url.rstrip("/").split("/")[-1])
    chain = chain_path(chain_pk)
    expect(page.locator("main h1")).to_have_text(subject)
    hops = page.locator(HOPS)
    expect(hops).to_have_count(1)
    first_pk = int((hops.first.get_attribute("id") or "").removeprefix("varsel-"))
    expect(hop(page, first_pk).locator("h3")).to_contain_text(demo["police_role"])
    expect(hop(page, first_pk)).to_contain_text(for_the_police_only)
    # Waiting for the police: PST cannot acknowledge or pass on for them.
    expect(hop(page, first_pk).locator(".ds-tag[data-color=warning]")).to_contain_text(TIME)
    expect(hop(page, first_pk).locator("form, a")).to_have_count(0)

    # The police: on the start page and in the inbox, waiting; the chain page has what
    # PST wrote.
    act_as(context, session_of, "politi.demo")
    page.goto("/")
    waiting = page.locator(
        f'main section[aria-labelledby=waiting-notices-heading] a[href="{chain}"]'
    )
    expect(waiting).to_have_text(subject)
    page.goto("/varsler/")
    waiting = page.locator(f'main section[aria-labelledby=waiting-heading] a[href="{chain}"]')
    expect(waiting).to_have_text(subject)
    expect(
        page.locator(f'main section[aria-labelledby=chains-heading] a[href="{chain}"]')
    ).to_be_visible()
    click_and_wait(page, waiting)
    expect(page).to_have_url(server.url(chain))
    expect(hop(page, first_pk)).to_contain_text(for_the_municipality)
    expect(hop(page, first_pk)).to_contain_text(for_the_police_only)
    # Not passed on before it is acknowledged.
    forward = f"/varsler/varsel/{first_pk}/send-videre/"
    expect(page.locator(f'main a[href="{forward}"]')).to_have_count(0)
    acknowledge(page, first_pk)
    expect(page).to_have_url(server.url(chain))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect_acknowledged(page, first_pk)
    # No longer waiting for them.
    page.goto("/varsler/")
    expect(
        page.locator(f'main section[aria-labelledby=waiting-heading] a[href="{chain}"]')
    ).to_have_count(0)

    # Passed on: the form holds what PST wrote; the police send only the first sentence.
    page.goto(chain)
    click_and_wait(page, hop(page, first_pk).locator(f'a[href="{forward}"]'))
    expect(page.locator("#id_content")).to_have_value(content)
    expect(page.locator("main")).to_contain_text(demo["slt_role"])
    page.locator("#id_content").fill(for_the_municipality)
    submit(page)
    expect(page).to_have_url(server.url(chain))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(hops).to_have_count(2)
    second_pk = int((hops.nth(1).get_attribute("id") or "").removeprefix("varsel-"))
    expect(hop(page, second_pk).locator("h3")).to_contain_text(demo["slt_role"])
    expect(hop(page, second_pk)).to_contain_text(for_the_municipality)
    expect(hop(page, second_pk)).not_to_contain_text(for_the_police_only)
    # Passed on once: the link is gone.
    expect(page.locator(f'main a[href="{forward}"]')).to_have_count(0)

    # The municipality: on the start page; it reads what the police sent it, not what
    # PST sent the police.
    act_as(context, session_of, "slt.demo")
    page.goto("/")
    waiting = page.locator(
        f'main section[aria-labelledby=waiting-notices-heading] a[href="{chain}"]'
    )
    expect(waiting).to_have_text(subject)
    click_and_wait(page, waiting)
    expect(hop(page, second_pk)).to_contain_text(for_the_municipality)
    expect(hop(page, first_pk)).not_to_contain_text(for_the_municipality)
    expect(page.locator("main")).not_to_contain_text(for_the_police_only)
    expect(hop(page, first_pk).locator("form, a")).to_have_count(0)
    decide = f"/varsler/varsel/{second_pk}/beslutning/"
    expect(page.locator(f'main a[href="{decide}"]')).to_have_count(0)
    acknowledge(page, second_pk)
    expect_acknowledged(page, second_pk)
    # The last hop forward: nothing to pass on, a decision to record.
    expect(hop(page, second_pk).locator("a[href$='/send-videre/']")).to_have_count(0)
    click_and_wait(page, hop(page, second_pk).locator(f'a[href="{decide}"]'))
    expect(page.locator("main")).to_contain_text(demo["police_role"])
    page.locator("input[name=special_follow_up][value=yes]").check()
    page.locator("#id_note").fill(note)
    page.locator("#id_content").fill(back)
    submit(page)
    expect(page).to_have_url(server.url(chain))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(page.locator("main dl")).to_contain_text(note)
    expect(hops).to_have_count(3)
    third_pk = int((hops.nth(2).get_attribute("id") or "").removeprefix("varsel-"))
    expect(hop(page, third_pk).locator("h3")).to_contain_text(demo["police_role"])
    expect(hop(page, third_pk)).to_contain_text(back)
    # Decided once: the link is gone.
    expect(page.locator(f'main a[href="{decide}"]')).to_have_count(0)

    # The decision reaches the police, who acknowledge it; nothing is left to do.
    act_as(context, session_of, "politi.demo")
    page.goto("/")
    waiting = page.locator(
        f'main section[aria-labelledby=waiting-notices-heading] a[href="{chain}"]'
    )
    click_and_wait(page, waiting)
    expect(hop(page, third_pk)).to_contain_text(back)
    acknowledge(page, third_pk)
    expect_acknowledged(page, third_pk)
    expect(page.locator("main li.tn-step .tn-case-actions a")).to_have_count(0)
    expect(page.locator("main li.tn-step form")).to_have_count(0)

    # Every hop, sent and acknowledged at the times the database has; every step in the
    # events table, in order, with its time and who did it.
    state = chain_state(server, chain_pk)
    notices = state["notices"]
    assert [notice["pk"] for notice in notices] == [first_pk, second_pk, third_pk]
    expect(hops).to_have_count(3)
    for notice in notices:
        item = hop(page, notice["pk"])
        expect(item.locator("p").first).to_contain_text(notice["sent"])
        expect(item.locator(".ds-tag[data-color=success]")).to_contain_text(notice["acknowledged"])
    events = state["events"]
    assert [event["kind"] for event in events] == [
        "sent",
        "acknowledged",
        "sent",
        "acknowledged",
        "decided",
        "sent",
        "acknowledged",
    ]
    rows = page.locator(EVENTS)
    expect(rows).to_have_count(len(events))
    for row, event in enumerate(events):
        cells = rows.nth(row).locator("td")
        expect(cells.nth(0)).to_have_text(event["at"])
        expect(cells.nth(1)).to_have_text(event["label"])
        expect(cells.nth(2)).to_have_text(event["actor"])
    check_page(page, "notice-chain-completed", shots)

    # The database: PST → police → SLT, the decision back to the police; each hop
    # acknowledged by its role, the decision recorded, the chain completed.
    assert [
        (n["hop"], n["is_decision"], n["role"], n["sender"], n["acknowledged_by"]) for n in notices
    ] == [
        (1, False, "police_radicalisation_contact", "pst.demo", "politi.demo"),
        (2, False, "slt_coordinator", "politi.demo", "slt.demo"),
        (3, True, "police_radicalisation_contact", "slt.demo", "politi.demo"),
    ]
    # (A browser sends a textarea's line breaks as CRLF.)
    assert [n["content"].replace("\r\n", "\n") for n in notices] == [
        content,
        for_the_municipality,
        back,
    ]
    assert [n["forwarded"] for n in notices] == [True, False, False]
    assert state["special_follow_up"] is True
    assert state["decision_note"] == note
    assert state["decided_by"] == "slt.demo"
    assert state["status"] == "completed"

    # The e-mails the server sent (the file backend): one for each new hop's role holder,
    # with a link to the inbox (never to the chain) and nothing of what the notices say.
    sent_now = [
        message.read_text(encoding="utf-8")
        for message in set(mail_dir.glob("*.log")) - mails_before
    ]
    assert len(sent_now) >= 3
    for text in sent_now:
        assert re.search(r"https?://\S+/varsler/\s", text), text
    # Every notice e-mail the run sent. An invitation (tests/browser/test_account_admin.py)
    # names the agency it invites to, as it must; it says nothing of any notice.
    mails = [message.read_text(encoding="utf-8") for message in mail_dir.glob("*.log")]
    for text in (text for text in mails if "/invitasjon/" not in text):
        assert chain not in text
        for secret in (subject, for_the_municipality, for_the_police_only, note, back, "Drammen"):
            assert secret not in text


def test_a_chain_does_not_exist_for_strangers(
    context, page, server, session_of, logged_in_state, demo
):
    """The school and RVTS took no part in any chain: every chain page, and the pages to
    pass on or decide on its notices, answer 404, and their inbox lists nothing."""
    token = secrets.token_hex(3)
    subject = f"Ikke for skolen {token} (test)"
    made = new_chain(
        server,
        subject,
        f"Ventet hjem ({token}).",
        acknowledged_by=["politi.demo", "slt.demo"],
        forward=f"Ventet hjem til Drammen ({token}).",
    )
    everything = shell(
        server,
        "import json\nfrom tverrnett.notices.models import Notice, NoticeChain\n"
        "print(json.dumps({\n"
        "    'chains': list(NoticeChain.objects.values_list('pk', flat=True)),\n"
        "    'notices': list(Notice.objects.values_list('pk', flat=True)),\n"
        "}))\n",
    )
    assert demo["demo_chain"] in everything["chains"]
    assert made["chain"] in everything["chains"]
    paths = [
        *(chain_path(pk) for pk in everything["chains"]),
        *(f"/varsler/varsel/{pk}/send-videre/" for pk in everything["notices"]),
        *(f"/varsler/varsel/{pk}/beslutning/" for pk in everything["notices"]),
    ]

    for who in ("skole.demo", "rvts.demo"):
        context.clear_cookies()
        if who == "rvts.demo":
            # The package's looking-only session is rvts.demo's: no second login.
            context.add_cookies(logged_in_state["cookies"])
        else:
            act_as(context, session_of, who)
        for path in paths:
            response = page.goto(path)
            assert response.status == 404, f"{who} {path}: {response.status}"
            expect(page.locator("main")).not_to_contain_text(subject)
            expect(page.locator("main")).not_to_contain_text(DEMO_SUBJECT)
        # Neither may start a chain (PST starts this one; the other, the municipality,
        # NAV, child welfare and health).
        response = page.goto("/varsler/ny/")
        assert response.status == 403, f"{who} /varsler/ny/: {response.status}"
        response = page.goto("/varsler/")
        assert response.status == 200, f"{who} /varsler/: {response.status}"
        expect(page.locator("main h1")).to_be_visible()
        for pk in everything["chains"]:
            expect(page.locator(f'a[href="{chain_path(pk)}"]')).to_have_count(0)
        expect(page.locator("main section[aria-labelledby=chains-heading] table")).to_have_count(0)
        expect(page.locator('main a[href="/varsler/ny/"]')).to_have_count(0)
        page.goto("/")
        expect(page.locator("main a[href^='/varsler/']")).to_have_count(0)


def test_an_overdue_notice_is_escalated_by_the_worker_once(
    context, page, server, session_of, demo, shots
):
    token = secrets.token_hex(3)
    subject = f"Ikke bekreftet i tide {token} (test)"
    made = new_chain(server, subject, f"Ventet hjem til Drammen ({token}).")
    chain_pk, (notice_pk,) = made["chain"], made["notices"]
    chain = chain_path(chain_pk)

    # Not overdue yet: the sender has nothing overdue for it, and the worker leaves it.
    act_as(context, session_of, "pst.demo")
    page.goto("/varsler/")
    overdue = page.locator(f'main section[aria-labelledby=overdue-heading] a[href="{chain}"]')
    expect(overdue).to_have_count(0)
    run_worker(server)
    assert [e["kind"] for e in chain_state(server, chain_pk)["events"]] == ["sent"]

    # Sent 25 hours ago, its deadline an hour past.
    shell(
        server,
        PRELUDE + "now = timezone.now()\n"
        f"Notice.objects.filter(pk={notice_pk}).update(\n"
        "    sent_at=now - datetime.timedelta(hours=25),\n"
        "    deadline=now - datetime.timedelta(hours=1),\n"
        ")\n"
        "print(json.dumps(None))\n",
    )
    output = run_worker(server)
    assert re.search(r"\bescalations [1-9]", output), output
    state = chain_state(server, chain_pk)
    escalations = [event for event in state["events"] if event["kind"] in ESCALATION_KINDS]
    assert len(escalations) == 1, state["events"]
    assert [event["kind"] for event in state["events"]] == ["sent", escalations[0]["kind"]]
    assert state["notices"][0]["escalation_level"] >= 1
    assert state["notices"][0]["acknowledged_by"] is None

    # The sender sees it overdue in the inbox and on the start page.
    page.goto("/varsler/")
    expect(overdue).to_have_text(subject)
    expect(overdue.locator("xpath=..").locator(".ds-tag[data-color=danger]")).to_be_visible()
    page.goto("/")
    overdue_home = page.locator(
        f'main section[aria-labelledby=overdue-notices-heading] a[href="{chain}"]'
    )
    expect(overdue_home).to_have_text(subject)
    # The chain page: the hop is overdue, and the escalation is in the events table, by
    # Tverrnett (no one), at the time the worker ran.
    click_and_wait(page, overdue_home)
    expect(hop(page, notice_pk).locator(".ds-tag[data-color=danger]")).to_contain_text(TIME)
    rows = page.locator(EVENTS)
    expect(rows).to_have_count(2)
    expect(rows.nth(1).locator("td").nth(0)).to_have_text(escalations[0]["at"])
    expect(rows.nth(1).locator("td").nth(1)).to_have_text(escalations[0]["label"])
    assert escalations[0]["actor"] is None

    # A second run moves nothing: no event anywhere, none on this chain.
    count = (
        "import json\nfrom tverrnett.notices.models import NoticeEvent\n"
        "print(json.dumps([NoticeEvent.objects.count(),\n"
        f"    NoticeEvent.objects.filter(chain_id={chain_pk}).count()]))\n"
    )
    before = shell(server, count)
    run_worker(server)
    assert shell(server, count) == before
    assert (
        chain_state(server, chain_pk)["notices"][0]["escalation_level"]
        == (state["notices"][0]["escalation_level"])
    )


def test_the_notice_pages_pass_axe(context, page, server, session_of, demo, shots):
    token = secrets.token_hex(3)

    # The inbox, with something waiting and a list of chains (the police see the demo
    # chain, which they passed on).
    act_as(context, session_of, "politi.demo")
    page.goto("/varsler/")
    expect(page.locator(f'main a[href="{chain_path(demo["demo_chain"])}"]')).to_be_visible()
    check_page(page, "notice-inbox", shots)

    # The pass-on form, of a notice the police acknowledged; and sent empty.
    made = new_chain(
        server,
        f"Axe-sjekk {token} (test)",
        f"Ventet hjem ({token}).",
        acknowledged_by=["politi.demo"],
    )
    first_pk = made["notices"][0]
    forward = f"/varsler/varsel/{first_pk}/send-videre/"
    page.goto(chain_path(made["chain"]))
    click_and_wait(page, hop(page, first_pk).locator(f'a[href="{forward}"]'))
    expect(page.locator("#id_content")).to_have_value(f"Ventet hjem ({token}).")
    check_page(page, "notice-forward", shots)
    page.locator("#id_content").fill("")
    submit(page)
    expect(page).to_have_url(server.url(forward))
    expect(page.locator("#id_content")).to_have_attribute("aria-invalid", "true")
    check_page(page, "notice-forward-errors", shots)

    # The start form, and the same sent empty: an error at every required field.
    act_as(context, session_of, "pst.demo")
    page.goto("/varsler/ny/")
    expect(page.locator(f"input[name=template][value={TEMPLATE}]")).to_be_visible()
    check_page(page, "notice-start", shots)
    submit(page)
    expect(page).to_have_url(server.url("/varsler/ny/"))
    for field in ("municipality", "subject", "content"):
        expect(page.locator(f"#id_{field}")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(FIELD_ERROR)).to_have_count(3)
    check_page(page, "notice-start-errors", shots)
    # A municipality that is not one: an error there, and nothing sent.
    page.locator("#id_municipality").fill(f"Ingensteds {token}")
    page.locator("#id_subject").fill(f"Ingen kommune {token} (test)")
    page.locator("#id_content").fill("Ventet hjem.")
    submit(page)
    expect(page).to_have_url(server.url("/varsler/ny/"))
    expect(page.locator("#id_municipality")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(FIELD_ERROR)).to_have_count(1)

    # The chain page, waiting at the municipality (the demo chain).
    act_as(context, session_of, "slt.demo")
    page.goto(chain_path(demo["demo_chain"]))
    expect(page.locator("main h1")).to_have_text(DEMO_SUBJECT)
    expect(page.locator("main li.tn-step form[action$='/bekreft/']")).to_have_count(1)
    check_page(page, "notice-chain", shots)

    # The decision form, of a notice the municipality acknowledged; and sent empty.
    made = new_chain(
        server,
        f"Axe-sjekk beslutning {token} (test)",
        f"Ventet hjem ({token}).",
        acknowledged_by=["politi.demo", "slt.demo"],
        forward=f"Ventet hjem til Drammen ({token}).",
    )
    second_pk = made["notices"][1]
    decide = f"/varsler/varsel/{second_pk}/beslutning/"
    page.goto(chain_path(made["chain"]))
    click_and_wait(page, hop(page, second_pk).locator(f'a[href="{decide}"]'))
    expect(page.locator("input[name=special_follow_up]")).to_have_count(2)
    check_page(page, "notice-decide", shots)
    submit(page)
    expect(page).to_have_url(server.url(decide))
    expect(page.locator("#id_content")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(FIELD_ERROR)).to_have_count(2)
    check_page(page, "notice-decide-errors", shots)
    assert chain_state(server, made["chain"])["special_follow_up"] is None


def test_a_linked_case_shows_its_reference_only_to_those_in_the_case(
    context, page, server, session_of, demo, shots
):
    """The police district links a chain to its own demo case (Test Testesen, coordinated
    by the police role): the police see the reference, a link to the case and may change or
    remove the link; PST and SLT, on the chain but not in the case, see that a case is
    linked and nothing more, and are offered nothing to change. The police then remove the
    link, which leaves the demo as it was."""
    token = secrets.token_hex(3)
    made = new_chain(
        server,
        f"Knyttet til sak {token} (test)",
        f"Ventet hjem ({token}).",
        acknowledged_by=["politi.demo"],
        forward=f"Ventet hjem til Drammen ({token}).",
    )
    chain = chain_path(made["chain"])
    case = shell(
        server,
        PRELUDE + "from tverrnett.cases.models import ConcernCase\n"
        "case = ConcernCase.objects.get(subject__name='Test Testesen (fiktiv)')\n"
        "print(json.dumps({'pk': case.pk, 'reference': case.reference}))\n",
    )
    case_link = f'a[href="/saker/{case["pk"]}/"]'
    # The link to the question before removing the link (issue 21 item 10).
    unlink = f'a[href="{chain}sak/fjern/"]'

    act_as(context, session_of, "politi.demo")
    page.goto(chain)
    page.locator("#id_reference").fill(case["reference"])
    submit(page)
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(page.locator(f"#linked-case {case_link}")).to_have_text(case["reference"])
    expect(page.locator(unlink)).to_have_count(1)
    check_page(page, "notice-chain-linked-case", shots)

    for who in ("pst.demo", "slt.demo"):
        act_as(context, session_of, who)
        page.goto(chain)
        expect(page.locator("#linked-case")).to_be_visible()
        expect(page.locator("main")).not_to_contain_text(case["reference"])
        expect(page.locator(f"main {case_link}")).to_have_count(0)
        expect(page.locator("main a[href^='/saker/']")).to_have_count(0)
        expect(page.locator(unlink)).to_have_count(0)
        expect(page.locator(f'form[action="{chain}sak/"]')).to_have_count(0)
        check_page(page, f"notice-chain-linked-case-{who.split('.')[0]}", shots)
        # A direct request to remove the link (with the page's CSRF token): what a missing
        # chain gets.
        token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
        for path in (f"{chain}sak/fjern/", "/varsler/999999/sak/fjern/"):
            removed = page.request.post(
                server.url(path), headers={"X-CSRFToken": token or ""}, max_redirects=0
            )
            assert removed.status == 404, (who, path, removed.status)

    act_as(context, session_of, "politi.demo")
    page.goto(chain)
    click_and_wait(page, page.locator(unlink))
    check_page(page, "notice-chain-unlink-confirm", shots)
    click_and_wait(page, page.locator("form[data-confirm-removal] button[type=submit]"))
    expect(page.locator("#linked-case")).to_have_count(0)


def test_a_coordinator_change_waits_in_the_inbox_of_the_role(
    context, page, server, session_of, demo, shots
):
    """A coordinator change told to the police role shows in politi.demo's inbox with the
    case's reference (the police coordinate the case); it passes axe, and the holder marks
    it as read. (The row is made in the shell for the police's own demo case, so the demo's
    coordinators stay as they are; the service that makes it is tested in
    tverrnett/notices/tests/test_coordinator_change.py.)"""
    made = shell(
        server,
        PRELUDE + "from tverrnett.cases.models import ConcernCase\n"
        "from tverrnett.notices.models import CoordinatorChange\n"
        "case = ConcernCase.objects.get(subject__name='Test Testesen (fiktiv)')\n"
        "slt = Role.objects.get(kind='slt_coordinator', municipality=drammen)\n"
        "row = CoordinatorChange.objects.create(role=case.coordinator_role, case=case,\n"
        "    from_role=slt, to_role=case.coordinator_role, changed_by=users['slt.demo'])\n"
        "print(json.dumps({'pk': row.pk, 'case': case.pk, 'reference': case.reference}))\n",
    )
    act_as(context, session_of, "politi.demo")
    page.goto("/varsler/")
    changes = page.locator("#coordinator-changes")
    expect(changes.locator(f'a[href="/saker/{made["case"]}/"]')).to_have_text(made["reference"])
    check_page(page, "notice-inbox-coordinator-change", shots)
    # Another role's holder sees nothing of it.
    act_as(context, session_of, "pst.demo")
    page.goto("/varsler/")
    expect(page.locator("#coordinator-changes")).to_have_count(0)
    act_as(context, session_of, "politi.demo")
    page.goto("/varsler/")
    click_and_wait(
        page,
        changes.locator(
            f'form[action="/varsler/koordinator/{made["pk"]}/lest/"] button[type=submit]'
        ),
    )
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(page.locator("#coordinator-changes")).to_have_count(0)
