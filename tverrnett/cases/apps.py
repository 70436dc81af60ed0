from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "tverrnett.cases"
    verbose_name = _("Concern cases")

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from tverrnett.cases import (
            checks,  # noqa: F401  (registers the key file's check)
            search_index,
            services,  # noqa: F401  (registers audit actions)
        )

        # The SQLite fallback of the case search (cases/search_index.py).
        connection_created.connect(search_index.register_sqlite_functions)
        post_migrate.connect(search_index.ensure_sqlite_index_after_migrate, sender=self)
