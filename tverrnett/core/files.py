"""Checking an uploaded file (event material, a signed consent declaration) before it is stored.

A file is accepted only when its name's extension and its first bytes agree
on one of the allowed types, it is not larger than
settings.UPLOAD_MAX_BYTES, and it carries no classification marking
(L09: Tverrnett holds unclassified information only). The marking check
searches the raw bytes case-insensitively, the text of the XML inside
office documents (where a word may be split across formatting runs), and the
text of a PDF as pypdf reads it (issue 18, item 7: a PDF may split a word with
kerning (TJ arrays), write it as a hex string or in UTF-16, or space its letters
out, none of which the raw bytes show). A PDF that pypdf cannot read cannot be
checked, and is refused.
"""

import io
import logging
import re
import zipfile
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Longest first, so the message names "STRENGT HEMMELIG", not "HEMMELIG".
CLASSIFICATION_MARKERS = ("STRENGT HEMMELIG", "KONFIDENSIELT", "BEGRENSET", "HEMMELIG")

# A zip may not unpack to more than this many times the upload limit (zip bombs).
_MAX_UNPACK_FACTOR = 10
_MAX_PDF_STREAMS = 500
# Pages whose text is read; a longer PDF is refused rather than read in part.
_MAX_PDF_PAGES = 2000

logger = logging.getLogger(__name__)


class UnreadablePdf(Exception):
    """pypdf could not read the PDF, so its markings cannot be checked."""


@dataclass(frozen=True)
class FileType:
    content_type: str
    label: str
    extensions: tuple


PDF = FileType("application/pdf", "PDF", (".pdf",))
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "Word (DOCX)",
    (".docx",),
)
PPTX = FileType(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "PowerPoint (PPTX)",
    (".pptx",),
)
ODT = FileType("application/vnd.oasis.opendocument.text", "OpenDocument (ODT)", (".odt",))
ODP = FileType("application/vnd.oasis.opendocument.presentation", "OpenDocument (ODP)", (".odp",))
PNG = FileType("image/png", "PNG", (".png",))
JPEG = FileType("image/jpeg", "JPEG", (".jpg", ".jpeg"))
ALLOWED_TYPES = (PDF, DOCX, PPTX, ODT, ODP, PNG, JPEG)
_BY_EXTENSION = {ext: file_type for file_type in ALLOWED_TYPES for ext in file_type.extensions}
_BY_CONTENT_TYPE = {file_type.content_type: file_type for file_type in ALLOWED_TYPES}

ALLOWED_EXTENSIONS_TEXT = gettext_lazy("PDF, Word (DOCX), PowerPoint (PPTX), ODT, ODP, PNG or JPEG")


def label_for(content_type):
    file_type = _BY_CONTENT_TYPE.get(content_type)
    return file_type.label if file_type else content_type


