"""Settings for the test suite: the real settings, with test-only environment defaults.

Everything that matters for security stays as in production (DEBUG off,
Argon2, CSP, lockout); only HTTPS redirects are off because the test client
speaks plain HTTP, and Argon2 runs at its smallest cost to keep the suite fast.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-any-real-use-0123456789")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("AUDIT_KEY_GENERATE", "true")
# One id per draw, as before id blocks: pinned query counts do not depend on whether
# an earlier test left a block (test_log.py tests the blocks themselves).
os.environ.setdefault("AUDIT_ID_BLOCK", "1")
os.environ.setdefault(
    "AUDIT_KEY_FILE",
    os.path.join(os.path.dirname(os.path.dirname(__file__)), "var", "test-audit.key"),
)
os.environ.setdefault("IDENTITY_KEY_GENERATE", "true")
os.environ.setdefault(
    "IDENTITY_KEY_FILE",
    os.path.join(os.path.dirname(os.path.dirname(__file__)), "var", "test-identity.key"),
)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from tverrnett.settings import *  # noqa: E402, F403

# The test client has no TLS; keep the production cookie flags visible to tests anyway.
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# Still Argon2, at the smallest cost: the suite hashes thousands of passwords.
PASSWORD_HASHERS = ["tverrnett.accounts.hashers.QuickArgon2PasswordHasher"]

# A session is saved when its last save is this old (a minute in production): pinned query
# counts must not depend on whether a slow test crossed that minute since its login, so
# here it is the longest the 30-minute timeout allows (a quarter of it). The idle-timeout
# tests move the clock by `touch_seconds()` and test the rule itself. A setting, not the
# environment: the browser tests' server (a subprocess) keeps production's minute.
SESSION_TOUCH_SECONDS = 450
