"""System check for the identity-number key: a deployment whose key is missing,
malformed or readable by other accounts should not start unnoticed."""

from django.conf import settings
from django.core import checks

from tverrnett.cases import identity_encryption
from tverrnett.core import keyfiles


@checks.register(checks.Tags.security)
def identity_key_file(app_configs, **kwargs):
    return keyfiles.check_file(
        settings.IDENTITY_KEY_FILE,
        generate=settings.IDENTITY_KEY_GENERATE,
        what=identity_encryption.WHAT,
        command="identity_key",
        error_id="cases.E001",
        warning_id="cases.W001",
    )