def clean_file_name(name):
    """The last path part, without control characters, at most 255 characters."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 250 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else name[:255]
    return name or "fil"


def check_upload(uploaded):
    """Return the FileType of an acceptable upload; raise ValidationError otherwise."""
    limit = settings.UPLOAD_MAX_BYTES
    if uploaded.size > limit:
        raise ValidationError(
            _("The file is %(size)s. The largest file you can upload is %(limit)s.")
            % {"size": filesizeformat(uploaded.size), "limit": filesizeformat(limit)},
            code="too_big",
        )
    if uploaded.size == 0:
        raise ValidationError(_("The file is empty. Choose another file."), code="empty")

    name = (uploaded.name or "").lower()
    extension = name[name.rfind(".") :] if "." in name else ""
    file_type = _BY_EXTENSION.get(extension)
    if file_type is None:
        raise ValidationError(
            _("This type of file cannot be uploaded. Upload %(allowed)s.")
            % {"allowed": ALLOWED_EXTENSIONS_TEXT},
            code="type",
        )

    uploaded.seek(0)
    data = uploaded.read()
    uploaded.seek(0)
    try:
        texts = _contents(file_type, data, limit)
    except UnreadablePdf:
        raise ValidationError(
            _(
                "The PDF file could not be read, so it cannot be checked for classification "
                "markings. Save or print it to PDF again and upload the new file."
            ),
            code="unreadable",
        ) from None
    if texts is None:
        raise ValidationError(
            _(
                "The file's content does not match its name (%(extension)s). "
                "Save it again as %(type)s and upload it once more."
            )
            % {"extension": extension, "type": file_type.label},
            code="content",
        )

    marker = find_marker(texts)
    if marker is not None:
        raise ValidationError(
            _(
                "The file contains the classification marking “%(marker)s”. "
                "Tverrnett may hold unclassified information only. "
                "Remove the file from your work here and handle it by your agency's rules "
                "for classified information."
            )
            % {"marker": marker},
            code="classified",
        )
    return file_type


# A word with its letters spaced out ("B E G R E N S E T"): single letters, each
# followed by spaces, at least four of them.
_SPACED_LETTERS = re.compile(rb"(?<![^\s])(?:[^\s][ \t]{1,3}){3,}[^\s](?![^\s])")


def find_marker(texts):
    """The first classification marker found in any of `texts` (bytes), or None.

    Letters spaced out are read as the word they spell, so "B E G R E N S E T" and
    "S T R E N G T   H E M M E L I G" count."""
    lowered = [text.lower() for text in texts]
    lowered += [
        _SPACED_LETTERS.sub(lambda match: re.sub(rb"[ \t]+", b"", match.group()), text)
        for text in lowered
        if _SPACED_LETTERS.search(text)
    ]
    for marker in CLASSIFICATION_MARKERS:
        needles = {marker.lower().encode(), marker.lower().replace(" ", "").encode()}
        if any(needle in text for text in lowered for needle in needles):
            return marker
    return None


def _contents(file_type, data, limit):
    """The byte strings to search for markers, or None when the bytes are not `file_type`."""
    if file_type is PDF:
        if not data.startswith(b"%PDF-"):
            return None
        return [data, *_pdf_streams(data), *_pdf_text(data)]
    if file_type is PNG:
        return [data] if data.startswith(b"\x89PNG\r\n\x1a\n") else None
    if file_type is JPEG:
        return [data] if data.startswith(b"\xff\xd8\xff") else None
    if not data.startswith(b"PK\x03\x04"):
        return None
    return _office_texts(file_type, data, limit)


def _office_texts(file_type, data, limit):
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if not _is_office_type(file_type, archive, names):
                return None
            budget = limit * _MAX_UNPACK_FACTOR
            texts = [data]
            for info in archive.infolist():
                if not info.filename.lower().endswith((".xml", ".rels")):
                    continue
                if info.file_size > budget:
                    return None
                budget -= info.file_size
                xml = archive.read(info)
                texts.append(xml)
                # Text split over formatting runs (<w:t>BEGR</w:t><w:t>ENSET</w:t>) joins up
                # once the tags are gone.
                texts.append(re.sub(rb"<[^>]*>", b"", xml))
            return texts
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError):
        return None


def _is_office_type(file_type, archive, names):
    if file_type is DOCX:
        return "[Content_Types].xml" in names and "word/document.xml" in names
    if file_type is PPTX:
        return "[Content_Types].xml" in names and "ppt/presentation.xml" in names
    if "mimetype" not in names:
        return False
    return archive.read("mimetype").strip() == file_type.content_type.encode()


def _pdf_streams(data):
    """The Flate-compressed streams of a PDF, unpacked (where text and metadata often are)."""
    streams = []
    budget = settings.UPLOAD_MAX_BYTES * _MAX_UNPACK_FACTOR
    for count, match in enumerate(re.finditer(rb"stream\r?\n", data)):
        if count >= _MAX_PDF_STREAMS or budget <= 0:
            break
        end = data.find(b"endstream", match.end())
        if end == -1:
            break
        decompressor = zlib.decompressobj()
        try:
            unpacked = decompressor.decompress(data[match.end() : end], budget)
        except zlib.error:
            continue
        budget -= len(unpacked)
        streams.append(unpacked)
    return streams


def _pdf_text(data):
    """The text of every page and the document information, as pypdf reads them (UTF-8).

    pypdf decodes what the raw bytes hide: kerned TJ arrays, hex strings, font
    encodings and ToUnicode maps, UTF-16 text strings. Raises UnreadablePdf when the
    file cannot be read: a file we cannot check is not accepted.
    """
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadablePdf
        if len(reader.pages) > _MAX_PDF_PAGES:
            raise UnreadablePdf
        texts = [str(value) for value in (reader.metadata or {}).values()]
        texts += [page.extract_text() or "" for page in reader.pages]
    except UnreadablePdf:
        raise
    except Exception as error:  # noqa: BLE001  (pypdf raises many kinds on a broken file)
        logger.info("Refused an unreadable PDF: %s", type(error).__name__)
        raise UnreadablePdf from error
    return [text.encode("utf-8", "replace") for text in texts]
