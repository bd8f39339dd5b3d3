"""Accounts: applicants (who log in with their phone) and staff (username chosen by the
operator). An applicant's identity number and phone are stored sealed and found by their keyed
hashes (workflow/personal_data.py)."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from workflow.db import Base
from workflow.models._types import UTCDateTime, utcnow
from workflow.personal_data import Sealed, hash_of

# Staff are found by their window or department (the clerks a notice goes to, a department's
# head) among every applicant's account. Only staff have either, so each index holds only them.
STAFF_OF_WINDOW = "window_code IS NOT NULL"
STAFF_OF_DEPARTMENT = "department_code IS NOT NULL"


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        Index("ix_users_window_staff", "window_code",
              postgresql_where=text(STAFF_OF_WINDOW), sqlite_where=text(STAFF_OF_WINDOW)),
        Index("ix_users_department_staff", "department_code",
              postgresql_where=text(STAFF_OF_DEPARTMENT), sqlite_where=text(STAFF_OF_DEPARTMENT)),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str | None] = mapped_column(String(64), unique=True)  # staff only
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(Sealed("phone"))
    id_number: Mapped[str | None] = mapped_column(Sealed("id_number"))
    phone_hash: Mapped[str | None] = mapped_column(
        String(64), unique=True, default=hash_of("phone", "phone")
    )
    id_number_hash: Mapped[str | None] = mapped_column(
        String(64), unique=True, default=hash_of("id_number", "id_number")
    )
    window_code: Mapped[str | None] = mapped_column(ForeignKey("windows.code"))
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    # The head of the department: a red deadline on its steps is escalated to them.
    is_department_head: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where email notices go (staff: set by create-user --email; applicants: their profile).
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(8), default="zh")  # of the messages they get
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Every token carries the version it was issued under; a password change, a deactivation,
    # a new role, window or department, or a lock by an admin bumps it, and older tokens stop
    # working on their next request.
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    # Consecutive failed logins; after LOGIN_LOCK_AFTER of them the account is locked until then.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An applicant logs in once a one-time code sent to the phone has come back; until then the
    # account is pending and a new registration with the phone replaces its details.
    phone_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The live one-time code, as its keyed hash only; it is void after its expiry or too many
    # wrong tries (workflow/services/phone_confirmation.py).
    phone_code_hash: Mapped[str | None] = mapped_column(String(64))
    phone_code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    phone_code_wrong_tries: Mapped[int] = mapped_column(Integer, default=0)
    # Its last login or session refresh; an applicant account unused for RETENTION_DAYS, with no
    # case left linked to it, is emptied of personal data (retention.py), and when.
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
