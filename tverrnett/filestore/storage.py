"""A Django storage that keeps file contents in the database (issue 22, item 6).

Every application server sees the same files through the one database, a file is
written in the transaction of the row that names it (a rolled-back upload leaves no
file behind, a committed one is never half there), and the database's backup carries
the files. Files go in and out in chunks of models.CHUNK_SIZE: a download streams
chunk by chunk, so serving a 20 MB file holds about one chunk in memory.

There is no URL: files are served only through views that check access
(docs/security.md). `settings.FILE_STORAGE` chooses between this and
FileSystemStorage under MEDIA_ROOT (docs/architecture.md).
"""

import io
import os

from django.core.files.base import File
from django.core.files.storage import Storage
from django.db import IntegrityError, connection, transaction
from django.utils.deconstruct import deconstructible

from tverrnett.filestore.models import CHUNK_SIZE, StoredFile, StoredFileChunk


class ChunkReader(io.RawIOBase):
    """A read-only, seekable stream over a stored file's chunks: one query per chunk,
    and only the chunk being read is held."""

    def __init__(self, file_id, size):
        super().__init__()
        self.file_id = file_id
        self.size = size
        self.position = 0
        self._number = None
        self._chunk = b""

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self.position

    def seek(self, offset, whence=os.SEEK_SET):
        if whence == os.SEEK_SET:
            position = offset
        elif whence == os.SEEK_CUR:
            position = self.position + offset
        elif whence == os.SEEK_END:
            position = self.size + offset
        else:
            raise ValueError(f"invalid whence {whence!r}")
        if position < 0:
            raise ValueError("negative seek position")
        self.position = position
        return position

    def _load(self, number):
        if number != self._number:
            data = _read_chunk(self.file_id, number)
            if data is None:
                # Deleted while being read: end the stream short rather than invent bytes.
                raise OSError(f"chunk {number} of stored file {self.file_id} is gone")
            self._number, self._chunk = number, bytes(data)
        return self._chunk

    def read(self, size=-1):
        """A read within the current chunk is a slice of it (FileResponse reads 4 KB at
        a time: this is its path); anything longer goes through readinto."""
        if size is not None and 0 <= size:
            number, offset = divmod(self.position, CHUNK_SIZE)
            end = min(offset + size, self.size - number * CHUNK_SIZE)
            if self.position < self.size and end <= CHUNK_SIZE:
                piece = self._load(number)[offset:end]
                self.position += len(piece)
                return piece
            if self.position >= self.size:
                return b""
        return super().read(size)

    def readinto(self, buffer):
        """Fill `buffer` as far as the file goes (across chunks: read(n) returns n bytes
        until the end, as a disk file does)."""
        filled = 0
        while filled < len(buffer) and self.position < self.size:
            number, offset = divmod(self.position, CHUNK_SIZE)
            piece = self._load(number)[offset : offset + len(buffer) - filled]
            buffer[filled : filled + len(piece)] = piece
            filled += len(piece)
            self.position += len(piece)
        return filled

    def close(self):
        self._chunk = b""
        super().close()


# On PostgreSQL the chunks go through a cursor of psycopg's own, with the values sent
# and received in binary: Django's cursor puts parameters into the SQL text and reads
# bytea as hex text, which doubles every chunk and took 3-4 times as long (measured,
# docs/architecture.md). The cursor is on Django's connection, so in its transaction.
_CHUNK_TABLE = StoredFileChunk._meta.db_table
_READ_CHUNK = f"SELECT data FROM {_CHUNK_TABLE} WHERE file_id = %s AND number = %s"  # noqa: S608
_INSERT_CHUNK = f"INSERT INTO {_CHUNK_TABLE} (file_id, number, data) VALUES (%s, %s, %b)"  # noqa: S608


def _binary_cursor():
    import psycopg

    connection.ensure_connection()
    # psycopg's own Cursor binds parameters on the server (Django's is a ClientCursor).
    return psycopg.Cursor(connection.connection)


def _read_chunk(file_id, number):
    if connection.vendor != "postgresql":
        return (
            StoredFileChunk.objects.filter(file_id=file_id, number=number)
            .values_list("data", flat=True)
            .first()
        )
    with _binary_cursor() as cursor:
        cursor.execute(_READ_CHUNK, [file_id, number], binary=True)
        row = cursor.fetchone()
    return None if row is None else row[0]


def _insert_chunk(file_id, number, data):
    if connection.vendor != "postgresql":
        StoredFileChunk.objects.create(file_id=file_id, number=number, data=data)
        return
    with _binary_cursor() as cursor:
        cursor.execute(_INSERT_CHUNK, [file_id, number, data])


def _pieces(content):
    """`content`'s bytes in pieces of exactly CHUNK_SIZE (the last one shorter).
    An in-memory upload yields itself whole from chunks(); this evens it out."""
    pending = b""
    for data in content.chunks(CHUNK_SIZE):
        if isinstance(data, str):
            data = data.encode()
        pending += data
        while len(pending) >= CHUNK_SIZE:
            yield pending[:CHUNK_SIZE]
            pending = pending[CHUNK_SIZE:]
    if pending:
        yield pending


@deconstructible(path="tverrnett.filestore.storage.DatabaseStorage")
class DatabaseStorage(Storage):
    def _open(self, name, mode="rb"):
        if any(flag in mode for flag in "wa+"):
            raise ValueError("files in the database store are read-only once saved")
        stored = StoredFile.objects.filter(name=name).values_list("pk", "size").first()
        if stored is None:
            raise FileNotFoundError(name)
        return File(ChunkReader(*stored), name=name)

    def _save(self, name, content):
        size = 0
        try:
            with transaction.atomic():
                stored = StoredFile.objects.create(name=name)
                for number, piece in enumerate(_pieces(content)):
                    _insert_chunk(stored.pk, number, piece)
                    size += len(piece)
                StoredFile.objects.filter(pk=stored.pk).update(size=size)
        except IntegrityError:
            # Another server took the name between exists() and here: pick another one.
            return self._save(self.get_alternative_name(*os.path.splitext(name)), content)
        return name

    def delete(self, name):
        if not name:
            raise ValueError("the name must be given to delete a file")
        if connection.in_atomic_block and connection.needs_rollback:
            # Cleaning up after a failed save inside a transaction that will be rolled
            # back: the rollback takes the rows with it (a query would be refused).
            return
        # Chunks first, in one statement, then the row (no ORM cascade collection).
        StoredFileChunk.objects.filter(file__name=name).delete()
        StoredFile.objects.filter(name=name).delete()

    def exists(self, name):
        return StoredFile.objects.filter(name=name).exists()

    def size(self, name):
        size = StoredFile.objects.filter(name=name).values_list("size", flat=True).first()
        if size is None:
            raise FileNotFoundError(name)
        return size

    def listdir(self, path):
        prefix = path.rstrip("/") + "/" if path else ""
        directories, files = set(), []
        names = StoredFile.objects.filter(name__startswith=prefix).values_list("name", flat=True)
        for name in names.iterator():
            head, slash, tail = name[len(prefix) :].partition("/")
            if slash:
                directories.add(head)
            else:
                files.append(head)
        return sorted(directories), sorted(files)

    def get_created_time(self, name):
        created = StoredFile.objects.filter(name=name).values_list("created_at", flat=True)
        if not created:
            raise FileNotFoundError(name)
        return created[0]

    get_modified_time = get_created_time

    def url(self, name):
        raise NotImplementedError("stored files have no URL; they are served by views")
