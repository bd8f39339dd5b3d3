"""Sessions: logging in and confirming a registered phone hand out a refresh token that starts a
family; refreshing rotates it; logging out ends the family; a password change ends every session
of the user.

Refresh tokens are random and stored only as their SHA-256, so the table alone lets nobody in.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from config import Config
from workflow.db import Session
from workflow.errors import InvalidInput, Unauthorised
from workflow.models import RefreshToken, User
from workflow.models._types import utcnow
from workflow.passwords import configure_passwords, hash_password, password_matches
from workflow.repositories import sessions as repository
from workflow.services import accounts, phone_confirmation
from workflow.services.accounts import LockPolicy


@dataclass(frozen=True)
class Grant:
    """What a client gets: the user, the session's family and its next refresh token."""

    user: User
    family_id: str
    refresh_token: str


_ttl = timedelta(days=14)
_lock = LockPolicy(after=5, seconds=60, max_seconds=3600)


def configure_sessions(settings: Config) -> None:
    """Called once by create_app(): refresh token lifetime, lockout and password hashing."""
    global _ttl, _lock
    _ttl = timedelta(seconds=settings.REFRESH_TOKEN_TTL_SECONDS)
    _lock = LockPolicy(
        after=settings.LOGIN_LOCK_AFTER,
        seconds=settings.LOGIN_LOCK_SECONDS,
        max_seconds=settings.LOGIN_LOCK_MAX_SECONDS,
    )
    configure_passwords(settings)


def admin_lock_until(now):
    """How long an admin's lock lasts: the longest automatic one, or until an admin unlocks."""
    return now + timedelta(seconds=_lock.max_seconds)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _grant(user: User, family_id: str | None = None) -> Grant:
    """Adds the next refresh token of the family (a new family when None); the caller commits."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    family_id = family_id or secrets.token_hex(16)
    user.last_signed_in_at = now  # the account is in use: retention leaves it alone
    Session().add(
        RefreshToken(
            user_id=user.id,
            family_id=family_id,
            token_hash=_digest(token),
            token_version=user.token_version,
            issued_at=now,
            expires_at=now + _ttl,
        )
    )
    return Grant(user, family_id, token)


def log_in(username: str, password: str) -> Grant:
    user = accounts.authenticate(username, password, _lock)
    grant = _grant(user)
    Session().commit()
    return grant


def confirm_phone(phone: str, code: str) -> tuple[Grant, bool]:
    """A pending account's first session, once its code came back; and whether its identity
    number waits for a window (an identity claim)."""
    confirmed = phone_confirmation.confirm_phone(phone, code)
    grant = _grant(confirmed.user)
    Session().commit()
    return grant, confirmed.identity_claimed


_REFUSED = "The refresh token is invalid, expired or was revoked; log in again."


def refresh(token: str) -> Grant:
    """Spends the token and grants the next one of its family. A token spent before, presented
    again, means a copy leaked: the family is revoked and its holder logs in again."""
    session = Session()
    now = utcnow()
    row = repository.get_refresh_token(session, _digest(token))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise Unauthorised(_REFUSED)
    if not repository.spend_refresh_token(session, row.id, now):
        repository.revoke_family(session, row.family_id, now)
        session.commit()
        raise Unauthorised(_REFUSED)
    user = session.get(User, row.user_id)
    if not user.active or user.token_version != row.token_version:
        session.rollback()
        raise Unauthorised(_REFUSED)
    grant = _grant(user, row.family_id)
    session.commit()
    return grant


def log_out(family_id: str) -> None:
    """Ends the session: its refresh tokens, and the access tokens that name it."""
    session = Session()
    repository.revoke_family(session, family_id, utcnow())
    session.commit()


def change_password(user_id: int, current_password: str, new_password: str) -> Grant:
    """Every older access and refresh token stops working; the caller gets a new session."""
    session = Session()
    user = session.get(User, user_id)
    if not password_matches(user.password_hash, current_password):
        raise InvalidInput(
            "The current password is wrong.",
            errors={"current_password": ["Not your current password."]},
        )
    errors: dict[str, list[str]] = {}
    accounts.check_password(new_password, errors, field="new_password")
    if errors:
        raise InvalidInput("Some fields are invalid.", errors=errors)
    user.password_hash = hash_password(new_password)
    user.token_version += 1
    grant = _grant(user)
    session.commit()
    return grant


def token_still_valid(user_id: int, version: int, family_id: str) -> bool:
    return repository.access_token_valid(Session(), user_id, version, family_id)
