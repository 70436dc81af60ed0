from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilestoreConfig(AppConfig):
    name = "tverrnett.filestore"
    verbose_name = _("Stored files")

    def ready(self):
        from tverrnett.filestore import checks  # noqa: F401  (registers the check)
