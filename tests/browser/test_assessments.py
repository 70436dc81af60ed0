"""Risk and needs assessments on the demo exit case ("Eksempel Exitsen (fiktiv)"), which
has three signed assessments by the SLT coordinator, each superseding the one before.

The development page charts every domain over the three assessments, with a table of
the same figures that match the ratings in the database. The police are on the case's
team, but the assessments were never shared with them: they see none, and the detail,
compare and development pages of them do not exist for the police; for an agency
outside the case the assessment pages do not exist at all. Every assessment page passes
axe, at desktop width and at 320 px, and the rating form and the chart page do not
scroll sideways at 320 px. Last, the coordinator assesses again from the newest
assessment: changes two ratings ("unknown" is refused without a reason), writes the
summary and the review date and signs; the new assessment cannot be changed, the one it
supersedes says so and links to the comparison, which lists exactly the two changed
items, and the development page counts four assessments.

The interface texts are being translated, so elements are found by id, name, URL or
role, never by their visible text. Texts the test or the demo data (the instrument's
questions, domain names and rating labels) writes are fine to look for.

The tests before the last only read the demo's three assessments (the axe test makes a
draft and discards it again); the last one signs a fourth, so it comes last in the file.
"""

import datetime
import re
import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import act_as, shell, submit
from tests.browser.pagecheck import REFLOW_VIEWPORT, VIEWPORTS, check_page, click_and_wait

pytestmark = pytest.mark.browser

PERSON = "Eksempel Exitsen (fiktiv)"
INSTRUMENT = "behov-og-motivasjon"
# What the pages show of the demo, in bokmål (the interface language of the tests), found
# from the database rather than from the services the pages use.
DEMO = f"""
import json
from django.template.defaultfilters import date
from django.utils import timezone, translation
from tverrnett.assessments.models import Assessment, Instrument, Rating
translation.activate("nb")
signed = list(
    Assessment.objects.filter(
        case__subject__name={PERSON!r}, instrument__code={INSTRUMENT!r}, status="signed"
    ).order_by("assessed_on", "pk")
)
instrument = signed[-1].instrument
domains = instrument.definition["domains"]
first = domains[0]
options = instrument.scale(first["scale"])
counts = []
for assessment in signed:
    values = list(
        Rating.objects.filter(assessment=assessment, domain_code=first["code"])
        .values_list("value", flat=True)
    )
    counts.append([values.count(code) for code, _label in options])
newest = {{rating.item_code: rating.value for rating in signed[-1].ratings.all()}}
items = []
for domain in domains[:2]:
    item = domain["items"][0]
    items.append({{
        "code": item["code"],
        "question": item["question"]["nb"],
        "value": newest[item["code"]],
        "options": [code for code, _label in instrument.scale(domain["scale"])],
    }})
print(json.dumps({{
    "case": signed[0].case_id,
    "signed": [assessment.pk for assessment in signed],
    "dates": [date(assessment.assessed_on) for assessment in signed],
    "instrument": instrument.pk,
    "domains": [domain["name"]["nb"] for domain in domains],
    "item_count": len(instrument.item_codes()),
    "first_labels": [label for _code, label in options],
    "first_counts": counts,
    "items": items,
    "today": timezone.localdate().isoformat(),
    "today_label": date(timezone.localdate()),
}}))
"""
# The acting user, as the demo seeding does: the services act for users who passed both
# factors, and a manage.py shell has no login.
AS_SLT = """
import datetime, json
from django.contrib.auth import get_user_model
from django.utils import timezone
from tverrnett.assessments import services
from tverrnett.assessments.models import Assessment
slt = get_user_model().objects.get(username="slt.demo")
slt.is_verified = lambda: True
today = timezone.localdate()
"""
SUCCESS = ".tn-messages .ds-alert[data-color=success]"
ERROR = ".tn-messages .ds-alert[data-color=danger][role=alert]"
COUNT_ROWS = "table:has(caption[id$='-counts']) tbody tr"
UNKNOWN = "unknown"
# A pixel of rounding at most.
TOLERANCE = 1


@pytest.fixture(scope="module")
def demo(server):
    """The demo case, its three signed assessments (oldest first) and what their pages
    show, read once, before the last test adds a fourth."""
    data = shell(server, DEMO)
    assert len(data["signed"]) == 3, data["signed"]
    data["list"] = f"/saker/{data['case']}/vurderinger/"
    return data


