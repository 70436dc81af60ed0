"""What the application servers share through the database (issue 22, item 6): uploaded
files, for `storage.DatabaseStorage`, and the table of the shared cache (CacheEntry).

A file is a row naming it and its chunks of at most CHUNK_SIZE bytes each, so saving
and serving a 20 MB file never holds more than one chunk in memory, and every
application server reads the same files through the one database.
"""

from django.db import models
from django.utils import timezone

# 1 MiB: a download is 20 queries for the largest upload, and PostgreSQL stores a chunk
# out of line (TOAST) without compressing it much (PDFs and images are compressed).
CHUNK_SIZE = 1024 * 1024


class StoredFile(models.Model):
    # The name the FileField stores (e.g. "documents/<random hex>").
    name = models.CharField(max_length=200, unique=True)
    size = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.name


class StoredFileChunk(models.Model):
    file = models.ForeignKey(StoredFile, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["file", "number"], name="filestore_chunk_once"),
        ]

    def __str__(self):
        return f"{self.file_id}#{self.number}"


class CacheEntry(models.Model):
    """The table of Django's DatabaseCache (settings CACHES, "default"), with the columns
    `createcachetable` would make: as a model it comes with `migrate` (and the grants
    to DATABASE_APP_ROLE), so no installation step is forgotten on one server."""

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "tverrnett_cache"

    def __str__(self):
        return self.cache_key
