"""Small, valid-enough sample files for upload tests, made in memory."""

import io
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile


def pdf_bytes(text="Fagdag", compressed=False):
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    if compressed:
        stream = zlib.compress(content)
        header = f"<< /Length {len(stream)} /Filter /FlateDecode >>".encode()
    else:
        stream = content
        header = f"<< /Length {len(stream)} >>".encode()
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
        b"3 0 obj\n" + header + b"\nstream\n" + stream + b"\nendstream\nendobj\n"
        b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def _zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            # The OpenDocument mimetype entry comes first and is stored, not compressed.
            kind = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=kind)
    return buffer.getvalue()


def docx_bytes(*runs):
    body = "".join(f"<w:r><w:t>{run}</w:t></w:r>" for run in runs)
    return _zip(
        [
            ("[Content_Types].xml", "<Types/>"),
            ("word/document.xml", f"<w:document><w:body><w:p>{body}</w:p></w:body></w:document>"),
        ]
    )


def pptx_bytes(text="Lysark"):
    return _zip(
        [
            ("[Content_Types].xml", "<Types/>"),
            ("ppt/presentation.xml", "<p:presentation/>"),
            ("ppt/slides/slide1.xml", f"<p:sld><a:t>{text}</a:t></p:sld>"),
        ]
    )


def opendocument_bytes(kind="text", text="Notat", meta_title="Notat"):
    return _zip(
        [
            ("mimetype", f"application/vnd.oasis.opendocument.{kind}"),
            ("content.xml", f"<office:document-content><text:p>{text}</text:p>"),
            ("meta.xml", f"<office:meta><dc:title>{meta_title}</dc:title></office:meta>"),
        ]
    )


PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")
