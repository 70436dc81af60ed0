from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "tverrnett.records"
    verbose_name = _("Records lifecycle")

    def ready(self):
        from tverrnett.records import services  # noqa: F401  (registers audit actions)
