"""The audit trail: append-only, one hash chain per case (invariant I7)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.db import Base
from workflow.models._types import JSONDocument, UTCDateTime, utcnow
from workflow.models.application import Application


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("application_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(String(20))
    on_behalf_of: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    comment: Mapped[str | None] = mapped_column(String(2000))
    data: Mapped[dict] = mapped_column(JSONDocument, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    # The random salts of the parts retention may erase, and the digests of those it erased when
    # the case's retention period ended (workflow/audit.py).
    salts: Mapped[dict | None] = mapped_column(JSONDocument)
    redacted: Mapped[dict | None] = mapped_column(JSONDocument)
    hash: Mapped[str] = mapped_column(String(64))

    application: Mapped[Application] = relationship()
