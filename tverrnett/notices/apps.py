from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "tverrnett.notices"
    verbose_name = _("Notices and reminders")

    def ready(self):
        from tverrnett.notices import services  # noqa: F401  (registers audit actions)
