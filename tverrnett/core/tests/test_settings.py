"""Settings are read from the environment and fail closed. Each case starts a fresh Python."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "tverrnett.settings",
    "SECRET_KEY": "x9!production-like-" + "k" * 50,
    "ALLOWED_HOSTS": "tverrnett.example.no",
}


def _run(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "HTTPS")}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_missing_secret_key_outside_debug_stops_the_start():
    result = _run("manage.py", "check", DJANGO_SETTINGS_MODULE="tverrnett.settings")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_is_off_unless_set():
    result = _run(
        "-c",
        "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        **PRODUCTION,
    )

    assert result.stdout.strip() == "False", result.stderr


def test_a_malformed_boolean_stops_the_start():
    result = _run("manage.py", "check", **PRODUCTION, DEBUG="flase")

    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = _run("manage.py", "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_database_url_selects_postgresql():
    result = _run(
        "-c",
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE'])",
        **PRODUCTION,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/tverrnett",
    )

    assert result.stdout.strip() == "django.db.backends.postgresql", result.stderr


def test_a_malformed_trusted_proxy_address_stops_the_start():
    result = _run("manage.py", "check", **PRODUCTION, TRUSTED_PROXY_IPS="10.0.0.5,proxy.local")

    assert result.returncode != 0
    assert "TRUSTED_PROXY_IPS must list IP addresses or networks" in result.stderr


def test_trusted_proxy_addresses_and_networks_are_read():
    result = _run(
        "-c",
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.TRUSTED_PROXY_IPS)",
        **PRODUCTION,
        TRUSTED_PROXY_IPS="10.0.0.5, 10.1.0.0/24",
    )

    assert result.stdout.strip() == "['10.0.0.5', '10.1.0.0/24']", result.stderr


def test_a_malformed_database_app_role_stops_the_start():
    result = _run("manage.py", "check", **PRODUCTION, DATABASE_APP_ROLE='app"; DROP TABLE x')

    assert result.returncode != 0
    assert "DATABASE_APP_ROLE must be a lower-case PostgreSQL role name" in result.stderr


def test_a_missing_identity_key_file_outside_debug_stops_the_start():
    result = _run(
        "manage.py", "check", **PRODUCTION, IDENTITY_KEY_FILE="", IDENTITY_KEY_GENERATE="false"
    )

    assert result.returncode != 0
    assert "IDENTITY_KEY_FILE must be set" in result.stderr
