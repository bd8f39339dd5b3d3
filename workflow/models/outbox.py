"""Background work committed with the change that needs it (see workflow/outbox.py)."""

from datetime import datetime

from sqlalchemy import Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from workflow.db import Base
from workflow.models._types import JSONDocument, UTCDateTime, utcnow


class OutboxMessage(Base):
    __tablename__ = "outbox"
    # Only rows still waiting are indexed (both PostgreSQL and SQLite know partial indexes): the
    # relay and the backlog claim read nothing else, and the index stays the size of the backlog.
    __table_args__ = (
        Index(
            "ix_outbox_pending",
            "created_at",
            postgresql_where=text("processed_at IS NULL AND failed_at IS NULL"),
            sqlite_where=text("processed_at IS NULL AND failed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set by the relay only: the fast path after the commit leaves no trace here, by design (one
    # write fewer per request); the relay's `attempts` count its republications.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # After a failed attempt: not taken again before this time (the relay republishes it then).
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
