"""Password hashing: argon2id with the parameters of the settings, one hasher per process."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from config import Config

_hasher = PasswordHasher()
_dummy_hash = ""


def configure_passwords(settings: Config) -> None:
    """Every hash made and checked afterwards uses the settings' parameters."""
    global _hasher, _dummy_hash
    _hasher = PasswordHasher(
        time_cost=settings.ARGON2_TIME_COST,
        memory_cost=settings.ARGON2_MEMORY_KIB,
        parallelism=settings.ARGON2_PARALLELISM,
    )
    # Checked against for unknown usernames and locked accounts, so the time a login takes
    # does not tell which accounts exist or are locked.
    _dummy_hash = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(stored_hash: str | None, password: str) -> bool:
    """False for a wrong password, and after spending the same time when there is no hash (an
    account emptied by retention has an empty one)."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash, password) and bool(stored_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with parameters other than today's."""
    return _hasher.check_needs_rehash(stored_hash)


configure_passwords(Config())
