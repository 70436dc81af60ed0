from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExitWorkConfig(AppConfig):
    name = "tverrnett.exitwork"
    verbose_name = _("Exit work")

    def ready(self):
        # Registers audit actions and the checklist's gate on the case's state.
        from tverrnett.exitwork import services  # noqa: F401
