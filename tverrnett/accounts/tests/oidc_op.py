"""The local OpenID Provider (tests/oidc_provider/server.js, npm `oidc-provider`) for
tests: installed with `npm ci` on first use, started on a free port.

Without Node the tests that need it are skipped locally; under CI=true they fail.
"""

import fcntl
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

PROVIDER_DIR = Path(__file__).resolve().parents[3] / "tests" / "oidc_provider"
CLIENT_ID = "tverrnett-test"
# Seconds the provider may take to answer; Node starts in about one, but CI shares the
# machine with two test runs and their browsers.
STARTUP_SECONDS = 60
CLIENT_SECRET = "test-only-secret-that-is-long-enough-for-hs256"  # noqa: S105
KEY_CLIENT_ID = "tverrnett-test-private-key-jwt"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def node_available():
    return bool(shutil.which("node") and shutil.which("npm"))


def _node_or_skip():
    node, npm = shutil.which("node"), shutil.which("npm")
    if node and npm:
        return node, npm
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("Node.js and npm are needed for the OIDC tests (tests/oidc_provider)")
    pytest.skip("Node.js is not installed: the OIDC provider tests need it")


def _install(npm):
    # A lock: two test runs side by side (CI's SQLite and PostgreSQL) install once.
    with open(PROVIDER_DIR / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (PROVIDER_DIR / "node_modules" / "oidc-provider").exists():
            subprocess.run(  # noqa: S603
                [npm, "ci", "--no-audit", "--no-fund", "--prefix", str(PROVIDER_DIR)],
                check=True,
                capture_output=True,
                timeout=300,
            )


ACR_VALUES = ("idporten-loa-substantial", "idporten-loa-high")


class Provider:
    def __init__(self, process, issuer):
        self.process = process
        self.issuer = issuer
        self.discovery_url = f"{issuer}/.well-known/openid-configuration"

    def client_settings(self, acr_values=ACR_VALUES):
        return {
            "discovery_url": self.discovery_url,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scope": "openid",
            "acr_values": list(acr_values),
        }


def start(
    tmp_dir,
    redirect_uris,
    post_logout_redirect_uris,
    frontchannel_logout_uri,
    host="127.0.0.1",
    public_jwk=None,
):
    """Install (once) and start the provider; skip (or fail under CI) without Node.

    With `public_jwk`, a second client `KEY_CLIENT_ID` authenticates with
    private_key_jwt signed by the matching private key."""
    node, npm = _node_or_skip()
    _install(npm)
    uris = {
        "redirect_uris": redirect_uris,
        "post_logout_redirect_uris": post_logout_redirect_uris,
        "frontchannel_logout_uri": frontchannel_logout_uri,
    }
    registered = [
        {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            **uris,
            "token_endpoint_auth_method": "client_secret_post",
        }
    ]
    if public_jwk is not None:
        registered.append(
            {
                "client_id": KEY_CLIENT_ID,
                **uris,
                "token_endpoint_auth_method": "private_key_jwt",
                "token_endpoint_auth_signing_alg": "RS256",
                "jwks": {"keys": [public_jwk]},
            }
        )
    clients = tmp_dir / "clients.json"
    clients.write_text(json.dumps(registered))
    port = _free_port()
    env = {**os.environ, "PORT": str(port), "CLIENTS_FILE": str(clients), "ISSUER_HOST": host}
    # Node's own messages go to a file beside the clients, so a provider that does not
    # come up says why (a CI run once saw it silent for 30 s).
    errors = tmp_dir / "oidc-provider.log"
    with errors.open("w") as error_file:
        process = subprocess.Popen(  # noqa: S603
            [node, str(PROVIDER_DIR / "server.js")],
            env=env,
            stdout=subprocess.PIPE,
            stderr=error_file,
            text=True,
        )
    issuer = f"http://{host}:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the OIDC provider exited with {process.returncode}: {_tail(errors)}"
            )
        try:
            requests.get(f"http://127.0.0.1:{port}/.well-known/openid-configuration", timeout=2)
            return Provider(process, issuer)
        except requests.RequestException:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(
        f"the OIDC provider did not answer on port {port} within {STARTUP_SECONDS} s: "
        f"{_tail(errors)}"
    )


def _tail(path, lines=20):
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:]) or "(it wrote nothing)"


def stop(provider):
    provider.process.terminate()
    try:
        provider.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        provider.process.kill()


def server_env(provider):
    """The settings that point a Tverrnett server at `provider`, in Ansattporten's place
    and in ID-porten's (at level high only, as the person's own access asks)."""
    return {
        "LOGIN_METHODS": "password,oidc_employee,oidc_citizen",
        "OIDC_EMPLOYEE_DISCOVERY_URL": provider.discovery_url,
        "OIDC_EMPLOYEE_CLIENT_ID": CLIENT_ID,
        "OIDC_EMPLOYEE_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_EMPLOYEE_ACR_VALUES": ",".join(ACR_VALUES),
        "OIDC_CITIZEN_DISCOVERY_URL": provider.discovery_url,
        "OIDC_CITIZEN_CLIENT_ID": CLIENT_ID,
        "OIDC_CITIZEN_CLIENT_SECRET": CLIENT_SECRET,
    }
