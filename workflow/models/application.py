"""A case (办件) and its steps: one unit of window or department work each."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.db import Base
from workflow.models._types import JSONDocument, UTCDateTime, utcnow


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_window_id", "window_code", "id"),
        Index("ix_applications_applicant_policy", "applicant_id", "policy_code"),
        Index("ix_applications_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    policy_code: Mapped[str] = mapped_column(ForeignKey("policies.code"))
    window_code: Mapped[str] = mapped_column(ForeignKey("windows.code"))
    form: Mapped[dict] = mapped_column(JSONDocument)
    status: Mapped[str] = mapped_column(String(32))
    # Every open problem, listed at once (一次性告知); empty when nothing is asked of the applicant.
    correction_items: Mapped[list] = mapped_column(JSONDocument, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Head of the case's audit chain: lets a verifier notice events dropped from the end.
    last_event_hash: Mapped[str | None] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    steps: Mapped[list["Step"]] = relationship(
        back_populates="application", order_by="Step.position"
    )


class Step(Base):
    """A department's review step. At most one decision per (case, position): invariant I2."""

    __tablename__ = "steps"
    __table_args__ = (
        UniqueConstraint("application_id", "position"),
        Index("ix_steps_department_application", "department_code", "application_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    position: Mapped[int] = mapped_column(Integer)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending/open/passed/failed
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str | None] = mapped_column(String(2000))

    application: Mapped[Application] = relationship(back_populates="steps")
