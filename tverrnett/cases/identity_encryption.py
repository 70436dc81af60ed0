"""National identity numbers encrypted at rest (issue 18, item 10).

The database never holds an identity number in clear text. `Person` keeps two
columns instead:

- `identity_number_encrypted`: `<key id>:<Fernet token>` (AES-128-CBC with
  HMAC-SHA256, from `cryptography`), readable only with the key file;
- `identity_number_hash`: `<key id>:<HMAC-SHA256 of the eleven digits>`, so that a
  search or a duplicate check finds the same number by exact match without
  decrypting anything.

The keys live outside the database in `IDENTITY_KEY_FILE` (the format of
tverrnett.core.keyfiles: `<key id> <hex secret>` per line, the last current). Each
line's secret gives two separate keys through HKDF-SHA256 with different labels: one
for encryption, one for the keyed hash, so neither can stand in for the other. A
keyed hash (not a plain SHA-256) because there are only about 10^9 valid numbers: a
plain hash is reversed by trying them all.

Values name their key, so after a rotation (`manage.py identity_key --rotate`) rows
under older keys still decrypt and still match (a search hashes the number under every
key in the file), and `identity_key --reencrypt` tells when none is left and an old
line may go.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from functools import cached_property, lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from stdnum.no import fodselsnummer

from tverrnett.core import keyfiles

WHAT = "identity-number key"
_SEPARATOR = ":"


@dataclass(frozen=True, repr=False)
class IdentityKey(keyfiles.Key):
    @cached_property
    def fernet(self):
        return Fernet(base64.urlsafe_b64encode(_derive(self.secret, b"encryption")))

    @cached_property
    def hash_key(self):
        return _derive(self.secret, b"keyed hash")


def _derive(secret, label):
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"tverrnett identity number " + label,
    ).derive(secret)


class UndecryptableIdentityNumber(Exception):
    """A stored value that no key in the file opens (a missing key line, or a changed
    value)."""


def reload():
    """Forget the keys read so far (after a rotation, and in tests)."""
    _load.cache_clear()


@lru_cache(maxsize=1)
def _load():
    return keyfiles.load(
        settings.IDENTITY_KEY_FILE,
        generate=settings.IDENTITY_KEY_GENERATE,
        setting="IDENTITY_KEY_FILE",
        command="identity_key",
        what=WHAT,
        key_class=IdentityKey,
    )


def current():
    return _load()[-1]


def _by_id(key_id):
    for key in _load():
        if key.key_id == key_id:
            return key
    return None


def normalised(number):
    """The eleven digits, without the spaces or hyphens people type."""
    return fodselsnummer.compact(number or "")


def encrypt(number, key=None):
    """The stored form of `number` under `key` (default: the current one); "" for none."""
    return encrypt_text(normalised(number), key)


def encrypt_text(text, key=None):
    """Like `encrypt`, for a text that holds an identity number among other things (an
    OIDC ID token kept for logout); `decrypt` reads it back."""
    if not text:
        return ""
    key = key or current()
    return key.key_id + _SEPARATOR + key.fernet.encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(stored):
    if not stored:
        return ""
    key_id, _, token = stored.partition(_SEPARATOR)
    key = _by_id(key_id)
    if key is None:
        raise UndecryptableIdentityNumber(f"key {key_id!r} is not in IDENTITY_KEY_FILE")
    try:
        return key.fernet.decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise UndecryptableIdentityNumber(f"a value under key {key_id!r} does not open") from None


def keyed_hash(number, key=None):
    """The stored hash of `number` under `key` (default: the current one); "" for none."""
    number = normalised(number)
    if not number:
        return ""
    key = key or current()
    digest = hmac.new(key.hash_key, number.encode("ascii"), hashlib.sha256).hexdigest()
    return key.key_id + _SEPARATOR + digest


def hashes_to_match(number):
    """The hash of `number` under every key in the file: what a search compares with,
    so rows not yet re-encrypted after a rotation are found too."""
    if not normalised(number):
        return []
    return [keyed_hash(number, key) for key in _load()]


def key_id_of(stored):
    return stored.partition(_SEPARATOR)[0] if stored else ""


def reencrypt_people(batch_size=500):
    """Re-encrypt and re-hash every stored number not under the current key; returns
    (how many were re-encrypted, how many are still under an older key).

    Each row is changed only if it still holds what was read (compare and swap), so a
    number changed meanwhile is not overwritten; an application process started before
    the rotation may still write under the old key until it is restarted, which the
    second count shows.
    """
    from django.db import transaction

    from tverrnett.cases.models import Person

    key = current()
    prefix = key.key_id + _SEPARATOR
    stale = Person.objects.exclude(identity_number_encrypted="").exclude(
        identity_number_encrypted__startswith=prefix, identity_number_hash__startswith=prefix
    )
    done = 0
    last_pk = 0
    while True:
        rows = list(
            stale.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "identity_number_encrypted", "identity_number_hash")[:batch_size]
        )
        if not rows:
            break
        with transaction.atomic():
            for pk, stored, stored_hash in rows:
                number = decrypt(stored)
                done += Person.objects.filter(
                    pk=pk, identity_number_encrypted=stored, identity_number_hash=stored_hash
                ).update(
                    identity_number_encrypted=encrypt(number, key),
                    identity_number_hash=keyed_hash(number, key),
                )
        last_pk = rows[-1][0]
    return done, stale.count()
