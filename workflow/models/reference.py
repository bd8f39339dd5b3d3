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
    current_version: Mapped[int] = mapped_column(Integer)
    allows_multiple_open: Mapped[bool] = mapped_column(Boolean, default=False)

    current: Mapped["PolicyVersion"] = relationship(
        primaryjoin="and_(Policy.code == foreign(PolicyVersion.policy_code), "
        "Policy.current_version == foreign(PolicyVersion.version))",
        viewonly=True,
        lazy="selectin",
    )

    @property
    def route(self) -> list[dict]:
        return self.current.numbered_route

    # What a case filed now is judged by: the current version's.
    @property
    def form_fields(self) -> list[dict]:
        return self.current.form_fields

    @property
    def required_documents(self) -> list[dict]:
        return self.current.required_documents

    @property
    def eligibility_rules(self) -> list[dict]:
        return self.current.eligibility_rules

    @property
    def promised_working_days(self) -> int:
        return self.current.promised_working_days

    @property
    def statutory_working_days(self) -> int:
        return self.current.statutory_working_days


class PolicyVersion(Base):
    """What a policy asks and how it is handled, as it stood from one seeding on: the form, the
    documents, the eligibility rules, the route and the day counts. Never changed after.

    A case keeps the version it was filed under: it is checked, corrected and reviewed by the
    terms it was filed on, and a change applies only to new cases.
    """

    __tablename__ = "policy_versions"
    __table_args__ = (UniqueConstraint("policy_code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_code: Mapped[str] = mapped_column(ForeignKey("policies.code"))
    version: Mapped[int] = mapped_column(Integer)
    # [{code, departments: [...], sign: one | all | any, working_days}, ...] in route order.
    route: Mapped[list] = mapped_column(JSONDocument)
    # Working days from acceptance: the district's promise and the legal limit.
    promised_working_days: Mapped[int] = mapped_column(Integer)
    statutory_working_days: Mapped[int] = mapped_column(Integer)
    form_fields: Mapped[list] = mapped_column(JSONDocument)
    required_documents: Mapped[list] = mapped_column(JSONDocument)
    eligibility_rules: Mapped[list] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def numbered_route(self) -> list[dict]:
        """The stages, numbered from 0 as a case's steps are."""
        return [{"position": n, **stage} for n, stage in enumerate(self.route)]
