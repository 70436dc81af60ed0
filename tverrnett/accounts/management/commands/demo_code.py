from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tverrnett.accounts.management.commands._demo import refuse_unless_debug


class Command(BaseCommand):
    help = "Print a demo user's current TOTP code, so no phone is needed (development only)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, **options):
        refuse_unless_debug()
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        device = TOTPDevice.objects.devices_for_user(user, confirmed=None).order_by("-id").first()
        if device is None:
            raise CommandError(
                f"{user.username} has no authenticator yet. Log in once to enrol, "
                "then run this again."
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