def detail(demo, pk):
    return f"{demo['list']}{pk}/"


def signed_on_case(server, case_pk):
    """The case's signed assessments, oldest first, and how many drafts it has."""
    return shell(
        server,
        "import json\n"
        "from tverrnett.assessments.models import Assessment\n"
        f"assessments = Assessment.objects.filter(case_id={case_pk})\n"
        "print(json.dumps({\n"
        "    'signed': list(assessments.filter(status='signed')\n"
        "        .order_by('assessed_on', 'pk').values_list('pk', flat=True)),\n"
        "    'drafts': assessments.filter(status='draft').count(),\n"
        "}))\n",
    )


def fill_draft_like(server, draft_pk, model_pk, summary):
    """Rate every item of the draft as the model assessment does, with a summary and a
    review date, as slt.demo; what the draft still lacks for signing."""
    return shell(
        server,
        AS_SLT + f"draft = Assessment.objects.get(pk={draft_pk})\n"
        f"model = Assessment.objects.get(pk={model_pk})\n"
        "ratings = {\n"
        "    rating.item_code: {\n"
        "        'value': rating.value, 'note': rating.note,\n"
        "        'unknown_reason': rating.unknown_reason,\n"
        "    }\n"
        "    for rating in model.ratings.all()\n"
        "}\n"
        "services.save_draft(\n"
        "    slt, draft, version=draft.version, ratings=ratings,\n"
        f"    summary={summary!r}, recommended_measures='',\n"
        "    assessed_on=today, review_on=today + datetime.timedelta(days=90),\n"
        ")\n"
        "print(json.dumps([str(line) for line in services.missing_for_signing(draft)]))\n",
    )


def assert_no_sideways_scroll(page, name):
    """At 320 px the page itself does not scroll sideways, its tables and charts shown:
    what is wider scrolls in its own region."""
    page.set_viewport_size(REFLOW_VIEWPORT)
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size(VIEWPORTS["desktop"])
    assert width <= REFLOW_VIEWPORT["width"] + TOLERANCE, (
        f"{name} is {width} px wide at 320 px ({page.url})"
    )


def test_the_development_page_charts_each_domain_over_the_assessments(
    context, page, session_of, demo
):
    act_as(context, session_of, "slt.demo")
    page.goto(demo["list"])
    click_and_wait(page, page.locator(f'main a[href="{demo["list"]}utvikling/"]'))
    expect(page).to_have_url(re.compile(re.escape(f"{demo['list']}utvikling/") + "$"))

    sections = page.locator("main section[aria-labelledby^=development-]")
    expect(sections).to_have_count(len(demo["domains"]))
    details = [detail(demo, pk) for pk in demo["signed"]]
    for index, name in enumerate(demo["domains"]):
        section = sections.nth(index)
        expect(section.locator("h2")).to_have_text(name)
        # A chart with a name of its own, and the table of its figures: one row per
        # assessment, oldest first, each leading to the assessment.
        chart = section.get_by_role("img")
        expect(chart).to_have_count(1)
        expect(chart).to_have_accessible_name(re.compile(re.escape(name)))
        rows = section.locator(COUNT_ROWS)
        expect(rows).to_have_count(len(details))
        expect(rows.locator("th")).to_have_text(demo["dates"])
        for row, href in enumerate(details):
            expect(rows.nth(row).locator("th a")).to_have_attribute("href", href)

    # The first domain's figures are the ratings in the database, counted per rating.
    first = sections.first
    table = first.locator("table:has(caption[id$='-counts'])")
    expect(table.locator("thead th + th")).to_have_text(demo["first_labels"])
    rows = first.locator(COUNT_ROWS)
    for row, counts in enumerate(demo["first_counts"]):
        expect(rows.nth(row).locator("td")).to_have_text([str(count) for count in counts])
        assert sum(counts) > 0, f"the demo rated nothing in {demo['domains'][0]}"
    # The chart draws the same: a segment per rating given, named and numbered.
    segments = [
        (label, count)
        for counts in demo["first_counts"]
        for label, count in zip(demo["first_labels"], counts, strict=True)
        if count
    ]
    chart = first.get_by_role("img")
    expect(chart.locator("rect > title")).to_have_text(
        [f"{label}: {count}" for label, count in segments]
    )
    expect(chart.locator("text[text-anchor=middle]")).to_have_text(
        [str(count) for _label, count in segments]
    )
    # And the legend names every rating of the scale.
    for label in demo["first_labels"]:
        expect(chart.locator("text", has_text=re.compile(f"^{re.escape(label)}$"))).to_have_count(1)


