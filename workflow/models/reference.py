"""Reference data loaded from seed/: departments, windows, the eight policies and their routes."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.db import Base
from workflow.models._types import JSONDocument, UTCDateTime, utcnow


class Department(Base):
    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200))


class Window(Base):
    __tablename__ = "windows"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))
    township_zh: Mapped[str | None] = mapped_column(String(50))
    township_en: Mapped[str | None] = mapped_column(String(100))
    # The window's own system, told of its cases by signed POSTs (set by admins).
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_secret: Mapped[str | None] = mapped_column(String(128))


class Policy(Base):
    __tablename__ = "policies"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200))
    description_zh: Mapped[str] = mapped_column(String(500), default="")
    description_en: Mapped[str] = mapped_column(String(1000), default="")
    lead_department: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    # Working days from acceptance: the district's promise and the legal limit.
    promised_working_days: Mapped[int] = mapped_column(Integer)
    statutory_working_days: Mapped[int] = mapped_column(Integer)
    current_version: Mapped[int] = mapped_column(Integer)
    allows_multiple_open: Mapped[bool] = mapped_column(Boolean, default=False)
    form_fields: Mapped[list] = mapped_column(JSONDocument)
    required_documents: Mapped[list] = mapped_column(JSONDocument)
    eligibility_rules: Mapped[list] = mapped_column(JSONDocument)

    current: Mapped["PolicyVersion"] = relationship(
        primaryjoin="and_(Policy.code == foreign(PolicyVersion.policy_code), "
        "Policy.current_version == foreign(PolicyVersion.version))",
        viewonly=True,
        lazy="selectin",
    )

    @property
    def route(self) -> list[dict]:
        """The current version's stages, numbered from 0 as a case's steps are."""
        return [{"position": n, **stage} for n, stage in enumerate(self.current.route)]


class PolicyVersion(Base):
    """A policy's route and day counts as they stood from one seeding on; never changed after.

    A case keeps the version it started under, so a new route applies only to new cases.
    """

    __tablename__ = "policy_versions"
    __table_args__ = (UniqueConstraint("policy_code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_code: Mapped[str] = mapped_column(ForeignKey("policies.code"))
    version: Mapped[int] = mapped_column(Integer)
    # [{code, departments: [...], sign: one | all | any, working_days}, ...] in route order.
    route: Mapped[list] = mapped_column(JSONDocument)
    promised_working_days: Mapped[int] = mapped_column(Integer)
    statutory_working_days: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
