from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "tverrnett.agencies"
    verbose_name = _("Agencies")

    def ready(self):
        from tverrnett.agencies import services  # noqa: F401  (registers audit actions)
