"""Documents on a case (issue 21 item 1): slt.demo uploads a document to the demo young
person's case ("Demo Demosen (fiktiv)"). A file with a classification marking is refused
first, through the error summary. The document is shared with the school on the team by
a disclosure of its journal entry under the guardians' consent (set up with the
services, as the disclosure page would: its own browser test covers the page). Then the
school's user sees the document on the case page, opens it and downloads it: the bytes
are the ones uploaded. Every new page passes axe at 1280 and 375 px and does not scroll
sideways at 320 px.

The document stays on the demo case afterwards (documents are never removed), under a
title of its own per run.
"""

import io
import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, shell, submit
from tests.browser.pagecheck import check_page, click_and_wait

pytestmark = pytest.mark.browser

PERSON = "Demo Demosen (fiktiv)"
SCHOOL = "Drammen videregående skole"
DOCUMENTS = "section[aria-labelledby=documents-heading]"
SUCCESS = ".tn-messages .ds-alert[data-color=success]"

CASE = f"""
import json
from tverrnett.cases.models import ConcernCase
print(json.dumps({{"case": ConcernCase.objects.get(subject__name={PERSON!r}).pk}}))
"""


def pdf_bytes(text):
    """A one-page PDF with `text` on it (pypdf reads it, so the marking check can)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    stream = DecodedStreamObject()
    stream.set_data(f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode("latin-1"))
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def share_with_school(server, document_pk):
    return shell(
        server,
        f"""
import json
from django.contrib.auth import get_user_model
from tverrnett.agencies.models import Agency
from tverrnett.consent import services
from tverrnett.documents.models import CaseDocument
slt = get_user_model().objects.get(username="slt.demo")
slt.is_verified = lambda: True  # a manage.py shell has no login
document = CaseDocument.objects.get(pk={document_pk})
version = document.versions.get()
school = Agency.objects.get(name={SCHOOL!r})
consent = next(
    consent for consent in services.valid_consents(document.case)
    if consent.recipients.filter(pk=school.pk).exists()
)
disclosure = services.disclose(
    slt, document.case, items=[version.entry], recipient=school,
    purpose="Skolen følger opp i klassen.", consent=consent,
)
print(json.dumps({{"disclosure": disclosure.pk, "version": version.pk}}))
""",
    )


def test_a_document_is_uploaded_shared_and_downloaded_by_the_partner(page, context, server, shots):
    case = shell(server, CASE)["case"]
    title = f"Referat fra nettverksmøtet {secrets.token_hex(3)}"
    content = pdf_bytes("Referat fra nettverksmotet")

    log_in(page, server, "slt.demo")
    page.goto(f"/saker/{case}/")
    click_and_wait(page, page.locator(f"{DOCUMENTS} a[href$='/dokumenter/ny/']"))
    check_page(page, "document upload", shots)

    # A classified file is refused, in Norwegian, through the error summary.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.fill("input[name=title]", title)
    page.set_input_files(
        "input[name=file]",
        {"name": "gradert.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("BEGRENSET")},
    )
    page.select_option("select[name=category]", "measures")
    submit(page)
    summary = page.locator(".ds-error-summary, [data-error-summary]").first
    expect(summary).to_contain_text("BEGRENSET")
    check_page(page, "document upload refused", shots)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_input_files(
        "input[name=file]",
        {"name": "referat.pdf", "mimeType": "application/pdf", "buffer": content},
    )
    page.fill("textarea[name=note]", "Fra møtet i samarbeidsforumet.")
    if page.locator("input[name=category][value=measures]").count():
        page.select_option("select[name=category]", "measures")
    submit(page)
    expect(page.locator(SUCCESS)).to_have_count(1)
    expect(page.locator("h1")).to_have_text(title)
    document = int(page.url.rstrip("/").split("/")[-1])
    check_page(page, "document page", shots)

    page.goto(f"/saker/{case}/")
    expect(page.locator(f"{DOCUMENTS} tbody tr", has_text=title)).to_have_count(1)
    page.goto(f"/saker/{case}/dokumenter/")
    expect(page.locator("main tbody tr", has_text=title)).to_have_count(1)
    check_page(page, "document list", shots)

    # The school on the team sees nothing of it until it is shared.
    context.clear_cookies()
    school = context.new_page()
    log_in(school, server, "skole.demo")
    school.goto(f"/saker/{case}/")
    expect(school.locator(f"{DOCUMENTS} tbody tr", has_text=title)).to_have_count(0)
    assert school.goto(f"/saker/{case}/dokumenter/{document}/").status == 404

    shared = share_with_school(server, document)

    school.goto(f"/saker/{case}/")
    row = school.locator(f"{DOCUMENTS} tbody tr", has_text=title)
    expect(row).to_have_count(1)
    click_and_wait(school, row.get_by_role("link", name=title))
    expect(school.locator("h1")).to_have_text(title)
    check_page(school, "document page for the partner", shots)
    school.set_viewport_size({"width": 1280, "height": 900})
    with school.expect_download() as download_info:
        school.locator(f"a[href$='/versjoner/{shared['version']}/last-ned/']").click()
    download = download_info.value
    assert download.suggested_filename == "referat.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read() == content
