"""A warning for an installation that moved to FILE_STORAGE=database with its files
still on disk: they are not served until `move_files_to_database` has moved them."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Warning, register


@register()
def files_left_on_disk(app_configs, **kwargs):
    if settings.FILE_STORAGE != "database":
        return []
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir() or next((p for p in root.rglob("*") if p.is_file()), None) is None:
        return []
    return [
        Warning(
            f"FILE_STORAGE is 'database' but {root} holds uploaded files, which are not "
            "served from there.",
            hint="Run `manage.py move_files_to_database` (docs/operations.md), or set "
            "FILE_STORAGE=filesystem on a single server.",
            id="tverrnett.filestore.W001",
        )
    ]
