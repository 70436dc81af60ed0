from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "tverrnett.consent"
    verbose_name = _("Consent and disclosure")

    def ready(self):
        from tverrnett.consent import services  # noqa: F401  (registers audit actions)
