"""The case list's search in a real browser (issue 16, item 10): a POST that leaves no
search text in the address bar, paging and sorting that keep it, and the search for a
person by national identity number where the agency records them. axe on each page.

For this module Drammen kommune – SLT (slt.demo) records identity numbers and Demo
Demosen's case holds one; both are put back afterwards. Sør-Øst politidistrikt
(politi.demo) does not record numbers and is outside Demo Demosen's case.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import act_as, shell
from tests.browser.pagecheck import check_page, click_and_wait

pytestmark = pytest.mark.browser

# Valid per python-stdnum (15 July 1965).
NUMBER = "15076500565"
TYPED = "150765 00565"
PERSON = "Demo Demosen (fiktiv)"

SET_UP = """
import json
from tverrnett.agencies.models import Agency
from tverrnett.cases.models import Person
Agency.objects.filter(name="Drammen kommune – SLT").update(records_identity_numbers={on})
for person in Person.objects.filter(name="Demo Demosen (fiktiv)"):
    person.identity_number = "{number}"
    person.identity_number_reason = "{reason}"
    person.save()
print(json.dumps(True))
"""


@pytest.fixture(scope="module", autouse=True)
def numbers_recorded(server):
    shell(server, SET_UP.format(on=True, number=NUMBER, reason="Nettleser-test."))
    yield
    shell(server, SET_UP.format(on=False, number="", reason=""))


def search(page, text):
    page.locator("#id_q").fill(text)
    click_and_wait(page, page.locator("form.tn-case-filter button[type=submit]"))


def rows(page):
    return page.locator("table.ds-table tbody tr")


def test_a_search_leaves_nothing_typed_in_the_address_bar(context, page, session_of, shots):
    act_as(context, session_of, "slt.demo")
    page.goto("/saker/")

    search(page, "Demosen")

    assert "Demosen" not in page.url and "q=" not in page.url
    assert "sok=" in page.url
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text(PERSON)
    expect(page.locator("#id_q")).to_have_value("Demosen")
    check_page(page, "search-by-name", shots)

    # Sorting again keeps the search.
    page.locator("#id_sort").select_option("oldest")
    click_and_wait(page, page.locator("form.tn-case-filter button[type=submit]"))
    assert "sort=oldest" in page.url and "Demosen" not in page.url
    expect(rows(page)).to_have_count(1)


def test_the_coordinator_finds_the_person_by_identity_number(context, page, session_of, shots):
    act_as(context, session_of, "slt.demo")
    page.goto("/saker/")

    search(page, TYPED)

    assert "00565" not in page.url and "150765" not in page.url
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text(PERSON)
    # The number is not written back into the page.
    expect(page.locator("#id_q")).to_have_value("")
    assert NUMBER not in page.content() and "00565" not in page.content()
    expect(page.locator("#search-note")).to_be_visible()
    check_page(page, "search-by-number", shots)

    # Sorting with the field empty keeps the number search.
    page.locator("#id_sort").select_option("newest")
    click_and_wait(page, page.locator("form.tn-case-filter button[type=submit]"))
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text(PERSON)


def test_an_agency_that_does_not_record_numbers_finds_nothing_by_number(
    context, page, session_of, shots
):
    act_as(context, session_of, "politi.demo")
    page.goto("/saker/")

    search(page, NUMBER)

    assert NUMBER not in page.url
    expect(rows(page)).to_have_count(0)
    expect(page.locator("#search-note")).to_be_visible()
    assert PERSON not in page.content()
    check_page(page, "search-by-number-not-available", shots)
