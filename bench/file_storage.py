"""Benchmark: storing and serving a large upload, database store against disk (issue 22).

Not a test: it prints timings and memory so the choice of FILE_STORAGE can be checked
again. Runs against the database DATABASE_URL names (default: a fresh SQLite file in a
temporary folder); it creates only the file store's tables there (no migrate), in a
PostgreSQL database it makes and drops itself when DATABASE_URL names PostgreSQL.

    .venv/bin/python bench/file_storage.py [--mb 20] [--rounds 5]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tverrnett_bench_files \\
        .venv/bin/python bench/file_storage.py

For each backend: save (what the upload's service does once the file has passed its
checks: FieldFile.save → storage.save, from Django's temporary upload file) and
download (a FileResponse over storage.open, read to the end as the WSGI server does),
each the median of the rounds, and the peak of Python memory (tracemalloc) each takes.
"""

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _make_postgres_database(url):
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    admin = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return lambda: _drop(admin, name)


def _drop(admin, name):
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _measure(function):
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = function()
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return elapsed, peak, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="tverrnett-bench-files-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tverrnett.settings")
    # DEBUG off: with it on, Django keeps every query with its parameters (the chunks).
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("AUDIT_KEY_GENERATE", "true")
    os.environ.setdefault("IDENTITY_KEY_GENERATE", "true")
    os.environ.setdefault("AUDIT_KEY_FILE", str(workdir / "audit.key"))
    os.environ.setdefault("IDENTITY_KEY_FILE", str(workdir / "identity.key"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    drop = None
    if os.environ["DATABASE_URL"].startswith(("postgres://", "postgresql://")):
        drop = _make_postgres_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.files.storage import FileSystemStorage
    from django.core.files.uploadedfile import TemporaryUploadedFile
    from django.db import connection, transaction
    from django.http import FileResponse

    from tverrnett.filestore.models import StoredFile, StoredFileChunk
    from tverrnett.filestore.storage import DatabaseStorage

    try:
        with connection.schema_editor() as editor:
            editor.create_model(StoredFile)
            editor.create_model(StoredFileChunk)
            if connection.vendor == "postgresql":
                editor.execute(
                    "ALTER TABLE filestore_storedfilechunk ALTER COLUMN data SET STORAGE EXTERNAL"
                )
        size = args.mb * 1024 * 1024
        data = secrets.token_bytes(size)  # random: as incompressible as a PDF or a JPEG
        print(f"{connection.vendor}, a {args.mb} MB file, median of {args.rounds} rounds")
        for label, storage in (
            ("database", DatabaseStorage()),
            ("filesystem", FileSystemStorage(location=workdir / "media")),
        ):
            saves, downloads, save_peaks, download_peaks = [], [], [], []
            for _round in range(args.rounds):
                upload = TemporaryUploadedFile("bench.pdf", "application/pdf", size, None)
                upload.write(data)
                upload.seek(0)

                def save(upload=upload, storage=storage):
                    with transaction.atomic():
                        return storage.save(f"documents/{secrets.token_hex(16)}", upload)

                elapsed, peak, name = _measure(save)
                upload.close()
                saves.append(elapsed)
                save_peaks.append(peak)

                def download(name=name, storage=storage):
                    response = FileResponse(storage.open(name), as_attachment=True)
                    received = sum(len(piece) for piece in response.streaming_content)
                    response.close()
                    return received

                elapsed, peak, received = _measure(download)
                assert received == size, received
                downloads.append(elapsed)
                download_peaks.append(peak)
                storage.delete(name)
            print(
                f"  {label:10}  save {statistics.median(saves) * 1000:7.0f} ms "
                f"(peak {max(save_peaks) / 2**20:5.1f} MB)   "
                f"download {statistics.median(downloads) * 1000:7.0f} ms "
                f"(peak {max(download_peaks) / 2**20:5.1f} MB)"
            )
    finally:
        connection.close()
        if drop:
            drop()


if __name__ == "__main__":
    main()
