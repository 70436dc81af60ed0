from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "tverrnett.audit"
    verbose_name = _("Audit log")

    def ready(self):
        from tverrnett.audit import checks as key_checks  # noqa: F401  (registers them)
        from tverrnett.audit import roles

        # Sent for this app once every migration of the run has been applied.
        post_migrate.connect(
            roles.grant_after_migrate, sender=self, dispatch_uid="tverrnett.audit.grant_app_role"
        )
        checks.register(
            roles.check_app_role, checks.Tags.security, checks.Tags.database, deploy=True
        )
