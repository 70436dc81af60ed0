"""System checks for the audit key: a deployment that cannot authenticate its audit log,
or whose key other accounts can read, should not start unnoticed."""

from django.conf import settings
from django.core import checks

from tverrnett.audit import keys
from tverrnett.core import keyfiles


@checks.register(checks.Tags.security)
def audit_key_file(app_configs, **kwargs):
    return keyfiles.check_file(
        settings.AUDIT_KEY_FILE,
        generate=settings.AUDIT_KEY_GENERATE,
        what=keys.WHAT,
        command="audit_key",
        error_id="audit.E002",
        warning_id="audit.W002",
    )
