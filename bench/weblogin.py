"""Logging in over HTTP as a browser does, for the benchmarks that drive a running server.

Shared by bench/throughput.py and bench/load/locustfile.py: both hold a
`requests.Session` (Locust's HttpSession is one) and go through the two forms of
accounts/views.py, the password and then the authenticator code, each with the
CSRF token of its form (the CSRF cookie is HttpOnly, so the token comes from the
page). Standard library and requests only.
"""

import hashlib
import hmac
import re
import struct
import time

LOGIN_URL = "/logg-inn/"
MFA_URL = "/logg-inn/kode/"
# generate_scale_data's users (fictional data, development databases only).
DEMO_PASSWORD = "Demo-passord-2026"  # noqa: S105

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class LoginFailed(Exception):
    pass


def csrf_token(html):
    """The CSRF token of the first form on the page."""
    match = _CSRF.search(html)
    if match is None:
        raise LoginFailed("no CSRF token on the page")
    return match.group(1)


def totp(key_hex, *, at=None, step=30, t0=0, digits=6, offset=0):
    """RFC 6238 code of a django-otp TOTPDevice (its `key` is hex), `offset` steps on."""
    counter = int(((time.time() if at is None else at) - t0) // step) + offset
    mac = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    start = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[start : start + 4])[0] & 0x7FFFFFFF
    return f"{number % 10**digits:0{digits}d}"


def login(session, base, username, password, codes, **request_options):
    """Log `session` in at `base` ("" for Locust, whose session knows its host).

    `codes` yields second-factor codes to try in turn: a device accepts each time step
    once, so a second login within the same 30 seconds needs the next step's code.
    """
    page = session.get(f"{base}{LOGIN_URL}", **request_options)
    response = session.post(
        f"{base}{LOGIN_URL}",
        data={
            "csrfmiddlewaretoken": csrf_token(page.text),
            "username": username,
            "password": password,
        },
        allow_redirects=False,
        **request_options,
    )
    if response.status_code != 302 or MFA_URL not in response.headers.get("Location", ""):
        raise LoginFailed(f"{username}: password step answered {response.status_code}")
    page = session.get(f"{base}{MFA_URL}", **request_options)
    for code in codes:
        response = session.post(
            f"{base}{MFA_URL}",
            data={"csrfmiddlewaretoken": csrf_token(page.text), "code": code},
            allow_redirects=False,
            **request_options,
        )
        if response.status_code == 302:
            return
        page = response
    raise LoginFailed(f"{username}: no code was accepted")


def device_codes(key_hex):
    """The codes worth trying for a fresh device: this step's, then the next one's."""
    return [totp(key_hex), totp(key_hex, offset=1)]


def basic_auth_free(url):
    """`url` for display: no credentials (DATABASE_URL may hold a password)."""
    return re.sub(r"//[^@/]*@", "//", url)
