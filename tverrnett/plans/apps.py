from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "tverrnett.plans"
    verbose_name = _("Individual plans")

    def ready(self):
        from tverrnett.plans import services  # noqa: F401  (registers audit actions)
