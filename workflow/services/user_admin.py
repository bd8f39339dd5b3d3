"""What admins do to accounts, each change recorded (AdminEvent): list them, create staff,
deactivate, change a role, window or department, lock and unlock.

Any change that matters to a token (active, role, window, department, a lock) bumps the user's
token_version, so tokens issued before stop working on their next request.
"""

from workflow.actors import Actor
from workflow.db import Session
from workflow.errors import InvalidInput, NotFound
from workflow.lifecycle import STAFF_ROLES, Role
from workflow.models import User
from workflow.models._types import utcnow
from workflow.repositories import reference
from workflow.services import sessions
from workflow.services.accounts import create_staff_user
from workflow.services.admin_records import only_admins, record_admin_event

_UNSET = object()


def list_users(actor: Actor, username: str | None, before_id: int | None, limit: int) -> list:
    only_admins(actor, "sees the accounts")
    return reference.list_users(Session(), username, before_id, limit)


def add_staff(actor: Actor, **fields) -> User:
    only_admins(actor, "creates staff accounts")
    # Added first, so the record is committed with the account, or neither is.
    record_admin_event(
        actor,
        "create_user",
        fields["username"],
        {key: value for key, value in fields.items() if key != "password"},
    )
    return create_staff_user(**fields)


def change_user(  # noqa: PLR0913 (one parameter per field an admin may change)
    actor: Actor,
    user_id: int,
    active: bool | None = None,
    role: str | None = None,
    window_code=_UNSET,
    department_code=_UNSET,
    locked: bool | None = None,
) -> User:
    only_admins(actor, "changes accounts")
    session = Session()
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user {user_id}.")
    before = _snapshot(user)
    _check(actor, user, active, role, window_code, department_code)
    if active is not None:
        user.active = active
    if role is not None:
        user.role = role
    if window_code is not _UNSET:
        user.window_code = window_code
    if department_code is not _UNSET:
        user.department_code = department_code
    if user.role != Role.WINDOW_CLERK:
        user.window_code = None  # only clerks belong to a window
    if locked is not None:
        user.failed_logins = 0
        user.locked_until = sessions.admin_lock_until(utcnow()) if locked else None
    after = _snapshot(user)
    changed = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if locked is not None:
        changed["locked"] = [None, locked]
    if changed:
        user.token_version += 1
        # Applicants have no username (they log in with their phone, never written in clear).
        record_admin_event(actor, "change_user", user.username or f"user {user.id}", changed)
    session.commit()
    return user


def _snapshot(user: User) -> dict:
    return {
        "active": user.active,
        "role": user.role,
        "window_code": user.window_code,
        "department_code": user.department_code,
    }


def _check(actor, user, active, role, window_code, department_code) -> None:  # noqa: PLR0913
    session = Session()
    errors: dict[str, list[str]] = {}
    if role is not None and (role not in STAFF_ROLES or user.role not in STAFF_ROLES):
        errors["role"] = [
            f"Staff roles only ({', '.join(sorted(STAFF_ROLES))}), and only for staff accounts."
        ]
    if active is False and user.id == actor.user_id:
        errors["active"] = ["An admin cannot deactivate their own account."]
    final_role = role or user.role
    window = user.window_code if window_code is _UNSET else window_code
    department = user.department_code if department_code is _UNSET else department_code
    if window and reference.get_window(session, window) is None:
        errors["window_code"] = [f"Unknown window {window}."]
    elif final_role == Role.WINDOW_CLERK and not window:
        errors["window_code"] = ["A window clerk needs a window."]
    if department and reference.get_department(session, department) is None:
        errors["department_code"] = [f"Unknown department {department}."]
    elif final_role == Role.REVIEWER and not department:
        errors["department_code"] = ["A reviewer needs a department."]
    if errors:
        raise InvalidInput("Some fields are invalid.", errors=errors)


def list_windows(actor: Actor) -> list:
    only_admins(actor, "sees the windows here")
    return reference.list_windows(Session())


def list_departments(actor: Actor) -> list:
    only_admins(actor, "sees the departments here")
    return reference.list_departments(Session())
