"""What check_upload accepts and refuses: type by extension and content, size, markings."""

import pytest
from django.core.exceptions import ValidationError

from tverrnett.core.files import DOCX, JPEG, ODP, ODT, PDF, PNG, PPTX, check_upload
from tverrnett.core.tests import samples


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("program.pdf", samples.pdf_bytes(), PDF),
        ("notat.docx", samples.docx_bytes("Hei"), DOCX),
        ("lysark.pptx", samples.pptx_bytes(), PPTX),
        ("notat.odt", samples.opendocument_bytes("text"), ODT),
        ("lysark.odp", samples.opendocument_bytes("presentation"), ODP),
        ("bilde.png", samples.PNG_BYTES, PNG),
        ("bilde.JPG", samples.JPEG_BYTES, JPEG),
        ("bilde.jpeg", samples.JPEG_BYTES, JPEG),
    ],
)
def test_it_accepts_the_allowed_types(settings, name, data, expected):
    assert check_upload(samples.upload(name, data)) is expected


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("skript.exe", b"MZ\x90\x00"),
        ("side.html", b"<html><script>alert(1)</script>"),
        ("uten-endelse", samples.pdf_bytes()),
        ("regneark.xlsx", samples.docx_bytes("x")),
    ],
)
def test_it_refuses_other_types(name, data):
    with pytest.raises(ValidationError) as error:
        check_upload(samples.upload(name, data))
    assert error.value.code == "type"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("program.pdf", b"<html>not a pdf</html>"),
        ("bilde.png", samples.JPEG_BYTES),
        ("notat.docx", samples.pptx_bytes()),
        ("notat.odt", samples.opendocument_bytes("presentation")),
        ("notat.docx", b"PK\x03\x04 not really a zip"),
    ],
)
def test_it_refuses_content_that_does_not_match_the_extension(name, data):
    with pytest.raises(ValidationError) as error:
        check_upload(samples.upload(name, data))
    assert error.value.code == "content"


def test_it_refuses_a_file_over_the_limit(settings):
    settings.UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationError) as error:
        check_upload(samples.upload("program.pdf", samples.pdf_bytes() + b" " * 100))
    assert error.value.code == "too_big"


def test_it_refuses_an_empty_file():
    with pytest.raises(ValidationError) as error:
        check_upload(samples.upload("program.pdf", b""))
    assert error.value.code == "empty"


@pytest.mark.parametrize(
    ("name", "data", "marker"),
    [
        ("a.pdf", samples.pdf_bytes("Begrenset etter sikkerhetsloven"), "BEGRENSET"),
        ("a.pdf", samples.pdf_bytes("KONFIDENSIELT", compressed=True), "KONFIDENSIELT"),
        ("a.docx", samples.docx_bytes("Strengt ", "hemmelig"), "STRENGT HEMMELIG"),
        # A word split across formatting runs, as word processors do.
        ("a.docx", samples.docx_bytes("BEGR", "ENSET"), "BEGRENSET"),
        ("a.pptx", samples.pptx_bytes("Hemmelig"), "HEMMELIG"),
        ("a.odt", samples.opendocument_bytes("text", meta_title="BEGRENSET"), "BEGRENSET"),
        ("a.odp", samples.opendocument_bytes("presentation", text="hemmelig"), "HEMMELIG"),
        ("a.png", samples.PNG_BYTES + b"tEXtComment\x00KONFIDENSIELT", "KONFIDENSIELT"),
    ],
)
def test_it_refuses_classification_markings(name, data, marker):
    with pytest.raises(ValidationError) as error:
        check_upload(samples.upload(name, data))
    assert error.value.code == "classified"
    assert marker in error.value.messages[0]


def test_it_refuses_a_zip_that_unpacks_to_far_more_than_the_limit(settings):
    settings.UPLOAD_MAX_BYTES = 10_000
    data = samples._zip(
        [
            ("[Content_Types].xml", "<Types/>"),
            ("word/document.xml", "<w:document>" + "a" * 200_000 + "</w:document>"),
        ]
    )
    assert len(data) < 10_000
    with pytest.raises(ValidationError) as error:
        check_upload(samples.upload("a.docx", data))
    assert error.value.code == "content"
