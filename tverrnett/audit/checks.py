"""System checks for the audit key: a deployment that cannot authenticate its audit log,
or whose key other accounts can read, should not start unnoticed."""

import stat
from pathlib import Path

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from tverrnett.audit import keys


@checks.register(checks.Tags.security)
def audit_key_file(app_configs, **kwargs):
    path = Path(settings.AUDIT_KEY_FILE)
    if settings.AUDIT_KEY_GENERATE and not path.exists():
        return []  # development: made on first use
    try:
        keys.parse(path.read_text(encoding="ascii"), source=str(path))
    except (OSError, UnicodeDecodeError, ImproperlyConfigured) as problem:
        return [
            checks.Error(
                f"The audit key cannot be read: {problem}",
                hint="Create it with `manage.py audit_key --create` (docs/security.md).",
                id="audit.E002",
            )
        ]
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        return [
            checks.Warning(
                f"{path} can be read or written by other accounts than its owner.",
                hint=f"chmod 600 {path}",
                id="audit.W002",
            )
        ]
    return []
