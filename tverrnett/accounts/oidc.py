"""OIDC login through Ansattporten (employees) and ID-porten (citizens).

Digdir's integration guides (https://docs.digdir.no/docs/idporten/oidc/oidc_guide_idporten
and the Ansattporten guide next to it): the authorization code flow with PKCE (S256),
`state` and `nonce`, `acr_values` requested (`idporten-loa-substantial` or
`idporten-loa-high`), the ID token signed by a key from the provider's JWKS and holding
`pid` (the national identity number), `acr`, `amr` and `sid`; logout through the
provider's `end_session_endpoint` with `id_token_hint`, and front-channel logout
(`iss` + `sid`) from the provider.

Authlib builds the authorization request (PKCE) and exchanges the code; its JOSE
library, joserfc, checks the ID token's signature and claims. What is checked, and in
which order, is written out here so a reviewer can follow it; nothing is trusted before
the signature, issuer, audience, expiry, issue time and nonce are checked, and the
`acr` is one the deployment accepts for that kind of login.

The provider's metadata and keys are fetched over HTTPS and kept for
`METADATA_SECONDS`; a token signed by a key not yet seen fetches the keys once more
(key rotation).
"""

import hmac
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oauth2.rfc7523.assertion import private_key_jwt_sign
from django.conf import settings
from joserfc import jwk, jwt
from joserfc.errors import ExpiredTokenError, JoseError
from joserfc.jwt import JWTClaimsRegistry

from tverrnett.cases import identity_encryption

METADATA_SECONDS = 3600
CLIENT_ASSERTION_SECONDS = 120
HTTP_TIMEOUT_SECONDS = 10
SESSION_FLOW = "oidc_flow"  # the started login: kind, state, nonce, PKCE verifier, next
SESSION_ID_TOKEN = "oidc_id_token"  # noqa: S105 (a session key name); for id_token_hint at logout
SESSION_KIND = "oidc_kind"
KINDS = ("employee", "citizen")

_cache = {}


class OidcError(Exception):
    """A refused OIDC login. `reason` is a short code for the audit entry."""

    def __init__(self, reason, message=""):
        super().__init__(message or reason)
        self.reason = reason


@dataclass(frozen=True)
class VerifiedLogin:
    kind: str
    pid: str
    acr: str
    sid: str
    issuer: str
    id_token: str


def client_settings(kind):
    config = settings.OIDC_CLIENTS.get(kind)
    if config is None:
        raise OidcError("login_type_disabled")
    return config


def _get_json(url):
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT_SECONDS)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as error:
        raise OidcError("provider_unreachable", str(error)) from None


def _cached(url, *, refresh=False):
    hit = _cache.get(url)
    if hit is None or refresh or time.monotonic() - hit[0] > METADATA_SECONDS:
        hit = (time.monotonic(), _get_json(url))
        _cache[url] = hit
    return hit[1]


def metadata(kind):
    return _cached(client_settings(kind)["discovery_url"])


class _DigdirPrivateKeyJWT(PrivateKeyJWT):
    """`private_key_jwt` as Digdir's token endpoint wants it: `aud` is the provider's
    issuer, the registered key's `kid` in the header, a fresh `jti`, and a lifetime of
    `CLIENT_ASSERTION_SECONDS` (Digdir refuses assertions that live longer)."""

    def __init__(self, issuer, key, key_id):
        super().__init__(token_endpoint=issuer, headers={"kid": key_id}, alg="RS256")
        self.key = key

    def sign(self, auth, token_endpoint):
        return private_key_jwt_sign(
            self.key,
            client_id=auth.client_id,
            token_endpoint=self.token_endpoint,
            header=dict(self.headers),
            alg=self.alg,
            expires_in=CLIENT_ASSERTION_SECONDS,
        )


def _private_key(path):
    """The RSA private key (PEM) in `path`, read once per process."""
    key = _cache.get(("private_key", path))
    if key is None:
        try:
            with open(path, "rb") as handle:
                key = jwk.RSAKey.import_key(handle.read())
        except (OSError, ValueError, JoseError) as error:
            raise OidcError("client_key_unreadable", str(error)[:200]) from None
        if not key.is_private:
            raise OidcError("client_key_unreadable", "not a private key")
        _cache[("private_key", path)] = key
    return key


def _session(kind, redirect_uri):
    config = client_settings(kind)
    if config.get("client_auth") == "private_key_jwt":
        session = OAuth2Session(
            client_id=config["client_id"],
            token_endpoint_auth_method="private_key_jwt",  # noqa: S106
            scope=config["scope"],
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
        )
        session.register_client_auth_method(
            _DigdirPrivateKeyJWT(
                metadata(kind)["issuer"],
                _private_key(config["private_key_file"]),
                config["key_id"],
            )
        )
        return session
    return OAuth2Session(
        client_id=config["client_id"],
        client_secret=config["client_secret"],
        token_endpoint_auth_method="client_secret_post",  # noqa: S106
        scope=config["scope"],
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )


