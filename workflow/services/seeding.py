"""Load the reference data (and, where the config allows, demo accounts) from seed/*.yaml.

Idempotent: rows are upserted by code, existing accounts are left as they are.
"""

from pathlib import Path

import yaml

from workflow.db import Session
from workflow.models import Department, Policy, Window
from workflow.policies import forget_cached_terms
from workflow.repositories import reference
from workflow.services.accounts import create_staff_user

POLICY_KEYS = (
    "code", "name_zh", "name_en", "description_zh", "description_en", "lead_department",
    "review_departments", "sla_working_days", "allows_multiple_open", "form_fields",
    "required_documents", "eligibility_rules",
)  # fmt: skip


def _load(seed_dir: Path, name: str):
    with open(seed_dir / f"{name}.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def seed_reference_data(seed_dir: Path) -> dict:
    session = Session()
    departments = _load(seed_dir, "departments")
    windows = _load(seed_dir, "windows")
    policies = _load(seed_dir, "policies")
    for row in departments:
        session.merge(Department(**row))
    for row in windows:
        session.merge(Window(**row))
    session.flush()
    for row in policies:
        session.merge(Policy(**{key: row[key] for key in POLICY_KEYS}))
    session.commit()
    forget_cached_terms()
    return {"departments": len(departments), "windows": len(windows), "policies": len(policies)}


def seed_demo_accounts(seed_dir: Path) -> tuple[str, list[str]]:
    """Creates the demo staff that do not exist yet; returns the shared password and usernames."""
    demo = _load(seed_dir, "demo_users")
    created = []
    for row in demo["users"]:
        if reference.get_user_by_username(Session(), row["username"]) is None:
            create_staff_user(
                username=row["username"],
                password=demo["password"],
                role=row["role"],
                name=row["name"],
                window_code=row.get("window"),
                department_code=row.get("department"),
            )
            created.append(row["username"])
    return demo["password"], created
