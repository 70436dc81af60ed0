from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "tverrnett.accounts"
    verbose_name = _("Accounts")

    def ready(self):
        # Connects the audit receivers and registers the login audit actions. Ending a
        # membership is account administration: tverrnett.useradmin.services.
        from tverrnett.accounts import signals  # noqa: F401
