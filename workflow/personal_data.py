"""Personal data at rest: identity numbers and phones are stored encrypted and found by a keyed
hash, so a copy of the database (a dump, a backup, a stolen file) holds neither in clear.

- Encryption is AES-256-GCM (the `cryptography` package), authenticated: a value altered in the
  database fails to decrypt instead of reading as something else. Each value names the key it
  was sealed with and is bound to its column's purpose (a phone moved into the identity-number
  column does not decrypt). Several keys may be configured; the first seals, all of them open,
  and `flask --app api rotate-keys` reseals every value with the first.
- The lookup hash is HMAC-SHA256 under its own key: equal values give equal hashes (registration
  finds a phone already known, login finds the account), and without the key a hash cannot be
  tested against the few hundred million possible phones.

Keys come from the settings (PERSONAL_DATA_KEYS, PERSONAL_DATA_HASH_KEY; the embedded default
generates its own into var/). This module imports nothing of ours.
"""

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import String, TypeDecorator

PREFIX = "pd1"
NONCE_BYTES = 12
KEY_BYTES = 32


class KeyProblem(RuntimeError):
    """Keys missing or malformed, or a value no configured key opens."""


@dataclass(frozen=True)
class Keys:
    sealing_id: str
    by_id: dict[str, bytes]
    hash_key: bytes


_keys: dict[str, Keys] = {}


def new_key() -> str:
    """A fresh key, base64, for PERSONAL_DATA_KEYS or PERSONAL_DATA_HASH_KEY."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def parse_keys(keys_text: str, hash_key_text: str) -> Keys:
    """ "id:base64,id:base64" (the first seals) and one base64 hash key."""
    by_id: dict[str, bytes] = {}
    for entry in filter(None, (part.strip() for part in keys_text.split(","))):
        key_id, _, encoded = entry.partition(":")
        if not key_id.isalnum() or key_id in by_id:
            raise KeyProblem(f"PERSONAL_DATA_KEYS: bad or repeated key id {key_id!r}")
        by_id[key_id] = _decoded(encoded, f"PERSONAL_DATA_KEYS entry {key_id}")
    if not by_id:
        raise KeyProblem("PERSONAL_DATA_KEYS names no key")
    return Keys(next(iter(by_id)), by_id, _decoded(hash_key_text, "PERSONAL_DATA_HASH_KEY"))


def _decoded(text: str, name: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KeyProblem(f"{name} is not base64") from None
    if len(key) != KEY_BYTES:
        raise KeyProblem(f"{name} must be {KEY_BYTES} bytes (base64 of 32 random bytes)")
    return key


def use(keys: Keys) -> None:
    """Set this process's keys."""
    _keys["current"] = keys


def use_settings(settings) -> None:
    """The keys of these settings (the app factory and the migrations call this)."""
    if not (settings.PERSONAL_DATA_KEYS and settings.PERSONAL_DATA_HASH_KEY):
        raise KeyProblem("set PERSONAL_DATA_KEYS and PERSONAL_DATA_HASH_KEY")
    use(parse_keys(settings.PERSONAL_DATA_KEYS, settings.PERSONAL_DATA_HASH_KEY))


def _current() -> Keys:
    try:
        return _keys["current"]
    except KeyError:
        raise KeyProblem("no personal-data keys configured in this process") from None


def seal(value: str, purpose: str) -> str:
    keys = _current()
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(keys.by_id[keys.sealing_id]).encrypt(nonce, value.encode(), purpose.encode())
    token = base64.urlsafe_b64encode(nonce + sealed).decode()
    return f"{PREFIX}:{keys.sealing_id}:{token}"


def open_(stored: str, purpose: str) -> str:
    prefix, key_id, token = (stored.split(":", 2) + ["", ""])[:3]
    key = _current().by_id.get(key_id)
    if prefix != PREFIX or key is None:
        raise KeyProblem(f"a {purpose} sealed with a key not configured here ({key_id!r})")
    raw = base64.urlsafe_b64decode(token)
    try:
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose.encode()).decode()
    except InvalidTag:
        raise KeyProblem(f"a stored {purpose} does not open: altered, or moved") from None


def sealing_key_id() -> str:
    """The id of the key new values are sealed with."""
    return _current().sealing_id


def sealed_with(stored: str) -> str:
    """The id of the key a stored value was sealed with."""
    return stored.split(":", 2)[1]


def lookup_hash(value: str, purpose: str) -> str:
    """The keyed hash a value is found by (hex, 64 characters)."""
    message = f"{purpose}:{value}".encode()
    return hmac.new(_current().hash_key, message, hashlib.sha256).hexdigest()


class Sealed(TypeDecorator):
    """A text column stored sealed; the application reads and writes it in clear."""

    impl = String(200)  # a sealed 18-character identity number takes 71
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value, dialect):
        return None if value is None else seal(value, self.purpose)

    def process_result_value(self, value, dialect):
        return None if value is None else open_(value, self.purpose)


def hash_of(column: str, purpose: str):
    """A column default: the lookup hash of the row's `column`, as it is inserted (ORM objects
    and bulk inserts alike), so no caller computes it by hand."""

    def default(context) -> str | None:
        value = context.get_current_parameters().get(column)
        return None if value is None else lookup_hash(value, purpose)

    return default


def mask_id_number(value: str | None) -> str | None:
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}" if value else None


def mask_phone(value: str | None) -> str | None:
    return f"{value[:3]}****{value[-4:]}" if value else None
