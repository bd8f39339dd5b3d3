"""The versions of each policy's terms (form, documents, rules, route, day counts)."""

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from workflow.models import PolicyVersion


def get_latest_version(session: OrmSession, policy_code: str) -> PolicyVersion | None:
    return session.scalars(
        select(PolicyVersion)
        .where(PolicyVersion.policy_code == policy_code)
        .order_by(PolicyVersion.version.desc())
        .limit(1)
    ).first()


def get_version(session: OrmSession, policy_code: str, version: int) -> PolicyVersion | None:
    return session.scalars(
        select(PolicyVersion).where(
            PolicyVersion.policy_code == policy_code, PolicyVersion.version == version
        )
    ).first()
