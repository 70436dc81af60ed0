from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "tverrnett.events"
    verbose_name = _("Competence building")

    def ready(self):
        from tverrnett.events import services  # noqa: F401  (registers audit actions)
