from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OwnAccessConfig(AppConfig):
    name = "tverrnett.ownaccess"
    label = "ownaccess"
    verbose_name = _("The person's own access")

    def ready(self):
        from tverrnett.ownaccess import services  # noqa: F401  (registers audit actions)
