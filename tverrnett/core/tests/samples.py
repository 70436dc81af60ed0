"""Small, valid-enough sample files for upload tests, made in memory."""

import io
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile


def pdf_document(content, *, info=b"", compressed=False):
    """A one-page PDF whose page draws `content` (a content stream, bytes) with
    Helvetica as /F1, with a correct cross-reference table; `info` is the body of a
    document information dictionary (b"/Title (...)")."""
    if compressed:
        stream = zlib.compress(content)
        header = f"<< /Length {len(stream)} /Filter /FlateDecode >>".encode()
    else:
        stream = content
        header = f"<< /Length {len(stream)} >>".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        header + b"\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< " + info + b" >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def pdf_bytes(text="Fagdag", compressed=False):
    return pdf_document(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode(), compressed=compressed)


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
