"""Reference data loaded from seed/: departments, windows and the eight policies."""

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.db import Base
from workflow.models._types import JSONDocument


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


class Policy(Base):
    __tablename__ = "policies"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200))
    description_zh: Mapped[str] = mapped_column(String(500), default="")
    description_en: Mapped[str] = mapped_column(String(1000), default="")
    lead_department: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    review_departments: Mapped[list] = mapped_column(JSONDocument)
    sla_working_days: Mapped[int] = mapped_column(Integer)
    allows_multiple_open: Mapped[bool] = mapped_column(Boolean, default=False)
    form_fields: Mapped[list] = mapped_column(JSONDocument)
    required_documents: Mapped[list] = mapped_column(JSONDocument)
    eligibility_rules: Mapped[list] = mapped_column(JSONDocument)
