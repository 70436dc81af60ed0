import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tverrnett.accounts.management.commands._demo import refuse_unless_debug

# A code from the step before the current one is only offered this long before the
# step ends, so the device still accepts it when the login arrives a moment later.
SAFETY_SECONDS = 3


class Command(BaseCommand):
    help = (
        "Print a TOTP code the demo user's authenticator accepts now, so no phone is "
        "needed (development only)."
    )

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
        self.stdout.write(f"{acceptable_token(device):0{device.digits}d}")


def acceptable_token(device):
    """The code of the time step nearest to now that the device will still accept.

    The device accepts each step once, within its tolerance around now. The code of
    the current step is the usual answer; when that step was used already (a second
    login within the same 30 seconds, as the browser tests do), the next step's code
    is accepted too, so nobody has to wait for the clock. Only when every step in the
    window was used does this wait for the next one.
    """
    while True:
        now = time.time()
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = now
        current = totp.t()
        seconds_left = device.step - (int(now) - device.t0) % device.step
        earliest = current - device.tolerance if seconds_left > SAFETY_SECONDS else current
        steps = [
            step for step in range(earliest, current + device.tolerance + 1) if step > device.last_t
        ]
        if steps:
            real_step = current - device.drift
            chosen = min(steps, key=lambda step: (abs(step - real_step), step))
            totp.drift = device.drift + chosen - current
            return totp.token()
        time.sleep(1)
