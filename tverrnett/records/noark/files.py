"""The files of the Noark 5 archival package: what `write_package` returns, and the
writer that keeps each file's checksum and size and validates every XML file against
its schema before it is kept."""

import datetime
import hashlib
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from lxml import etree

from .constants import DOCUMENT_DIR, SCHEMA_DIR, SCHEMAS


class PackageError(ValueError):
    """The package cannot be written as asked (an open case, a directory outside
    RECORDS_ARCHIVE_DIR, XML that does not validate)."""


@dataclass(frozen=True)
class PackageFile:
    path: str  # relative to the package's directory, with forward slashes
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    """What `write_package` wrote: the directory, every file with its SHA-256 and size,
    and `checksum`, the SHA-256 of the manifest file (ArchivePackage.checksum)."""

    directory: Path
    checksum: str
    files: tuple[PackageFile, ...]
    case_ids: tuple[int, ...]
    created_at: datetime.datetime
    counts: dict = field(default_factory=dict)


def _write_file(path, content):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


class _Writer:
    """Writes the package's files and remembers each one's checksum and size."""

    def __init__(self, root):
        self.root = root
        self.files = {}
        self.document_count = 0

    def _keep(self, relative, content):
        path = self.root / relative
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_file(path, content)
        file = PackageFile(relative, hashlib.sha256(content).hexdigest(), len(content))
        self.files[relative] = file
        return file

    def document(self, folder, name, content):
        self.document_count += 1
        return self._keep(f"{DOCUMENT_DIR}/{folder}/{name}", content)

    def copy(self, source, name):
        return self._keep(name, Path(source).read_bytes())

    def xml(self, name, kind, root):
        content = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
        validate(kind, content)
        return self._keep(name, content)


@cache
def schema(kind):
    """The XMLSchema of one kind of file in the package, from the vendored schemas."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / SCHEMAS[kind])))


def validate(kind, content):
    """Raise PackageError unless `content` (bytes) is valid against its schema."""
    document = etree.fromstring(content)
    checker = schema(kind)
    if not checker.validate(document):
        errors = "; ".join(str(error) for error in list(checker.error_log)[:5])
        raise PackageError(f"{kind} does not validate: {errors}")
