"""A case (办件) and its steps: one unit of window or department work each."""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.db import Base
from workflow.lifecycle import UNDER_REVIEW
from workflow.models._types import JSONDocument, UTCDateTime, utcnow

# The statuses in which a case's clock runs or is paused, as SQL: the red and yellow lists look
# only at these, and their index covers only these rows (a query must spell the predicate the same
# way for the database to use a partial index, whatever the parameters).
UNDER_REVIEW_SQL = f"status IN ({', '.join(repr(str(s)) for s in sorted(UNDER_REVIEW))})"
HAS_DEADLINE_SQL = "due_date IS NOT NULL"
PROVISIONAL_SQL = "due_date_provisional"
ASSIGNED_SQL = "assignee_id IS NOT NULL"


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_window_id", "window_code", "id"),
        Index("ix_applications_applicant_policy", "applicant_id", "policy_code"),
        Index("ix_applications_status_id", "status", "id"),
        # A window's queue by due date, the red list, and the sweep's yellow look-up: partial
        # indexes, so a new case (no deadline yet) costs its INSERT nothing for them.
        Index(
            "ix_applications_window_status_due",
            "window_code",
            "status",
            "due_date",
            "id",
            postgresql_where=text(HAS_DEADLINE_SQL),
            sqlite_where=text(HAS_DEADLINE_SQL),
        ),
        Index(
            "ix_applications_live_sla_due",
            "sla_status",
            "due_date",
            "id",
            postgresql_where=text(UNDER_REVIEW_SQL),
            sqlite_where=text(UNDER_REVIEW_SQL),
        ),
        Index(
            "ix_applications_status_sla_yellow",
            "status",
            "sla_status",
            "yellow_on",
            postgresql_where=text(HAS_DEADLINE_SQL),
            sqlite_where=text(HAS_DEADLINE_SQL),
        ),
        # Cases by due date, and live cases by due date (a department's queue: an open step means
        # the case is under review): any list sorted by due date walks one of them in order.
        Index(
            "ix_applications_due",
            "due_date",
            "id",
            postgresql_where=text(HAS_DEADLINE_SQL),
            sqlite_where=text(HAS_DEADLINE_SQL),
        ),
        Index(
            "ix_applications_live_due",
            "due_date",
            "id",
            postgresql_where=text(UNDER_REVIEW_SQL),
            sqlite_where=text(UNDER_REVIEW_SQL),
        ),
        # A window's own lists: by due date (any status, or live ones only), and its live cases
        # of one SLA colour, newest first. Without these a clerk's list walks every window's
        # cases in that order and keeps one in 23 (20-40 ms warm at a million, 0.5 s cold).
        Index(
            "ix_applications_window_due",
            "window_code",
            "due_date",
            "id",
            postgresql_where=text(HAS_DEADLINE_SQL),
            sqlite_where=text(HAS_DEADLINE_SQL),
        ),
        Index(
            "ix_applications_window_live_due",
            "window_code",
            "due_date",
            "id",
            postgresql_where=text(UNDER_REVIEW_SQL),
            sqlite_where=text(UNDER_REVIEW_SQL),
        ),
        Index(
            "ix_applications_window_live_sla",
            "window_code",
            "sla_status",
            "id",
            postgresql_where=text(UNDER_REVIEW_SQL),
            sqlite_where=text(UNDER_REVIEW_SQL),
        ),
        # The cases a clerk claimed, or was assigned, at the window.
        Index(
            "ix_applications_assignee",
            "assignee_id",
            postgresql_where=text(ASSIGNED_SQL),
            sqlite_where=text(ASSIGNED_SQL),
        ),
        # The few provisional deadlines: the minute sweep's alert and a loaded year look them up.
        Index(
            "ix_applications_provisional",
            "accepted_on",
            "statutory_due_date",
            postgresql_where=text(PROVISIONAL_SQL),
            sqlite_where=text(PROVISIONAL_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    # None once the retention period has ended: the anonymised case names no one.
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    policy_code: Mapped[str] = mapped_column(ForeignKey("policies.code"))
    window_code: Mapped[str] = mapped_column(ForeignKey("windows.code"))
    form: Mapped[dict] = mapped_column(JSONDocument)
    status: Mapped[str] = mapped_column(String(32))
    # Every open problem, listed at once (一次性告知); empty when nothing is asked of the applicant.
    correction_items: Mapped[list] = mapped_column(JSONDocument, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Head of the case's audit chain: lets a verifier notice events dropped from the end.
    last_event_hash: Mapped[str | None] = mapped_column(String(64))
    # The automatic step's failures since it last succeeded, and the last one's error class: a
    # case out of attempts is parked (needs_attention) for an admin to retry.
    automatic_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure: Mapped[str | None] = mapped_column(String(100))
    # The person working on it now (a window clerk or a reviewer), from claim or assign.
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The policy version the case started under (its form, documents, rules and route): a later
    # version does not touch it.
    policy_version: Mapped[int | None] = mapped_column(Integer)
    # 容缺受理: the secondary documents the applicant pledged to bring, and by when.
    pledge_documents: Mapped[list] = mapped_column(JSONDocument, default=list)
    pledge_due: Mapped[date | None] = mapped_column(Date)
    # The deadline clock (workflow/clock.py), counted in working days from acceptance (受理):
    # the day counts include extensions; the dates are recomputed whenever the clock changes.
    accepted_on: Mapped[date | None] = mapped_column(Date)
    promised_days: Mapped[int | None] = mapped_column(Integer)
    statutory_days: Mapped[int | None] = mapped_column(Integer)
    due_date: Mapped[date | None] = mapped_column(Date)
    statutory_due_date: Mapped[date | None] = mapped_column(Date)
    yellow_on: Mapped[date | None] = mapped_column(Date)
    # Each stretch the clock stood still (a special procedure, a suspension), oldest first:
    # {"kind": the pausing action, "started_on", "ended_on": ISO dates, null while it runs}.
    pauses: Mapped[list] = mapped_column(JSONDocument, default=list)
    # Counted through a year the calendar does not cover yet (Monday to Friday there).
    due_date_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    # green / yellow / red, as the deadline sweep last marked it (each change notifies once).
    sla_status: Mapped[str] = mapped_column(String(8), default="green")
    # The answer to a correction notice is due by this day; unanswered, the case expires.
    correction_due: Mapped[date | None] = mapped_column(Date)
    # The correction or pledge due date the applicant was last reminded of (once per date).
    reminded_due: Mapped[date | None] = mapped_column(Date)
    # 不予受理: where to apply instead; 好差评: the applicant's rating (1-5).
    refer_to: Mapped[str | None] = mapped_column(String(500))
    rating: Mapped[int | None] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When its personal data was erased, RETENTION_DAYS after it closed (retention.py).
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    steps: Mapped[list["Step"]] = relationship(
        back_populates="application", order_by="Step.position"
    )


class Step(Base):
    """A department's part of a stage of the case's route. The members of a parallel stage share
    its position; the stage's `sign` says whether all must pass (会签) or any one (或签). One row,
    so one decision at a time, per (case, stage, department): invariant I2."""

    __tablename__ = "steps"
    __table_args__ = (
        UniqueConstraint("application_id", "position", "department_code"),
        Index("ix_steps_department_application", "department_code", "application_id"),
        # The steps a reviewer claimed or was assigned (each person has few).
        Index(
            "ix_steps_assignee",
            "assignee_id",
            "application_id",
            postgresql_where=text(ASSIGNED_SQL),
            sqlite_where=text(ASSIGNED_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    position: Mapped[int] = mapped_column(Integer)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    code: Mapped[str] = mapped_column(String(40))  # the route stage's code
    sign: Mapped[str] = mapped_column(String(8), default="one")  # one / all / any
    # pending / open / passed / failed / skipped (another member of an any-sign stage passed, or
    # the review ended while it was open: rejected by another department, withdrawn)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The stage's working days (from the route version), and, once it opens, its own deadline.
    working_days: Mapped[int] = mapped_column(Integer, default=0)
    opened_on: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str | None] = mapped_column(String(2000))

    application: Mapped[Application] = relationship(back_populates="steps")
