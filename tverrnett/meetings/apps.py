from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "tverrnett.meetings"
    verbose_name = _("Forum meetings")

    def ready(self):
        from tverrnett.meetings import services  # noqa: F401  (registers audit actions)
