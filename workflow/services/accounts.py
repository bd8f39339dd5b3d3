"""Registering applicants, creating staff, logging in."""

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from workflow.db import Session
from workflow.errors import Conflict, InvalidInput, Unauthorised
from workflow.identity import normalise_id_number
from workflow.lifecycle import STAFF_ROLES, Role
from workflow.models import User
from workflow.models._types import utcnow
from workflow.notifications.channels.email import is_email_address
from workflow.passwords import hash_password, needs_rehash, password_matches
from workflow.personal_fields import NAME_RULE, PHONE_RULE, is_valid_name, normalise_phone
from workflow.repositories import reference

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD = 8


def check_password(password: str, errors: dict, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD:
        errors[field] = [f"Must be at least {MIN_PASSWORD} characters."]


def check_registration(phone: str, password: str, name: str, id_number: str) -> tuple[str, str]:
    """The canonical phone and identity number of a registration, or InvalidInput naming the
    fields that are wrong (about the input only: nothing here asks the database)."""
    errors: dict[str, list[str]] = {}
    canonical_phone = normalise_phone(phone)
    if canonical_phone is None:
        errors["phone"] = [PHONE_RULE]
    check_password(password, errors)
    if not is_valid_name(name):
        errors["name"] = [NAME_RULE]
    canonical_id = normalise_id_number(id_number)
    if canonical_id is None:
        errors["id_number"] = [
            "Not a valid resident identity number (18 characters, region, check digit, born"
            " 1900-01-01 or later and at least 16 years ago)."
        ]
    if errors:
        raise InvalidInput("Some fields are invalid.", errors=errors)
    return canonical_phone, canonical_id


def create_staff_user(
    username: str,
    password: str,
    role: str,
    name: str | None = None,
    window_code: str | None = None,
    department_code: str | None = None,
    department_head: bool = False,
    email: str | None = None,
) -> User:
    session = Session()
    errors: dict[str, list[str]] = {}
    if email is not None and (len(email) > 254 or not is_email_address(email)):
        errors["email"] = ["One plain address, like name@example.gov.cn."]
    if not USERNAME.match(username):
        errors["username"] = ["3-64 characters: lower-case letters, digits, '.', '_' or '-'."]
    elif normalise_phone(username):  # a login that looks like a phone is an applicant's
        errors["username"] = ["Must not look like a mobile number."]
    if role not in STAFF_ROLES:
        errors["role"] = [f"Must be one of {', '.join(sorted(STAFF_ROLES))}."]
    check_password(password, errors)
    if role == Role.WINDOW_CLERK and not window_code:
        errors["window"] = ["A window clerk needs a window."]
    if window_code and reference.get_window(session, window_code) is None:
        errors["window"] = [f"Unknown window {window_code}."]
    if role == Role.REVIEWER and not department_code:
        errors["department"] = ["A reviewer needs a department."]
    if department_code and reference.get_department(session, department_code) is None:
        errors["department"] = [f"Unknown department {department_code}."]
    if department_head and not department_code:
        errors["head"] = ["The head of a department needs that department."]
    if errors:
        raise InvalidInput("Some fields are invalid.", errors=errors)
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        name=name or username,
        window_code=window_code if role == Role.WINDOW_CLERK else None,
        department_code=department_code,
        is_department_head=department_head,
        email=email,
        language="zh",
    )
    return _add_user(user, duplicate_field="username")


def _add_user(user: User, duplicate_field: str) -> User:
    session = Session()
    session.add(user)
    try:
        session.commit()
    except IntegrityError:  # a concurrent registration won the race
        session.rollback()
        raise Conflict(
            "An account with these details already exists.",
            errors={duplicate_field: ["Already registered."]},
        ) from None
    return user


@dataclass(frozen=True)
class LockPolicy:
    """After `after` consecutive failures the account is locked for `seconds`, each next lock
    twice as long as the last, at most `max_seconds`."""

    after: int
    seconds: int
    max_seconds: int

    def lock_for(self, failures: int) -> timedelta | None:
        if failures < self.after:
            return None
        return timedelta(seconds=min(self.seconds * 2 ** (failures - self.after), self.max_seconds))


def authenticate(username: str, password: str, lock: LockPolicy) -> User:
    """The user, or 401. Unknown, inactive and locked accounts get the wrong password's answer,
    after the same hashing time, so an answer tells nothing about the account; the caller
    commits. Applicants log in with their phone (found by its keyed hash) once it is confirmed,
    staff by username."""
    session = Session()
    login = username.strip()
    phone = normalise_phone(login)
    user = (
        reference.get_user_by_phone(session, phone)
        if phone
        else reference.get_user_by_username(session, login)
    )
    now = utcnow()
    usable = (
        user is not None
        and user.active
        and not (user.locked_until and user.locked_until > now)
        and not is_pending(user)
    )
    if not password_matches(user.password_hash if usable else None, password):
        if usable:
            _count_failure(user, lock, now)
        raise Unauthorised("Wrong username or password.")
    user.failed_logins, user.locked_until = 0, None
    if needs_rehash(user.password_hash):  # the settings' parameters changed since it was made
        user.password_hash = hash_password(password)
    return user


def is_pending(user: User) -> bool:
    """An applicant whose phone no code has confirmed yet: it cannot log in."""
    return user.role == Role.APPLICANT and user.phone_confirmed_at is None


def _count_failure(user: User, lock: LockPolicy, now) -> None:
    session = Session()
    failures = reference.count_up(session, user.id, "failed_logins")
    locked_for = lock.lock_for(failures)
    if locked_for is not None:
        user.locked_until = now + locked_for
    session.commit()


def get_profile(actor) -> User:
    user = Session().get(User, actor.user_id)
    if user is None:
        raise Unauthorised("The account no longer exists.")
    return user


_UNSET = object()


def update_profile(actor, email=_UNSET, language: str | None = None) -> User:
    """Where one's email notices go (None: nowhere) and in which language (zh / en)."""
    user = get_profile(actor)
    if email is not _UNSET:
        if email is not None and (len(email) > 254 or not is_email_address(email)):
            raise InvalidInput(
                "Some fields are invalid.",
                errors={"email": ["One plain address, like name@example.gov.cn."]},
            )
        user.email = email
    if language is not None:
        user.language = language
    Session().commit()
    return user
