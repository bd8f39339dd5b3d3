"""Registering an applicant, and proving the phone it was registered with.

A registration makes a pending account and sends a 6-digit code to the phone by SMS; the account
logs in once the code has come back (confirm_phone). What the caller is told is the same
whatever is already known, so registering tells nobody whether a phone or an identity number
has an account:
- a new phone: a pending account and a code;
- the phone of a pending account: its details are replaced (nobody proved the phone yet) and a
  new code is sent;
- the phone of a confirmed account: nothing changes; that phone is told someone tried;
- an identity number another account holds: the pending account is made without it, and an
  identity claim waits for a window clerk to check the person's card
  (workflow/services/identity_claims.py).

A code is kept only as its keyed hash, lives PHONE_CODE_TTL_SECONDS, and is void after
PHONE_CODE_WRONG_TRIES wrong tries; a phone has one live code, the last one sent. The code is
never logged or passed to a task: it is only in the text of its SMS.
"""

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as OrmSession

from config import Config
from workflow.db import Session
from workflow.errors import InvalidCode, InvalidInput
from workflow.lifecycle import Role
from workflow.models import IdentityClaim, User
from workflow.models._types import utcnow
from workflow.models.identity_claim import OPEN
from workflow.notifications import PHONE_CODE, REGISTRATION_TRIED
from workflow.notifications.account_notices import send_account_sms
from workflow.passwords import hash_password
from workflow.personal_data import lookup_hash
from workflow.personal_fields import PHONE_RULE, normalise_phone
from workflow.repositories import reference
from workflow.services.accounts import check_registration

CODE_DIGITS = 6
_WRONG = "The code is wrong or no longer valid; ask for a new one if need be."


@dataclass(frozen=True)
class CodePolicy:
    ttl: timedelta = timedelta(minutes=10)
    wrong_tries: int = 5


_policy = CodePolicy()


def configure_phone_codes(settings: Config) -> None:
    """Called once by create_app()."""
    global _policy
    _policy = CodePolicy(
        timedelta(seconds=settings.PHONE_CODE_TTL_SECONDS), settings.PHONE_CODE_WRONG_TRIES
    )


def register_applicant(phone: str, password: str, name: str, id_number: str) -> str:
    """Register (see above); returns the canonical phone, which the answer names masked."""
    phone, id_number = check_registration(phone, password, name, id_number)
    password_hash = hash_password(password)  # in every case, so the time taken tells nothing
    session = Session()
    try:
        _register(session, phone, password_hash, name, id_number)
        session.commit()
    except IntegrityError:  # a registration with the same phone or number got in first:
        session.rollback()  # now it is known, and the second go takes its path
        _register(session, phone, password_hash, name, id_number)
        session.commit()
    return phone


def _register(
    session: OrmSession, phone: str, password_hash: str, name: str, id_number: str
) -> None:
    user = reference.get_user_by_phone(session, phone)
    if user is not None and not _pending(user):
        send_account_sms(session, user, REGISTRATION_TRIED, {})
        return
    if user is None:
        user = User(phone=phone, role=Role.APPLICANT)
        session.add(user)
    user.name, user.password_hash = name, password_hash
    session.flush()
    _take_or_claim(session, user, id_number)
    _send_code(session, user)


def _pending(user: User) -> bool:
    return user.role == Role.APPLICANT and user.phone_confirmed_at is None


def _take_or_claim(session: OrmSession, user: User, id_number: str) -> None:
    """The pending account takes the identity number if nobody else holds it, else claims it.
    Its earlier claims go: they were details nobody proved, now replaced."""
    session.execute(delete(IdentityClaim).where(IdentityClaim.claimant_id == user.id))
    holder = reference.get_user_by_id_number(session, id_number)
    if holder is None or holder.id == user.id:
        user.id_number, user.id_number_hash = id_number, lookup_hash(id_number, "id_number")
    else:
        user.id_number = user.id_number_hash = None
        session.add(IdentityClaim(claimant_id=user.id, id_number=id_number, status=OPEN))
    session.flush()


def _send_code(session: OrmSession, user: User) -> None:
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    user.phone_code_hash = _code_hash(user.id, code)
    user.phone_code_expires_at = utcnow() + _policy.ttl
    user.phone_code_wrong_tries = 0
    minutes = int(_policy.ttl.total_seconds() // 60)
    send_account_sms(session, user, PHONE_CODE, {"code": code, "minutes": minutes})


def _code_hash(user_id: int, code: str) -> str:
    # Keyed: without the key, the hash of a 6-digit code cannot be tried against all million.
    return lookup_hash(f"{user_id}:{code}", "phone_code")


def resend_code(phone: str) -> str:
    """A new code for a pending account's phone; nothing for any other phone. Returns the
    canonical phone (the answer is the same either way)."""
    canonical = normalise_phone(phone)
    if canonical is None:
        raise InvalidInput("Some fields are invalid.", errors={"phone": [PHONE_RULE]})
    session = Session()
    user = reference.get_user_by_phone(session, canonical)
    if user is not None and _pending(user):
        _send_code(session, user)
    session.commit()
    return canonical


@dataclass(frozen=True)
class Confirmed:
    user: User
    identity_claimed: bool  # the identity number is another account's: see a window


def confirm_phone(phone: str, code: str) -> Confirmed:
    """The pending account of this phone, confirmed by its live code; the caller grants its
    session and commits. Every failure is the same InvalidCode; a wrong code is counted, and
    voids the code at the last allowed try."""
    session = Session()
    canonical = normalise_phone(phone)
    user = reference.get_user_by_phone(session, canonical) if canonical else None
    now = utcnow()
    live = (
        user is not None
        and _pending(user)
        and user.phone_code_hash is not None
        and user.phone_code_expires_at > now
    )
    if not live:
        raise InvalidCode(_WRONG)
    if not hmac.compare_digest(user.phone_code_hash, _code_hash(user.id, code)):
        _count_wrong_try(session, user)
        raise InvalidCode(_WRONG)
    user.phone_confirmed_at = now
    user.phone_code_hash = user.phone_code_expires_at = None
    user.phone_code_wrong_tries = 0
    claimed = session.scalar(
        select(IdentityClaim.id).where(
            IdentityClaim.claimant_id == user.id, IdentityClaim.status == OPEN
        )
    )
    return Confirmed(user, claimed is not None)


def _count_wrong_try(session: OrmSession, user: User) -> None:
    tries = reference.count_up(session, user.id, "phone_code_wrong_tries")
    if tries >= _policy.wrong_tries:
        user.phone_code_hash = user.phone_code_expires_at = None
    session.commit()
