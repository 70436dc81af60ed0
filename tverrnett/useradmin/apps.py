from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UserAdminConfig(AppConfig):
    name = "tverrnett.useradmin"
    label = "useradmin"
    verbose_name = _("Account administration")

    def ready(self):
        from tverrnett.useradmin import services  # noqa: F401  (registers audit actions)