def start(kind, redirect_uri, next_url):
    """The provider's authorization URL and the flow to keep in the session."""
    config = client_settings(kind)
    flow = {
        "kind": kind,
        "state": generate_token(43),
        "nonce": generate_token(43),
        "code_verifier": generate_token(64),
        "next": next_url,
        "started": time.time(),
    }
    url, _state = _session(kind, redirect_uri).create_authorization_url(
        metadata(kind)["authorization_endpoint"],
        state=flow["state"],
        code_verifier=flow["code_verifier"],
        nonce=flow["nonce"],
        # The lowest level accepted is requested; the provider may answer with a higher.
        acr_values=config["acr_values"][0],
    )
    return url, flow


def finish(flow, params, redirect_uri):
    """Check the provider's answer to `flow` and return the verified login.

    `params` are the callback's query parameters. Raises OidcError.
    """
    if not flow:
        raise OidcError("no_login_started")
    if time.time() - flow.get("started", 0) > settings.OIDC_LOGIN_SECONDS:
        raise OidcError("login_expired")
    state = params.get("state") or ""
    if not hmac.compare_digest(state.encode(), flow["state"].encode()):
        raise OidcError("wrong_state")
    if params.get("error"):
        raise OidcError("provider_error", str(params.get("error"))[:100])
    code = params.get("code")
    if not code:
        raise OidcError("no_code")
    kind = flow["kind"]
    config = client_settings(kind)
    meta = metadata(kind)
    # RFC 9207: where the provider names itself in the answer, it must be ours.
    if params.get("iss") and params.get("iss") != meta["issuer"]:
        raise OidcError("wrong_issuer")
    try:
        token = _session(kind, redirect_uri).fetch_token(
            meta["token_endpoint"],
            code=code,
            code_verifier=flow["code_verifier"],
            timeout=HTTP_TIMEOUT_SECONDS,
        )
    except Exception as error:  # Authlib raises OAuthError; requests its own
        raise OidcError("token_refused", str(error)[:200]) from None
    id_token = token.get("id_token")
    if not id_token:
        raise OidcError("no_id_token")
    claims = validate_id_token(kind, id_token, nonce=flow["nonce"])
    acr = claims.get("acr")
    if acr not in config["acr_values"]:
        raise OidcError("acr_too_low", str(acr)[:50])
    pid = str(claims.get("pid") or "")
    if not identity_encryption.normalised(pid):
        raise OidcError("no_pid")
    return VerifiedLogin(
        kind=kind,
        pid=pid,
        acr=acr,
        sid=str(claims.get("sid") or ""),
        issuer=meta["issuer"],
        id_token=id_token,
    )


def _keys(kind, *, refresh=False):
    return jwk.KeySet.import_key_set(_cached(metadata(kind)["jwks_uri"], refresh=refresh))


def validate_id_token(kind, id_token, *, nonce):
    """The ID token's claims, after its signature (provider's JWKS), iss, aud, exp,
    iat and nonce are checked."""
    config = client_settings(kind)
    meta = metadata(kind)
    algorithms = meta.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [alg for alg in algorithms if alg != "none"]
    try:
        try:
            decoded = jwt.decode(id_token, _keys(kind), algorithms=algorithms)
        except JoseError:
            # Perhaps signed with a new key: read the provider's keys once more.
            decoded = jwt.decode(id_token, _keys(kind, refresh=True), algorithms=algorithms)
    except (JoseError, ValueError) as error:
        raise OidcError("bad_signature", str(error)[:200]) from None
    claims = decoded.claims
    registry = JWTClaimsRegistry(
        leeway=settings.OIDC_CLOCK_LEEWAY_SECONDS,
        iss={"essential": True, "value": meta["issuer"]},
        aud={"essential": True, "value": config["client_id"]},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError as error:
        raise OidcError("token_expired", str(error)[:200]) from None
    except JoseError as error:
        raise OidcError("bad_claims", str(error)[:200]) from None
    if claims["iat"] > time.time() + settings.OIDC_CLOCK_LEEWAY_SECONDS:
        raise OidcError("bad_claims", "issued in the future")
    audience = claims["aud"]
    several = isinstance(audience, list) and len(audience) > 1
    if several and claims.get("azp") != config["client_id"]:
        raise OidcError("bad_claims", "azp")
    if not hmac.compare_digest(str(claims.get("nonce") or "").encode(), nonce.encode()):
        raise OidcError("wrong_nonce")
    return claims


def stored_id_token(session):
    """The ID token kept (encrypted) in the session for logout, or ""."""
    try:
        return identity_encryption.decrypt(session.get(SESSION_ID_TOKEN, ""))
    except identity_encryption.UndecryptableIdentityNumber:
        return ""


def end_session_url(kind, id_token, post_logout_redirect_uri):
    """Where to send the browser to end the provider's session too, or None."""
    try:
        endpoint = metadata(kind).get("end_session_endpoint")
    except OidcError:
        return None
    if not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": post_logout_redirect_uri,
            "state": generate_token(20),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


def issuers():
    """The issuers of the configured providers (for front-channel logout)."""
    found = {}
    for kind in settings.OIDC_CLIENTS:
        try:
            found[metadata(kind)["issuer"]] = kind
        except OidcError:
            continue
    return found


def provider_origins():
    """The origins of the configured providers' issuer and end-session pages."""
    origins = set()
    for kind in settings.OIDC_CLIENTS:
        try:
            meta = metadata(kind)
        except OidcError:
            continue
        for url in (meta.get("issuer"), meta.get("end_session_endpoint")):
            if url:
                parts = urlsplit(url)
                origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)
