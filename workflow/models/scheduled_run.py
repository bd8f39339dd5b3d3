"""Jobs started once a day (the windows' morning digest): one row per job and day. Beat asks for
such a job again through the morning, so a start that was lost (the broker or the worker down
at the hour) is caught up; the row makes every ask after the first a no-op."""

from datetime import date, datetime

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.db import Base
from workflow.models._types import UTCDateTime, utcnow


class ScheduledRun(Base):
    __tablename__ = "scheduled_runs"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    run_on: Mapped[date] = mapped_column(Date, primary_key=True)  # the Beijing date it is for
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