def test_the_assessments_are_not_shown_to_the_police_or_outsiders(context, page, session_of, demo):
    case = f"/saker/{demo['case']}/"
    newest = demo["signed"][-1]
    hidden = [
        *(detail(demo, pk) for pk in demo["signed"]),
        f"{demo['list']}sammenlign/?fra={demo['signed'][0]}&til={newest}",
        f"{demo['list']}utvikling/?instrument={INSTRUMENT}",
    ]

    # The police are on the team: the case and its assessment list open, but the
    # assessments were never shared with them.
    act_as(context, session_of, "politi.demo")
    response = page.goto(case)
    assert response.status == 200, f"politi.demo {case}: {response.status}"
    response = page.goto(demo["list"])
    assert response.status == 200, f"politi.demo {demo['list']}: {response.status}"
    listed = page.locator("main section[aria-labelledby=assessments-heading]")
    expect(listed).to_be_visible()
    expect(listed.locator("table")).to_have_count(0)
    for pk in demo["signed"]:
        expect(page.locator(f'main a[href="{detail(demo, pk)}"]')).to_have_count(0)
    expect(page.locator(f'main a[href^="{demo["list"]}sammenlign/"]')).to_have_count(0)
    expect(page.locator(f'main a[href^="{demo["list"]}utvikling/"]')).to_have_count(0)
    page.goto(f"{demo['list']}utvikling/")
    expect(page.get_by_role("img")).to_have_count(0)
    expect(page.locator(f"main {COUNT_ROWS}")).to_have_count(0)
    for path in hidden:
        response = page.goto(path)
        assert response.status == 404, f"politi.demo {path}: {response.status}"
        expect(page.locator("main")).not_to_contain_text(demo["domains"][0])

    # The school is not on the case's team: nothing of the case exists for it.
    act_as(context, session_of, "skole.demo")
    for path in [demo["list"], f"{demo['list']}utvikling/", *hidden]:
        response = page.goto(path)
        assert response.status == 404, f"skole.demo {path}: {response.status}"
        expect(page.locator("main")).not_to_contain_text("Eksempel Exitsen")


def test_the_assessment_pages_pass_axe(context, page, server, session_of, demo, shots):
    act_as(context, session_of, "slt.demo")
    newest = detail(demo, demo["signed"][-1])

    page.goto(demo["list"])
    expect(page.locator(f'main a[href="{newest}"]')).to_be_visible()
    check_page(page, "assessment-list", shots)

    page.goto(newest)
    expect(page.locator("main h1 .ds-tag[data-color=success]")).to_be_visible()
    check_page(page, "assessment-detail", shots)

    page.goto(f"{demo['list']}sammenlign/")
    expect(page.locator("#id_fra")).to_have_value(str(demo["signed"][1]))
    expect(page.locator("#id_til")).to_have_value(str(demo["signed"][2]))
    check_page(page, "assessment-compare", shots)

    page.goto(f"{demo['list']}utvikling/")
    expect(page.get_by_role("img")).to_have_count(len(demo["domains"]))
    check_page(page, "assessment-development", shots)
    assert_no_sideways_scroll(page, "the development page")

    page.goto("/vurderinger/instrumenter/")
    instrument = f"/vurderinger/instrumenter/{demo['instrument']}/"
    link = page.locator(f'main a[href="{instrument}"]')
    expect(link).to_be_visible()
    check_page(page, "assessment-instruments", shots)
    click_and_wait(page, link)
    expect(page).to_have_url(server.url(instrument))
    expect(page.locator("main section h2")).to_have_count(len(demo["domains"]))
    check_page(page, "assessment-instrument", shots)

    # A new draft (superseding nothing, so the last test can still assess again from
    # the newest): the start page, the empty rating form and, filled in, the sign page.
    page.goto(demo["list"])
    click_and_wait(page, page.locator(f'main a[href="{demo["list"]}ny/"]'))
    expect(page.locator("#id_assessed_on")).to_have_value(demo["today"])
    expect(page.locator("input[name=instrument]:checked")).to_have_count(1)
    check_page(page, "assessment-start", shots)
    submit(page)
    expect(page).to_have_url(re.compile(re.escape(demo["list"]) + r"\d+/endre/$"))
    expect(page.locator(SUCCESS)).to_be_visible()
    draft = page.url.removeprefix(server.base_url).removesuffix("endre/")
    draft_pk = int(draft.strip("/").split("/")[-1])
    expect(page.locator("form.tn-assessment-form input[type=radio]:checked")).to_have_count(0)
    check_page(page, "assessment-edit", shots)
    assert_no_sideways_scroll(page, "the rating form")

    summary = f"Utkast til axe-sjekk ({secrets.token_hex(3)})."
    assert fill_draft_like(server, draft_pk, demo["signed"][-1], summary) == []
    page.goto(draft)
    expect(page.locator("main h1 .ds-tag[data-color=warning]")).to_be_visible()
    click_and_wait(page, page.locator(f'main a[href="{draft}signer/"]'))
    expect(page.locator("input[name=political_opinions]")).to_be_visible()
    expect(page.locator("main")).to_contain_text(summary)
    check_page(page, "assessment-sign", shots)

    # Discarded again: the demo keeps its three signed assessments and no draft.
    page.goto(draft)
    click_and_wait(page, page.locator(f'main form[action="{draft}forkast/"] button'))
    expect(page).to_have_url(server.url(demo["list"]))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(page.locator(f'main a[href="{draft}"]')).to_have_count(0)
    assert signed_on_case(server, demo["case"]) == {"signed": demo["signed"], "drafts": 0}


