"""The printed case summary (issue 21, item 5): slt.demo opens the demo case, follows the
link to its summary PDF and gets a PDF marked "Unntatt offentlighet, offl. § 13" with the
case's reference; the case page passes axe at desktop width and at 320 px.

The PDF is fetched with the page's own cookies (the context's request client), as the
browser would when following the link. Printing writes a read entry and changes nothing,
so the demo stays as it was.
"""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import act_as, shell
from tests.browser.pagecheck import check_page

pytestmark = pytest.mark.browser

MARKING = "Unntatt offentlighet, offl. § 13"
DEMO_CASE = """
import json
from tverrnett.cases.models import ConcernCase
case = ConcernCase.objects.get(subject__name="Demo Demosen (fiktiv)")
print(json.dumps({"pk": case.pk, "reference": case.reference}))
"""
PRINTS = """
import json
from tverrnett.audit.models import AuditEntry
print(json.dumps(AuditEntry.objects.filter(
    action="case.summary_printed", target_id="%s", actor_username="slt.demo"
).count()))
"""


def test_the_coordinator_prints_the_case_summary(context, page, server, session_of, shots):
    case = shell(server, DEMO_CASE)
    prints_before = shell(server, PRINTS % case["pk"])
    act_as(context, session_of, "slt.demo")

    page.goto(f"/saker/{case['pk']}/")
    check_page(page, "case-with-summary-link", shots)
    link = page.locator(f"a[href='/saker/{case['pk']}/utskrift/']")
    expect(link).to_be_visible()

    response = context.request.get(link.get_attribute("href"))

    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    pages = [" ".join(sheet.extract_text().split()) for sheet in reader.pages]
    text = " ".join(pages)
    assert case["reference"] in text
    assert "Demo Demosen" in text
    for number, sheet in enumerate(pages, start=1):
        assert MARKING in sheet, number
    assert shell(server, PRINTS % case["pk"]) == prints_before + 1
