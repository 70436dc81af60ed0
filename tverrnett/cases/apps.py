from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "tverrnett.cases"
    verbose_name = _("Concern cases")

    def ready(self):
        from tverrnett.cases import (
            checks,  # noqa: F401  (registers the key file's check)
            services,  # noqa: F401  (registers audit actions)
        )