def test_the_coordinator_assesses_again_signs_and_compares(
    context, page, server, session_of, demo, shots
):
    act_as(context, session_of, "slt.demo")
    token = secrets.token_hex(3)
    older_pk = demo["signed"][-1]
    older = detail(demo, older_pk)
    first, second = demo["items"]
    # The first item becomes unknown; the second gets another rating on its scale.
    assert first["value"] != UNKNOWN, first
    second_value = next(
        code for code in second["options"] if code not in (second["value"], UNKNOWN)
    )
    today = datetime.date.fromisoformat(demo["today"])
    review_on = (today + datetime.timedelta(days=120)).isoformat()

    # Assess again, from the newest signed assessment.
    page.goto(older)
    again = page.locator(f'main a[href="{demo["list"]}ny/?erstatter={older_pk}"]')
    expect(again).to_be_visible()
    click_and_wait(page, again)
    expect(page.locator(f"input[name=supersedes][value='{older_pk}']")).to_have_count(1)
    expect(page.locator("#id_assessed_on")).to_have_value(demo["today"])
    expect(page.locator("input[name=instrument]")).to_have_count(1)
    expect(page.locator("input[name=instrument]")).to_be_checked()
    submit(page)
    expect(page).to_have_url(re.compile(re.escape(demo["list"]) + r"\d+/endre/$"))
    edit = page.url.removeprefix(server.base_url)
    new = edit.removesuffix("endre/")
    new_pk = int(new.strip("/").split("/")[-1])

    # It starts from the older assessment's ratings.
    first_value = page.locator(f"input[name='{first['code']}-value'][value='{first['value']}']")
    second_value_before = page.locator(
        f"input[name='{second['code']}-value'][value='{second['value']}']"
    )
    expect(first_value).to_be_checked()
    expect(second_value_before).to_be_checked()

    # "Unknown" without a reason is refused on the reason's field; nothing is saved.
    page.locator(f"input[name='{first['code']}-value'][value='{UNKNOWN}']").check()
    page.locator(f"input[name='{second['code']}-value'][value='{second_value}']").check()
    click_and_wait(page, page.locator("form.tn-assessment-form button[name=save]"))
    expect(page).to_have_url(server.url(edit))
    reason = page.locator(f"#id_{first['code']}-unknown_reason")
    expect(page.locator(f"#id_{first['code']}-unknown_reason_error")).to_be_visible()
    expect(reason).to_be_visible()  # Its <details> opens to show the error.
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"input[name='{first['code']}-value'][value='{UNKNOWN}']")).to_be_checked()
    expect(
        page.locator(f"input[name='{second['code']}-value'][value='{second_value}']")
    ).to_be_checked()
    expect(page.locator(SUCCESS)).to_have_count(0)
    check_page(page, "assessment-edit-error", shots)

    # With the reason, the summary and the review date, on to signing.
    reason.fill(f"Han vil ikke snakke om trusler nå; tas opp i neste samtale ({token}).")
    summary = f"Stabil bolig og arbeidstrening; motivasjonen holder seg ({token})."
    page.locator("#id_summary").fill(summary)
    page.locator("#id_recommended_measures").fill("Fortsette arbeidstrening og mentor.")
    page.locator("#id_review_on").fill(review_on)
    click_and_wait(page, page.locator("form.tn-assessment-form button[name=sign]"))
    expect(page).to_have_url(server.url(f"{new}signer/"))
    expect(page.locator("main")).to_contain_text(summary)
    political = page.locator("input[name=political_opinions]")
    expect(political).not_to_be_checked()
    political.check()
    submit(page)

    # Signed: it shows so, and it cannot be edited any more.
    expect(page).to_have_url(server.url(new))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(page.locator("main h1 .ds-tag[data-color=success]")).to_be_visible()
    expect(page.locator("main h1 .ds-tag[data-color=warning]")).to_have_count(0)
    expect(page.locator("main")).to_contain_text(summary)
    expect(page.locator(f'main dl a[href="{older}"]')).to_be_visible()  # What it supersedes.
    expect(page.locator(f'main a[href="{edit}"]')).to_have_count(0)
    expect(page.locator(f'main a[href="{new}signer/"]')).to_have_count(0)
    expect(page.locator(f'main form[action="{new}forkast/"]')).to_have_count(0)
    expect(page.locator(f'main a[href="{demo["list"]}ny/?erstatter={new_pk}"]')).to_be_visible()
    check_page(page, "assessment-signed", shots)
    page.goto(edit)
    expect(page).to_have_url(server.url(new))
    expect(page.locator(ERROR)).to_be_visible()
    expect(page.locator("form.tn-assessment-form")).to_have_count(0)
    # The sign page refuses the same way: it cannot be signed twice.
    page.goto(f"{new}signer/")
    expect(page).to_have_url(server.url(new))
    expect(page.locator(ERROR)).to_be_visible()
    assert signed_on_case(server, demo["case"]) == {
        "signed": [*demo["signed"], new_pk],
        "drafts": 0,
    }
    item_tags = shell(
        server,
        "import json\n"
        "from tverrnett.assessments.models import Assessment\n"
        f"entry = Assessment.objects.get(pk={new_pk}).entry\n"
        "print(json.dumps([entry.political_opinions, entry.health_data]))\n",
    )
    assert item_tags == [True, False]

    # The older one is superseded: it says so, links to the comparison and can no longer
    # be assessed again.
    page.goto(older)
    expect(page.locator("main h1 .ds-tag[data-color=neutral]")).to_be_visible()
    superseded = page.locator("main .ds-alert[data-color=info]")
    expect(superseded.locator(f'a[href="{new}"]')).to_be_visible()
    compare = superseded.locator(f'a[href="{demo["list"]}sammenlign/?fra={older_pk}&til={new_pk}"]')
    expect(compare).to_be_visible()
    expect(page.locator("main a[href*='?erstatter=']")).to_have_count(0)

    # The list: the new one signed, the three before it superseded.
    page.goto(demo["list"])
    rows = page.locator("main section[aria-labelledby=assessments-heading] tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first.locator(f'a[href="{new}"]')).to_have_text(demo["today_label"])
    expect(rows.locator(".ds-tag[data-color=success]")).to_have_count(1)
    expect(rows.first.locator(".ds-tag[data-color=success]")).to_have_count(1)
    expect(rows.locator(".ds-tag[data-color=neutral]")).to_have_count(3)

    # The comparison: every item, the two changed ones marked; then only those two.
    page.goto(older)
    click_and_wait(page, compare)
    items = page.locator("main table tbody tr")
    expect(items).to_have_count(demo["item_count"])
    changed = page.locator("main table tbody tr.tn-changed")
    expect(changed.locator("th")).to_have_text([first["question"], second["question"]])
    expect(page.locator("#id_fra")).to_have_value(str(older_pk))
    expect(page.locator("#id_til")).to_have_value(str(new_pk))
    page.locator("#id_endret").check()
    click_and_wait(page, page.locator("main form.tn-case-filter button[type=submit]"))
    expect(page).to_have_url(re.compile(r"[?&]endret=1(&|$)"))
    expect(items).to_have_count(2)
    expect(changed).to_have_count(2)
    expect(items.locator("th")).to_have_text([first["question"], second["question"]])
    # The older and the newer rating of each, by the instrument's own labels.
    expect(items.nth(0).locator("td").nth(1)).to_have_text("Ukjent")
    check_page(page, "assessment-compare-changed", shots)

    # The development page now counts four assessments in every domain, the new one last.
    page.goto(f"{demo['list']}utvikling/")
    tables = page.locator("main table:has(caption[id$='-counts'])")
    expect(tables).to_have_count(len(demo["domains"]))
    for index in range(len(demo["domains"])):
        rows = tables.nth(index).locator("tbody tr")
        expect(rows).to_have_count(4)
        expect(rows.last.locator("th a")).to_have_attribute("href", new)
        expect(rows.last.locator("th")).to_have_text(demo["today_label"])


CERTIFIED_INSTRUMENT = '''
import json, tempfile
from pathlib import Path
from tverrnett.assessments.instruments import load_instrument
text = """format: 1
code: sertifisert-eksempel
version: "1.0"
published_on: 2026-11-01
owner: RVTS Øst (eksempel)
raters: certified
name: {nb: Eksempelverktøy for sertifiserte (fiktivt), en: Example tool for certified raters}
purpose: {nb: Et fiktivt verktøy for testen., en: A made-up tool for the test.}
licence: {nb: Bare for testen., en: For the test only.}
scales:
  - code: presence
    options:
      - {code: not_present, nb: Ikke til stede, en: Not present}
      - {code: present, nb: Til stede, en: Present}
      - {code: unknown, nb: Ukjent, en: Unknown}
domains:
  - code: one
    scale: presence
    name: {nb: Et område, en: One domain}
    items:
      - {code: one-item, kind: need, question: {nb: "Et spørsmål?", en: "A question?"}}
"""
path = Path(tempfile.mkdtemp()) / "sertifisert.yaml"
path.write_text(text, encoding="utf-8")
instrument, _created = load_instrument(path)
print(json.dumps({"code": instrument.code}))
'''


def test_a_manager_registers_and_ends_a_raters_certification(
    context, page, server, session_of, shots
):
    """An instrument for certified raters only: the manager of the SLT's agency registers
    the coordinator's certification, and ends it."""
    code = shell(server, CERTIFIED_INSTRUMENT)["code"]
    act_as(context, session_of, "leder.demo")
    page.goto("/vurderinger/instrumenter/")
    click_and_wait(page, page.locator('main a[href="/vurderinger/sertifiseringer/"]'))
    expect(page.locator("#id_instrument_code")).to_be_visible()
    check_page(page, "assessment-certifications", shots)

    page.locator("#id_user").select_option(label="Siri Demo (SLT)")
    page.locator("#id_instrument_code").select_option(code)
    page.locator("#id_issued_by").fill("RVTS Øst")
    page.locator("#id_certified_on").fill(
        (datetime.date.today() - datetime.timedelta(days=7)).isoformat()
    )
    submit(page)
    row = page.locator("main table tbody tr", has_text="Siri Demo (SLT)")
    expect(row).to_contain_text("Eksempelverktøy for sertifiserte (fiktivt)")
    expect(row).to_contain_text("RVTS Øst")
    check_page(page, "assessment-certifications-registered", shots)
    certified = shell(
        server,
        "import json\nfrom tverrnett.assessments.models import RaterCertification\n"
        f"c = RaterCertification.objects.get(user__username='slt.demo', instrument_code='{code}')\n"
        "print(json.dumps({'until': str(c.valid_until)}))\n",
    )
    assert certified["until"] == "None"

    click_and_wait(page, row.locator("button[type=submit]"))
    ended = shell(
        server,
        "import json\nfrom tverrnett.assessments.models import RaterCertification\n"
        f"c = RaterCertification.objects.get(user__username='slt.demo', instrument_code='{code}')\n"
        "print(json.dumps({'until': str(c.valid_until)}))\n",
    )
    assert ended["until"] != "None"
    expect(row.locator("button[type=submit]")).to_have_count(0)
