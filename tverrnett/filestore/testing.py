"""For tests: choose the storage of uploaded files, as FILE_STORAGE does at start-up."""

BACKENDS = {
    "database": "tverrnett.filestore.storage.DatabaseStorage",
    "filesystem": "django.core.files.storage.FileSystemStorage",
}


def use_file_storage(settings, kind):
    """Switch pytest-django's `settings` to `kind`; Django drops the default storage it
    had made (setting_changed), so every FileField uses the new one."""
    settings.FILE_STORAGE = kind
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": BACKENDS[kind]}}
