"""The database store (FILE_STORAGE=database): files in chunks, read back in chunks,
gone when deleted, inside the caller's transaction."""

import io
import os
import secrets
import tracemalloc

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.http import FileResponse

from tverrnett.filestore import storage as storage_module
from tverrnett.filestore.models import CHUNK_SIZE, StoredFile, StoredFileChunk
from tverrnett.filestore.storage import DatabaseStorage

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    return DatabaseStorage()


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(storage_module, "CHUNK_SIZE", 10)
    return 10


@pytest.mark.parametrize("size", [1, 9, 10, 11, 35])
def test_a_file_is_stored_in_chunks_and_read_back(store, small_chunks, size):
    data = secrets.token_bytes(size)

    name = store.save("documents/abc", ContentFile(data))

    assert name == "documents/abc"
    chunks = StoredFileChunk.objects.filter(file__name=name).order_by("number")
    assert [len(chunk.data) for chunk in chunks] == [
        min(10, size - start) for start in range(0, size, 10)
    ]
    assert store.size(name) == size and store.exists(name)
    with store.open(name) as handle:
        assert handle.read() == data


def test_an_in_memory_upload_is_cut_into_chunks_of_the_real_size(store):
    # InMemoryUploadedFile.chunks() yields the whole file at once.
    data = secrets.token_bytes(2 * CHUNK_SIZE + 5)
    name = store.save("events/material/x", SimpleUploadedFile("x.pdf", data))
    sizes = list(
        StoredFileChunk.objects.filter(file__name=name)
        .order_by("number")
        .values_list("number", flat=True)
    )
    assert sizes == [0, 1, 2]
    with store.open(name) as handle:
        assert handle.read() == data


def test_reading_seeks_and_reads_across_chunks(store, small_chunks):
    data = bytes(range(35))
    name = store.save("x", ContentFile(data))
    handle = store.open(name)
    assert handle.read(4) == data[:4]
    handle.seek(8)
    assert handle.read(5) == data[8:13]  # across a chunk boundary
    assert handle.tell() == 13
    handle.seek(-3, os.SEEK_END)
    assert handle.read() == data[-3:]
    assert handle.read(1) == b""
    handle.seek(2)
    assert handle.read(100) == data[2:35]
    handle.close()


def test_a_missing_file_is_not_found_and_a_stored_one_cannot_be_written(store):
    with pytest.raises(FileNotFoundError):
        store.open("nothing/here")
    with pytest.raises(FileNotFoundError):
        store.size("nothing/here")
    name = store.save("x", ContentFile(b"data"))
    with pytest.raises(ValueError, match="read-only"):
        store.open(name, "wb")
    with pytest.raises(NotImplementedError):
        store.path(name)
    with pytest.raises(NotImplementedError):
        store.url(name)


def test_a_taken_name_gets_another_one(store):
    first = store.save("documents/abc", ContentFile(b"one"))
    second = store.save("documents/abc", ContentFile(b"two"))
    assert first != second
    assert store.open(first).read() == b"one" and store.open(second).read() == b"two"


def test_deleting_removes_the_rows(store, small_chunks):
    kept = store.save("kept", ContentFile(b"k" * 25))
    name = store.save("gone", ContentFile(b"g" * 25))

    store.delete(name)
    store.delete(name)  # deleting what is gone is no error (FileSystemStorage's rule)

    assert not store.exists(name)
    assert not StoredFileChunk.objects.filter(file__name=name).exists()
    assert list(StoredFile.objects.values_list("name", flat=True)) == [kept]
    assert StoredFileChunk.objects.count() == 3


def test_a_file_saved_in_a_rolled_back_transaction_is_not_there(store):
    with pytest.raises(RuntimeError), transaction.atomic():
        name = store.save("documents/rolled-back", ContentFile(b"data"))
        assert store.exists(name)
        raise RuntimeError
    assert not store.exists("documents/rolled-back")
    assert not StoredFileChunk.objects.exists()


def test_listdir_lists_one_level(store):
    for name in ("documents/a", "documents/b", "events/material/c", "top"):
        store.save(name, ContentFile(b"x"))
    assert store.listdir("") == (["documents", "events"], ["top"])
    assert store.listdir("documents") == ([], ["a", "b"])
    assert store.listdir("events/") == (["material"], [])


