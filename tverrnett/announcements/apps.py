from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnnouncementsConfig(AppConfig):
    name = "tverrnett.announcements"
    verbose_name = _("Announcements")

    def ready(self):
        from tverrnett.announcements import services  # noqa: F401  (registers audit actions)
