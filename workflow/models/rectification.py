"""A rectification task (整改): a window's answer to a bad service rating, with its own deadline."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.db import Base
from workflow.models._types import UTCDateTime, utcnow


class RectificationTask(Base):
    __tablename__ = "rectification_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # One per case: a case is rated once.
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    window_code: Mapped[str] = mapped_column(ForeignKey("windows.code"), index=True)
    rating: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")  # open / done
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
