from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "tverrnett.documents"
    verbose_name = _("Documents on cases")

    def ready(self):
        from tverrnett.documents import services  # noqa: F401  (registers audit actions)
