"""One message to one recipient on one channel. Unique per (event, recipient, channel): I3."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.db import Base
from workflow.models._types import JSONDocument, UTCDateTime, utcnow
from workflow.models.event import Event


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("event_id", "recipient_type", "recipient", "channel"),
        Index("ix_notifications_recipient", "recipient_type", "recipient", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    recipient_type: Mapped[str] = mapped_column(String(16))  # window / user
    recipient: Mapped[str] = mapped_column(String(40))  # a window code or a user id
    channel: Mapped[str] = mapped_column(String(16), default="in_app")
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default="delivered")
    body: Mapped[dict] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