def test_a_download_streams_without_holding_the_file(store):
    """A FileResponse over a stored file reads one chunk at a time: serving 8 MB
    allocates a few chunks' worth, not the file (and not the file several times)."""
    size = 8 * CHUNK_SIZE
    name = store.save("big", ContentFile(secrets.token_bytes(size)))
    response = FileResponse(store.open(name), as_attachment=True, filename="big.pdf")
    assert response["Content-Length"] == str(size)

    tracemalloc.start()
    try:
        received = sum(len(piece) for piece in response.streaming_content)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        response.close()

    assert received == size
    assert peak < 3 * CHUNK_SIZE, peak


# The command that moves files from MEDIA_ROOT into the store ------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    files = {
        "documents/0a1b": secrets.token_bytes(CHUNK_SIZE + 7),
        "events/material/2c3d": b"%PDF-1.4 program",
        "consent/4e5f": b"%PDF-1.7 declaration",
    }
    for name, data in files.items():
        path = settings.MEDIA_ROOT / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return settings.MEDIA_ROOT, files


def _run(*args):
    out = io.StringIO()
    call_command("move_files_to_database", *args, stdout=out)
    return out.getvalue()


def test_the_command_moves_every_file_under_its_name_and_empties_the_disk(store, media):
    root, files = media

    output = _run()

    assert "moved 3 file(s), 0 already in the database" in output
    for name, data in files.items():
        with store.open(name) as handle:
            assert handle.read() == data
    assert list(root.rglob("*")) == []
    assert root.is_dir()
    # Run again: nothing left to move, nothing changed.
    assert "moved 0 file(s), 0 already in the database; 3 file(s)" in _run()


def test_the_command_keeps_and_skips_and_dry_runs(store, media):
    root, files = media
    assert "would move 3 file(s)" in _run("--dry-run")
    assert not StoredFile.objects.exists()

    _run("--keep")

    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == (
        sorted(files)
    )
    assert "moved 0 file(s), 3 already in the database" in _run()
    assert not any(p.is_file() for p in root.rglob("*"))


def test_the_command_refuses_a_name_stored_with_other_contents(store, media):
    root, _files = media
    store._save("consent/4e5f", ContentFile(b"something else"))
    with pytest.raises(CommandError, match="other contents"):
        _run()
    # That file stays on the disk; the store keeps its own.
    assert (root / "consent" / "4e5f").read_bytes() == b"%PDF-1.7 declaration"
    assert store.open("consent/4e5f").read() == b"something else"


# The shared cache ----------------------------------------------------------------------------


def test_the_cache_is_kept_in_the_database_table_every_server_reads():
    """Not a per-process cache: what one server caches, another reads (and a deletion
    on one is seen by all)."""
    from django.core.cache import cache

    from tverrnett.filestore.models import CacheEntry

    cache.set("shared-test", {"value": 1}, 60)

    assert CacheEntry.objects.filter(cache_key__endswith="shared-test").exists()
    assert cache.get("shared-test") == {"value": 1}
    cache.delete("shared-test")
    assert not CacheEntry.objects.exists()


def test_a_check_warns_of_files_left_on_disk_under_the_database_store(settings, media):
    from tverrnett.filestore.checks import files_left_on_disk
    from tverrnett.filestore.testing import use_file_storage

    use_file_storage(settings, "database")
    [warning] = files_left_on_disk(None)
    assert warning.id == "tverrnett.filestore.W001"
    _run()
    assert files_left_on_disk(None) == []
    use_file_storage(settings, "filesystem")
    (settings.MEDIA_ROOT / "documents" / "x").parent.mkdir(parents=True, exist_ok=True)
    (settings.MEDIA_ROOT / "documents" / "x").write_bytes(b"x")
    assert files_left_on_disk(None) == []


def test_deleting_in_a_transaction_marked_for_rollback_leaves_it_to_the_rollback(store):
    """A service that cleans up after a failed save (events, consent) inside its
    transaction: the delete does not query a broken transaction, the rollback removes
    the rows."""
    with transaction.atomic():
        name = store.save("consent/declaration", ContentFile(b"%PDF-1.7"))
        transaction.set_rollback(True)
        store.delete(name)
    assert not store.exists(name)
