from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworksConfig(AppConfig):
    name = "tverrnett.networks"
    verbose_name = _("Networks")

    def ready(self):
        from tverrnett.networks import services  # noqa: F401  (registers audit actions)
