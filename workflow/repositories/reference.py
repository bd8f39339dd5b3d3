"""Policies, windows, departments and users."""

from sqlalchemy import select, update
from sqlalchemy.orm import Session as OrmSession

from workflow.models import Department, Policy, User, Window
from workflow.personal_data import lookup_hash


def list_policies(session: OrmSession) -> list[Policy]:
    return list(session.scalars(select(Policy).order_by(Policy.code)))


def get_policy(session: OrmSession, code: str) -> Policy | None:
    return session.get(Policy, code)


def list_windows(session: OrmSession) -> list[Window]:
    return list(session.scalars(select(Window).order_by(Window.code)))


def get_window(session: OrmSession, code: str) -> Window | None:
    return session.get(Window, code)


def list_departments(session: OrmSession) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.code)))


def list_users(
    session: OrmSession, username: str | None, before_id: int | None, limit: int
) -> list[User]:
    """Newest first; `username` matches any part of the username, in any case."""
    query = select(User).order_by(User.id.desc()).limit(limit)
    if username:
        query = query.where(User.username.icontains(username, autoescape=True))
    if before_id is not None:
        query = query.where(User.id < before_id)
    return list(session.scalars(query))


def get_department(session: OrmSession, code: str) -> Department | None:
    return session.get(Department, code)


def get_user_by_username(session: OrmSession, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).first()


def get_user_by_phone(session: OrmSession, phone: str) -> User | None:
    """By the canonical 11 digits; found by the keyed hash, never compared in clear."""
    found = select(User).where(User.phone_hash == lookup_hash(phone, "phone"))
    return session.scalars(found).first()


def get_user_by_id_number(session: OrmSession, id_number: str) -> User | None:
    found = select(User).where(User.id_number_hash == lookup_hash(id_number, "id_number"))
    return session.scalars(found).first()


def get_users(session: OrmSession, user_ids: set[int]) -> dict[int, User]:
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))}


def count_up(session: OrmSession, user_id: int, column: str) -> int:
    """Add one to a user's counter in the database and return the new count: tries sent at once
    to different processes all count."""
    counter = getattr(User, column)
    return session.execute(
        update(User).where(User.id == user_id).values({counter: counter + 1}).returning(counter)
    ).scalar_one()
