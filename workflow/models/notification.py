"""Notifications: one message to one recipient on one channel (unique per source, recipient and
channel: I3), the attempts to deliver it, the rules that say who is told on which channel, the
message templates, broadcasts to every window, and the tasks a failed message leaves a window."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.db import Base
from workflow.models._types import JSONDocument, UTCDateTime, utcnow
from workflow.models.event import Event

# Rows a delivery worker may still take: waiting for a first or a further attempt, or in flight.
DUE_SQL = "status IN ('created', 'sending')"


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("source", "recipient_type", "recipient", "channel",
                         name="uq_notifications_source"),
        Index("ix_notifications_recipient", "recipient_type", "recipient", "id"),
        # The stuck-row sweep reads only the rows not yet final.
        Index("ix_notifications_due", "next_attempt_at", postgresql_where=text(DUE_SQL),
              sqlite_where=text(DUE_SQL)),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # What the message is about: "event:<id>" (a case's transition), "broadcast:<id>", or
    # "digest:<date>" (a window's morning summary).
    source: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    recipient_type: Mapped[str] = mapped_column(String(16))  # window / department / user
    recipient: Mapped[str] = mapped_column(String(40))  # a window or department code, a user id
    channel: Mapped[str] = mapped_column(String(16), default="in_app")
    kind: Mapped[str] = mapped_column(String(40))
    # created -> sending -> delivered | temporary_failure | permanent_failure | technical_failure
    status: Mapped[str] = mapped_column(String(20), default="delivered")
    body: Mapped[dict] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When a worker may take the row (again): after a retry's delay, or when an attempt that
    # never reported back is given up on. For an SMS the provider accepted: when to stop
    # waiting for its receipt.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Held back until then, without counting an attempt: quiet hours, or a channel's rate limit.
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the provider accepted it
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # final status reached
    provider_id: Mapped[str | None] = mapped_column(String(64))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    attempt_log: Mapped[list["DeliveryAttempt"]] = relationship(
        order_by="DeliveryAttempt.number", viewonly=True
    )


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempts"
    __table_args__ = (UniqueConstraint("notification_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"))
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # delivered / accepted / temporary / permanent, or None while in flight (or lost with it)
    outcome: Mapped[str | None] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(200), default="")  # never personal data


class NotificationRule(Base):
    """One line of the rule table: a notice of `kind` to `recipient` goes out on `channel`."""

    __tablename__ = "notification_rules"
    __table_args__ = (UniqueConstraint("kind", "recipient", "channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class MessageTemplate(Base):
    """A notice's words in one language; a change is a new version, the newest is used."""

    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("code", "language", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40))  # the notice kind
    language: Mapped[str] = mapped_column(String(8))  # zh / en
    version: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Broadcast(Base):
    """One message to every window (a policy's new version, a recruitment batch), written by an
    admin and fanned out one task per window."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject_zh: Mapped[str] = mapped_column(String(200))
    text_zh: Mapped[str] = mapped_column(Text)
    subject_en: Mapped[str] = mapped_column(String(200))
    text_en: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WindowTask(Base):
    """Work a window owes because a message could not reach someone (call the applicant)."""

    __tablename__ = "window_tasks"
    __table_args__ = (UniqueConstraint("notification_id"),)  # one task per failed message

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    window_code: Mapped[str] = mapped_column(ForeignKey("windows.code"))
    kind: Mapped[str] = mapped_column(String(40))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
