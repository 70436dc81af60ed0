from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuidanceConfig(AppConfig):
    name = "tverrnett.guidance"
    verbose_name = _("Guidance")

    def ready(self):
        from tverrnett.guidance import services  # noqa: F401  (registers audit actions)
