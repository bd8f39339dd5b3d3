"""The official working-day schedule: the dates that differ from Monday to Friday, by year."""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.db import Base
from workflow.models._types import UTCDateTime, utcnow


class CalendarDay(Base):
    """A weekday holiday (working False) or a 调休 make-up weekend (working True)."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(100), default="")


class CalendarYear(Base):
    """A year whose schedule is known; a year without a row is counted provisionally."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(40))  # "chinese-calendar 1.11.0" or "admin"
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
