from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    name = "tverrnett.conversations"
    verbose_name = _("Contact agreements and conversations")

    def ready(self):
        from tverrnett.conversations import services  # noqa: F401  (audit actions)
