"""Load the reference data (and, where the config allows, demo accounts) from seed/*.yaml.

Idempotent: rows are upserted by code, existing accounts are left as they are, and a policy
gets a new version only when its terms (form, documents, rules, route, day counts) differ from
its latest version's.
"""

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from workflow.db import Session
from workflow.models import (
    Department,
    MessageTemplate,
    NotificationRule,
    Policy,
    PolicyVersion,
    Window,
)
from workflow.notifications import LANGUAGES
from workflow.notifications.seed import load_notification_seed
from workflow.policies import forget_cached_terms
from workflow.repositories import policy_versions, reference
from workflow.seed_validation import load_demo_users, load_reference_seed
from workflow.services.accounts import create_staff_user
from workflow.services.calendar import seed_calendar

POLICY_KEYS = (
    "code", "name_zh", "name_en", "description_zh", "description_en", "lead_department",
    "allows_multiple_open",
)  # fmt: skip
# What a version fixes for the cases filed under it, besides the route.
VERSION_KEYS = (
    "promised_working_days", "statutory_working_days", "form_fields", "required_documents",
    "eligibility_rules",
)  # fmt: skip


def seed_reference_data(seed_dir: Path) -> dict:
    seed = load_reference_seed(seed_dir)  # raises SeedError before anything is written
    notices = load_notification_seed(seed_dir)
    departments, windows, policies = seed.departments, seed.windows, seed.policies
    session = Session()
    for row in departments:
        session.merge(Department(**row))
    for row in windows:
        session.merge(Window(**row))
    session.flush()
    for row in policies:
        _seed_policy(session, row)
    rules, templates = _seed_notices(session, notices.rules, notices.templates)
    session.commit()
    forget_cached_terms()
    return {
        "departments": len(departments),
        "windows": len(windows),
        "policies": len(policies),
        "notification_rules_added": rules,
        "templates_added": templates,
        "calendar_years": seed_calendar(),
    }


def _seed_policy(session: OrmSession, row: dict) -> None:
    terms = {key: row[key] for key in VERSION_KEYS}
    terms["route"] = [_stored_stage(stage) for stage in row["route"]]
    latest = policy_versions.get_latest_version(session, row["code"])
    unchanged = latest is not None and terms == {key: getattr(latest, key) for key in terms}
    version = latest.version if unchanged else (latest.version + 1 if latest else 1)
    fields = {key: row[key] for key in POLICY_KEYS if key in row}
    policy = session.merge(Policy(**fields, current_version=version))
    if unchanged:
        return
    session.flush()  # the policy row first: the version refers to it
    session.add(PolicyVersion(policy_code=row["code"], version=version, **terms))
    # Sessions keep objects after commit; a loaded `current` would still show the old version.
    session.expire(policy, ["current"])


def _seed_notices(session: OrmSession, rules: list, templates: list[dict]) -> tuple[int, int]:
    """Rules and templates that do not exist yet; what admins changed stays as they left it."""
    known = set(session.execute(select(NotificationRule.kind, NotificationRule.recipient,
                                       NotificationRule.channel)).all())  # fmt: skip
    new_rules = [rule for rule in rules if rule not in known]
    for kind, recipient, channel in new_rules:
        session.add(NotificationRule(kind=kind, recipient=recipient, channel=channel, active=True))
    worded = set(session.execute(select(MessageTemplate.code, MessageTemplate.language)).all())
    added = 0
    for template in templates:
        for language in LANGUAGES:
            if (template["code"], language) not in worded:
                session.add(MessageTemplate(code=template["code"], language=language, version=1,
                                            **template[language]))  # fmt: skip
                added += 1
    return len(new_rules), added


def _stored_stage(stage: dict) -> dict:
    """A route stage as a version stores it: `sign` spelled out, "one" for a single department."""
    return {
        "code": stage["code"],
        "departments": list(stage["departments"]),
        "sign": stage.get("sign", "one"),
        "working_days": stage["working_days"],
    }


def seed_demo_accounts(seed_dir: Path) -> tuple[str, list[str]]:
    """Creates the demo staff that do not exist yet; returns the shared password and usernames."""
    demo = load_demo_users(seed_dir)
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
                department_head=bool(row.get("head")),
            )
            created.append(row["username"])
    return demo["password"], created
