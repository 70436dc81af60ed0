"""Documents, on the consent fixtures (one municipal network in Drammen).

`team_case` is the owner's adult case (Kari Nordmann) with Nav Drammen (the partner)
on the team and nothing shared with it. `upload` puts a document on a case through the
service; `pdf` is a small real PDF (pypdf reads it, so the marking check passes).
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tverrnett.cases.tests.conftest import audit_chain_stays_whole, signed_in  # noqa: F401
from tverrnett.consent.tests.conftest import *  # noqa: F403  (the case and consent fixtures)
from tverrnett.documents import services


def pdf_bytes(text="Referat fra møtet"):
    """A one-page PDF with `text` on it."""
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
    safe = text.encode("latin-1", "replace").decode("latin-1")
    stream.set_data(f"BT /F1 12 Tf 20 100 Td ({safe}) Tj ET".encode("latin-1"))
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_file(name="referat.pdf", text="Referat fra møtet"):
    return SimpleUploadedFile(name, pdf_bytes(text), content_type="application/pdf")


@pytest.fixture
def pdf():
    return pdf_file


@pytest.fixture
def upload(owner, media_root):
    """Upload a document to `case` as `actor` (default the owner)."""

    def upload(case, title="Referat", *, actor=None, file=None, **fields):
        fields.setdefault("confidentiality", "confidential")
        fields.setdefault("category", "measures")
        return services.upload_document(
            actor or owner, case, title=title, uploaded=file or pdf_file(), **fields
        )

    return upload
