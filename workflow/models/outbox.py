"""Background work committed with the change that needs it, published by the relay."""

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.db import Base
from workflow.models._types import JSONDocument, UTCDateTime, utcnow


class OutboxMessage(Base):
    __tablename__ = "outbox"
    # The relay looks only at rows not yet done; a partial index would be nicer but is not portable.
    __table_args__ = (Index("ix_outbox_pending", "processed_at", "failed_at", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
