from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "tverrnett.audit"
    verbose_name = _("Audit log")

    def ready(self):
        from tverrnett.audit import checks  # noqa: F401  (registers the system checks)
