from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "tverrnett.measures"
    verbose_name = _("Measures")

    def ready(self):
        from tverrnett.measures import services  # noqa: F401  (audit actions, closing gate)
