import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from tverrnett.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("command", [["seed_demo"], ["demo_code", "slt.demo"]])
def test_demo_commands_refuse_to_run_without_debug(command):
    with pytest.raises(CommandError, match="development only"):
        call_command(*command)
    assert not User.objects.exists()


@override_settings(DEBUG=True)
def test_seed_demo_creates_fictional_users_with_printed_secrets_and_is_repeatable():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())

    printed = out.getvalue()
    assert "slt.demo" in printed and "Demo-passord-2026" in printed
    slt = User.objects.get(username="slt.demo")
    assert slt.active_memberships().get().agency.municipality.number == "3301"
    assert User.objects.filter(username__endswith=".demo").count() == 13
    assert TOTPDevice.objects.filter(user__username="ny.demo").count() == 0
    assert "Demo" in slt.last_name  # clearly fictional
    officer = User.objects.get(username="personvern.demo")
    assert officer.active_memberships().get().role == "privacy_officer"
    assert TOTPDevice.objects.filter(user=officer, confirmed=True).count() == 1


@override_settings(DEBUG=True)
def test_demo_code_prints_a_code_the_device_accepts():
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()

    call_command("demo_code", "slt.demo", stdout=out)

    code = out.getvalue().strip()
    assert len(code) == 6 and code.isdigit()
    device = TOTPDevice.objects.get(user__username="slt.demo")
    assert device.verify_token(code)


@override_settings(DEBUG=True)
def test_demo_code_gives_a_code_the_device_accepts_again_within_the_same_step():
    # django-otp accepts each time step once; a second login within 30 seconds used to
    # wait for the next step, and the browser tests spent minutes waiting.
    call_command("seed_demo", stdout=StringIO())
    device = TOTPDevice.objects.get(user__username="slt.demo")

    accepted = []
    for _ in range(2):
        out = StringIO()
        started = time.monotonic()
        call_command("demo_code", "slt.demo", stdout=out)
        device.refresh_from_db()
        accepted.append(device.verify_token(out.getvalue().strip()))

    assert accepted == [True, True]
    assert time.monotonic() - started < 2


@override_settings(DEBUG=True)
def test_demo_code_explains_a_user_without_an_authenticator():
    call_command("seed_demo", stdout=StringIO())

    with pytest.raises(CommandError, match="no authenticator yet"):
        call_command("demo_code", "ny.demo")
