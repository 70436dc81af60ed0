from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "tverrnett.assessments"
    verbose_name = _("Risk and needs assessments")

    def ready(self):
        from tverrnett.assessments import services  # noqa: F401  (registers audit actions)
