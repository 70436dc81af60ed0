from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogReviewConfig(AppConfig):
    name = "tverrnett.logreview"
    label = "logreview"
    verbose_name = _("Log review")

    def ready(self):
        from tverrnett.logreview import services  # noqa: F401  (registers audit actions)
