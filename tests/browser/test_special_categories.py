"""Special categories (L34): leder.demo, the SLT's line manager, has no permission, so
the demo exit case's item tagged religious beliefs (Art. 9) is withheld from him: no
text, no tags, whom to ask. On his agency's special-category page he changes the end
date of slt.demo's permission (a wrong date first); slt.demo reads the item. Every
page is checked with axe, at desktop width and at 320 px."""

import datetime

import pytest
from django.utils import translation
from playwright.sync_api import expect

from tests.browser.conftest import log_in, shell, submit
from tests.browser.pagecheck import check_page, click_and_wait
from tverrnett.core import dates


def _day_nb(day):
    with translation.override("nb"):
        return dates.day(day)


pytestmark = pytest.mark.browser

SLT = "Drammen kommune – SLT"
TEXT = "Ble trukket mot en ekstrem tolkning av troen"
HEADER_AGENCY = ".tn-header .tn-user__agency"
BACK = "Tilbake til tilgang til særlige kategorier"


@pytest.fixture(scope="module")
def demo(server):
    return shell(
        server,
        "import json\n"
        "from tverrnett.agencies.models import Agency\n"
        "from tverrnett.cases.models import ConcernCase\n"
        "print(json.dumps({\n"
        "  'case': ConcernCase.objects.get(subject__name='Eksempel Exitsen (fiktiv)').pk,\n"
        f"  'agency': Agency.objects.get(name='{SLT}').pk,\n"
        "}))\n",
    )


def act_for_slt(page):
    """leder.demo works for the SLT and for child welfare: act for the SLT."""
    page.goto("/")
    if page.locator(HEADER_AGENCY).inner_text() != SLT:
        with page.expect_navigation():
            page.locator("form[action='/bytt-etat/'] button[type=submit]").click()
    expect(page.locator(HEADER_AGENCY)).to_have_text(SLT)


def test_the_item_is_withheld_until_a_manager_grants_access(page, server, demo, shots):
    background = f"/saker/{demo['case']}/exit/bakgrunn/"
    log_in(page, server, "leder.demo")
    act_for_slt(page)

    page.goto(background)
    withheld = page.locator(".tn-withheld")
    expect(withheld).to_have_count(1)
    expect(withheld).to_contain_text("Holdt tilbake")
    expect(withheld).to_contain_text("Be en leder i etaten din om tilgang")
    expect(page.get_by_text(TEXT)).to_have_count(0)
    expect(page.locator("main").get_by_text("Religion eller livssyn")).to_have_count(0)
    check_page(page, "special-category-withheld", shots)

    # The agency's page for it, from the agency's directory entry.
    page.goto(f"/etater/{demo['agency']}/")
    click_and_wait(page, page.get_by_role("link", name="Tilgang til særlige kategorier"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Tilgang til særlige kategorier i {SLT}"
    )
    check_page(page, "special-category-list", shots)
    click_and_wait(page, page.get_by_role("link", name="Trekk tilbake – Siri Demo (SLT)"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Trekk tilbake tilgang til opplysninger i særlige kategorier"
    )
    check_page(page, "special-category-revoke", shots)
    click_and_wait(page, page.get_by_role("link", name=BACK))
    click_and_wait(page, page.get_by_role("link", name="Endre sluttdatoen – Siri Demo (SLT)"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Gi tilgang til opplysninger i særlige kategorier"
    )
    too_late = datetime.date.today() + datetime.timedelta(days=400)
    page.locator("#id_ends_on").fill(too_late.isoformat())
    page.locator("#id_reason").fill("SLT-koordinator i exitsaker.")
    submit(page)
    expect(page.locator("#id_ends_on")).to_have_attribute("aria-invalid", "true")
    # The field's own message (the error summary at the top repeats it as a link).
    field_message = page.locator('[data-field="validation"]', has_text="Tilgangen kan vare i høyst")
    expect(field_message).to_be_visible()
    check_page(page, "special-category-grant-error", shots)
    ends = datetime.date.today() + datetime.timedelta(days=90)
    page.locator("#id_ends_on").fill(ends.isoformat())
    submit(page)
    expect(page.locator(".tn-messages [role=status]")).to_contain_text(
        f"kan lese opplysninger i særlige kategorier til og med {_day_nb(ends)}"
    )

    # slt.demo, who has it, reads the item.
    page.context.clear_cookies()
    log_in(page, server, "slt.demo")
    page.goto(background)
    expect(page.get_by_text(TEXT)).to_be_visible()
    expect(page.locator(".tn-withheld")).to_have_count(0)
