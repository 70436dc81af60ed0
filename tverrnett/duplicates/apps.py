from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuplicatesConfig(AppConfig):
    name = "tverrnett.duplicates"
    verbose_name = _("Possible duplicate cases")

    def ready(self):
        from tverrnett.duplicates import services  # noqa: F401  (registers audit actions)
